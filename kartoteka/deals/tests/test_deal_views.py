"""The deal card, its actions and forms over HTTP: what each role sees and may do, the requirement form,
the timeline, and the card's query count pinned whatever the deal's history."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities.models import Activity, Task, TaskStatus
from kartoteka.contacts.models import ContactRole
from kartoteka.deals import history, services
from kartoteka.deals.models import Deal, DealStatus, LostReason, PriceProposal, Stage, StageChange
from kartoteka.deals.views.kanban import format_money
from kartoteka.testing.factories import ActivityFactory, ClientFactory, ContactFactory, DealFactory, TaskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def stage(code: str) -> Stage:
    return Stage.objects.get(pipeline__code="sales", code=code)


def money(amount: int) -> str:
    return format_money(Decimal(amount), "RUB")


def card(deal: Deal) -> str:
    return reverse("deals:card", args=[deal.pk])


@pytest.fixture
def manager(world):
    return world.users["mgr_north1"]


@pytest.fixture
def own_client(manager):
    return ClientFactory(responsible=manager, name="Vostok Trading")


@pytest.fixture
def deal(manager, own_client):
    return DealFactory(client=own_client, owner=manager, actor=manager, title="Windows for the school", amount=Decimal(100_000))


# --- The card --------------------------------------------------------------------------------------


def test_the_card_shows_the_deal_its_sections_and_its_timeline(client_for, manager, own_client, deal):
    contact = ContactFactory(client=own_client, last_name="Sidorov", first_name="Pavel")
    services.deal_set_contacts(actor=manager, deal=deal, contacts=[(contact, ContactRole.objects.order_by("order").first())])
    services.deal_set_lines(
        actor=manager, deal=deal, lines=[{"description": "Window 120×150", "quantity": Decimal(4), "price": Decimal(30_000)}]
    )
    services.deal_propose_price(actor=manager, deal=deal, amount=Decimal(115_000), note="first offer")
    services.deal_move_stage(actor=manager, deal=deal, stage=stage("qualification"))
    ActivityFactory(client=own_client, actor=manager, deal=deal, kind="call", summary="Discussed the frames")

    response = client_for(manager).get(card(deal))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Windows for the school" in html
    assert 'data-testid="deal-stage"' in html
    assert "Qualification" in html
    assert f"<strong>{money(115_000)}</strong>" in html  # our proposal became the amount
    assert "Sidorov" in html
    assert "Window 120×150" in html
    assert "first offer" in html
    assert f'data-testid="lines-total">{money(120_000)}<' in html
    assert html.count('data-testid="stage-move"') == 2  # opened, then moved
    timeline = response.context["timeline_entries"]
    kinds = [entry.kind for entry in timeline]
    assert kinds[:2] == ["activity", "stage"]
    assert "deal" in kinds  # the amount changed by the proposal
    assert "Discussed the frames" in html
    amounts = [str(c) for entry in timeline if entry.kind == "deal" for c in entry.changes]
    assert amounts == [f"Amount: {money(120_000)} → {money(115_000)}", f"Amount: {money(100_000)} → {money(120_000)}"]
    # Write controls for the owner.
    for testid in ("move-form", "deal-edit", "deal-win", "deal-lose", "quicklog", "proposal-form", "plan-task"):
        assert f'data-testid="{testid}"' in html, testid


def test_a_manager_cannot_open_or_act_on_another_managers_deal_by_guessed_id(world, client_for, deal):
    other = client_for(world.users["mgr_south"])
    assert other.get(card(deal)).status_code == 404
    assert other.get(reverse("deals:edit", args=[deal.pk])).status_code == 404
    assert other.get(reverse("deals:timeline", args=[deal.pk])).status_code == 404
    assert other.get(reverse("deals:contacts", args=[deal.pk])).status_code == 404
    for name in ("card_move", "win", "lose", "reopen", "proposal", "quick_log", "task", "delete", "lines"):
        response = other.post(reverse(f"deals:{name}", args=[deal.pk]), {"stage": stage("meeting").pk})
        assert response.status_code == 404, name
    deal.refresh_from_db()
    assert deal.stage.code == "new"


def test_a_marketer_reads_the_card_without_write_controls_and_may_not_act(world, client_for, deal):
    marketer = client_for(world.users["marketer"])
    response = marketer.get(card(deal))
    assert response.status_code == 200
    html = response.content.decode()
    for testid in ("move-form", "deal-edit", "deal-delete", "deal-win", "deal-lose", "quicklog", "proposal-form", "plan-task",
                   "contacts-edit", "lines-edit"):  # fmt: skip
        assert f'data-testid="{testid}"' not in html, testid
    assert marketer.post(reverse("deals:card_move", args=[deal.pk]), {"stage": stage("meeting").pk}).status_code == 403
    assert marketer.post(reverse("deals:win", args=[deal.pk])).status_code == 403
    assert (
        marketer.post(reverse("deals:proposal", args=[deal.pk]), {"amount": "5", "proposed_on": "2030-01-01"}).status_code == 403
    )
    assert marketer.post(reverse("deals:quick_log", args=[deal.pk]), {"kind": "call"}).status_code == 403
    assert marketer.get(reverse("deals:edit", args=[deal.pk])).status_code == 403
    assert marketer.get(reverse("deals:new")).status_code == 403
    assert marketer.get(reverse("deals:delete", args=[deal.pk])).status_code == 403
    deal.refresh_from_db()
    assert deal.stage.code == "new"


def _history(manager, own_client, deal, size: int) -> None:
    """``size`` calls, tasks, price proposals and stage moves on the deal: what the card must not load per row."""
    contact = ContactFactory(client=own_client)
    services.deal_set_contacts(actor=manager, deal=deal, contacts=[(contact, None)])
    services.deal_set_lines(
        actor=manager, deal=deal, lines=[{"description": f"Item {n}", "price": Decimal(n + 1)} for n in range(size)]
    )
    codes = ["qualification", "meeting"]
    for n in range(size):
        services.deal_propose_price(actor=manager, deal=deal, amount=Decimal(1000 + n))
        services.deal_move_stage(actor=manager, deal=deal, stage=stage(codes[n % 2]))
        ActivityFactory(client=own_client, actor=manager, deal=deal, kind="call", contact=contact)
        task = TaskFactory(assignee=manager, client=own_client, deal=deal, actor=manager)
        if n % 2:
            from kartoteka.activities import services as activity_services

            activity_services.task_complete(actor=manager, task=task)


@pytest.mark.parametrize("size", [2, 12])
def test_the_card_costs_the_same_queries_whatever_the_deals_history(
    manager, own_client, deal, client_for, django_assert_num_queries, size
):
    _history(manager, own_client, deal, size)
    http = client_for(manager)
    http.get(card(deal))  # warm the session and the template cache
    # The request: 1 the signed-in user, 2 their roles and scopes, 3 the deals they have an open task on
    # (the access policy's "personal" part). The card: 4 the deal with client, pipeline, stage, owner, team,
    # source, reason and author (one join), 5 the pipeline's stages (the move select), 6 contact persons with
    # their roles, 7 line items, 8 price proposals, 9 the stage history table, 10 open tasks on the deal.
    # The timeline's first page: 11 field changes, 12 their previous versions, 13 the people they name,
    # 14 stage moves, 15 activities, 16 their files, 17 completed tasks.
    # 18 rules that fired on the deal (automation's timeline source). The Files panel: 19 the deal's files.
    # The "Lose" form: 20 reasons for losing. The quick-log box: 21 the client's contacts, 22 activity results.
    # (A client with a category adds the service level of its class, in the header.)
    with django_assert_num_queries(22):
        response = http.get(card(deal))
    assert response.status_code == 200
    entries = response.context["timeline_entries"]
    assert {entry.kind for entry in entries} == {"activity", "stage", "deal", "task"}
    assert len(entries) == min(history.PAGE, len(entries))
    assert response.content.decode().count('data-testid="stage-move"') == size + 1


# --- Opening and editing ---------------------------------------------------------------------------


def test_new_deal_preselects_a_visible_client_and_opens_the_deal(client_for, manager, own_client, world):
    http = client_for(manager)
    page = http.get(reverse("deals:new"), {"client": own_client.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="chosen-client">Vostok Trading<' in html
    assert "autofocus" in html
    foreign = ClientFactory(responsible=world.users["mgr_south"], name="Yug Logistics")
    assert "Yug Logistics" not in http.get(reverse("deals:new"), {"client": foreign.pk}).content.decode()

    response = http.post(
        reverse("deals:new"),
        {
            "title": "Doors for the gym",
            "client": [str(own_client.pk), ""],  # the picked option and the empty search box share the name
            "pipeline": stage("new").pipeline_id,
            "stage": "",
            "amount": "12 500,50",
            "currency": "RUB",
            "probability": "",
            "owner": "",
        },
    )
    deal = Deal.objects.get(title="Doors for the gym")
    assert response.status_code == 302
    assert response["Location"] == card(deal)
    assert (deal.client, deal.owner, deal.stage.code, deal.amount, deal.probability) == (
        own_client,
        manager,
        "new",
        Decimal("12500.50"),
        None,
    )


def test_the_new_deal_form_shows_errors_by_field_and_names_what_a_stage_requires(client_for, manager, own_client, world):
    http = client_for(manager)
    foreign = ClientFactory(responsible=world.users["mgr_south"])
    missing = http.post(
        reverse("deals:new"), {"title": "", "client": str(foreign.pk), "pipeline": stage("new").pipeline_id, "currency": "RUB"}
    )
    assert missing.status_code == 422
    errors = missing.context["form"].errors
    assert "title" in errors
    assert errors["client"] == ["Choose a client from the list."]

    needs = http.post(
        reverse("deals:new"),
        {"title": "Roof", "client": str(own_client.pk), "pipeline": stage("new").pipeline_id, "stage": stage("negotiation").pk,
         "currency": "RUB", "amount": "100"},
    )  # fmt: skip
    assert needs.status_code == 422
    form = needs.context["form"]
    assert form.non_field_errors() == ["To enter «Negotiation», fill in: expected close date."]
    assert "expected_close_on" in form.errors
    assert not Deal.objects.filter(title="Roof").exists()


def test_editing_changes_fields_and_moves_the_stage_together(client_for, manager, own_client, deal):
    http = client_for(manager)
    page = http.get(reverse("deals:edit", args=[deal.pk]))
    assert page.status_code == 200
    assert 'value="Windows for the school"' in page.content.decode()
    values = {
        "title": "Windows for the school, phase 1",
        "client": str(own_client.pk),
        "pipeline": deal.pipeline_id,
        "stage": stage("negotiation").pk,
        "amount": "150000",
        "currency": "RUB",
        "probability": "70",
        "owner": str(manager.pk),
        "description": "",
    }
    refused = http.post(reverse("deals:edit", args=[deal.pk]), values)
    assert refused.status_code == 422
    assert "expected close date" in refused.context["form"].non_field_errors()[0]
    deal.refresh_from_db()
    assert (deal.title, deal.amount) == ("Windows for the school", Decimal(100_000))  # nothing saved

    response = http.post(reverse("deals:edit", args=[deal.pk]), {**values, "expected_close_on": "2031-06-30"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.amount, deal.probability, deal.stage.code) == (
        "Windows for the school, phase 1",
        Decimal(150_000),
        70,
        "negotiation",
    )


def test_a_manager_may_not_hand_a_deal_to_someone_outside_their_reach(client_for, manager, own_client, deal, world):
    response = client_for(manager).post(
        reverse("deals:edit", args=[deal.pk]),
        {"title": deal.title, "client": str(own_client.pk), "pipeline": deal.pipeline_id, "currency": "RUB",
         "owner": str(world.users["mgr_south"].pk)},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.context["form"].errors["owner"]
    deal.refresh_from_db()
    assert deal.owner == manager


# --- Moves and outcomes ----------------------------------------------------------------------------


def test_a_stage_that_needs_fields_asks_for_them_and_moves_in_one_step(client_for, manager, own_client):
    deal = DealFactory(client=own_client, owner=manager, title="Roof")
    http = client_for(manager)
    asked = http.post(reverse("deals:card_move", args=[deal.pk]), {"stage": stage("negotiation").pk})
    assert asked.status_code == 422
    html = asked.content.decode()
    assert 'data-testid="move-dialog"' in html
    assert "To enter «Negotiation», fill in: amount, expected close date." in html
    assert list(asked.context["move_dialog"].form.fields) == ["amount", "expected_close_on"]

    incomplete = http.post(
        reverse("deals:card_move", args=[deal.pk]),
        {"stage": stage("negotiation").pk, "dialog": "1", "fields": ["amount", "expected_close_on"], "amount": "5000"},
    )
    assert incomplete.status_code == 422
    assert "expected_close_on" in incomplete.context["move_dialog"].form.errors

    done = http.post(
        reverse("deals:card_move", args=[deal.pk]),
        {"stage": stage("negotiation").pk, "dialog": "1", "fields": ["amount", "expected_close_on"], "amount": "5000",
         "expected_close_on": "2031-01-31"},
    )  # fmt: skip
    assert done.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage.code, deal.amount, deal.expected_close_on) == ("negotiation", Decimal(5000), datetime.date(2031, 1, 31))


def test_lose_needs_a_reason_then_reopen_keeps_the_history(client_for, manager, deal):
    http = client_for(manager)
    services.deal_move_stage(actor=manager, deal=deal, stage=stage("meeting"))
    no_reason = http.post(reverse("deals:lose", args=[deal.pk]), {"comment": "too expensive"})
    assert no_reason.status_code == 422
    assert no_reason.context["lose_form"].errors["lost_reason"] == ["Say why the deal was lost."]

    price = LostReason.objects.get(code="price")
    assert (
        http.post(reverse("deals:lose", args=[deal.pk]), {"lost_reason": price.pk, "comment": "too expensive"}).status_code == 302
    )
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason, deal.outcome_comment) == (DealStatus.LOST, price, "too expensive")
    closed = http.get(card(deal)).content.decode()
    assert 'data-testid="reopen-form"' in closed
    assert 'data-testid="move-form"' not in closed
    assert "Price too high" in closed

    assert http.post(reverse("deals:reopen", args=[deal.pk])).status_code == 302
    deal.refresh_from_db()
    assert (deal.status, deal.stage.code) == (DealStatus.OPEN, "meeting")
    moves = list(StageChange.objects.filter(deal=deal).order_by("changed_at", "id").values_list("to_stage__code", flat=True))
    assert moves == ["new", "meeting", "lost", "meeting"]


def test_moving_to_the_lost_stage_from_the_select_asks_why_first(client_for, manager, deal):
    response = client_for(manager).post(reverse("deals:card_move", args=[deal.pk]), {"stage": stage("lost").pk})
    assert response.status_code == 422
    assert "lost_reason" in response.context["move_dialog"].form.fields
    deal.refresh_from_db()
    assert deal.is_open


def test_win_closes_the_deal_with_a_comment(client_for, manager, deal):
    response = client_for(manager).post(reverse("deals:win", args=[deal.pk]), {"comment": "signed"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.status, deal.stage.code, deal.outcome_comment) == (DealStatus.WON, "won", "signed")


def test_the_owner_deletes_the_deal_after_confirming(client_for, manager, deal):
    http = client_for(manager)
    assert http.get(reverse("deals:delete", args=[deal.pk])).status_code == 200
    response = http.post(reverse("deals:delete", args=[deal.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:list")
    assert not Deal.objects.filter(pk=deal.pk).exists()


# --- Contacts, line items, price proposals ---------------------------------------------------------


def test_contact_persons_are_chosen_from_the_clients_contacts_with_a_role(client_for, manager, own_client, deal, world):
    mine = ContactFactory(client=own_client, last_name="Sidorov")
    stranger = ContactFactory(client=ClientFactory(responsible=world.users["mgr_south"]), last_name="Chuzhoy")
    role = ContactRole.objects.order_by("order").first()
    http = client_for(manager)
    form = http.get(reverse("deals:contacts", args=[deal.pk]), headers=HTMX)
    assert form.status_code == 200
    assert "Sidorov" in form.content.decode()
    assert "Chuzhoy" not in form.content.decode()
    management = {"contacts-TOTAL_FORMS": "2", "contacts-INITIAL_FORMS": "0"}
    refused = http.post(reverse("deals:contacts", args=[deal.pk]), {**management, "contacts-0-contact": stranger.pk})
    assert refused.status_code == 422
    saved = http.post(
        reverse("deals:contacts", args=[deal.pk]), {**management, "contacts-0-contact": mine.pk, "contacts-0-role": role.pk}
    )
    assert saved.status_code == 302
    assert [(row.contact, row.role) for row in deal.deal_contacts.all()] == [(mine, role)]


def test_line_items_are_saved_with_their_total_as_the_amount(client_for, manager, deal):
    http = client_for(manager)
    data = {
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Window", "lines-0-quantity": "4", "lines-0-unit": "pcs", "lines-0-price": "30000",
        "lines-0-discount": "10",
        "lines-1-description": "Installation", "lines-1-price": "12 000",
        "update_amount": "1",
    }  # fmt: skip
    assert http.post(reverse("deals:lines", args=[deal.pk]), data).status_code == 302
    deal.refresh_from_db()
    assert [(line.description, line.total) for line in deal.lines.all()] == [
        ("Window", Decimal("108000.00")),
        ("Installation", Decimal("12000.00")),
    ]
    assert deal.amount == Decimal(120_000)
    no_price = http.post(reverse("deals:lines", args=[deal.pk]), {**data, "lines-2-description": "Sill"})
    assert no_price.status_code == 422
    assert deal.lines.count() == 2


def test_price_proposals_are_listed_newest_first_and_ours_becomes_the_amount(client_for, manager, deal):
    http = client_for(manager)
    http.post(reverse("deals:proposal", args=[deal.pk]), {"amount": "90000", "proposed_on": "2030-01-10", "note": "first"})
    http.post(
        reverse("deals:proposal", args=[deal.pk]),
        {"amount": "80000", "proposed_on": "2030-01-12", "by_client": "on", "note": "theirs"},
    )
    assert [p.note for p in PriceProposal.objects.filter(deal=deal)] == ["theirs", "first"]
    deal.refresh_from_db()
    assert deal.amount == Decimal(90_000)  # the client's counter-offer does not change it
    page = client_for(manager).get(card(deal))
    assert [p.note for p in page.context["proposals"]] == ["theirs", "first"]
    bad = http.post(reverse("deals:proposal", args=[deal.pk]), {"amount": "-1", "proposed_on": ""})
    assert bad.status_code == 422
    assert set(bad.context["proposal_form"].errors) == {"amount", "proposed_on"}


# --- The quick log, tasks and the timeline ---------------------------------------------------------


def test_a_call_logged_on_the_deal_card_is_on_the_deal_and_on_the_client(client_for, manager, own_client, deal):
    http = client_for(manager)
    response = http.post(
        reverse("deals:quick_log", args=[deal.pk]),
        {"kind": "call", "summary": "Agreed on the price", "initiator": "us", "next_kind": "call",
         "next_date": (timezone.localdate() + datetime.timedelta(days=2)).isoformat()},
        headers=HTMX,
    )  # fmt: skip
    assert response.status_code == 200
    assert "deal-changed" in response["HX-Trigger"]
    assert f'action="/deals/{deal.pk}/log/"' in response.content.decode()
    activity = Activity.objects.get(summary="Agreed on the price")
    assert (activity.client, activity.deal) == (own_client, deal)
    assert Task.objects.get(deal=deal, status=TaskStatus.OPEN).client == own_client  # the next step, on the deal too
    client_card = http.get(reverse("clients:card", args=[own_client.pk])).content.decode()
    assert "Agreed on the price" in client_card
    deal_card = http.get(card(deal))
    assert "Agreed on the price" in deal_card.content.decode()
    assert len(deal_card.context["planned_tasks"]) == 1


def test_planning_a_task_on_the_deal_links_the_task_to_it(client_for, manager, deal):
    http = client_for(manager)
    response = http.post(
        reverse("deals:task", args=[deal.pk]), {"kind": "meeting", "due_date": "2031-05-05", "due_time": "11:30", "title": ""}
    )
    assert response.status_code == 302
    task = Task.objects.get(deal=deal)
    assert (task.title, task.assignee, task.client, task.all_day) == (
        "Meeting: Windows for the school",
        manager,
        deal.client,
        False,
    )
    detail = http.get(reverse("activities:task", args=[task.pk])).content.decode()
    assert f'<a href="{card(deal)}">Windows for the school</a>' in detail


def test_the_timeline_pages_older_entries_and_filters_by_kind(client_for, manager, own_client, deal):
    for n in range(35):
        ActivityFactory(client=own_client, actor=manager, deal=deal, kind="call", summary=f"Call {n}",
                        occurred_at=timezone.now() - datetime.timedelta(hours=n))  # fmt: skip
    http = client_for(manager)
    first = http.get(card(deal))
    entries = first.context["timeline_entries"]
    assert len(entries) == history.PAGE
    assert first.context["timeline_next"]
    rest = http.get(reverse("deals:timeline", args=[deal.pk]), {"before": first.context["timeline_next"]}, headers=HTMX)
    seen = [e.obj.summary for e in entries if e.kind == "activity"] + [
        e.obj.summary for e in rest.context["timeline_entries"] if e.kind == "activity"
    ]
    assert seen == [f"Call {n}" for n in range(35)]
    page_two = http.get(reverse("deals:timeline", args=[deal.pk]), {"before": first.context["timeline_next"]})
    assert "<html" in page_two.content.decode()  # without JavaScript: the card, its timeline from there
    assert page_two.context["timeline_entries"] == rest.context["timeline_entries"]
    stages_only = http.get(reverse("deals:timeline", args=[deal.pk]), {"show": "stages"}, headers=HTMX)
    assert [e.kind for e in stages_only.context["timeline_entries"]] == ["stage"]
    assert "Deal opened in" in stages_only.content.decode()
