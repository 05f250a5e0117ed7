"""The bell's badge, the list of one's notices, marking them read, and the per-kind channel settings.

Every query here is scoped to ``request.user``'s own notices: someone else's id is a 404 (opening)
or silently ignored (marking read).
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kartoteka.core.pagination import InvalidCursor, keyset_page
from kartoteka.notifications import services
from kartoteka.notifications.models import DEFAULT_CHANNELS, Notification, NotificationKind
from kartoteka.users.models import User

PAGE_SIZE = 30
# htmx stops polling when a poll answers 286: a signed-out tab stops asking.
STOP_POLLING = 286


def _me(request: HttpRequest) -> User:
    """The signed-in person (every view but the badge requires one)."""
    return cast(User, request.user)


def _own(request: HttpRequest) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=_me(request), show_in_app=True)


def _local_path(request: HttpRequest, value: str | None) -> str | None:
    if value and value.startswith("/") and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return None


@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The bell's unread count (polled by htmx every minute): one COUNT on the partial unread index."""
    if not request.user.is_authenticated:
        return HttpResponse(status=STOP_POLLING)
    # Rendered without the request: the shell's context processors would cost queries a number does not need.
    html = render_to_string("notifications/bell.html#badge", {"unread": services.unread_count(_me(request))})
    return HttpResponse(html)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """Newest first, a page at a time (keyset: constant cost however far back one reads)."""
    try:
        page = keyset_page(
            _own(request).select_related("actor"),
            order=["-created_at", "-id"],
            limit=PAGE_SIZE,
            cursor=request.GET.get("after") or None,
        )
    except InvalidCursor:
        return redirect("notifications:list")
    unread = services.unread_count(_me(request))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": unread, "first_page": not request.GET.get("after")},
    )


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notice read and go where it points (the list, when it points nowhere)."""
    notification = get_object_or_404(_own(request), pk=pk)
    services.mark_read(user=_me(request), ids=[notification.pk])
    return redirect(_local_path(request, notification.url) or reverse("notifications:list"))


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark read the posted ``ids`` (someone else's are ignored), or every unread notice without ``ids``."""
    raw = request.POST.getlist("ids")
    ids = [int(value) for value in raw if value.isdigit()] if raw else None
    count = services.mark_read(user=_me(request), ids=ids)
    if count:
        messages.success(request, _("Marked as read: %(count)s.") % {"count": count})
    return redirect(_local_path(request, request.POST.get("next")) or reverse("notifications:list"))


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Per kind: in the app, by email. Unticking both silences the kind."""
    if request.method == "POST":
        choices = {
            kind: services.Channels(
                in_app=f"{kind}:in_app" in request.POST,
                email=f"{kind}:email" in request.POST,
            )
            for kind in NotificationKind.values
        }
        services.preferences_save(user=_me(request), choices=choices)
        messages.success(request, _("Notification settings saved."))
        return redirect("notifications:preferences")
    current = services.preferences(_me(request))
    rows = [
        {
            "kind": kind,
            "label": label,
            "channels": current[kind],
            "default": services.Channels(*DEFAULT_CHANNELS.get(kind, (True, False))),
        }
        for kind, label in NotificationKind.choices
    ]
    return render(request, "notifications/preferences.html", {"rows": rows})
