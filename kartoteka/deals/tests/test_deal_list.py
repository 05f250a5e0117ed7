"""The deal list over HTTP: only visible deals, every filter, sorts, a query count that does not grow with
the rows, saved views and export of exactly what the list shows."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.clients.models import ClientSource
from kartoteka.core.models import SavedView
from kartoteka.deals import services
from kartoteka.deals.models import LostReason, Stage
from kartoteka.testing.factories import ClientFactory, DealFactory, TaskFactory

pytestmark = pytest.mark.django_db

LIST = "/deals/list/"


def stage(code: str) -> Stage:
    return Stage.objects.get(pipeline__code="sales", code=code)


def titles(response) -> list[str]:
    return [deal.title for deal, _cells in response.context["page"].rows]


@pytest.fixture
def manager(world):
    return world.users["mgr_north1"]


@pytest.fixture
def deals(world, manager):
    """Three deals of a North-1 manager, one of a South manager."""
    mine = ClientFactory(responsible=manager, name="Vostok Trading")
    theirs = ClientFactory(responsible=world.users["mgr_south"], name="Yug Logistics")
    web = ClientSource.objects.order_by("order").first()
    return {
        "windows": DealFactory(client=mine, owner=manager, title="Windows", amount=Decimal(500), source=web),
        "doors": DealFactory(
            client=mine, owner=manager, title="Doors", amount=Decimal(5000), expected_close_on=datetime.date(2031, 3, 1)
        ),
        "gates": DealFactory(client=mine, owner=manager, title="Gates"),
        "fence": DealFactory(client=theirs, owner=world.users["mgr_south"], title="Fence", amount=Decimal(900)),
    }


def test_a_manager_lists_only_own_deals_and_the_head_of_sales_every_deal(world, client_for, manager, deals):
    response = client_for(manager).get(LIST)
    assert response.status_code == 200
    assert sorted(titles(response)) == ["Doors", "Gates", "Windows"]
    assert sorted(titles(client_for(world.users["head"]).get(LIST))) == ["Doors", "Fence", "Gates", "Windows"]
    html = response.content.decode()
    assert "Vostok Trading" in html
    assert "Yug Logistics" not in html


def test_the_list_filters_by_stage_status_owner_team_source_amount_dates_and_reason(world, client_for, manager, deals):
    head = client_for(world.users["head"])
    services.deal_move_stage(actor=manager, deal=deals["doors"], stage=stage("meeting"))
    services.deal_lose(actor=manager, deal=deals["gates"], reason=LostReason.objects.get(code="price"))
    assert sorted(titles(head.get(LIST, {"stage": stage("meeting").pk}))) == ["Doors"]
    assert sorted(titles(head.get(LIST, {"status": "lost"}))) == ["Gates"]
    assert sorted(titles(head.get(LIST, {"status": "open"}))) == ["Doors", "Fence", "Windows"]
    assert sorted(titles(head.get(LIST, {"lost_reason": LostReason.objects.get(code="price").pk}))) == ["Gates"]
    assert sorted(titles(head.get(LIST, {"owner": world.users["mgr_south"].pk}))) == ["Fence"]
    assert sorted(titles(head.get(LIST, {"team": world.teams["north"].pk}))) == ["Doors", "Gates", "Windows"]  # with North-1
    assert sorted(titles(head.get(LIST, {"source": deals["windows"].source_id}))) == ["Windows"]
    assert sorted(titles(head.get(LIST, {"amount_min": "800", "amount_max": "5 000"}))) == ["Doors", "Fence"]
    assert sorted(titles(head.get(LIST, {"close_from": "2031-02-01", "close_to": "2031-03-01"}))) == ["Doors"]
    today = timezone.localdate()
    assert len(titles(head.get(LIST, {"created_from": today.isoformat(), "created_to": today.isoformat()}))) == 4
    assert titles(head.get(LIST, {"created_to": (today - datetime.timedelta(days=1)).isoformat()})) == []
    assert sorted(titles(head.get(LIST, {"q": "yug"}))) == ["Fence"]  # the client's name
    assert sorted(titles(head.get(LIST, {"q": "doo"}))) == ["Doors"]
    assert sorted(titles(head.get(LIST, {"amount_min": "lots"}))) == ["Doors", "Fence", "Gates", "Windows"]  # dropped


def test_the_list_sorts_by_amount_and_title(world, client_for, deals):
    head = client_for(world.users["head"])
    assert titles(head.get(LIST, {"sort": "amount"}))[:3] == ["Windows", "Fence", "Doors"]
    assert titles(head.get(LIST, {"sort": "title"})) == ["Doors", "Fence", "Gates", "Windows"]
    assert titles(head.get(LIST, {"sort": "-title"})) == ["Windows", "Gates", "Fence", "Doors"]


def test_the_list_answers_htmx_with_the_results_only(world, client_for, deals):
    response = client_for(world.users["head"]).get(LIST, {"q": "doors"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="list-results"' in html
    assert "<html" not in html
    assert titles(response) == ["Doors"]
    assert "/deals/list/export/?q=doors&amp;format=xlsx" in html  # the export takes the list's state


@pytest.mark.parametrize("count", [5, 50])
def test_a_page_costs_the_same_queries_with_5_or_50_deals(world, client_for, manager, count, django_assert_num_queries):
    client = ClientFactory(responsible=manager)
    for n in range(count):
        deal = DealFactory(client=client, owner=manager, title=f"Deal {n}", amount=Decimal(n))
        TaskFactory(assignee=manager, client=client, deal=deal)
    http = client_for(manager)
    http.get(LIST)
    # 1 the signed-in user, 2 their roles and scopes, 3 their saved views, 4 the deals they have an open
    # task on (the access policy's "personal" part). The filter panel: 5 pipelines, 6 stages, 7 reasons for
    # losing, 8 teams, 9 sources. 10 the page of deals with client, pipeline, stage, owner, team, source and
    # the next task's deadline (one query), 11 the capped count.
    with django_assert_num_queries(11):
        response = http.get(LIST)
    assert len(response.context["page"].rows) == count


def test_the_export_holds_what_the_list_shows(world, client_for, manager, deals):
    response = client_for(manager).get(reverse("deals:export"), {"format": "csv", "sort": "title"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="deals-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["ID", "Deal", "Client"]
    assert [row[1] for row in rows[1:]] == ["Doors", "Gates", "Windows"]
    xlsx = client_for(manager).get(reverse("deals:export"), {"format": "xlsx", "q": "doors"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet.title == "Deals"
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Doors"]


def test_a_saved_view_keeps_the_filters_and_can_open_the_list_by_default(client_for, manager, deals):
    http = client_for(manager)
    response = http.post(reverse("deals:saved_view_save"), {"name": "Big", "query": "amount_min=1000", "is_default": "1"})
    view = SavedView.objects.get(user=manager, list_key="deals")
    assert view.params == {"amount_min": ["1000"]}
    assert response.status_code == 302
    opened = http.get(LIST)
    assert opened.status_code == 302
    assert opened["Location"] == f"{LIST}?amount_min=1000"
    assert titles(http.get(opened["Location"])) == ["Doors"]
    http.post(reverse("deals:saved_view_delete", args=[view.pk]))
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_the_owner_picker_offers_only_people_the_viewer_may_see(world, client_for, manager):
    http = client_for(manager)
    found = http.get(reverse("deals:people"), {"q": "Last-", "single": "1"}).content.decode()
    assert 'type="radio" name="owner"' in found
    assert "Last-mgr_north1" in found
    assert "Last-mgr_south" not in found  # another team: not the manager's to see
    everyone = client_for(world.users["head"]).get(reverse("deals:people"), {"q": "Last-mgr"}).content.decode()
    assert 'type="checkbox" name="owner"' in everyone
    assert "Last-mgr_south" in everyone
