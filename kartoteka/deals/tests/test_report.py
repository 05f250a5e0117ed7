"""The sales report: closed deals, sums, calls and conversion per manager, lead sources and stage entries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities import services as activity_services
from kartoteka.clients.models import ClientSource
from kartoteka.deals import report, services
from kartoteka.deals.models import LostReason, Pipeline, Stage
from kartoteka.testing.factories import ClientFactory, DealFactory

pytestmark = pytest.mark.django_db


def stage(code: str) -> Stage:
    return Stage.objects.get(pipeline__code="sales", code=code)


@pytest.fixture
def funnel(world):
    north, south = world.users["mgr_north1"], world.users["mgr_south"]
    web = ClientSource.objects.get(code="website")
    north_client, south_client = ClientFactory(responsible=north), ClientFactory(responsible=south)
    won = DealFactory(client=north_client, owner=north, amount=Decimal(1000), source=web)
    services.deal_win(actor=north, deal=won)
    lost = DealFactory(client=north_client, owner=north, amount=Decimal(500), source=web)
    services.deal_lose(actor=north, deal=lost, reason=LostReason.objects.get(code="price"))
    DealFactory(client=north_client, owner=north, amount=Decimal(300))
    south_won = DealFactory(client=south_client, owner=south, amount=Decimal(7000))
    services.deal_move_stage(actor=south, deal=south_won, stage=stage("qualification"))
    services.deal_win(actor=south, deal=south_won)
    for _n in range(3):
        activity_services.activity_log(actor=north, client=north_client, values={"kind": "call"})
    return world


def test_the_head_sees_every_manager_with_sums_calls_and_conversion(funnel):
    today = timezone.localdate()
    result = report.build(funnel.users["head"], start=today, end=today, pipeline=Pipeline.objects.get(code="sales"))
    rows = {row.key: row for row in result.managers}
    north = rows[funnel.users["mgr_north1"].pk]
    assert (north.created, north.won, north.won_sum, north.lost, north.open, north.open_sum) == (
        3,
        1,
        Decimal(1000),
        1,
        1,
        Decimal(300),
    )
    assert north.calls == 3
    assert north.conversion == 50.0
    assert rows[funnel.users["mgr_south"].pk].won_sum == Decimal(7000)
    assert (result.total.created, result.total.won, result.total.won_sum) == (4, 2, Decimal(8000))
    sources = {row.key: row for row in result.sources}
    assert sources[ClientSource.objects.get(code="website").pk].created == 2
    assert [row.entered for row in result.stages] == [4, 1, 0, 0, 0, 2, 1]  # new … won, lost


def test_a_supervisor_sees_only_the_team_and_a_manager_gets_no_report(funnel, client_for):
    today = timezone.localdate()
    result = report.build(funnel.users["sup_north"], start=today, end=today)
    assert [row.key for row in result.managers] == [funnel.users["mgr_north1"].pk]
    assert client_for(funnel.users["mgr_north1"]).get(reverse("deals:report")).status_code == 403
    page = client_for(funnel.users["head"]).get(reverse("deals:report"))
    assert page.status_code == 200
    assert "Last-mgr_south" in page.content.decode()


def test_a_backwards_period_is_a_clear_error(funnel, client_for):
    page = client_for(funnel.users["head"]).get(reverse("deals:report"), {"start": "2026-05-10", "end": "2026-05-01"})
    assert "The period ends before it starts." in page.content.decode()


@pytest.mark.parametrize("extra", [0, 10])
def test_the_report_costs_the_same_queries_for_more_deals(funnel, django_assert_num_queries, extra):
    north = funnel.users["mgr_north1"]
    client = ClientFactory(responsible=north)
    for _n in range(extra):
        DealFactory(client=client, owner=north, amount=Decimal(10))
    head = type(north).objects.get(pk=funnel.users["head"].pk)
    today = timezone.localdate()
    pipeline = Pipeline.objects.get(code="sales")
    # 1 roles and scopes, 2 per owner, 3 calls per author, 4 the owners' names, 5 sources' names,
    # 6 per source, 7 totals, 8 stage entries, 9 the pipeline's stages
    with django_assert_num_queries(9):
        report.build(head, start=today, end=today, pipeline=pipeline)
