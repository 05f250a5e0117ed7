"""Reading deals: every queryset starts from the access policy.

The kanban is two queries whatever the number of deals: one aggregate for each column's count and
sum, one window query for the first cards of every column (``ROW_NUMBER() OVER (PARTITION BY stage)``).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import RowNumber

from kartoteka.activities.models import Task, TaskStatus
from kartoteka.core.text import matches_all_words
from kartoteka.deals.models import Deal, Pipeline, Stage
from kartoteka.users import access

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.users.models import User

CARDS_PER_COLUMN = 50


@dataclass(frozen=True)
class DealFilters:
    """What the kanban and the deal list narrow by; every field optional."""

    owner_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()
    source_ids: tuple[int, ...] = ()
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    close_from: datetime.date | None = None
    close_to: datetime.date | None = None
    client_id: int | None = None
    search: str = ""

    def apply(self, qs: QuerySet[Deal]) -> QuerySet[Deal]:
        if self.owner_ids:
            qs = qs.filter(owner_id__in=self.owner_ids)
        if self.team_ids:
            qs = qs.filter(team_id__in=self.team_ids)
        if self.source_ids:
            qs = qs.filter(source_id__in=self.source_ids)
        if self.amount_min is not None:
            qs = qs.filter(amount__gte=self.amount_min)
        if self.amount_max is not None:
            qs = qs.filter(amount__lte=self.amount_max)
        if self.created_from is not None:
            qs = qs.filter(created_at__date__gte=self.created_from)
        if self.created_to is not None:
            qs = qs.filter(created_at__date__lte=self.created_to)
        if self.close_from is not None:
            qs = qs.filter(expected_close_on__gte=self.close_from)
        if self.close_to is not None:
            qs = qs.filter(expected_close_on__lte=self.close_to)
        if self.client_id is not None:
            qs = qs.filter(client_id=self.client_id)
        if self.search:
            # Every word in the title or the client's name, case-folded for Cyrillic on SQLite too.
            qs = qs.filter(matches_all_words(["title", "client__name"], self.search[:200]))
        return qs


def visible_deals(user: User | AnonymousUser, *, action: access.Action = "view") -> QuerySet[Deal]:
    return access.visible(user, Deal, action=action)


def visible_pipelines(user: User | AnonymousUser) -> QuerySet[Pipeline]:
    return access.visible(user, Pipeline).filter(is_active=True).order_by("order", "id")


def next_task_due() -> Subquery:
    """The earliest deadline among the deal's open tasks (one correlated lookup on ``task_deal_idx``)."""
    return Subquery(Task.objects.filter(deal=OuterRef("pk"), status=TaskStatus.OPEN).order_by("due_at").values("due_at")[:1])


def with_card_data(qs: QuerySet[Deal]) -> QuerySet[Deal]:
    """What a kanban card or a list row shows: client, owner, stage, next task's deadline."""
    return qs.select_related("client", "owner", "stage", "pipeline", "source").annotate(next_due_at=next_task_due())


@dataclass
class Column:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal(0)  # deals in the pipeline's currency
    other_totals: dict[str, Decimal] = field(default_factory=dict)  # the rest, by currency: never added up
    deals: list[Deal] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.deals))


@dataclass
class Board:
    pipeline: Pipeline
    columns: list[Column]

    @property
    def count(self) -> int:
        return sum(column.count for column in self.columns if column.stage.is_open)

    @property
    def total(self) -> Decimal:
        return sum((column.total for column in self.columns if column.stage.is_open), Decimal(0))

    @property
    def other_totals(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for column in self.columns:
            if column.stage.is_open:
                for currency, amount in column.other_totals.items():
                    totals[currency] = totals.get(currency, Decimal(0)) + amount
        return dict(sorted(totals.items()))


def kanban(
    user: User | AnonymousUser,
    pipeline: Pipeline,
    filters: DealFilters | None = None,
    *,
    per_column: int = CARDS_PER_COLUMN,
    closed_since: datetime.datetime | None = None,
) -> Board:
    """The pipeline's active stages with count, sum and the newest ``per_column`` deals of each.

    Open stages hold every open deal; won and lost columns only deals closed since ``closed_since``
    (the kanban shows the current month's outcomes, not the whole archive). Three queries: stages,
    aggregates, cards.
    """
    stages = list(pipeline.stages.filter(is_active=True).order_by("order", "id"))
    qs = (filters or DealFilters()).apply(visible_deals(user).filter(pipeline=pipeline))
    closed = Q(closed_at__gte=closed_since) if closed_since is not None else Q()
    qs = qs.filter(Q(status="open") | (~Q(status="open") & closed))
    columns = {stage.pk: Column(stage=stage) for stage in stages}
    # Sums per currency: a deal in euros is never added to roubles (the column shows each currency apart).
    for row in qs.order_by().values("stage_id", "currency").annotate(count=Count("id"), total=Sum("amount")):
        column = columns.get(row["stage_id"])
        if column is None:
            continue
        column.count += row["count"]
        total = row["total"] or Decimal(0)
        if row["currency"] == pipeline.currency:
            column.total = total
        elif total:
            column.other_totals[row["currency"]] = total
    if per_column > 0 and any(column.count for column in columns.values()):
        # Rank inside the filtered deals, then load card data (the next task's deadline above all) only
        # for the cards shown: one statement, the annotation never runs for the thousands left out.
        ranked = qs.annotate(
            rank=Window(RowNumber(), partition_by=[F("stage_id")], order_by=[F("stage_entered_at").desc(), F("id").desc()])
        )
        shown = ranked.filter(rank__lte=per_column).values("pk")
        cards = with_card_data(Deal.objects.filter(pk__in=shown)).order_by("stage_id", "-stage_entered_at", "-id")
        for deal in cards:
            column = columns.get(deal.stage_id)
            if column is not None:
                column.deals.append(deal)
    return Board(pipeline=pipeline, columns=[columns[stage.pk] for stage in stages])


def column_page(
    user: User | AnonymousUser,
    stage: Stage,
    filters: DealFilters | None = None,
    *,
    after: tuple[datetime.datetime, int] | None = None,
    limit: int = CARDS_PER_COLUMN,
) -> list[Deal]:
    """The next cards of one column after the card ``after`` = (stage_entered_at, id): keyset, newest first."""
    qs = (filters or DealFilters()).apply(visible_deals(user).filter(stage=stage))
    if after is not None:
        entered, pk = after
        qs = qs.filter(Q(stage_entered_at__lt=entered) | Q(stage_entered_at=entered, id__lt=pk))
    return list(with_card_data(qs).order_by("-stage_entered_at", "-id")[:limit])


def deal_timeline_stage_changes(deal: Deal) -> QuerySet[Any]:
    return deal.stage_changes.select_related("from_stage", "to_stage", "changed_by").order_by("-changed_at", "-id")


def client_deals(user: User | AnonymousUser, client_id: int, *, limit: int = 20) -> list[Deal]:
    """The deals on a client card: open first (newest), then the latest closed."""
    qs = visible_deals(user).filter(client_id=client_id).select_related("stage", "owner", "pipeline")
    return list(qs.order_by(F("closed_at").desc(nulls_first=True), "-created_at", "-id")[:limit])


def is_overdue_in_stage(deal: Deal, now: datetime.datetime) -> bool:
    limit = deal.stage.max_duration
    return bool(limit and deal.is_open and now - deal.stage_entered_at > limit)


def filters_from(params: Mapping[str, Any]) -> DealFilters:
    """Parse query parameters (already validated by a form or the API schema) into filters."""
    return DealFilters(**{key: value for key, value in params.items() if value not in (None, "", [], ())})
