"""The deals API: round trips, stage moves and their requirements, filters, paging, query counts, access, scopes."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, get_args

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from kartoteka.clients.models import Client, ClientSource
from kartoteka.deals.api import schemas
from kartoteka.deals.models import REQUIRABLE_FIELDS, Deal, DealStatus, LostReason, Pipeline, Stage, StageChange, StageKind
from kartoteka.testing.api import bearer, error_fields, patch, post, put, send
from kartoteka.testing.factories import ClientFactory, ContactFactory, DealFactory, TaskFactory, reference

pytestmark = pytest.mark.django_db


def stage(code: str) -> Stage:
    return Stage.objects.get(pipeline__code="sales", code=code)


def reason(code: str) -> LostReason:
    return LostReason.objects.get(code=code)


@pytest.fixture
def manager(world: Any) -> Any:
    return world.users["mgr_north1"]


@pytest.fixture
def own(manager: Any) -> Client:
    return ClientFactory(responsible=manager, name="Свой")


@pytest.fixture
def foreign(world: Any) -> dict[str, Any]:
    """Another manager's client with a contact and a deal."""
    other = world.users["mgr_south"]
    client = ClientFactory(responsible=other, name="Чужой")
    return {
        "client": client,
        "contact": ContactFactory(client=client, last_name="Чужаков"),
        "deal": DealFactory(client=client, owner=other, title="Чужая сделка", amount=Decimal(500)),
    }


# --- Pipelines and reasons ------------------------------------------------------------------------------


def test_pipelines_come_with_their_stages_in_funnel_order(manager):
    http = bearer(manager, "deals:read")
    body = http.get("/api/v1/pipelines").json()
    [sales] = [pipeline for pipeline in body["items"] if pipeline["code"] == "sales"]
    codes = [item["code"] for item in sales["stages"]]
    assert codes == ["new", "qualification", "meeting", "proposal", "negotiation", "won", "lost"]
    negotiation = sales["stages"][4]
    assert negotiation["required_fields"] == ["amount", "expected_close_on"]
    assert (negotiation["kind"], sales["stages"][5]["kind"], sales["stages"][6]["kind"]) == ("open", "won", "lost")
    assert sales["currency"] == "RUB"
    assert http.get(f"/api/v1/pipelines/{sales['id']}").json() == sales


def test_a_retired_pipeline_is_listed_only_on_request(manager):
    retired = Pipeline.objects.create(code="old", name_en="Old funnel", is_active=False)
    http = bearer(manager, "deals:read")
    assert "old" not in [item["code"] for item in http.get("/api/v1/pipelines").json()["items"]]
    assert "old" in [item["code"] for item in http.get("/api/v1/pipelines?include_inactive=true").json()["items"]]
    assert http.get(f"/api/v1/pipelines/{retired.pk}").json()["is_active"] is False
    assert http.get("/api/v1/pipelines/999999").status_code == 404


def test_lost_reasons_are_listed_in_the_callers_language(manager):
    manager.language = "ru"
    manager.save(update_fields=["language"])
    LostReason.objects.filter(code="other").update(is_active=False)
    http = bearer(manager, "deals:read")
    items = http.get("/api/v1/lost-reasons").json()["items"]
    price = next(item for item in items if item["code"] == "price")
    assert price["name"] == "Высокая цена"
    assert price["names"]["en"] == "Price too high"
    active = [item["code"] for item in http.get("/api/v1/lost-reasons?active=true").json()["items"]]
    assert "price" in active
    assert "other" not in active


# --- Deals: round trip ----------------------------------------------------------------------------------


def test_a_manager_opens_reads_changes_and_deletes_a_deal(manager, own):
    contact = ContactFactory(client=own, last_name="Иванов", first_name="Пётр")
    http = bearer(manager, "deals:write")
    created = post(
        http,
        "/api/v1/deals",
        {
            "client_id": own.pk,
            "title": "Окна для офиса",
            "source": "website",
            "contacts": [{"contact_id": contact.pk, "role": "decision-maker"}],
            "lines": [
                {"description": "Окно ПВХ", "quantity": "4", "unit": "шт", "price": "25000.00", "discount": "10"},
                {"description": "Монтаж", "price": "8000"},
            ],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    deal_id = body["id"]
    assert body["client"] == {
        "id": own.pk,
        "name": own.display_name,
        "accessible": True,
        "url": f"/api/v1/clients/{own.pk}",
        "card_url": f"/clients/{own.pk}/",
    }
    assert (body["pipeline"]["code"], body["stage"]["code"], body["status"]) == ("sales", "new", "open")
    assert body["owner"]["id"] == manager.pk
    assert body["team"]["name"] == "North-1"
    assert body["source"]["code"] == "website"
    assert body["currency"] == "RUB"
    assert body["amount"] is None  # lines given on opening do not set the amount
    assert body["effective_probability"] == stage("new").probability
    assert [(item["contact"], item["role"]["code"]) for item in body["contacts"]] == [
        ({"id": contact.pk, "name": "Иванов Пётр"}, "decision-maker")
    ]
    assert [(line["description"], line["quantity"], line["total"]) for line in body["lines"]] == [
        ("Окно ПВХ", "4.000", "90000.00"),
        ("Монтаж", "1.000", "8000.00"),
    ]
    assert body["lines_total"] == "98000.00"
    assert body["stage_changes"]["count"] == 1
    assert body["stage_changes"]["latest"][0]["from_stage"] is None
    assert (body["url"], body["card_url"]) == (f"/api/v1/deals/{deal_id}", f"/deals/{deal_id}/")

    assert http.get(f"/api/v1/deals/{deal_id}").json()["title"] == "Окна для офиса"

    changed = patch(http, f"/api/v1/deals/{deal_id}", {"amount": "98000.00", "expected_close_on": "2030-03-01", "source": None})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["amount"], changed.json()["expected_close_on"], changed.json()["source"]) == (
        "98000.00",
        "2030-03-01",
        None,
    )
    assert changed.json()["title"] == "Окна для офиса"  # not sent, so unchanged

    assert http.delete(f"/api/v1/deals/{deal_id}").status_code == 204
    assert http.get(f"/api/v1/deals/{deal_id}").status_code == 404
    assert not Deal.objects.filter(pk=deal_id).exists()


def test_a_deal_opens_in_the_stage_given(manager, own):
    http = bearer(manager, "deals:write")
    created = post(http, "/api/v1/deals", {"client_id": own.pk, "title": "Сразу на встречу", "stage_id": stage("meeting").pk})
    assert created.status_code == 201, created.content
    assert created.json()["stage"]["code"] == "meeting"


def test_a_stage_of_another_pipeline_than_the_one_named_is_refused(manager, own):
    other = Pipeline.objects.create(code="service", name_en="Service")
    response = post(
        bearer(manager, "deals:write"),
        "/api/v1/deals",
        {"client_id": own.pk, "title": "x", "pipeline_id": other.pk, "stage_id": stage("new").pk},
    )
    assert response.status_code == 422
    assert list(error_fields(response)) == ["stage_id"]


# --- Stage moves ----------------------------------------------------------------------------------------


def test_entering_a_stage_without_its_required_fields_is_422_naming_them(manager, own):
    deal = DealFactory(client=own, owner=manager)
    http = bearer(manager, "deals:write")
    response = post(http, f"/api/v1/deals/{deal.pk}/move", {"stage_id": stage("negotiation").pk})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "stage_requirements"
    assert "Negotiation" in error["message"]
    assert [(detail["field"], detail["code"]) for detail in error["details"]] == [
        ("amount", "required"),
        ("expected_close_on", "required"),
    ]
    deal.refresh_from_db()
    assert deal.stage == stage("new")
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_opening_a_deal_in_a_stage_without_its_required_fields_saves_nothing(manager, own):
    response = post(
        bearer(manager, "deals:write"), "/api/v1/deals", {"client_id": own.pk, "title": "x", "stage_id": stage("proposal").pk}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "stage_requirements"
    assert error_fields(response) == {"amount": "required"}
    assert not Deal.objects.exists()


def test_a_field_the_current_stage_requires_cannot_be_emptied(manager, own):
    deal = DealFactory(client=own, owner=manager, amount=Decimal(1000), stage=stage("proposal"))
    response = patch(bearer(manager, "deals:write"), f"/api/v1/deals/{deal.pk}", {"amount": None})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "stage_requirements"
    deal.refresh_from_db()
    assert deal.amount == Decimal(1000)


def test_a_deal_moves_is_won_reopened_lost_and_reopened_again(manager, own):
    deal = DealFactory(client=own, owner=manager, amount=Decimal(1000))
    http = bearer(manager, "deals:write")
    url = f"/api/v1/deals/{deal.pk}"

    moved = post(http, f"{url}/move", {"stage_id": stage("meeting").pk})
    assert moved.status_code == 200, moved.content
    assert moved.json()["stage"]["code"] == "meeting"

    won = post(http, f"{url}/win", {"comment": "Подписали"})
    assert won.status_code == 200, won.content
    assert (won.json()["status"], won.json()["stage"]["code"], won.json()["outcome_comment"]) == ("won", "won", "Подписали")
    assert won.json()["closed_at"] is not None

    reopened = post(http, f"{url}/reopen", {})
    assert reopened.status_code == 200, reopened.content
    assert (reopened.json()["status"], reopened.json()["stage"]["code"]) == ("open", "meeting")  # where it was closed from
    assert reopened.json()["closed_at"] is None

    lost = post(http, f"{url}/lose", {"lost_reason_id": reason("competitor").pk, "comment": "Ушли к конкурентам"})
    assert lost.status_code == 200, lost.content
    assert (lost.json()["status"], lost.json()["lost_reason"]["code"]) == ("lost", "competitor")

    again = post(http, f"{url}/reopen", {"stage_id": stage("qualification").pk})
    assert (again.json()["status"], again.json()["stage"]["code"], again.json()["lost_reason"]) == ("open", "qualification", None)

    history = http.get(f"{url}/stage-changes").json()["items"]
    assert [(item["from_stage"] and item["from_stage"]["code"], item["to_stage"]["code"]) for item in history] == [
        ("lost", "qualification"),
        ("meeting", "lost"),
        ("won", "meeting"),
        ("meeting", "won"),
        ("new", "meeting"),
        (None, "new"),
    ]
    assert all(item["changed_by"]["id"] == manager.pk for item in history[:-1])
    assert http.get(url).json()["stage_changes"]["count"] == 6


def test_moving_to_the_stage_the_deal_is_in_changes_nothing(manager, own):
    deal = DealFactory(client=own, owner=manager)
    response = post(bearer(manager, "deals:write"), f"/api/v1/deals/{deal.pk}/move", {"stage_id": stage("new").pk})
    assert response.status_code == 200
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_reopening_an_open_deal_is_a_conflict(manager, own):
    deal = DealFactory(client=own, owner=manager)
    response = post(bearer(manager, "deals:write"), f"/api/v1/deals/{deal.pk}/reopen", {})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "deal_open"


def test_a_lost_stage_needs_a_known_reason_and_only_a_lost_stage_takes_one(manager, own):
    deal = DealFactory(client=own, owner=manager)
    http = bearer(manager, "deals:write")
    url = f"/api/v1/deals/{deal.pk}"
    for response in (
        post(http, f"{url}/move", {"stage_id": stage("lost").pk}),
        post(http, f"{url}/move", {"stage_id": stage("lost").pk, "lost_reason_id": 999999}),
        post(http, f"{url}/lose", {"lost_reason_id": 999999}),
        post(http, f"{url}/move", {"stage_id": stage("meeting").pk, "lost_reason_id": reason("price").pk}),
    ):
        assert response.status_code == 422, response.content
        assert list(error_fields(response)) == ["lost_reason_id"]
    retired = reason("other")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    response = post(http, f"{url}/lose", {"lost_reason_id": retired.pk})
    assert response.status_code == 422
    assert list(error_fields(response)) == ["lost_reason_id"]
    deal.refresh_from_db()
    assert (deal.status, deal.stage) == (DealStatus.OPEN, stage("new"))


def test_a_move_to_an_unknown_stage_or_a_retired_pipeline_is_refused(manager, own):
    deal = DealFactory(client=own, owner=manager)
    retired = Pipeline.objects.create(code="old", name_en="Old", is_active=False)
    old_stage = Stage.objects.create(pipeline=retired, code="a", name_en="A", kind=StageKind.OPEN)
    http = bearer(manager, "deals:write")
    unknown = post(http, f"/api/v1/deals/{deal.pk}/move", {"stage_id": 999999})
    assert error_fields(unknown) == {"stage_id": "not_found"}
    inactive = post(http, f"/api/v1/deals/{deal.pk}/move", {"stage_id": old_stage.pk})
    assert error_fields(inactive) == {"stage_id": "inactive"}


# --- Contacts, lines, proposals --------------------------------------------------------------------------


def test_contacts_are_replaced_and_must_be_the_clients(manager, own, foreign):
    first, second = ContactFactory(client=own, last_name="Первов"), ContactFactory(client=own, last_name="Вторых")
    deal = DealFactory(client=own, owner=manager)
    http = bearer(manager, "deals:write")
    url = f"/api/v1/deals/{deal.pk}/contacts"
    body = put(http, url, {"items": [{"contact_id": first.pk, "role": "buyer"}, {"contact_id": second.pk}]}).json()
    assert [(item["contact"]["id"], item["role"] and item["role"]["code"]) for item in body["contacts"]] == [
        (second.pk, None),
        (first.pk, "buyer"),
    ]
    elsewhere = ContactFactory(client=ClientFactory(responsible=manager))
    for items, field in (
        ([{"contact_id": elsewhere.pk}], "items"),  # visible, but another client's
        ([{"contact_id": foreign["contact"].pk}], "items.0.contact_id"),  # not visible at all
        ([{"contact_id": first.pk}, {"contact_id": first.pk}], "items"),
        ([{"contact_id": first.pk, "role": "no-such-role"}], "items.0.role"),
    ):
        response = put(http, url, {"items": items})
        assert response.status_code == 422, response.content
        assert list(error_fields(response)) == [field]
    assert put(http, url, {"items": []}).json()["contacts"] == []


def test_lines_are_replaced_and_set_the_amount(manager, own):
    deal = DealFactory(client=own, owner=manager, amount=Decimal(1))
    http = bearer(manager, "deals:write")
    url = f"/api/v1/deals/{deal.pk}/lines"
    body = put(http, url, {"items": [{"description": "Профиль", "quantity": "2.5", "unit": "м", "price": "100.00"}]}).json()
    assert (body["amount"], body["lines_total"], body["lines"][0]["total"]) == ("250.00", "250.00", "250.00")
    kept = put(http, url, {"items": [{"description": "Стекло", "price": "10"}], "update_amount": False}).json()
    assert (kept["amount"], kept["lines_total"]) == ("250.00", "10.00")
    bad = put(http, url, {"items": [{"description": "Скидка", "price": "10", "discount": "120"}]})
    assert bad.status_code == 422
    assert list(error_fields(bad)) == ["items"]


def test_our_price_proposal_becomes_the_amount_and_a_counter_offer_does_not(manager, own):
    deal = DealFactory(client=own, owner=manager, amount=Decimal(1000))
    http = bearer(manager, "deals:write")
    url = f"/api/v1/deals/{deal.pk}/proposals"
    last_week = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    ours = post(http, url, {"amount": "900.00", "proposed_on": last_week, "note": "Скидка 10%"})
    assert ours.status_code == 201, ours.content
    assert (ours.json()["amount"], ours.json()["currency"], ours.json()["by_client"]) == ("900.00", "RUB", False)
    theirs = post(http, url, {"amount": "700", "by_client": True})
    assert theirs.status_code == 201
    body = http.get(f"/api/v1/deals/{deal.pk}").json()
    assert body["amount"] == "900.00"
    assert [(item["amount"], item["proposed_on"]) for item in body["proposals"]] == [
        ("700.00", timezone.localdate().isoformat()),  # today's by default, and newest first
        ("900.00", last_week),
    ]


# --- The list -------------------------------------------------------------------------------------------


def test_the_deal_list_filters_combine(world, manager, own, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the search index follows the client after commit
        other_client = ClientFactory(responsible=manager, name="Другой")
    website = reference(ClientSource, "website")
    small = DealFactory(client=own, owner=manager, title="Малая", amount=Decimal(100), source=website)
    large = DealFactory(
        client=own, owner=manager, title="Большая", amount=Decimal(100000), expected_close_on=datetime.date(2030, 6, 1)
    )
    elsewhere = DealFactory(client=other_client, owner=manager, title="Третья", stage=stage("meeting"))
    lost = DealFactory(client=other_client, owner=manager, title="Проигранная")
    from kartoteka.deals import services

    services.deal_lose(actor=manager, deal=lost, reason=reason("price"))
    http = bearer(manager, "deals:read")

    def ids(query: str) -> list[int]:
        response = http.get(f"/api/v1/deals?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids("") == [lost.pk, elsewhere.pk, large.pk, small.pk]  # newest first
    assert ids("status=open") == [elsewhere.pk, large.pk, small.pk]
    assert ids("status=won,lost") == [lost.pk]
    assert ids(f"stage={stage('meeting').pk}") == [elsewhere.pk]
    assert ids(f"pipeline={stage('new').pipeline_id}&status=open&client={own.pk}") == [large.pk, small.pk]
    assert ids("amount_min=1000") == [large.pk]
    assert ids("amount_max=1000.00") == [small.pk]
    assert ids("source=website,referral") == [small.pk]
    assert ids("close_from=2030-01-01&close_to=2030-12-31") == [large.pk]
    today = timezone.localdate().isoformat()
    assert ids(f"created_from={today}&created_to={today}&owner=me&q=больш") == [large.pk]
    assert ids(f"team={world.teams['north1'].pk}&q=другой") == [lost.pk, elsewhere.pk]
    assert ids(f"owner={world.users['mgr_south'].pk}") == []


def test_deal_cursor_pages_cover_every_row_once(manager, own):
    made = [DealFactory(client=own, owner=manager) for _n in range(7)]
    http = bearer(manager, "deals:read")
    seen: list[int] = []
    url = "/api/v1/deals?limit=3"
    while url:
        page = http.get(url).json()
        seen += [item["id"] for item in page["items"]]
        url = f"/api/v1/deals?limit=3&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    assert seen == [deal.pk for deal in sorted(made, key=lambda deal: (deal.created_at, deal.pk), reverse=True)]


def test_a_foreign_or_tampered_cursor_is_400(manager, own):
    http = bearer(manager, "deals:read")
    for cursor in ("recent.WzFd", "created.!!!", "nonsense"):
        response = http.get(f"/api/v1/deals?cursor={cursor}")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_cursor"


def _deal_list_queries(django_assert_num_queries: Any, http: HttpClient) -> list[dict[str, Any]]:
    # 1 the token with its user (its last use is written at most once a minute: the warm-up did it),
    # 2 the user's roles and scopes (the access policy), 3 the deals the user has an open task on (they are
    # theirs too, docs/access.md), 4 the page of deals with the client (and its legal form), pipeline, stage,
    # source, owner, team, lost reason and creator joined and the next open task's deadline as a subquery.
    with django_assert_num_queries(4):
        response = http.get("/api/v1/deals?limit=100")
    assert response.status_code == 200
    return response.json()["items"]


def test_the_deal_list_runs_the_same_queries_for_3_and_30_deals(manager, own, django_assert_num_queries):
    website = reference(ClientSource, "website")

    def add(count: int) -> None:
        for number in range(count):
            deal = DealFactory(client=own, owner=manager, amount=Decimal(number), source=website)
            TaskFactory(client=own, assignee=manager, deal=deal)

    add(3)
    http = bearer(manager, "deals:read")
    http.get("/api/v1/deals")  # warm-up: records the token's first use
    assert len(_deal_list_queries(django_assert_num_queries, http)) == 3  # three deals
    add(27)
    items = _deal_list_queries(django_assert_num_queries, http)
    assert len(items) == 30
    assert all(item["source"] and item["next_task_due_at"] and item["owner"] for item in items)


# --- Access ---------------------------------------------------------------------------------------------

FOREIGN_REQUESTS = [
    ("get", "/api/v1/deals/{deal}", None),
    ("get", "/api/v1/deals/{deal}/stage-changes", None),
    ("patch", "/api/v1/deals/{deal}", {"title": "Моя"}),
    ("delete", "/api/v1/deals/{deal}", None),
    ("post", "/api/v1/deals/{deal}/move", {"stage_id": "{meeting}"}),
    ("post", "/api/v1/deals/{deal}/win", {}),
    ("post", "/api/v1/deals/{deal}/lose", {"lost_reason_id": "{reason}"}),
    ("post", "/api/v1/deals/{deal}/reopen", {}),
    ("put", "/api/v1/deals/{deal}/contacts", {"items": []}),
    ("put", "/api/v1/deals/{deal}/lines", {"items": []}),
    ("post", "/api/v1/deals/{deal}/proposals", {"amount": "1.00"}),
]


def _body(body: dict[str, Any] | None) -> dict[str, Any] | None:
    if body is None:
        return None
    ids = {"{meeting}": stage("meeting").pk, "{reason}": reason("price").pk}
    return {key: ids.get(value, value) if isinstance(value, str) else value for key, value in body.items()}


@pytest.mark.parametrize(("method", "url", "body"), FOREIGN_REQUESTS)
def test_a_manager_gets_404_for_another_managers_deal(manager, foreign, method, url, body):
    response = send(bearer(manager, "deals:write"), method, url.format(deal=foreign["deal"].pk), _body(body))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    deal = Deal.objects.get(pk=foreign["deal"].pk)
    assert (deal.title, deal.stage, deal.status, deal.amount) == ("Чужая сделка", stage("new"), DealStatus.OPEN, Decimal(500))


def test_lists_never_include_another_managers_deals(world, manager, own, foreign):
    mine = DealFactory(client=own, owner=manager)
    http = bearer(manager, "deals:read")
    assert [item["id"] for item in http.get("/api/v1/deals").json()["items"]] == [mine.pk]
    assert http.get(f"/api/v1/deals?client={foreign['client'].pk}").json()["items"] == []
    assert http.get(f"/api/v1/deals?owner={world.users['mgr_south'].pk}").json()["items"] == []
    assert http.get("/api/v1/deals?q=Чужая").json()["items"] == []
    head = bearer(world.users["head"], "deals:read")
    assert {item["id"] for item in head.get("/api/v1/deals").json()["items"]} == {mine.pk, foreign["deal"].pk}


def test_a_supervisor_reads_and_moves_the_teams_deals(world, own, foreign):
    deal = DealFactory(client=own, owner=world.users["mgr_north1"])
    http = bearer(world.users["sup_north"], "deals:write")
    assert [item["id"] for item in http.get("/api/v1/deals").json()["items"]] == [deal.pk]
    assert post(http, f"/api/v1/deals/{deal.pk}/move", {"stage_id": stage("meeting").pk}).status_code == 200
    assert http.get(f"/api/v1/deals/{foreign['deal'].pk}").status_code == 404


def test_a_body_cannot_point_at_invisible_records(world, manager, own, foreign):
    http = bearer(manager, "deals:write")
    for body, field in (
        ({"client_id": foreign["client"].pk, "title": "x"}, "client_id"),
        ({"client_id": own.pk, "title": "x", "contacts": [{"contact_id": foreign["contact"].pk}]}, "contacts.0.contact_id"),
        ({"client_id": own.pk, "title": "x", "owner_id": world.users["mgr_south"].pk}, "owner_id"),
        ({"client_id": own.pk, "title": "x", "team_id": world.teams["south"].pk}, "team_id"),
        ({"client_id": own.pk, "title": "x", "stage_id": 999999}, "stage_id"),
        ({"client_id": own.pk, "title": "x", "pipeline_id": 999999}, "pipeline_id"),
        ({"client_id": own.pk, "title": "x", "source": "no-such-source"}, "source"),
    ):
        response = post(http, "/api/v1/deals", body)
        assert response.status_code == 422, (body, response.content)
        assert list(error_fields(response)) == [field], body
    deal = DealFactory(client=own, owner=manager)
    moved_away = patch(http, f"/api/v1/deals/{deal.pk}", {"client_id": foreign["client"].pk})
    assert error_fields(moved_away) == {"client_id": "not_found"}
    assert Deal.objects.filter(client=own).count() == 1


def test_a_manager_cannot_hand_a_deal_to_a_colleague(world, manager, own, user_factory):
    colleague = user_factory(email="colleague@example.test", team=world.teams["north1"], roles="manager")
    deal = DealFactory(client=own, owner=manager)
    http = bearer(manager, "deals:write")
    # The colleague is visible (the same team), but a manager changes own deals only, and would not own this one.
    response = patch(http, f"/api/v1/deals/{deal.pk}", {"owner_id": colleague.pk})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    deal.refresh_from_db()
    assert deal.owner == manager


def test_a_marketer_reads_deals_but_changes_none(world, foreign):
    http = bearer(world.users["marketer"], "deals:write")
    deal = foreign["deal"]
    assert http.get(f"/api/v1/deals/{deal.pk}").status_code == 200
    assert [item["id"] for item in http.get("/api/v1/deals").json()["items"]] == [deal.pk]
    for method, url, body in [
        *FOREIGN_REQUESTS[2:],
        ("post", "/api/v1/deals", {"client_id": foreign["client"].pk, "title": "x"}),
    ]:
        if method == "get":
            continue
        response = send(http, method, url.format(deal=deal.pk), _body(body))
        assert response.status_code == 403, (url, response.content)
        assert response.json()["error"]["code"] == "forbidden"


# --- Scopes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url", "body"), [*FOREIGN_REQUESTS[2:], ("post", "/api/v1/deals", {"title": "x"})])
def test_a_read_only_token_cannot_write(manager, own, method, url, body):
    deal = DealFactory(client=own, owner=manager)
    if url == "/api/v1/deals":
        body = {**body, "client_id": own.pk}
    response = send(bearer(manager, "deals:read"), method, url.format(deal=deal.pk), _body(body))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert Deal.objects.filter(client=own).count() == 1


@pytest.mark.parametrize("url", ["/api/v1/deals", "/api/v1/pipelines", "/api/v1/lost-reasons"])
def test_a_token_without_the_deals_scope_cannot_even_read(manager, url):
    response = bearer(manager, "clients:write", "activities:write").get(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_the_browser_session_needs_no_scope(manager, own, client_for):
    DealFactory(client=own, owner=manager)
    assert len(client_for(manager).get("/api/v1/deals").json()["items"]) == 1


# --- Bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/deals?status=late",
        "/api/v1/deals?owner=someone",
        "/api/v1/deals?amount_min=12,5",
        "/api/v1/deals?amount_max=1e5",
        "/api/v1/deals?created_from=yesterday",
        "/api/v1/deals?close_to=2030-02-30",
        "/api/v1/deals?pipeline=0",
        "/api/v1/deals?limit=201",
        "/api/v1/deals/1/stage-changes?limit=0",
    ],
)
def test_bad_list_parameters_are_422(manager, query):
    response = bearer(manager, "deals:read").get(query)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_bad_bodies_are_422_naming_the_input(manager, own):
    http = bearer(manager, "deals:write")
    deal = DealFactory(client=own, owner=manager)
    cases = [
        ("/api/v1/deals", {"client_id": own.pk}, "title"),
        ("/api/v1/deals", {"client_id": own.pk, "title": "   "}, "title"),
        ("/api/v1/deals", {"client_id": own.pk, "title": "x", "amount": 12.5}, "amount"),
        ("/api/v1/deals", {"client_id": own.pk, "title": "x", "amount": "-5"}, "amount"),
        ("/api/v1/deals", {"client_id": own.pk, "title": "x", "amount": "12345678901234567890"}, "amount"),
        ("/api/v1/deals", {"client_id": own.pk, "title": "x", "probability": 101}, "probability"),
        ("/api/v1/deals", {"client_id": own.pk, "title": "x", "currency": "rub"}, "currency"),
        ("/api/v1/deals", {"client_id": True, "title": "x"}, "client_id"),
        ("/api/v1/deals", {"client_id": own.pk, "title": "x", "lines": [{"description": "y"}]}, "lines.0.price"),
        (f"/api/v1/deals/{deal.pk}/move", {}, "stage_id"),
        (f"/api/v1/deals/{deal.pk}/lose", {}, "lost_reason_id"),
        (f"/api/v1/deals/{deal.pk}/proposals", {"amount": "-1"}, "amount"),
    ]
    for url, body, field in cases:
        response = post(http, url, body)
        assert response.status_code == 422, (body, response.content)
        assert field in error_fields(response), (body, response.json())
    assert patch(http, f"/api/v1/deals/{deal.pk}", {"title": None}).status_code == 422
    assert Deal.objects.filter(client=own).count() == 1


def test_nul_characters_are_refused(manager, own):
    response = post(bearer(manager, "deals:write"), "/api/v1/deals", {"client_id": own.pk, "title": "a\u0000b"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "null_character"


def test_errors_speak_the_callers_language(manager, own):
    manager.language = "ru"
    manager.save(update_fields=["language"])
    deal = DealFactory(client=own, owner=manager)
    response = post(bearer(manager, "deals:write"), f"/api/v1/deals/{deal.pk}/move", {"stage_id": stage("proposal").pk})
    assert response.status_code == 422
    assert "Отправлено предложение" in response.json()["error"]["message"]


# --- The API's enums agree with the models ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_values", "choices"),
    [
        (schemas.StageKindName, set(StageKind.values)),
        (schemas.DealStatusName, set(DealStatus.values)),
        (schemas.RequirableName, set(REQUIRABLE_FIELDS)),
    ],
)
def test_api_choices_match_the_models(api_values, choices):
    assert set(get_args(api_values)) == choices
