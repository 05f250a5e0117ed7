"""The deal card's timeline: field changes, stage moves, activities and closed tasks, newest first.

Field changes come from django-simple-history's rows of the deal, worded like the client card's history
("Amount: 100 000 → 150 000 ₽") with the client history's helpers (names loaded in one query per model,
values shown in the viewer's language and time zone, one keyset cursor over every source). Each source
reads one page with a fixed number of queries, so a deal with a thousand calls costs what a new one does:

* changes: the page's history rows with their predecessors' ids (1), those predecessors (1), the names of
  the people and references they mention (1 per model, usually only people);
* stage moves (1), activities on the deal (1, and 1 for their files when there are any), closed tasks (1).

A move changes the deal's stage, status and dates; those fields are left out of the change entries
because the stage move says it (with who, from, to and the time spent). Saves that change nothing a
person reads are dropped.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.activities import selectors as activity_selectors
from kartoteka.activities.card_panels import activity_page
from kartoteka.activities.models import ActivityKind, TaskStatus
from kartoteka.clients.history import (
    Change,
    Cursor,
    Names,
    TimelineEntry,
    TimelinePage,
    TimelineQuery,
    display_value,
    encode_cursor,
    paginate,
    parse_before,
    when_display,
)
from kartoteka.deals.models import Deal, StageChange
from kartoteka.deals.views.kanban import format_money

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.users.models import User

PAGE = 30
SLACK = 10  # history rows read beyond a page, so saves that say nothing rarely shorten it
CHANGE_RANK, STAGE_RANK, ACTIVITY_RANK, TASK_RANK = 1, 10, 20, 21
# Bookkeeping, and what a stage move changes (the move's own entry tells it).
SKIPPED = {"id", "created_at", "updated_at", "created_by", "stage_entered_at", "stage", "pipeline", "status", "closed_at"}

CHANGES, STAGES, ACTIVITIES, TASKS = "changes", "stages", "activities", "tasks"


def timeline_filters() -> list[tuple[str, Any]]:
    """(value of ``show``, label) for the timeline's filter; ``activities:<kind>`` narrows to one kind."""
    choices: list[tuple[str, Any]] = [
        ("", gettext_lazy("Everything")),
        (STAGES, gettext_lazy("Stage changes")),
        (CHANGES, gettext_lazy("Changes of the deal")),
        (ACTIVITIES, gettext_lazy("Activities")),
    ]
    choices += [(f"{ACTIVITIES}:{value}", f"— {label}") for value, label in ActivityKind.choices]
    choices.append((TASKS, gettext_lazy("Completed tasks")))
    choices += [(source.key, source.label) for source in _sources.values()]
    return choices


def _audited_fields() -> list[models.Field[Any, Any]]:
    recorded = {f.attname for f in Deal.history.model._meta.concrete_fields}  # type: ignore[attr-defined]
    return [
        f
        for f in Deal._meta.concrete_fields
        if f.name not in SKIPPED and not f.primary_key and f.attname in recorded  # type: ignore[union-attr]
    ]


def _value(field: models.Field[Any, Any], record: Any, names: Names) -> str:
    value = getattr(record, field.attname)
    if field.name == "amount" and value is not None:
        return format_money(value, record.currency)  # "150 000 ₽", as the card and the kanban show it
    return display_value(field, value, names)


def _change_rows(deal: Deal, query: TimelineQuery) -> tuple[list[Any], dict[int, Any], bool]:
    """The page's history rows (newest first), their predecessors by id, and whether older rows remain."""
    history = Deal.history.model  # type: ignore[attr-defined]
    previous = history._default_manager.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
    wanted = query.count + SLACK
    rows = list(
        history._default_manager.filter(id=deal.pk, history_type="~")
        .filter(query.older_than(CHANGE_RANK, "history_date", "history_id"))
        .annotate(previous_history_id=Subquery(previous.order_by("-history_id").values("history_id")[:1]))
        .order_by("-history_date", "-history_id")[:wanted]
    )
    ids = sorted({row.previous_history_id for row in rows if row.previous_history_id is not None})
    before = {row.history_id: row for row in history._default_manager.filter(history_id__in=ids)} if ids else {}
    return rows, before, len(rows) == wanted


def change_entries(deal: Deal, query: TimelineQuery) -> tuple[list[TimelineEntry], Cursor | None]:
    """Readable field changes, and where reading stopped when older rows remain (for :func:`paginate`)."""
    rows, before, more = _change_rows(deal, query)
    fields = _audited_fields()
    names = Names(query.viewer)
    user_model = get_user_model()
    diffs: list[tuple[Any, list[models.Field[Any, Any]]]] = []
    for row in rows:
        old = before.get(row.previous_history_id)
        changed = []
        if old is not None:
            for field in fields:
                a, b = getattr(old, field.attname), getattr(row, field.attname)
                if a != b and not (a in (None, "") and b in (None, "")):
                    changed.append(field)
                    if field.is_relation:
                        names.want(field.related_model, a)  # type: ignore[arg-type]
                        names.want(field.related_model, b)  # type: ignore[arg-type]
        names.want(user_model, row.history_user_id)
        diffs.append((row, changed))
    names.load()
    language = (translation.get_language() or "en").split("-")[0]
    now = timezone.now()
    entries = []
    for row, changed in diffs:
        old = before.get(row.previous_history_id)
        moved = old is not None and old.stage_id != row.stage_id
        if not changed and (moved or not row.history_change_reason):
            continue  # a stage move (its own entry) or a save that changed nothing a person reads
        changes = [
            Change(capfirst(str(field.verbose_name)), _value(field, old, names), _value(field, row, names)) for field in changed
        ]
        key = (row.history_date, CHANGE_RANK, row.history_id)
        entries.append(
            TimelineEntry(
                when=row.history_date,
                when_display=when_display(row.history_date, now, language),
                kind="deal",
                action="~",
                object_id=deal.pk,
                title="",
                reason=row.history_change_reason or "",
                changes=changes,
                who=names.get(user_model, row.history_user_id) if row.history_user_id else _("system"),
                user_id=row.history_user_id,
                cursor=encode_cursor(*key),
                sort_key=key,
            )
        )
    boundary = (rows[-1].history_date, CHANGE_RANK, rows[-1].history_id) if more and rows else None
    return entries, boundary


def human_duration(seconds: int | float | None) -> str:
    """A time in a stage as a person says it: "2 d 3 h", "5 h 20 min", "12 min", "< 1 min"."""
    if seconds is None:
        return ""
    minutes = int(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return (_("%(days)d d %(hours)d h") if hours else _("%(days)d d")) % {"days": days, "hours": hours}
    if hours:
        return (_("%(hours)d h %(minutes)d min") if minutes else _("%(hours)d h")) % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("< 1 min")


def _person(user: Any) -> str:
    """As the change entries name people ("Petrova A."), so one timeline reads one way."""
    return user.get_short_name() if user is not None else _("system")


def stage_entries(deal: Deal, query: TimelineQuery) -> list[TimelineEntry]:
    moves = (
        StageChange.objects.filter(deal=deal)
        .filter(query.older_than(STAGE_RANK, "changed_at", "id"))
        .select_related("from_stage", "to_stage", "changed_by")
        .order_by("-changed_at", "-id")[: query.count]
    )
    entries = []
    for move in moves:
        move.time_in_stage_display = human_duration(move.seconds_in_stage)  # type: ignore[attr-defined]
        entries.append(
            query.entry(
                when=move.changed_at,
                rank=STAGE_RANK,
                pk=move.pk,
                kind="stage",
                who=_person(move.changed_by),
                user_id=move.changed_by_id,
                template="deals/card/timeline_stage.html",
                obj=move,
            )
        )
    return entries


def activity_entries(deal: Deal, query: TimelineQuery) -> list[TimelineEntry]:
    """The deal's activities, with their files (the client card's activity entry renders them)."""
    return activity_page(query, scope=Q(deal=deal), client=deal.client)


def task_entries(deal: Deal, query: TimelineQuery) -> list[TimelineEntry]:
    tasks = (
        activity_selectors.visible_tasks(query.viewer)  # type: ignore[arg-type]
        .filter(deal=deal, status__in=[TaskStatus.DONE, TaskStatus.CANCELLED])
        .filter(query.older_than(TASK_RANK, "completed_at", "id"))
        .select_related("completed_by", "contact")
        .order_by("-completed_at", "-id")[: query.count]
    )
    entries = []
    for task in tasks:
        assert task.completed_at is not None  # closed tasks always have it (a check constraint)
        entries.append(
            query.entry(
                when=task.completed_at,
                rank=TASK_RANK,
                pk=task.pk,
                kind="task",
                title=task.title,
                who=_person(task.completed_by),
                user_id=task.completed_by_id,
                template="activities/card/task_entry.html",
                obj=task,
            )
        )
    return entries


@dataclass(frozen=True)
class DealTimelineSource:
    """Entries another app adds to the deal's timeline (automation: the rules that fired on the deal)."""

    key: str  # the filter value showing only this source
    label: Any  # a lazy translation
    entries: Callable[[Deal, TimelineQuery], list[TimelineEntry]]  # each with ``template`` and ``obj`` set


_sources: dict[str, DealTimelineSource] = {}


def register_source(source: DealTimelineSource) -> DealTimelineSource:
    _sources[source.key] = source
    return source


def deal_timeline_page(
    deal: Deal, *, viewer: User | AnonymousUser, limit: int = PAGE, before: str | None = None, show: str = ""
) -> TimelinePage:
    """One page of the deal's timeline older than ``before`` (a cursor from the previous page).

    ``show`` narrows it to ``stages``, ``changes``, ``activities`` (or ``activities:<kind>``), ``tasks`` or a
    registered source (``automation``).
    The caller has checked that the viewer may see the deal; activities and tasks are those they may see.
    """
    kind, _sep, option = (show or "").partition(":")
    if kind not in ("", CHANGES, STAGES, ACTIVITIES, TASKS, *_sources):
        kind, option = "", ""
    language = getattr(viewer, "language", "") or translation.get_language() or "en"
    try:
        zone: datetime.tzinfo = zoneinfo.ZoneInfo(getattr(viewer, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    with translation.override(language), timezone.override(zone):
        query = TimelineQuery(deal.client, viewer, parse_before(before), limit + 1, option if kind == ACTIVITIES else "")
        entries: list[TimelineEntry] = []
        boundary: Cursor | None = None
        if kind in ("", CHANGES):
            entries, boundary = change_entries(deal, query)
        if kind in ("", STAGES):
            entries += stage_entries(deal, query)
        if kind in ("", ACTIVITIES):
            entries += activity_entries(deal, query)
        if kind in ("", TASKS):
            entries += task_entries(deal, query)
        for source in _sources.values():
            if kind in ("", source.key):
                entries += source.entries(deal, query)
        return paginate(entries, boundary, limit)
