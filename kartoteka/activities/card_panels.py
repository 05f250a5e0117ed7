"""The activities' part of the client card: the quick-log box and the contact frequency panel in the
side column, and the activities and closed tasks on the card's timeline (kartoteka.clients.history).

Importing this module registers them (``ActivitiesConfig.ready`` imports it).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kartoteka.activities import selectors
from kartoteka.activities.card_forms import QuickLogForm
from kartoteka.activities.models import CONTACT_KINDS, Activity, ActivityKind, TaskStatus
from kartoteka.clients import history, panels
from kartoteka.clients.models import Client
from kartoteka.users import access

ACTIVITY_RANK = 20
TASK_RANK = 21
CONTRACT_WARNING_DAYS = 30
FREQUENCY_MONTHS = 12


# --- Timeline sources --------------------------------------------------------------------------------


def _person(user: Any) -> str:
    return (user.get_full_name() or user.email) if user is not None else str(_("system"))


def activity_entries(query: history.TimelineQuery) -> list[history.TimelineEntry]:
    """A page of the client's activities (1 query) with their files (1 query)."""
    return activity_page(query, scope=Q(client=query.client), client=query.client)


def activity_page(query: history.TimelineQuery, *, scope: Q, client: Client) -> list[history.TimelineEntry]:
    """A timeline page of the activities in ``scope`` (the client's, or a deal's) with their files: 2 queries.

    Every row is ``client``'s; the rights to change and delete are the client's, asked once for the page.
    """
    activities = (
        selectors.visible_activities(query.viewer)  # type: ignore[arg-type]
        .filter(scope)
        .filter(query.older_than(ACTIVITY_RANK, "occurred_at", "id"))
        .select_related("author", "contact", "result")
        .order_by("-occurred_at", "-id")
    )
    if query.option in ActivityKind.values:
        activities = activities.filter(kind=query.option)
    rows = list(activities[: query.count])
    if not rows:
        return []
    _attach_files(query, rows)
    sample = Activity(client=client)
    can_change = access.can(query.viewer, "change", sample)
    can_delete = access.can(query.viewer, "delete", sample)
    entries = []
    for activity in rows:
        activity.client = client  # the card's own: no query per row
        activity.can_change = can_change  # type: ignore[attr-defined]
        activity.can_delete = can_delete  # type: ignore[attr-defined]
        entries.append(
            query.entry(
                when=activity.occurred_at,
                rank=ACTIVITY_RANK,
                pk=activity.pk,
                kind="activity",
                title=activity.get_kind_display(),
                who=_person(activity.author),
                user_id=activity.author_id,
                template="activities/card/activity_entry.html",
                obj=activity,
            )
        )
    return entries


def _attach_files(query: history.TimelineQuery, rows: list[Activity]) -> None:
    from kartoteka.attachments.models import Attachment

    content_type = ContentType.objects.get_for_model(Activity)  # cached after the first use
    files: dict[int, list[Any]] = defaultdict(list)
    found = (
        access.visible(query.viewer, Attachment)
        .filter(client=query.client, target_type=content_type, target_id__in=[row.pk for row in rows])
        .order_by("id")
        .only("id", "original_name", "size", "target_id", "target_type_id", "client_id")
    )
    for attachment in found:
        files[attachment.target_id].append(attachment)  # type: ignore[index]
    for row in rows:
        row.timeline_files = files.get(row.pk, [])  # type: ignore[attr-defined]


def task_entries(query: history.TimelineQuery) -> list[history.TimelineEntry]:
    """A page of the client's completed and cancelled tasks (1 query)."""
    tasks = (
        selectors.visible_tasks(query.viewer)  # type: ignore[arg-type]
        .filter(client=query.client, status__in=[TaskStatus.DONE, TaskStatus.CANCELLED])
        .filter(query.older_than(TASK_RANK, "completed_at", "id"))
        .select_related("completed_by", "assignee", "contact")
        .order_by("-completed_at", "-id")
    )
    if query.option in TaskStatus.values:
        tasks = tasks.filter(status=query.option)
    entries = []
    for task in tasks[: query.count]:
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


history.register_source(
    history.TimelineSource(
        key="activities",
        label=_("Activities"),
        rank=ACTIVITY_RANK,
        entries=activity_entries,
        options=lambda: [(str(value), label) for value, label in ActivityKind.choices],
    )
)
history.register_source(
    history.TimelineSource(
        key="tasks",
        label=_("Completed tasks"),
        rank=TASK_RANK,
        entries=task_entries,
        options=lambda: [(TaskStatus.DONE, _("done")), (TaskStatus.CANCELLED, _("cancelled"))],
    )
)


# --- Panels --------------------------------------------------------------------------------------------


def quicklog_context(request: HttpRequest, client: Client) -> dict[str, Any]:
    """The quick-log box: for those who may change the client (contacts and results: 2 queries)."""
    if not access.can(request.user, "change", client):
        return {"panel_hidden": True}
    return {"quicklog_form": QuickLogForm(client=client, viewer=request.user, auto_id="quicklog-%s")}


@dataclass(frozen=True)
class Contract:
    number: str
    signed_on: datetime.date | None
    valid_until: datetime.date | None
    days_left: int | None

    @property
    def expired(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def expiring(self) -> bool:
        return self.days_left is not None and 0 <= self.days_left <= CONTRACT_WARNING_DAYS


def contract_of(client: Client, *, today: datetime.date | None = None) -> Contract | None:
    if not (client.contract_number or client.contract_signed_on or client.contract_valid_until):
        return None
    today = today or timezone.localdate()
    until = client.contract_valid_until
    return Contract(
        number=client.contract_number,
        signed_on=client.contract_signed_on,
        valid_until=until,
        days_left=(until - today).days if until else None,
    )


def frequency_context(request: HttpRequest, client: Client) -> dict[str, Any]:
    """Days since the last contact, contacts per month, the productive share (2 queries) and the contract."""
    frequency = selectors.contact_frequency(client, months=FREQUENCY_MONTHS)
    since = timezone.now() - datetime.timedelta(days=30 * FREQUENCY_MONTHS)
    productive = Activity.objects.filter(client=client, kind__in=sorted(CONTACT_KINDS), occurred_at__gte=since).aggregate(
        productive=Count("id", filter=Q(productive=True))
    )["productive"]
    share = round(100 * productive / frequency.contacts_total) if frequency.contacts_total else None
    return {"frequency": frequency, "productive_share": share, "contract": contract_of(client)}


panels.register(
    panels.Panel(
        key="contact_frequency",
        label=_("Contacts and contract"),
        template="activities/card/frequency.html",
        context=frequency_context,
        order=3,
        column="side",
    )
)
panels.register(
    panels.Panel(
        key="quicklog",
        label=_("Log a contact"),
        template="activities/card/quicklog.html",
        context=quicklog_context,
        order=5,
        column="side",
    )
)
