"""A person's tasks as an iCalendar feed (RFC 5545), for Google Calendar, Outlook, Apple Calendar, Thunderbird.

What the feed carries, and why:

* The feed owner's tasks (``include_team``: every task of the owner's team subtree) due from
  :data:`DAYS_BACK` days ago to :data:`DAYS_AHEAD` days ahead, open, done and cancelled (cancelled as
  ``STATUS:CANCELLED`` so a calendar that already holds the event removes it), read through
  :func:`kartoteka.activities.selectors.visible_tasks` with the owner as the user — the feed never
  reaches further than the owner's own screens.
* A feed leaves the CRM: it is copied into another company's calendar server and read there without
  the CRM's access checks. So the client's name and contact person go into DESCRIPTION only when the
  owner may see the client itself. A task assigned to (or created by) the owner on a client they
  cannot see — visible to them by :mod:`kartoteka.activities.access_rules` — keeps its own title,
  times, place and description, but carries nothing from the client's card.
* Times are written in the owner's time zone (``User.time_zone``) with a VTIMEZONE for it; all-day
  tasks are dates (``VALUE=DATE``) of that time zone. The UID is stable (``task-<id>@<site host>``)
  so a calendar updates the event in place when the task moves.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from icalendar import Alarm, Calendar, Event, Timezone

from kartoteka.activities import selectors
from kartoteka.activities.models import CalendarFeed, Task, TaskStatus
from kartoteka.clients.models import Client
from kartoteka.users import access

if TYPE_CHECKING:
    from kartoteka.users.models import User

DAYS_BACK = 30
DAYS_AHEAD = 180
# A feed is a document, not an export: beyond this many events the oldest are left out.
MAX_EVENTS = 5000
DEFAULT_DURATION = datetime.timedelta(minutes=30)


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "kartoteka"


def task_url(task_id: int) -> str | None:
    """The task page's absolute address, while the task page exists."""
    try:
        return settings.SITE_URL + reverse("activities:task", args=[task_id])
    except NoReverseMatch:
        return None


def user_zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def feed_tasks(feed: CalendarFeed, *, now: datetime.datetime | None = None) -> QuerySet[Task]:
    """The feed's tasks in one query; ``client_visible`` says whether the owner may see the task's client."""
    owner = feed.user
    now = now or timezone.now()
    tasks = selectors.visible_tasks(owner).filter(
        due_at__gte=now - datetime.timedelta(days=DAYS_BACK), due_at__lt=now + datetime.timedelta(days=DAYS_AHEAD)
    )
    team_ids = access.context(owner).team_ids if feed.include_team else frozenset()
    tasks = tasks.filter(assignee__team_id__in=sorted(team_ids)) if team_ids else tasks.filter(assignee=owner)
    clients = access.visible(owner, Client).filter(pk=OuterRef("client_id"))
    return (
        tasks.annotate(client_visible=Exists(clients))
        .select_related("client", "contact", "assignee")
        .order_by("due_at", "id")[:MAX_EVENTS]
    )


def _description(task: Task, *, client_visible: bool, with_assignee: bool) -> str:
    lines = []
    if with_assignee:
        lines.append(_("Assignee: %(name)s") % {"name": task.assignee})
    if task.client_id is not None and client_visible:
        lines.append(_("Client: %(name)s") % {"name": task.client})
        if task.contact_id is not None:
            contact = task.contact
            person = str(contact)
            if contact is not None and contact.position:
                person = f"{person}, {contact.position}"
            lines.append(_("Contact: %(name)s") % {"name": person})
    if task.status == TaskStatus.DONE:
        lines.append(_("Done"))
    if task.description:
        if lines:
            lines.append("")
        lines.append(task.description)
    return "\n".join(lines)


def task_event(task: Task, *, zone: zoneinfo.ZoneInfo, host: str, with_assignee: bool = False) -> Event:
    local_due = task.due_at.astimezone(zone)
    start: datetime.date | datetime.datetime
    end: datetime.date | datetime.datetime
    if task.all_day:
        start = local_due.date()
        end = start + datetime.timedelta(days=1)
        start_moment = datetime.datetime.combine(start, datetime.time(), tzinfo=zone)
    else:
        start = start_moment = local_due
        minutes = task.duration_minutes
        end = local_due + (datetime.timedelta(minutes=minutes) if minutes else DEFAULT_DURATION)
    client_visible = bool(getattr(task, "client_visible", False))
    event = Event.new(
        uid=f"task-{task.pk}@{host}",
        summary=task.title,
        start=start,
        end=end,
        stamp=task.updated_at,
        last_modified=task.updated_at,
        location=task.place or None,
        description=_description(task, client_visible=client_visible, with_assignee=with_assignee) or None,
        url=task_url(task.pk),
        status="CANCELLED" if task.status == TaskStatus.CANCELLED else "CONFIRMED",  # type: ignore[arg-type]
    )
    if task.remind_at is not None and task.status == TaskStatus.OPEN:
        alarm = Alarm.new(description=task.title)
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", task.remind_at - start_moment)
        event.add_component(alarm)
    return event


def feed_calendar(feed: CalendarFeed, tasks: Iterable[Task], *, now: datetime.datetime | None = None) -> Calendar:
    owner = feed.user
    zone = user_zone(owner)
    host = site_host()
    now = now or timezone.now()
    with override(owner.language or settings.LANGUAGE_CODE):
        name = _("Kartoteka: team tasks") if feed.include_team else _("Kartoteka: my tasks")
        calendar = Calendar.new(
            prodid="-//Kartoteka//Tasks//EN",
            name=name,
            uid=f"calendar-feed-{feed.pk}@{host}",
            refresh_interval=datetime.timedelta(minutes=30),
        )
        calendar.add("X-WR-TIMEZONE", str(zone))
        # The owner's zone first, and even when no event uses it (an empty feed, all-day tasks only).
        # UTC needs none: its times are written with "Z".
        if str(zone) != "UTC":
            calendar.add_component(
                Timezone.from_tzid(
                    str(zone),
                    first_date=(now - datetime.timedelta(days=DAYS_BACK + 1)).date(),
                    last_date=(now + datetime.timedelta(days=DAYS_AHEAD + 366)).date(),
                )
            )
        for task in tasks:
            calendar.add_component(task_event(task, zone=zone, host=host, with_assignee=feed.include_team))
    return calendar
