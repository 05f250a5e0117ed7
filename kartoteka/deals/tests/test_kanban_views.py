"""The kanban over HTTP: columns with counts and sums, scoped cards, moves the server checks, quick add."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kartoteka.clients.models import ClientSource
from kartoteka.core import navigation
from kartoteka.deals.models import Deal, DealStatus, LostReason, Pipeline, Stage, StageChange
from kartoteka.deals.views.kanban import format_money
from kartoteka.testing.factories import ClientFactory, DealFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

BOARD = "/deals/"
HTMX = {"HX-Request": "true"}


def stage(code: str) -> Stage:
    return Stage.objects.get(pipeline__code="sales", code=code)


def column(response, code: str):
    return next(view for view in response.context["columns"] if view.stage.code == code)


def titles(response, code: str) -> list[str]:
    return [card.deal.title for card in column(response, code).cards]


def move_url(deal: Deal) -> str:
    return reverse("deals:move", args=[deal.pk])


def stats(html: str, stage_pk: int) -> tuple[str, str]:
    """The count and the sum an out-of-band column header carries."""
    block = re.search(rf'<div class="kb-stats" id="kb-stats-{stage_pk}" hx-swap-oob="true">(.*?)</div>', html, re.S)
    assert block is not None
    count = re.search(r'data-testid="column-count"[^>]*>(\d+)<', block.group(1))
    total = re.search(r'data-testid="column-sum">([^<]*)<', block.group(1))
    assert count is not None
    assert total is not None
    return count.group(1), total.group(1)


@pytest.fixture
def north1(world):
    return world.users["mgr_north1"]


@pytest.fixture
def own_client(north1):
    return ClientFactory(responsible=north1, name="Vostok Trading")


# --- The page ------------------------------------------------------------------------------------


def test_the_board_shows_the_active_stages_with_count_and_sum(world, client_for, north1, own_client):
    DealFactory(client=own_client, title="Windows for the school", amount=Decimal("1200.50"))
    DealFactory(client=own_client, title="Doors", amount=Decimal(300))
    DealFactory(client=own_client, title="Gates")
    later = DealFactory(client=own_client, title="Fence", amount=Decimal(5000))
    http = client_for(north1)
    http.post(move_url(later), {"stage": stage("qualification").pk}, headers=HTMX)

    response = http.get(BOARD)

    assert response.status_code == 200
    codes = [view.stage.code for view in response.context["columns"]]
    assert codes == ["new", "qualification", "meeting", "proposal", "negotiation", "won", "lost"]
    new = column(response, "new")
    assert (new.count, new.total) == (3, format_money(Decimal("1500.50"), "RUB", whole=True))
    assert sorted(titles(response, "new")) == ["Doors", "Gates", "Windows for the school"]
    assert titles(response, "qualification") == ["Fence"]
    html = response.content.decode()
    assert "Vostok Trading" in html
    assert f'href="{reverse("deals:card", args=[later.pk])}"' in html
    assert f'id="kb-stats-{stage("new").pk}"' in html
    assert response.context["board"].count == 4


def test_sums_never_add_one_currency_to_another(world, client_for, north1, own_client):
    DealFactory(client=own_client, title="Roubles", amount=Decimal(1000))
    DealFactory(client=own_client, title="Euros", amount=Decimal(50), currency="EUR")
    DealFactory(client=own_client, title="More euros", amount=Decimal(25), currency="EUR")
    DealFactory(client=own_client, title="Lei", amount=Decimal(700), currency="MDL")

    response = client_for(north1).get(BOARD, HTTP_ACCEPT_LANGUAGE="en")

    new = column(response, "new")
    assert new.count == 4
    assert new.total == "1,000\u00a0₽ + 75\u00a0€ + 700\u00a0MDL"
    assert response.context["board_total"] == "1,000\u00a0₽ + 75\u00a0€ + 700\u00a0MDL"
    assert column(response, "qualification").total == "0\u00a0₽"


def test_money_is_grouped_for_the_language_with_the_currency_sign():
    from django.utils import translation

    with translation.override("en"):
        assert format_money(Decimal("1250000.50"), "RUB") == "1,250,000.50\u00a0₽"
        assert format_money(Decimal("1250000.50"), "EUR", whole=True) == "1,250,000\u00a0€"
        assert format_money(Decimal(7), "MDL") == "7\u00a0MDL"
    with translation.override("ru"):
        assert format_money(Decimal("1250000"), "RUB") == "1\u00a0250\u00a0000\u00a0₽"


def test_cards_show_days_in_stage_and_the_next_task_red_when_overdue(world, client_for, north1, own_client):
    slow = Stage.objects.get(pk=stage("new").pk)
    slow.max_minutes = 60 * 24
    slow.save(update_fields=["max_minutes"])
    stale = DealFactory(client=own_client, title="Stale", now=timezone.now() - datetime.timedelta(days=3, hours=1))
    fresh = DealFactory(client=own_client, title="Fresh")
    TaskFactory(assignee=north1, client=own_client, deal=stale, due_at=timezone.now() - datetime.timedelta(days=1))
    TaskFactory(assignee=north1, client=own_client, deal=fresh, due_at=timezone.now() + datetime.timedelta(days=1))

    cards = {card.deal.title: card for card in column(client_for(north1).get(BOARD), "new").cards}

    assert (cards["Stale"].days_in_stage, cards["Stale"].overdue_in_stage, cards["Stale"].task_overdue) == (3, True, True)
    assert (cards["Fresh"].days_in_stage, cards["Fresh"].overdue_in_stage, cards["Fresh"].task_overdue) == (0, False, False)


def test_a_manager_sees_only_own_deals_and_a_supervisor_the_teams(world, client_for, north1, own_client):
    DealFactory(client=own_client, title="North-1 deal")
    DealFactory(client=ClientFactory(responsible=world.users["sup_north"]), title="Supervisor's deal")
    DealFactory(client=ClientFactory(responsible=world.users["mgr_south"]), title="South deal")

    assert titles(client_for(north1).get(BOARD), "new") == ["North-1 deal"]
    assert sorted(titles(client_for(world.users["sup_north"]).get(BOARD), "new")) == ["North-1 deal", "Supervisor's deal"]
    assert len(titles(client_for(world.users["head"]).get(BOARD), "new")) == 3


def test_won_and_lost_columns_show_this_months_outcomes_only(world, client_for, north1, own_client):
    from kartoteka.deals import services

    old, recent = DealFactory(client=own_client, title="Old loss"), DealFactory(client=own_client, title="Recent loss")
    reason = LostReason.objects.get(code="price")
    services.deal_lose(actor=north1, deal=old, reason=reason, now=timezone.now() - datetime.timedelta(days=70))
    services.deal_lose(actor=north1, deal=recent, reason=reason)

    response = client_for(north1).get(BOARD)

    assert titles(response, "lost") == ["Recent loss"]
    assert column(response, "lost").count == 1
    assert response.context["board"].count == 0  # the header's total counts open deals


def test_the_page_runs_the_same_queries_for_5_and_50_deals(world, client_for, north1, own_client, django_assert_num_queries):
    http = client_for(north1)

    def open_deals(count: int) -> None:
        for number in range(count):
            deal = DealFactory(client=own_client, title=f"Deal {number}", amount=Decimal(number))
            TaskFactory(assignee=north1, client=own_client, deal=deal)

    open_deals(5)
    http.get(BOARD)  # the pipeline is remembered in the session once
    with CaptureQueriesContext(connection) as few:
        assert len(column(http.get(BOARD), "new").cards) == 5
    open_deals(45)
    # 1 the session's user, 2 their roles and scopes, 3 the pipelines they may use, 4 the deals they have an
    # open task on (theirs too: docs/access.md), 5 its active stages, 6 count and sum per column, 7 the first
    # cards of every column with client, owner and next task's deadline, 8 open-task deals again for the
    # right to change, 9 which of those cards they may change (drag), 10 teams and 11 sources for the filters.
    with django_assert_num_queries(11):
        response = http.get(BOARD)
    assert len(column(response, "new").cards) == 50
    assert len(few.captured_queries) == 11


def test_pipeline_switches_by_parameter_is_remembered_and_unknown_ids_are_404(world, client_for, north1, own_client):
    other = Pipeline.objects.create(code="service", name_en="Service", order=20)
    Stage.objects.create(pipeline=other, code="intake", name_en="Intake", order=10)
    hidden = Pipeline.objects.create(code="old", name_en="Old", order=30, is_active=False)
    http = client_for(north1)

    assert http.get(BOARD).context["pipeline"].code == "sales"
    response = http.get(BOARD, {"pipeline": other.pk})
    assert [view.stage.code for view in response.context["columns"]] == ["intake"]
    assert http.get(BOARD).context["pipeline"] == other  # remembered
    assert http.get(BOARD, {"pipeline": hidden.pk}).status_code == 404
    assert http.get(BOARD, {"pipeline": "abc"}).status_code == 404
    assert http.get(BOARD, {"pipeline": 999_999}).status_code == 404


def test_without_any_pipeline_the_page_says_what_to_do(world, client_for, north1):
    Pipeline.objects.update(is_active=False)
    response = client_for(north1).get(BOARD)
    assert response.status_code == 200
    assert 'data-testid="no-pipeline"' in response.content.decode()


def test_deals_are_in_the_navigation_after_clients_for_roles_with_deals(world):
    keys = [section.key for section in navigation.sections_for(world.users["mgr_north1"])]
    assert keys.index("deals") == keys.index("clients") + 1
    assert navigation.sections_for(world.users["mgr_north1"])[keys.index("deals")].url == BOARD
    nobody = UserFactory(email="nobody@example.test")
    assert "deals" not in [section.key for section in navigation.sections_for(nobody)]


def test_a_person_without_deal_access_gets_403(world, client_for):
    nobody = UserFactory(email="nobody@example.test")
    assert client_for(nobody).get(BOARD).status_code == 403


# --- Filters -------------------------------------------------------------------------------------


def test_filters_narrow_the_board_and_reproduce_from_the_url(world, client_for):
    supervisor, north1 = world.users["sup_north"], world.users["mgr_north1"]
    exhibition = ClientSource.objects.filter(is_active=True).order_by("pk").first()
    mine = ClientFactory(responsible=north1, name="Alpha")
    theirs = ClientFactory(responsible=supervisor, name="Beta")
    DealFactory(client=mine, title="Small", amount=Decimal(10), expected_close_on=datetime.date(2030, 1, 10))
    DealFactory(client=mine, title="Big", amount=Decimal(10_000), source=exhibition)
    DealFactory(client=theirs, title="Boss", amount=Decimal(500), expected_close_on=datetime.date(2030, 3, 1))
    http = client_for(supervisor)

    def new(**params) -> list[str]:
        response = http.get(BOARD, params)
        assert response.status_code == 200
        assert not response.context["state"].errors
        return sorted(titles(response, "new"))

    assert new() == ["Big", "Boss", "Small"]
    assert new(owner=north1.pk) == ["Big", "Small"]
    assert new(owner=[north1.pk, supervisor.pk]) == ["Big", "Boss", "Small"]
    assert new(team=world.teams["north1"].pk) == ["Big", "Small"]
    assert new(team=world.teams["north"].pk) == ["Big", "Boss", "Small"]  # a team includes the teams below it
    assert new(source=exhibition.pk) == ["Big"]
    assert new(amount_min="100", amount_max="1000") == ["Boss"]
    assert new(close_from="2030-01-01", close_to="2030-01-31") == ["Small"]
    assert new(created_from=timezone.localdate().isoformat()) == ["Big", "Boss", "Small"]
    assert new(created_to=(timezone.localdate() - datetime.timedelta(days=1)).isoformat()) == []
    assert new(q="alph") == ["Big", "Small"]
    assert new(q="boss") == ["Boss"]
    response = http.get(BOARD, {"amount_min": "100", "owner": north1.pk})
    assert response.context["state"].active == 2
    assert "amount_min=100" in response.context["state"].querystring
    # Moves, quick adds and "Show more" carry the filters, so the counts they return are the board's.
    assert f'data-filter-query="owner={north1.pk}&amp;amount_min=100"' in response.content.decode()


def test_bad_filter_values_say_what_is_wrong_instead_of_failing(world, client_for, north1, own_client):
    DealFactory(client=own_client, title="Kept", amount=Decimal(50), expected_close_on=datetime.date(2030, 3, 1))
    response = client_for(north1).get(
        BOARD,
        {
            "amount_min": "lots",
            "created_from": "yesterday",
            "team": "999999",
            "close_from": "2030-02-01",
            "close_to": "2030-01-01",
        },
    )
    assert response.status_code == 200
    errors = " ".join(response.context["state"].errors)
    assert "Amount from" in errors
    assert "Created from" in errors
    assert "Team" in errors
    assert "Expected close to" in errors
    assert 'data-testid="filter-errors"' in response.content.decode()
    assert titles(response, "new") == ["Kept"]  # the bad values are left out, the rest still applies


def test_the_owner_picker_offers_people_as_owner_checkboxes(world, client_for, north1):
    response = client_for(world.users["sup_north"]).get(reverse("deals:kanban_people"), {"q": "mgr_north1"}, headers=HTMX)
    html = response.content.decode()
    assert f'name="owner" value="{north1.pk}"' in html


def test_show_more_continues_a_column_after_its_last_card(world, client_for, north1, own_client):
    start = timezone.now() - datetime.timedelta(days=30)
    for number in range(53):
        DealFactory(client=own_client, title=f"D{number:02}", now=start + datetime.timedelta(hours=number))
    http = client_for(north1)
    new = column(http.get(BOARD), "new")
    assert (len(new.cards), new.more) == (50, 3)
    assert new.cards[-1].deal.title == "D03"

    response = http.get(new.more_url, headers=HTMX)

    html = response.content.decode()
    assert [card.deal.title for card in response.context["cards"]] == ["D02", "D01", "D00"]
    assert f'id="kb-more-{stage("new").pk}" hx-swap-oob="true"' in html
    assert 'data-testid="show-more"' not in html
    assert http.get(reverse("deals:kanban_column", args=[stage("new").pk]), {"after": "soon"}).status_code == 400


# --- Moving --------------------------------------------------------------------------------------


def test_moving_a_card_answers_with_the_card_and_both_columns_counts(world, client_for, north1, own_client):
    deal = DealFactory(client=own_client, title="Move me", amount=Decimal(700))
    DealFactory(client=own_client, title="Stay", amount=Decimal(300))
    http = client_for(north1)

    response = http.post(move_url(deal), {"stage": stage("qualification").pk}, headers=HTMX)

    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.stage == stage("qualification")
    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<article class="kb-card" id="deal-{deal.pk}" data-deal="{deal.pk}" data-stage="{deal.stage_id}"'
    )
    assert stats(html, stage("new").pk) == ("1", format_money(Decimal(300), "RUB"))
    assert stats(html, stage("qualification").pk) == ("1", format_money(Decimal(700), "RUB"))
    assert 'id="kb-total" data-testid="board-total" hx-swap-oob="true"' in html
    assert StageChange.objects.filter(deal=deal, to_stage=stage("qualification"), changed_by=north1).exists()


def test_counts_after_a_move_respect_the_boards_filters(world, client_for, north1, own_client):
    deal = DealFactory(client=own_client, title="Big", amount=Decimal(700))
    DealFactory(client=own_client, title="Small", amount=Decimal(5))
    url = f"{move_url(deal)}?amount_min=100"

    html = client_for(north1).post(url, {"stage": stage("meeting").pk}, headers=HTMX).content.decode()

    assert stats(html, stage("new").pk)[0] == "0"
    assert stats(html, stage("meeting").pk)[0] == "1"


def test_a_stage_requiring_fields_answers_with_a_dialog_and_does_not_move(world, client_for, north1, own_client):
    deal = DealFactory(client=own_client, title="No amount yet")
    http = client_for(north1)

    response = http.post(move_url(deal), {"stage": stage("proposal").pk}, headers=HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="move-dialog"' in html
    assert 'name="amount"' in html
    assert 'name="fields" value="amount"' in html
    deal.refresh_from_db()
    assert deal.stage == stage("new")

    # The dialog's answer fills the amount (typed as people type it, as the deal form takes it), then moves.
    response = http.post(
        move_url(deal), {"stage": stage("proposal").pk, "dialog": "1", "fields": "amount", "amount": "150 000"}, headers=HTMX
    )
    assert response.status_code == 200
    deal.refresh_from_db()
    assert (deal.stage, deal.amount) == (stage("proposal"), Decimal(150000))


def test_a_dialog_with_bad_values_comes_back_with_the_errors(world, client_for, north1, own_client):
    deal = DealFactory(client=own_client, title="Bad amount")
    response = client_for(north1).post(
        move_url(deal),
        {"stage": stage("negotiation").pk, "dialog": "1", "fields": ["amount", "expected_close_on"], "amount": "-5"},
        headers=HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'name="expected_close_on"' in html
    assert "invalid-feedback" in html
    deal.refresh_from_db()
    assert (deal.stage, deal.amount) == (stage("new"), None)


def test_contacts_required_by_a_stage_are_sent_to_the_deal_card(world, client_for, north1, own_client):
    meeting = stage("meeting")
    meeting.required_fields = ["contacts"]
    meeting.save(update_fields=["required_fields"])
    deal = DealFactory(client=own_client, title="Who decides?")

    response = client_for(north1).post(move_url(deal), {"stage": meeting.pk}, headers=HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="dialog-card-link"' in html
    assert f'href="{reverse("deals:card", args=[deal.pk])}"' in html
    assert 'data-testid="dialog-submit"' not in html


def test_losing_a_deal_asks_for_the_reason(world, client_for, north1, own_client):
    deal = DealFactory(client=own_client, title="Lost cause")
    http = client_for(north1)
    lost = stage("lost")

    response = http.post(move_url(deal), {"stage": lost.pk}, headers=HTMX)
    assert response.status_code == 422
    assert 'name="lost_reason"' in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN

    response = http.post(move_url(deal), {"stage": lost.pk, "dialog": "1"}, headers=HTMX)
    assert response.status_code == 422  # still no reason
    assert "invalid-feedback" in response.content.decode()

    reason = LostReason.objects.get(code="competitor")
    response = http.post(
        move_url(deal), {"stage": lost.pk, "dialog": "1", "lost_reason": reason.pk, "comment": "Went with Zeta"}, headers=HTMX
    )
    assert response.status_code == 200
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason, deal.outcome_comment) == (DealStatus.LOST, reason, "Went with Zeta")


def test_a_manager_guessing_another_managers_deal_id_gets_404_and_nothing_changes(world, client_for, north1):
    foreign = DealFactory(client=ClientFactory(responsible=world.users["mgr_south"]), title="Not yours")

    response = client_for(north1).post(move_url(foreign), {"stage": stage("qualification").pk}, headers=HTMX)

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.stage == stage("new")
    assert StageChange.objects.filter(deal=foreign).count() == 1


def test_a_stage_of_another_pipeline_or_a_bad_id_is_404(world, client_for, north1, own_client):
    other = Pipeline.objects.create(code="service", name_en="Service", order=20)
    intake = Stage.objects.create(pipeline=other, code="intake", name_en="Intake", order=10)
    deal = DealFactory(client=own_client, title="Stay put")
    http = client_for(north1)
    assert http.post(move_url(deal), {"stage": intake.pk}, headers=HTMX).status_code == 404
    assert http.post(move_url(deal), {"stage": "x"}, headers=HTMX).status_code == 404
    deal.refresh_from_db()
    assert deal.stage == stage("new")


def test_a_read_only_marketer_cannot_move_and_gets_no_draggable_cards(world, client_for, north1, own_client):
    deal = DealFactory(client=own_client, title="Look, don't touch")
    http = client_for(world.users["marketer"])

    page = http.get(BOARD)
    html = page.content.decode()
    assert titles(page, "new") == ["Look, don't touch"]
    assert "data-movable" not in html
    assert 'data-testid="move-menu"' not in html
    assert 'data-testid="quick-add"' not in html

    response = http.post(move_url(deal), {"stage": stage("qualification").pk}, headers=HTMX)
    assert response.status_code == 403
    assert "You may not change this deal" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == stage("new")


def test_a_supervisor_drags_the_teams_cards_but_not_another_teams(world, client_for, north1, own_client):
    DealFactory(client=own_client, title="Team's")
    DealFactory(client=ClientFactory(responsible=world.users["mgr_south"]), title="South's")
    cards = {card.deal.title: card for card in column(client_for(world.users["head"]).get(BOARD), "new").cards}
    assert cards["Team's"].can_change
    assert cards["South's"].can_change
    cards = {card.deal.title: card for card in column(client_for(world.users["sup_north"]).get(BOARD), "new").cards}
    assert set(cards) == {"Team's"}
    assert cards["Team's"].can_change


def test_without_htmx_a_move_comes_back_to_the_board_with_a_message(world, client_for, north1, own_client):
    deal = DealFactory(client=own_client, title="Plain form")
    response = client_for(north1).post(move_url(deal), {"stage": stage("proposal").pk}, follow=True)
    assert response.redirect_chain[-1][0] == BOARD
    assert "fill in: amount" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == stage("new")


# --- Quick add -----------------------------------------------------------------------------------


def quick_add_url(code: str) -> str:
    return reverse("deals:kanban_quick_add", args=[stage(code).pk])


def test_quick_add_opens_a_deal_in_the_column_and_answers_with_its_card(world, client_for, north1, own_client):
    DealFactory(client=own_client, title="Earlier", amount=Decimal(100))
    response = client_for(north1).post(
        quick_add_url("qualification"), {"title": "Roof repair", "client": own_client.pk, "amount": "2500"}, headers=HTMX
    )
    assert response.status_code == 200
    deal = Deal.objects.get(title="Roof repair")
    assert (deal.stage, deal.client, deal.amount, deal.owner) == (stage("qualification"), own_client, Decimal(2500), north1)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<article class="kb-card" id="deal-{deal.pk}"')
    assert stats(html, stage("qualification").pk) == ("1", format_money(Decimal(2500), "RUB"))
    assert f'id="kb-quick-{stage("qualification").pk}"' in html  # a fresh form, out of band


def test_quick_add_shows_errors_inline(world, client_for, north1, own_client):
    foreign = ClientFactory(responsible=world.users["mgr_south"])
    http = client_for(north1)

    response = http.post(quick_add_url("new"), {"title": "", "client": ""}, headers=HTMX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == f"#kb-quick-{stage('new').pk}"
    html = response.content.decode()
    assert "Give the deal a title." in html
    assert "Choose a client from the list." in html

    response = http.post(quick_add_url("new"), {"title": "Sneaky", "client": foreign.pk}, headers=HTMX)
    assert response.status_code == 422
    assert "Choose a client from the list." in response.content.decode()

    response = http.post(quick_add_url("proposal"), {"title": "No price", "client": own_client.pk}, headers=HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "fill in: amount" in html
    assert f'value="{own_client.pk}" checked' in html  # the picked client stays picked
    assert not Deal.objects.exists()


def test_a_read_only_marketer_cannot_quick_add(world, client_for, own_client):
    response = client_for(world.users["marketer"]).post(
        quick_add_url("new"), {"title": "Campaign lead", "client": own_client.pk}, headers=HTMX
    )
    assert response.status_code == 422
    assert "You may not open deals for this client." in response.content.decode()
    assert not Deal.objects.exists()


def test_quick_add_is_only_for_open_stages(world, client_for, north1, own_client):
    response = client_for(north1).post(quick_add_url("won"), {"title": "Instant win", "client": own_client.pk}, headers=HTMX)
    assert response.status_code == 404
