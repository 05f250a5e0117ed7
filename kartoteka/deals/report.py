"""The head of sales' first look at the funnel: closed deals, sums, calls and conversion per manager, lead sources, stages.

Every figure is an aggregate query over the deals the viewer may see (the analytics issue builds
the full reports on the same data); a period and a pipeline narrow it. Five queries whatever the size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum

from kartoteka.activities.models import Activity, ActivityKind
from kartoteka.clients.models import ClientSource
from kartoteka.deals.models import DealStatus, Pipeline, StageChange
from kartoteka.deals.selectors import visible_deals
from kartoteka.users import access
from kartoteka.users.models import User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


@dataclass
class Row:
    key: Any
    label: str
    created: int = 0
    won: int = 0
    won_sum: Decimal = Decimal(0)
    lost: int = 0
    open: int = 0
    open_sum: Decimal = Decimal(0)
    calls: int = 0

    @property
    def conversion(self) -> float | None:
        closed = self.won + self.lost
        return round(100 * self.won / closed, 1) if closed else None


@dataclass
class StageRow:
    name: str
    colour: str
    entered: int
    share: float | None  # of the deals that entered the first stage


@dataclass
class Report:
    start: datetime.date
    end: datetime.date
    pipeline: Pipeline | None
    managers: list[Row] = field(default_factory=list)
    sources: list[Row] = field(default_factory=list)
    stages: list[StageRow] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row(key=None, label=""))


def _period(qs: Any, name: str, start: datetime.date, end: datetime.date) -> Any:
    return qs.filter(**{f"{name}__date__gte": start, f"{name}__date__lte": end})


def build(user: User | AnonymousUser, *, start: datetime.date, end: datetime.date, pipeline: Pipeline | None = None) -> Report:
    report = Report(start=start, end=end, pipeline=pipeline)
    deals = visible_deals(user)
    if pipeline is not None:
        deals = deals.filter(pipeline=pipeline)
    created_q = Q(created_at__date__gte=start, created_at__date__lte=end)
    closed_q = Q(closed_at__date__gte=start, closed_at__date__lte=end)
    figures = {
        "created": Count("id", filter=created_q),
        "won": Count("id", filter=closed_q & Q(status=DealStatus.WON)),
        "won_sum": Sum("amount", filter=closed_q & Q(status=DealStatus.WON)),
        "lost": Count("id", filter=closed_q & Q(status=DealStatus.LOST)),
        "open": Count("id", filter=Q(status=DealStatus.OPEN)),
        "open_sum": Sum("amount", filter=Q(status=DealStatus.OPEN)),
    }
    relevant = deals.filter(created_q | closed_q | Q(status=DealStatus.OPEN))

    by_owner: dict[Any, dict[str, Any]] = {
        row["owner_id"]: dict(row) for row in relevant.order_by().values("owner_id").annotate(**figures)
    }
    # Calls are counted for the people whose deals the viewer sees (the managers in the table).
    calls = _period(
        Activity.objects.filter(kind=ActivityKind.CALL, author_id__in=[pk for pk in by_owner if pk]), "occurred_at", start, end
    )
    call_counts = dict(calls.order_by().values("author_id").annotate(n=Count("id")).values_list("author_id", "n"))
    people = access.visible(user, User).filter(pk__in=[pk for pk in by_owner if pk]).in_bulk()
    for owner_id, values in by_owner.items():
        person = people.get(owner_id) if owner_id else None
        label = person.get_full_name() if person is not None else ("—" if owner_id is None else f"#{owner_id}")
        report.managers.append(_row(owner_id, label, values, calls=call_counts.get(owner_id, 0)))
    report.managers.sort(key=lambda row: (-row.won_sum, -row.won, row.label))

    names = {source.pk: source.name for source in ClientSource.objects.all()}
    for by_source in relevant.order_by().values("source_id").annotate(**figures):
        source_id = by_source["source_id"]
        report.sources.append(_row(source_id, names.get(source_id, "—") if source_id else "—", dict(by_source)))
    report.sources.sort(key=lambda row: (-row.created, row.label))

    total = relevant.aggregate(**figures)
    report.total = _row(None, "", total, calls=sum(call_counts.values()))

    if pipeline is not None:
        entered = dict(
            _period(StageChange.objects.filter(deal__in=deals, to_stage__pipeline=pipeline), "changed_at", start, end)
            .order_by()
            .values("to_stage_id")
            .annotate(n=Count("deal_id", distinct=True))
            .values_list("to_stage_id", "n")
        )
        stages = list(pipeline.stages.filter(is_active=True).order_by("order", "id"))
        first = entered.get(stages[0].pk, 0) if stages else 0
        report.stages = [
            StageRow(
                stage.name,
                stage.colour,
                entered.get(stage.pk, 0),
                round(100 * entered.get(stage.pk, 0) / first, 1) if first else None,
            )
            for stage in stages
        ]
    return report


def _row(key: Any, label: str, values: dict[str, Any], *, calls: int = 0) -> Row:
    return Row(
        key=key,
        label=label,
        created=values["created"] or 0,
        won=values["won"] or 0,
        won_sum=values["won_sum"] or Decimal(0),
        lost=values["lost"] or 0,
        open=values["open"] or 0,
        open_sum=values["open_sum"] or Decimal(0),
        calls=calls,
    )


def can_view(user: User | AnonymousUser) -> bool:
    """The report is for people who see more than their own deals (supervisors, heads, administrators)."""
    from kartoteka.users.models import Scope

    return access.scope(user, "deal") >= Scope.TEAM
