"""Deal services: opening, moving through stages (requirements, outcome, reopening), contacts, lines, prices."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kartoteka.activities import services as activity_services
from kartoteka.core import events
from kartoteka.core.errors import ConflictError
from kartoteka.deals import services
from kartoteka.deals.models import Deal, DealStatus, LostReason, Pipeline, Stage, StageChange, StageKind
from kartoteka.testing.factories import ClientFactory, ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    """The events published in the test, in order (handlers still run after commit as usual)."""
    seen: list[events.Event] = []
    original = events.publish

    def spy(name, /, **payload):
        event = original(name, **payload)
        seen.append(event)
        return event

    monkeypatch.setattr(events, "publish", spy)
    return seen


def stage(code: str) -> Stage:
    return Stage.objects.get(pipeline__code="sales", code=code)


def test_a_manager_opens_a_deal_in_the_first_stage_and_owns_it(world, published):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    published.clear()
    deal = services.deal_create(actor=manager, client=client, values={"title": "Windows for the office"})
    assert deal.owner == manager
    assert deal.team == world.teams["north1"]
    assert deal.pipeline.code == "sales"
    assert deal.stage.code == "new"
    assert deal.status == DealStatus.OPEN
    assert deal.currency == "RUB"
    first = StageChange.objects.get(deal=deal)
    assert (first.from_stage, first.to_stage, first.changed_by) == (None, deal.stage, manager)
    assert [event.name for event in published] == ["deal.created"]


def test_a_deal_needs_a_title(world):
    manager = world.users["mgr_north1"]
    with pytest.raises(ValidationError) as error:
        services.deal_create(actor=manager, client=ClientFactory(responsible=manager), values={"title": "  "})
    assert "title" in error.value.error_dict


def test_a_deal_on_a_client_the_manager_cannot_see_is_refused(world):
    foreign = ClientFactory(responsible=world.users["mgr_south"])
    with pytest.raises(ValidationError) as error:
        services.deal_create(actor=world.users["mgr_north1"], client=foreign, values={"title": "Mine now"})
    assert "client" in error.value.error_dict
    assert not Deal.objects.exists()


def test_a_manager_cannot_open_a_deal_for_another_manager(world):
    head = world.users["head"]
    client = ClientFactory(responsible=world.users["mgr_north1"])
    with pytest.raises(PermissionDenied):
        services.deal_create(
            actor=world.users["mgr_north1"], client=client, values={"title": "x", "owner": world.users["mgr_south"]}
        )
    deal = services.deal_create(actor=head, client=client, values={"title": "x", "owner": world.users["mgr_south"]})
    assert deal.team == world.teams["south"]


def test_entering_a_stage_requires_its_fields(world):
    manager = world.users["mgr_north1"]
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    with pytest.raises(services.StageRequirementsError) as error:
        services.deal_move_stage(actor=manager, deal=deal, stage=stage("proposal"))
    assert error.value.missing == ["amount"]
    assert "amount" in error.value.message
    deal.refresh_from_db()
    assert deal.stage.code == "new"
    services.deal_update(actor=manager, deal=deal, changes={"amount": Decimal("150000.00")})
    change = services.deal_move_stage(actor=manager, deal=deal, stage=stage("proposal"))
    assert change is not None
    assert change.from_stage == stage("new")


def test_a_field_the_current_stage_requires_cannot_be_emptied(world):
    manager = world.users["mgr_north1"]
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager, amount=Decimal(10), stage=stage("proposal"))
    with pytest.raises(services.StageRequirementsError):
        services.deal_update(actor=manager, deal=deal, changes={"amount": None})


def test_moves_record_the_time_spent_in_the_stage_left(world, published):
    manager = world.users["mgr_north1"]
    start = timezone.now() - datetime.timedelta(hours=5)
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager, now=start)
    published.clear()
    change = services.deal_move_stage(
        actor=manager, deal=deal, stage=stage("qualification"), now=start + datetime.timedelta(hours=2)
    )
    assert change is not None
    assert change.seconds_in_stage == 2 * 3600
    assert change.changed_by == manager
    deal.refresh_from_db()
    assert deal.stage_entered_at == start + datetime.timedelta(hours=2)
    assert [event.name for event in published] == ["deal.stage_changed"]
    assert published[0].payload["from_stage_id"] == stage("new").pk


def test_moving_into_the_current_stage_changes_nothing(world):
    manager = world.users["mgr_north1"]
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    assert services.deal_move_stage(actor=manager, deal=deal, stage=deal.stage) is None
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_losing_needs_a_reason_and_closes_the_deal(world, published):
    manager = world.users["mgr_north1"]
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    with pytest.raises(ValidationError) as error:
        services.deal_lose(actor=manager, deal=deal, reason=None)
    assert "lost_reason" in error.value.error_dict
    published.clear()
    reason = LostReason.objects.get(code="price")
    services.deal_lose(actor=manager, deal=deal, reason=reason, comment="  Went with a cheaper offer ")
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
    assert deal.closed_at is not None
    assert deal.lost_reason == reason
    assert deal.outcome_comment == "Went with a cheaper offer"
    assert [event.name for event in published] == ["deal.stage_changed", "deal.lost"]


def test_winning_checks_the_won_stage_requirements(world):
    manager = world.users["mgr_north1"]
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    with pytest.raises(services.StageRequirementsError):
        services.deal_win(actor=manager, deal=deal)
    services.deal_update(actor=manager, deal=deal, changes={"amount": Decimal("99.90")})
    services.deal_win(actor=manager, deal=deal, comment="Signed")
    deal.refresh_from_db()
    assert (deal.status, deal.stage.kind, deal.outcome_comment) == (DealStatus.WON, StageKind.WON, "Signed")


def test_reopening_returns_to_the_stage_the_deal_was_closed_from_and_keeps_history(world):
    manager = world.users["mgr_north1"]
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    services.deal_move_stage(actor=manager, deal=deal, stage=stage("meeting"))
    services.deal_lose(actor=manager, deal=deal, reason=LostReason.objects.get(code="no-budget"))
    with pytest.raises(ValidationError):
        services.deal_reopen(actor=manager, deal=Deal.objects.get(pk=deal.pk), stage=stage("won"))
    change = services.deal_reopen(actor=manager, deal=Deal.objects.get(pk=deal.pk))
    deal.refresh_from_db()
    assert change.to_stage == stage("meeting")
    assert (deal.status, deal.closed_at) == (DealStatus.OPEN, None)
    assert list(StageChange.objects.filter(deal=deal).order_by("changed_at", "id").values_list("to_stage__code", flat=True)) == [
        "new",
        "meeting",
        "lost",
        "meeting",
    ]
    with pytest.raises(ConflictError):
        services.deal_reopen(actor=manager, deal=deal)


def test_another_managers_deal_cannot_be_moved(world):
    deal = DealFactory(client=ClientFactory(responsible=world.users["mgr_south"]), owner=world.users["mgr_south"])
    with pytest.raises(PermissionDenied):
        services.deal_move_stage(actor=world.users["mgr_north1"], deal=deal, stage=stage("qualification"))
    services.deal_move_stage(actor=world.users["head"], deal=deal, stage=stage("qualification"))


def test_a_manager_cannot_hand_a_deal_away_to_a_colleague_but_a_supervisor_can_within_the_team(world, published):
    manager, supervisor = world.users["mgr_north1"], world.users["sup_north"]
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    with pytest.raises(PermissionDenied):
        services.deal_update(actor=manager, deal=deal, changes={"owner": world.users["mgr_south"]})
    published.clear()
    services.deal_update(actor=supervisor, deal=deal, changes={"owner": supervisor})
    deal.refresh_from_db()
    assert (deal.owner, deal.team) == (supervisor, world.teams["north"])
    assert [event.name for event in published] == ["deal.updated", "deal.reassigned"]


def test_contacts_of_another_client_cannot_join_a_deal(world):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    deal = DealFactory(client=client, owner=manager)
    own = ContactFactory(client=client)
    stranger = ContactFactory(client=ClientFactory(responsible=manager))
    with pytest.raises(ValidationError):
        services.deal_set_contacts(actor=manager, deal=deal, contacts=[(own, None), (stranger, None)])
    services.deal_set_contacts(actor=manager, deal=deal, contacts=[(own, None)])
    assert list(deal.deal_contacts.values_list("contact_id", flat=True)) == [own.pk]


def test_line_items_set_the_amount_and_bad_lines_are_named(world):
    manager = world.users["mgr_north1"]
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    with pytest.raises(ValidationError) as error:
        services.deal_set_lines(actor=manager, deal=deal, lines=[{"description": "Window", "price": Decimal(-1)}])
    assert "Line 1" in str(error.value)
    services.deal_set_lines(
        actor=manager,
        deal=deal,
        lines=[
            {"description": "Window 1200×1400", "quantity": Decimal(3), "unit": "pcs", "price": Decimal("15000")},
            {"description": "Installation", "price": Decimal("8000"), "discount": Decimal("12.5")},
        ],
    )
    deal.refresh_from_db()
    assert deal.amount == Decimal("52000.00")
    assert [line.total for line in deal.lines.all()] == [Decimal("45000.00"), Decimal("7000.00")]


def test_our_price_proposal_becomes_the_amount_a_counter_offer_does_not(world):
    manager = world.users["mgr_north1"]
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager, amount=Decimal(1000))
    services.deal_propose_price(actor=manager, deal=deal, amount=Decimal(900), by_client=True)
    deal.refresh_from_db()
    assert deal.amount == Decimal(1000)
    services.deal_propose_price(actor=manager, deal=deal, amount=Decimal(950))
    deal.refresh_from_db()
    assert deal.amount == Decimal(950)
    assert [(p.amount, p.by_client) for p in deal.proposals.order_by("id")] == [(Decimal(900), True), (Decimal(950), False)]


def test_a_deal_moved_to_another_pipelines_stage_changes_pipeline(world):
    admin = world.users["admin"]
    manager = world.users["mgr_north1"]
    other = services.pipeline_save(actor=admin, values={"code": "service", "name_en": "Service"})
    target = services.stage_save(actor=admin, pipeline=other, values={"code": "new", "name_en": "New", "order": 10})
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    services.deal_move_stage(actor=manager, deal=deal, stage=target)
    deal.refresh_from_db()
    assert deal.pipeline == other
    assert StageChange.objects.filter(deal=deal).latest("id").pipeline == other


def test_only_administrators_configure_the_funnel(world):
    pipeline = Pipeline.objects.get(code="sales")
    with pytest.raises(PermissionDenied):
        services.stage_save(actor=world.users["head"], pipeline=pipeline, values={"code": "x", "name_en": "X"})
    with pytest.raises(ValidationError) as error:
        services.stage_save(
            actor=world.users["admin"], pipeline=pipeline, values={"code": "x", "name_en": "X", "required_fields": ["salary"]}
        )
    assert "required_fields" in error.value.error_dict


def test_a_stage_with_deals_keeps_its_kind_and_a_used_stage_is_deactivated_not_deleted(world):
    admin = world.users["admin"]
    manager = world.users["mgr_north1"]
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    with pytest.raises(ConflictError):
        services.stage_save(actor=admin, pipeline=deal.pipeline, stage=deal.stage, values={"kind": StageKind.WON})
    with pytest.raises(ConflictError):
        services.stage_delete(actor=admin, stage=deal.stage)
    services.deal_move_stage(actor=manager, deal=deal, stage=stage("qualification"))
    services.stage_delete(actor=admin, stage=stage("new"))
    assert Stage.objects.get(pipeline__code="sales", code="new").is_active is False
    unused = services.stage_save(actor=admin, pipeline=deal.pipeline, values={"code": "spare", "name_en": "Spare"})
    services.stage_delete(actor=admin, stage=unused)
    assert not Stage.objects.filter(pk=unused.pk).exists()


def test_activities_and_tasks_link_to_a_deal_of_their_client(world):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    deal = DealFactory(client=client, owner=manager)
    logged = activity_services.activity_log(
        actor=manager,
        client=client,
        values={"kind": "call", "deal": deal},
        next_task={"title": "Send the offer", "due_at": timezone.now() + datetime.timedelta(days=1)},
    )
    assert logged.activity.deal == deal
    assert logged.next_task is not None
    assert logged.next_task.deal == deal
    task = activity_services.task_create(
        actor=manager, values={"title": "Measure", "deal": deal, "due_at": timezone.now() + datetime.timedelta(days=2)}
    )
    assert task.client == client
    other_client = ClientFactory(responsible=manager)
    with pytest.raises(ValidationError) as error:
        activity_services.activity_log(actor=manager, client=other_client, values={"kind": "call", "deal": deal})
    assert "deal" in error.value.error_dict


def test_a_task_cannot_be_linked_to_a_deal_the_actor_cannot_see(world):
    manager, head = world.users["mgr_north1"], world.users["head"]
    client = ClientFactory(responsible=manager)
    foreign_deal = DealFactory(client=client, owner=world.users["mgr_south"], actor=head)
    with pytest.raises(ValidationError) as error:
        activity_services.task_create(
            actor=manager, values={"title": "x", "deal": foreign_deal, "due_at": timezone.now() + datetime.timedelta(days=1)}
        )
    assert "deal" in error.value.error_dict


def test_someone_with_an_open_task_on_a_deal_may_see_and_move_it_until_the_task_is_done(world):
    from kartoteka.deals import selectors
    from kartoteka.testing.factories import TaskFactory, UserFactory

    manager = world.users["mgr_north1"]
    measurer = UserFactory(team=world.teams["marketing"], roles="service_engineer")
    outsider = world.users["mgr_south"]
    client = ClientFactory(responsible=manager)
    deal = DealFactory(client=client, owner=manager)
    assert not selectors.visible_deals(outsider).filter(pk=deal.pk).exists()
    task = TaskFactory(assignee=outsider, client=client, deal=deal, title="Measure the windows")
    assert selectors.visible_deals(outsider).filter(pk=deal.pk).exists()
    services.deal_move_stage(actor=outsider, deal=deal, stage=stage("qualification"))
    with pytest.raises(PermissionDenied):
        services.deal_delete(actor=outsider, deal=deal)
    activity_services.task_complete(actor=outsider, task=task)
    assert not selectors.visible_deals(outsider).filter(pk=deal.pk).exists()
    with pytest.raises(PermissionDenied):
        services.deal_move_stage(actor=outsider, deal=deal, stage=stage("meeting"))
    assert measurer


def test_completing_a_deals_task_with_logging_puts_the_activity_on_the_deal(world):
    from kartoteka.testing.factories import TaskFactory

    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    deal = DealFactory(client=client, owner=manager)
    task = TaskFactory(assignee=manager, client=client, deal=deal, kind="visit", title="Measure")
    completed = activity_services.task_complete(actor=manager, task=task, log={"summary": "Measured: 3 windows"})
    assert completed.activity is not None
    assert completed.activity.deal == deal
