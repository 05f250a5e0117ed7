"""Reads of activities and tasks; every queryset starts from the access policy."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone

from kartoteka.activities.models import CONTACT_KINDS, CONTACT_TASK_KINDS, Activity, Task, TaskStatus
from kartoteka.users import access

if TYPE_CHECKING:
    from kartoteka.clients.models import Client
    from kartoteka.users.models import User


def visible_activities(user: User) -> QuerySet[Activity]:
    return access.visible(user, Activity)


def visible_tasks(user: User) -> QuerySet[Task]:
    """Tasks on clients the user sees, plus the user's own (assigned or created) wherever they are."""
    return access.visible(user, Task)


def open_tasks(user: User) -> QuerySet[Task]:
    return visible_tasks(user).filter(status=TaskStatus.OPEN)


def tails_after() -> datetime.timedelta:
    return datetime.timedelta(days=settings.TAILS_AFTER_DAYS)


def tails(user: User, *, now: datetime.datetime | None = None) -> QuerySet[Task]:
    """Promised contacts left undone more than ``TAILS_AFTER_DAYS`` past their deadline, oldest first."""
    now = now or timezone.now()
    return (
        open_tasks(user)
        .filter(kind__in=sorted(CONTACT_TASK_KINDS), client__isnull=False, due_at__lt=now - tails_after())
        .order_by("due_at", "id")
    )


def tail_days(task: Task, *, now: datetime.datetime | None = None) -> int:
    """How long the tail is: whole days past the deadline."""
    now = now or timezone.now()
    return max(0, (now - task.due_at).days)


@dataclass(frozen=True)
class ContactFrequency:
    last_contact_at: datetime.datetime | None
    days_since: int | None
    contacts_total: int
    per_month: float
    months: int


def contact_frequency(client: Client, *, months: int = 12, now: datetime.datetime | None = None) -> ContactFrequency:
    """Days since the last contact and the average contacts per month over the last ``months`` (one query)."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=30 * months)
    stats = Activity.objects.filter(client=client, kind__in=sorted(CONTACT_KINDS), occurred_at__gte=since).aggregate(
        total=Count("id"), first=Min("occurred_at"), last=Max("occurred_at")
    )
    last = client.last_contact_at or stats["last"]
    total = stats["total"] or 0
    # Average over the months the relationship has existed (since the client was created or first
    # contacted, whichever came first), at most ``months``, at least one.
    began = min(moment for moment in (client.created_at, stats["first"]) if moment is not None) if total else since
    start = max(since, began)
    span_months = max(1, min(months, round((now - start).days / 30) or 1))
    return ContactFrequency(
        last_contact_at=last,
        days_since=(timezone.localdate(now) - timezone.localdate(last)).days if last else None,
        contacts_total=total,
        per_month=round(total / span_months, 1),
        months=span_months,
    )
