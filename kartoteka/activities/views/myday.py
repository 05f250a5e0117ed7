"""My day (``/work/my-day/``), a manager's start page, and its "congratulate" action.

A manager sees their own day. A supervisor (see :func:`kartoteka.activities.myday.can_view_team`)
sees the team's day with per-person counts on top and switches to one person with ``?person=<id>``
(only people in their team subtree; anyone else is a 404). ``?day=YYYY-MM-DD`` shows another day
("tomorrow's My day"); a date that does not parse shows today.

Task actions post to the shared task endpoints (``activities:task_complete``,
``activities:task_reschedule``) with ``next`` pointing back here, so they work without JavaScript
and the page reloads with the endpoint's message.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kartoteka.activities import myday, services
from kartoteka.activities.models import ActivityKind, ActivityResult
from kartoteka.contacts.models import Contact
from kartoteka.core.errors import DomainError
from kartoteka.users import access
from kartoteka.users.models import User


def _day(raw: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(raw.strip()) if raw else None
    except ValueError:
        return None


def _person(request: HttpRequest, team_view: bool) -> User | None:
    raw = request.GET.get("person", "").strip()
    if not raw:
        return None
    user: User = request.user  # type: ignore[assignment]
    if raw == str(user.pk):
        return user
    if not team_view:
        raise Http404
    return access.get_visible_or_404(user, myday.team_people(user), pk=raw)


def _next_url(request: HttpRequest) -> str:
    return request.get_full_path()


@login_required
def my_day_page(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    team_view = myday.can_view_team(user)
    person = _person(request, team_view)
    day = _day(request.GET.get("day", ""))
    plan = myday.my_day(user, day=day, team=team_view, person=person)
    today = timezone.localdate(plan.now, plan.zone)
    one_day = datetime.timedelta(days=1)
    person_query = f"&person={person.pk}" if person is not None else ""
    context: dict[str, Any] = {
        "plan": plan,
        "team_view": team_view,
        "person": person,
        "showing_team": team_view and person is None,
        "today": today,
        "previous_day": plan.day - one_day,
        "next_day": plan.day + one_day,
        "person_query": person_query,
        "next_url": _next_url(request),
        # One query, only for the "done and log" forms of planned contacts.
        "results": list(ActivityResult.objects.filter(is_active=True))
        if any(task.can_log for task in [*plan.overdue, *plan.today])  # type: ignore[attr-defined]
        else [],
        "tomorrow_morning": timezone.make_aware(
            datetime.datetime.combine(today + one_day, datetime.time(10, 0)), plan.zone
        ).isoformat(),
    }
    return render(request, "activities/myday/page.html", context)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith("/"):
        return target
    return reverse("activities:my_day")


@login_required
@require_POST
def congratulate(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: log a birthday greeting to the contact person (an activity of kind "greeting").

    Fields: ``next`` (a local path to return to). With htmx the answer is the "congratulated" mark
    that replaces the button.
    """
    contact = access.get_visible_or_404(request.user, Contact.objects.select_related("client"), pk=pk)
    error = ""
    try:
        services.activity_log(
            actor=request.user,
            client=contact.client,
            values={"kind": ActivityKind.GREETING, "contact": contact, "subject": _("Birthday greeting")},
        )
    except PermissionDenied:
        error = _("You may not log activities on this client.")
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except DomainError as exc:
        error = exc.message
    if getattr(request, "htmx", False):
        if error:
            return HttpResponse(error, status=409, content_type="text/plain; charset=utf-8")
        return render(request, "activities/myday/page.html#congratulated", {"contact": contact})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Greeting to %(name)s logged in the client's history.") % {"name": contact})
    return redirect(_safe_next(request))
