"""The kanban: columns with count and sum, first cards per column, scoped, in a fixed number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kartoteka.activities import services as activity_services
from kartoteka.deals import selectors, services
from kartoteka.deals.models import LostReason, Pipeline, Stage
from kartoteka.testing.factories import ClientFactory, DealFactory

pytestmark = pytest.mark.django_db


def stage(code: str) -> Stage:
    return Stage.objects.get(pipeline__code="sales", code=code)


def _deals(owner, count: int, **values):
    client = ClientFactory(responsible=owner)
    values.setdefault("title", "Deal")
    return [DealFactory(client=client, owner=owner, **values) for _n in range(count)]


def test_columns_count_and_sum_what_the_user_may_see(world):
    manager, other = world.users["mgr_north1"], world.users["mgr_south"]
    _deals(manager, 3, amount=Decimal(100))
    _deals(other, 2, amount=Decimal(1000))
    pipeline = Pipeline.objects.get(code="sales")
    mine = selectors.kanban(manager, pipeline)
    first = mine.columns[0]
    assert (first.stage.code, first.count, first.total, len(first.deals)) == ("new", 3, Decimal(300), 3)
    everyone = selectors.kanban(world.users["head"], pipeline)
    assert (everyone.columns[0].count, everyone.columns[0].total) == (5, Decimal(2300))
    assert everyone.count == 5


def test_a_column_shows_its_newest_cards_and_counts_the_rest(world):
    manager = world.users["mgr_north1"]
    start = timezone.now() - datetime.timedelta(days=10)
    client = ClientFactory(responsible=manager)
    deals = [DealFactory(client=client, owner=manager, title=f"D{n}", now=start + datetime.timedelta(hours=n)) for n in range(5)]
    board = selectors.kanban(manager, Pipeline.objects.get(code="sales"), per_column=2)
    column = board.columns[0]
    assert [d.title for d in column.deals] == ["D4", "D3"]
    assert column.more == 3
    rest = selectors.column_page(manager, column.stage, after=(column.deals[-1].stage_entered_at, column.deals[-1].pk))
    assert [d.title for d in rest] == ["D2", "D1", "D0"]
    assert deals


def test_closed_columns_show_only_recent_outcomes(world):
    manager = world.users["mgr_north1"]
    old, recent = _deals(manager, 2)
    long_ago = timezone.now() - datetime.timedelta(days=90)
    services.deal_lose(actor=manager, deal=old, reason=LostReason.objects.get(code="price"), now=long_ago)
    services.deal_lose(actor=manager, deal=recent, reason=LostReason.objects.get(code="price"))
    board = selectors.kanban(
        manager, Pipeline.objects.get(code="sales"), closed_since=timezone.now() - datetime.timedelta(days=30)
    )
    lost = next(column for column in board.columns if column.stage.code == "lost")
    assert [d.pk for d in lost.deals] == [recent.pk]


def test_filters_narrow_the_board(world):
    manager = world.users["mgr_north1"]
    small = _deals(manager, 1, amount=Decimal(10))[0]
    big = _deals(manager, 1, amount=Decimal(10_000), title="Big order")[0]
    pipeline = Pipeline.objects.get(code="sales")
    board = selectors.kanban(manager, pipeline, selectors.DealFilters(amount_min=Decimal(100)))
    assert [d.pk for d in board.columns[0].deals] == [big.pk]
    board = selectors.kanban(manager, pipeline, selectors.DealFilters(search="big"))
    assert [d.pk for d in board.columns[0].deals] == [big.pk]
    assert small


def test_cards_carry_the_next_open_tasks_deadline(world):
    manager = world.users["mgr_north1"]
    deal = _deals(manager, 1)[0]
    due = (timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0)
    activity_services.task_create(
        actor=manager, values={"title": "Call", "deal": deal, "due_at": due + datetime.timedelta(days=1)}
    )
    activity_services.task_create(actor=manager, values={"title": "Call", "deal": deal, "due_at": due})
    card = selectors.kanban(manager, Pipeline.objects.get(code="sales")).columns[0].deals[0]
    assert card.next_due_at == due


@pytest.mark.parametrize("count", [2, 20])
def test_the_board_costs_the_same_queries_for_few_and_many_deals(world, django_assert_num_queries, count):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    for n in range(count):
        deal = DealFactory(client=client, owner=manager, title=f"D{n}")
        if n % 2:
            services.deal_move_stage(actor=manager, deal=deal, stage=stage("qualification"))
    pipeline = Pipeline.objects.get(code="sales")
    manager = type(manager).objects.get(pk=manager.pk)
    # 1 roles and scopes, 2 the deals she has an open task on (docs/access.md), 3 stages,
    # 4 count and sum per column, 5 the cards of every column
    with django_assert_num_queries(5):
        board = selectors.kanban(manager, pipeline)
        assert sum(len(column.deals) for column in board.columns) == count
        assert all(deal.client.name and deal.stage.name for column in board.columns for deal in column.deals)
