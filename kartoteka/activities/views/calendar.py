"""The calendar: a week or a month of tasks, drag to reschedule, and the secret iCalendar feeds.

The page reads one range of tasks (the days on screen) in one query, in the viewer's time zone (the
middleware activates ``User.time_zone``). Moving an event posts to :func:`calendar_move`, which
calls :func:`kartoteka.activities.services.task_reschedule`: the same rules as everywhere else.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kartoteka.activities import calendar_services, ical, selectors, services
from kartoteka.activities.models import CalendarFeed, Task, TaskStatus
from kartoteka.core.errors import DomainError
from kartoteka.users import access
from kartoteka.users.models import User

if TYPE_CHECKING:
    from django.db.models import QuerySet

WEEK, MONTH = "week", "month"
ME, TEAM = "me", "team"
HOURS = range(24)
# The week view opens scrolled to the working day; earlier hours are a scroll away.
DAY_STARTS_AT = 8


# --- the visible period ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    view: str
    anchor: datetime.date
    first: datetime.date
    last: datetime.date  # inclusive

    @classmethod
    def around(cls, view: str, anchor: datetime.date) -> Period:
        if view == MONTH:
            month_start = anchor.replace(day=1)
            month_end = anchor.replace(day=pycalendar.monthrange(anchor.year, anchor.month)[1])
            first = month_start - datetime.timedelta(days=month_start.weekday())
            last = month_end + datetime.timedelta(days=6 - month_end.weekday())
        else:
            first = anchor - datetime.timedelta(days=anchor.weekday())
            last = first + datetime.timedelta(days=6)
        return cls(view=view, anchor=anchor, first=first, last=last)

    @property
    def days(self) -> list[datetime.date]:
        return [self.first + datetime.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The first and the day after the last shown day, as moments in the active time zone."""
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.first, datetime.time(), tzinfo=zone)
        end = datetime.datetime.combine(self.last + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
        return start, end

    @property
    def previous(self) -> datetime.date:
        if self.view == MONTH:
            return (self.anchor.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        return self.anchor - datetime.timedelta(days=7)

    @property
    def next(self) -> datetime.date:
        if self.view == MONTH:
            return (self.anchor.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return self.anchor + datetime.timedelta(days=7)

    @property
    def title(self) -> str:
        if self.view == MONTH:
            return formats.date_format(self.anchor, "F Y").capitalize()
        if self.first.year != self.last.year:
            return f"{formats.date_format(self.first, 'j E Y')} – {formats.date_format(self.last, 'j E Y')}"
        if self.first.month != self.last.month:
            return f"{formats.date_format(self.first, 'j E')} – {formats.date_format(self.last, 'j E Y')}"
        return f"{self.first.day} – {formats.date_format(self.last, 'j E Y')}"


def _parse_date(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


# --- events ----------------------------------------------------------------------------------------


@dataclass
class CalendarEvent:
    task: Task
    start: datetime.datetime  # local
    can_move: bool
    show_assignee: bool

    @property
    def date(self) -> datetime.date:
        return self.start.date()

    @property
    def all_day(self) -> bool:
        return self.task.all_day

    @property
    def time(self) -> str:
        return "" if self.task.all_day else self.start.strftime("%H:%M")

    @property
    def end_time(self) -> str:
        if self.task.all_day or not self.task.duration_minutes:
            return ""
        return (self.start + datetime.timedelta(minutes=self.task.duration_minutes)).strftime("%H:%M")

    @property
    def is_done(self) -> bool:
        return self.task.status == TaskStatus.DONE

    @property
    def is_meeting(self) -> bool:
        return self.task.is_meeting

    @property
    def url(self) -> str:
        return reverse("activities:task", args=[self.task.pk])


@dataclass
class DayCell:
    date: datetime.date
    events: list[CalendarEvent] = field(default_factory=list)
    in_period: bool = True
    is_today: bool = False
    hour: int | None = None

    @property
    def iso(self) -> str:
        return self.date.isoformat()


def _scope_tasks(user: User, who: str, person: User | None) -> QuerySet[Task]:
    tasks = selectors.visible_tasks(user).exclude(status=TaskStatus.CANCELLED)
    if who == TEAM:
        if person is not None:
            return tasks.filter(assignee_id=person.pk)
        return tasks.filter(assignee__team_id__in=sorted(access.context(user).team_ids))
    return tasks.filter(assignee_id=user.pk)


def _team_people(user: User) -> list[User]:
    team_ids = sorted(access.context(user).team_ids)
    return list(access.visible(user, User).filter(team_id__in=team_ids, is_active=True).order_by("last_name", "first_name", "id"))


def _events(user: User, tasks: QuerySet[Task], period: Period, *, show_assignee: bool) -> list[CalendarEvent]:
    start, end = period.bounds()
    rows = (
        tasks.filter(due_at__gte=start, due_at__lt=end).select_related("client", "assignee").order_by("all_day", "due_at", "id")
    )
    return [
        CalendarEvent(
            task=task,
            start=timezone.localtime(task.due_at),
            can_move=task.status == TaskStatus.OPEN and access.can(user, "change", task),
            show_assignee=show_assignee,
        )
        for task in rows
    ]


def _week_grid(period: Period, events: list[CalendarEvent], today: datetime.date) -> dict[str, Any]:
    all_day: dict[datetime.date, list[CalendarEvent]] = defaultdict(list)
    timed: dict[tuple[datetime.date, int], list[CalendarEvent]] = defaultdict(list)
    for event in events:
        if event.all_day:
            all_day[event.date].append(event)
        else:
            timed[(event.date, event.start.hour)].append(event)
    days = period.days
    return {
        "days": [DayCell(date=day, is_today=day == today) for day in days],
        "all_day": [DayCell(date=day, events=all_day[day], is_today=day == today) for day in days],
        "hours": [
            {
                "hour": hour,
                "label": f"{hour:02d}:00",
                "cells": [DayCell(date=day, events=timed[(day, hour)], is_today=day == today, hour=hour) for day in days],
            }
            for hour in HOURS
        ],
    }


def _month_grid(period: Period, events: list[CalendarEvent], today: datetime.date) -> list[list[DayCell]]:
    by_day: dict[datetime.date, list[CalendarEvent]] = defaultdict(list)
    for event in events:
        by_day[event.date].append(event)
    cells = [
        DayCell(date=day, events=by_day[day], in_period=day.month == period.anchor.month, is_today=day == today)
        for day in period.days
    ]
    return [cells[n : n + 7] for n in range(0, len(cells), 7)]


@login_required
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    """GET ``view`` (week | month), ``date`` (YYYY-MM-DD, any day of the period), ``who`` (me | team),
    ``person`` (a team member's id, with ``who=team``)."""
    user: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    view = MONTH if request.GET.get("view") == MONTH else WEEK
    period = Period.around(view, _parse_date(request.GET.get("date"), today))
    can_team = calendar_services.can_follow_team(user)
    who = TEAM if can_team and request.GET.get("who") == TEAM else ME
    people = _team_people(user) if who == TEAM else []
    person = next((p for p in people if str(p.pk) == request.GET.get("person")), None)
    events = _events(user, _scope_tasks(user, who, person), period, show_assignee=who == TEAM and person is None)

    def link(**changes: Any) -> str:
        params = {"view": view, "date": period.anchor.isoformat(), "who": who, "person": person.pk if person else ""}
        params.update(changes)
        return "?" + urlencode({key: value for key, value in params.items() if value})

    context: dict[str, Any] = {
        "period": period,
        "view": view,
        "who": who,
        "can_team": can_team,
        "people": people,
        "person": person,
        "events_count": len(events),
        "links": {
            "previous": link(date=period.previous.isoformat()),
            "next": link(date=period.next.isoformat()),
            "today": link(date=today.isoformat()),
            "week": link(view=WEEK),
            "month": link(view=MONTH),
            "me": link(who=ME, person=""),
            "team": link(who=TEAM),
        },
        "self_url": request.get_full_path(),
        "day_starts_at": DAY_STARTS_AT,
        "today": today,
    }
    if view == MONTH:
        context["weeks"] = _month_grid(period, events, today)
        context["weekdays"] = period.days[:7]
    else:
        context["week"] = _week_grid(period, events, today)
    return render(request, "activities/calendar/calendar.html", context)


# --- moving an event -------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("activities:calendar")


def _refuse(request: HttpRequest, message: str, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": False, "message": message}, status=status)
    messages.error(request, message)
    return redirect(_back(request))


def _new_deadline(task: Task, data: Any) -> datetime.datetime:
    try:
        day = datetime.date.fromisoformat(data.get("date", ""))
        clock = data.get("time", "")
        moment = datetime.time.fromisoformat(clock) if clock else timezone.localtime(task.due_at).time()
    except ValueError:
        raise ValidationError(_("Choose a day (and a time) to move the task to.")) from None
    return timezone.make_aware(datetime.datetime.combine(day, moment.replace(second=0, microsecond=0)))


@login_required
@require_POST
def calendar_move(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``date`` (YYYY-MM-DD) and optionally ``time`` (HH:MM, the viewer's zone; kept when left out),
    ``next``. Answers JSON to ``Accept: application/json`` (the calendar's script), else redirects back."""
    user: User = request.user  # type: ignore[assignment]
    task = access.get_visible_or_404(user, Task.objects.select_related("client", "assignee"), pk=pk)
    try:
        due_at = _new_deadline(task, request.POST)
        task = services.task_reschedule(actor=user, task=task, due_at=due_at)
    except PermissionDenied:
        return _refuse(request, _("You cannot move this task."), 403)
    except DomainError as error:
        return _refuse(request, error.message, error.status)
    except ValidationError as error:
        return _refuse(request, " ".join(error.messages), 400)
    local = timezone.localtime(task.due_at)
    message = _("“%(title)s” moved to %(when)s.") % {
        "title": task.title,
        "when": formats.date_format(local, "j E") if task.all_day else formats.date_format(local, "j E, H:i"),
    }
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message": message,
                "date": local.date().isoformat(),
                "time": "" if task.all_day else local.strftime("%H:%M"),
                "all_day": task.all_day,
            }
        )
    messages.success(request, message)
    return redirect(_back(request))


# --- feeds -----------------------------------------------------------------------------------------


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed behind a secret address. Unknown, revoked, malformed: the same 404."""
    feed = calendar_services.calendar_feed_authenticate(token)
    if feed is None:
        raise Http404
    now = timezone.now()
    body = ical.feed_calendar(feed, ical.feed_tasks(feed, now=now), now=now).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="kartoteka.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@never_cache
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    """The person's calendar addresses. POST ``include_team`` (on) creates one; its address is shown once."""
    user: User = request.user  # type: ignore[assignment]
    error = ""
    if request.method == "POST":
        try:
            feed, token = calendar_services.calendar_feed_create(user=user, include_team=bool(request.POST.get("include_team")))
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            request.session["new_calendar_feed"] = {
                "id": feed.pk,
                "url": request.build_absolute_uri(reverse("activities:calendar_feed", args=[token])),
            }
            return redirect(reverse("activities:calendar_feeds") + "#new-feed")
    new_feed = request.session.pop("new_calendar_feed", None)
    return render(
        request,
        "activities/calendar/feeds.html",
        {
            "feeds": CalendarFeed.objects.filter(user=user),
            "new_feed": new_feed,
            "can_team": calendar_services.can_follow_team(user),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def calendar_feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    # Feeds are strictly personal: someone else's is missing here, whoever asks.
    feed = get_object_or_404(CalendarFeed, user=user, pk=pk)
    calendar_services.calendar_feed_revoke(user=user, feed=feed)
    messages.success(request, _("The calendar address is revoked: calendars that use it stop updating."))
    return redirect("activities:calendar_feeds")
