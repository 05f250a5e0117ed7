"""Working-time arithmetic over a :class:`~kartoteka.automation.models.WorkCalendar`.

"Respond within 4 working hours" from Friday 17:30 means Monday 12:30 in a Mon–Fri 09:00–18:00
calendar. Hours are wall-clock times in the calendar's time zone; durations are real elapsed time,
so a working day across a daylight-saving change lasts what the clock on the wall says it lasted.

A calendar's hours and holidays load in two queries, once per calendar instance: computing the
deadlines of many objects against one calendar never queries per object or per day.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from kartoteka.automation.models import MIDNIGHT, CalendarTeam, WorkCalendar
from kartoteka.core.errors import DomainError
from kartoteka.users.models import Team, User

UTC = datetime.UTC
DAY_SECONDS = 24 * 3600
Interval = tuple[int, int]  # seconds since local midnight: [start, end), end ≤ 86 400
Span = tuple[datetime.datetime, datetime.datetime]  # an interval on a given date, as UTC instants


class NoWorkingTimeError(DomainError):
    """The calendar has no working hours to count in (none at all, or none left after the start)."""

    code = "calendar_without_working_time"


class NoCalendarError(DomainError):
    """Neither the team, its parents nor the installation has a working-time calendar."""

    code = "no_work_calendar"


def _seconds(moment: datetime.time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def interval(start: datetime.time, end: datetime.time) -> Interval:
    """Seconds since midnight; an end of 00:00 is midnight at the end of the day."""
    return _seconds(start), DAY_SECONDS if end == MIDNIGHT else _seconds(end)


def merged(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted, with overlapping or touching intervals joined (validation keeps overlaps out; this keeps sums right anyway)."""
    result: list[Interval] = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return tuple(result)


def first_overlap(intervals: Iterable[tuple[datetime.time, datetime.time]]) -> tuple[Interval, Interval] | None:
    """Two intervals of one day that overlap, if any (touching ones, 13:00–14:00 and 14:00–18:00, do not)."""
    ordered = sorted(interval(start, end) for start, end in intervals)
    for previous, current in itertools.pairwise(ordered):
        if current[0] < previous[1]:
            return previous, current
    return None


@dataclass(frozen=True)
class Schedule:
    """A calendar's working intervals per weekday plus its dated exceptions (days off, days worked)."""

    name: str
    zone: ZoneInfo
    weekly: tuple[tuple[Interval, ...], ...]  # seven entries, Monday first
    exceptions: dict[datetime.date, tuple[Interval, ...]]

    @property
    def weekly_seconds(self) -> int:
        return sum(end - start for day in self.weekly for start, end in day)

    def intervals_on(self, day: datetime.date) -> tuple[Interval, ...]:
        found = self.exceptions.get(day)
        return self.weekly[day.weekday()] if found is None else found

    def spans_on(self, day: datetime.date) -> list[Span]:
        midnight = datetime.datetime.combine(day, MIDNIGHT, tzinfo=self.zone)

        def instant(seconds: int) -> datetime.datetime:
            # Adding to an aware datetime moves the wall clock; converting to UTC then applies that wall time's offset.
            return (midnight + datetime.timedelta(seconds=seconds)).astimezone(UTC)

        return [(instant(start), instant(end)) for start, end in self.intervals_on(day)]

    def local_date(self, moment: datetime.datetime) -> datetime.date:
        return moment.astimezone(self.zone).date()

    def search_until(self, first_day: datetime.date, duration: datetime.timedelta) -> datetime.date:
        """The last day worth scanning for ``duration`` of working time: beyond it, there is none to find.

        Each week holds ``weekly_seconds``; every exception ahead may spoil one week; doubling covers the
        hour a daylight-saving change can take out of a week.
        """
        ahead = [day for day, hours in self.exceptions.items() if day >= first_day]
        weekly = self.weekly_seconds
        if weekly == 0:
            worked = [day for day in ahead if self.exceptions[day]]
            if not worked:
                raise NoWorkingTimeError(
                    _("The working-time calendar “%(name)s” has no working hours: add them in the administration.")
                    % {"name": self.name}
                )
            return max(worked)
        weeks = 2 * math.ceil(duration.total_seconds() / weekly) + 2 + len(ahead)
        return first_day + datetime.timedelta(days=7 * weeks)


def schedule_for(calendar: WorkCalendar) -> Schedule:
    """The calendar's schedule: two queries the first time, none after (cached on the instance)."""
    cached: Schedule | None = calendar.__dict__.get("_schedule")
    if cached is not None:
        return cached
    weekly: list[list[Interval]] = [[] for _day in range(7)]
    for weekday, start, end in calendar.hours.values_list("weekday", "start_time", "end_time"):
        weekly[weekday].append(interval(start, end))
    exceptions: dict[datetime.date, tuple[Interval, ...]] = {}
    rows = calendar.holidays.values_list("date", "is_working_day", "start_time", "end_time")
    for day, is_working_day, opens, closes in rows:
        exceptions[day] = (interval(opens, closes),) if is_working_day and opens is not None and closes is not None else ()
    schedule = Schedule(
        name=calendar.name,
        zone=ZoneInfo(calendar.time_zone),
        weekly=tuple(merged(day) for day in weekly),
        exceptions=exceptions,
    )
    calendar.__dict__["_schedule"] = schedule
    return schedule


def forget_schedule(calendar: WorkCalendar) -> None:
    """Drop the cached schedule (after the calendar's hours or holidays changed)."""
    calendar.__dict__.pop("_schedule", None)


def _require_aware(*moments: datetime.datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"Working time needs timezone-aware datetimes, got {moment!r}.")


def add_working_time(calendar: WorkCalendar, start: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
    """The moment ``duration`` of working time after ``start``, in the calendar's time zone.

    A start outside working hours counts from the next opening; a zero duration gives that opening
    (or ``start`` itself when it is working time). Work ending exactly at closing time ends then.
    """
    _require_aware(start)
    if duration < datetime.timedelta(0):
        raise ValueError("A working-time duration cannot be negative.")
    schedule = schedule_for(calendar)
    moment = start.astimezone(UTC)
    remaining = duration
    day = schedule.local_date(start)
    last_day = schedule.search_until(day, duration)
    while day <= last_day:
        for opens, closes in schedule.spans_on(day):
            if closes <= moment:
                continue
            begin = max(opens, moment)
            if remaining <= closes - begin:
                return (begin + remaining).astimezone(schedule.zone)
            remaining -= closes - begin
        day += datetime.timedelta(days=1)
    raise NoWorkingTimeError(
        _("The working-time calendar “%(name)s” has no working time left after %(start)s.")
        % {"name": schedule.name, "start": start.astimezone(schedule.zone).strftime("%Y-%m-%d %H:%M")}
    )


def working_time_between(calendar: WorkCalendar, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    """Working time from ``start`` to ``end``; negative when ``end`` comes first (how late something is)."""
    _require_aware(start, end)
    if end < start:
        return -working_time_between(calendar, end, start)
    schedule = schedule_for(calendar)
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    total = datetime.timedelta(0)
    day, last_day = schedule.local_date(start), schedule.local_date(end)
    while day <= last_day:
        for opens, closes in schedule.spans_on(day):
            begin, finish = max(opens, start_utc), min(closes, end_utc)
            if finish > begin:
                total += finish - begin
        day += datetime.timedelta(days=1)
    return total


def is_working_time(calendar: WorkCalendar, moment: datetime.datetime) -> bool:
    _require_aware(moment)
    schedule = schedule_for(calendar)
    instant = moment.astimezone(UTC)
    return any(opens <= instant < closes for opens, closes in schedule.spans_on(schedule.local_date(moment)))


def _ancestor_ids(team: Team) -> Sequence[int]:
    """The team and its parents, nearest first, read from the materialised path ("000001.000004.")."""
    ids = [int(part) for part in team.path.split(".") if part]
    return list(reversed(ids)) if ids else [team.pk]


def calendar_for(*, team: Team | None = None, user: User | None = None) -> WorkCalendar:
    """The team's calendar, else the nearest parent team's, else the default (``user`` stands for their team).

    One query for the team tree, one more for the default when no team in it has a calendar.
    """
    if team is None and user is not None and user.team_id is not None:
        team = user.team
    if team is not None:
        chain = _ancestor_ids(team)
        links = {
            link.team_id: link.calendar for link in CalendarTeam.objects.filter(team_id__in=chain).select_related("calendar")
        }
        for team_id in chain:
            if team_id in links:
                return links[team_id]
    default = WorkCalendar.objects.filter(is_default=True).first()
    if default is None:
        raise NoCalendarError(_("There is no default working-time calendar: mark one as the default in the administration."))
    return default
