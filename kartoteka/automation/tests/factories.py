"""Calendars and queues from plain rows, for automation tests."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from kartoteka.automation.models import AssignmentQueue, Holiday, QueueMember, QueueStrategy, WorkCalendar, WorkingHours
from kartoteka.users.models import Team, User

WEEKDAYS_9_TO_18 = [(weekday, "09:00", "18:00") for weekday in range(5)]


def clock(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def at(text: str, zone: str = "Europe/Moscow") -> datetime.datetime:
    """An aware moment from "2026-03-06 17:30" in ``zone``."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def make_calendar(
    *,
    name: str = "Office",
    time_zone: str = "Europe/Moscow",
    hours: Iterable[tuple[int, str, str]] = WEEKDAYS_9_TO_18,
    days_off: Iterable[str] = (),
    working_days: Iterable[tuple[str, str, str]] = (),
) -> WorkCalendar:
    """hours: (weekday, "09:00", "18:00"); days_off: "2026-03-09"; working_days: ("2026-03-14", "10:00", "15:00")."""
    calendar = WorkCalendar.objects.create(name=name, time_zone=time_zone)
    WorkingHours.objects.bulk_create(
        [WorkingHours(calendar=calendar, weekday=day, start_time=clock(start), end_time=clock(end)) for day, start, end in hours]
    )
    Holiday.objects.bulk_create(
        [Holiday(calendar=calendar, date=datetime.date.fromisoformat(day), name="Holiday") for day in days_off]
        + [
            Holiday(
                calendar=calendar,
                date=datetime.date.fromisoformat(day),
                name="Working day",
                is_working_day=True,
                start_time=clock(start),
                end_time=clock(end),
            )
            for day, start, end in working_days
        ]
    )
    return calendar


def make_queue(
    users: Iterable[User], *, name: str = "Incoming leads", strategy: str = QueueStrategy.ROUND_ROBIN, team: Team | None = None
) -> AssignmentQueue:
    queue = AssignmentQueue.objects.create(name=name, strategy=strategy, team=team)
    QueueMember.objects.bulk_create([QueueMember(queue=queue, user=user, position=index) for index, user in enumerate(users)])
    return queue
