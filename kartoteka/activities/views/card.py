"""The client card's activity screens: the quick-log box, and editing or deleting a logged activity.

With htmx a write answers with the fresh box (or nothing, for an entry) and the card's events, so the
timeline, the header and the contact frequency panel reload; without JavaScript it redirects to the card.
A form with errors comes back with status 422 and the messages next to the fields.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.activities import services
from kartoteka.activities.card_forms import ActivityForm, QuickLogForm
from kartoteka.activities.models import Activity
from kartoteka.clients.views.card import (
    HEADER_CHANGED,
    HISTORY_CHANGED,
    INVALID,
    card_url,
    is_htmx,
    load_client,
    render_card,
    require_change,
    with_events,
)
from kartoteka.core.errors import ConflictError
from kartoteka.users import access

# Sent with every activity write: the panel with the days since the last contact reloads itself.
CONTACTS_CHANGED = "client-contacts-changed"
QUICKLOG_FORM = "activities/card/quicklog_form.html"


def _load_activity(request: HttpRequest, pk: int) -> Activity:
    queryset = access.visible(request.user, Activity).select_related("client", "contact", "result")
    return access.get_visible_or_404(request.user, queryset, pk=pk)


@login_required
@require_POST
def quick_log(request: HttpRequest, client_id: int) -> HttpResponse:
    client = load_client(request, client_id)
    require_change(request, client)
    form = QuickLogForm(request.POST, request.FILES, client=client, viewer=request.user, auto_id="quicklog-%s")
    if form.is_valid():
        try:
            with transaction.atomic():
                logged = services.activity_log(
                    actor=request.user, client=client, values=form.values(), next_task=form.next_task()
                )
                upload = form.cleaned_data.get("attachment")
                if upload:
                    from kartoteka.attachments.services import attachment_upload

                    attachment_upload(actor=request.user, client=client, file=upload, target=logged.activity)
        except ValidationError as error:
            form.add_service_errors(error, aliases={"file": "attachment", "due_at": "next_date", "title": "next_title"})
        except ConflictError as error:  # the same file is already on the card: nothing is logged, nothing lost
            form.add_error("attachment", str(error))
        else:
            message = _("Logged.")
            if logged.next_task is not None:
                message = _("Logged; the next contact is planned.")
            if is_htmx(request):
                fresh = QuickLogForm(client=client, viewer=request.user, auto_id="quicklog-%s")
                response = render(request, QUICKLOG_FORM, {"client": client, "quicklog_form": fresh, "logged": message})
                return with_events(response, HISTORY_CHANGED, HEADER_CHANGED, CONTACTS_CHANGED)
            messages.success(request, message)
            return redirect(card_url(client, "quicklog"))
    context = {"client": client, "quicklog_form": form}
    if is_htmx(request):
        return render(request, QUICKLOG_FORM, context, status=INVALID)
    return render_card(
        request, client, editing="quicklog", template="activities/card/quicklog.html", extra=context, status=INVALID
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _load_activity(request, pk)
    client = load_client(request, activity.client_id)
    if not access.can(request.user, "change", activity):
        raise PermissionDenied
    initial = {name: getattr(activity, name) for name in ("kind", "occurred_at", "contact", "result", "productive", "summary")}
    initial.update({name: getattr(activity, name) for name in ("initiator", "channel", "direction", "duration_minutes")})
    initial.update({name: getattr(activity, name) for name in ("recording_url", "place", "participants", "product")})
    initial["interest_level"] = activity.interest_level
    form = ActivityForm(
        request.POST or None, client=client, viewer=request.user, activity=activity, initial=initial, auto_id=f"edit-{pk}-%s"
    )
    context: dict[str, Any] = {"client": client, "activity": activity, "form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.activity_update(actor=request.user, activity=activity, changes=form.values())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return _done(request, client, _("Activity saved."))
        status = INVALID
    template = "activities/card/activity_form.html" if is_htmx(request) else "activities/card/activity_edit_page.html"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _load_activity(request, pk)
    client = load_client(request, activity.client_id)
    if not access.can(request.user, "delete", activity):
        raise PermissionDenied
    if request.method == "POST":
        services.activity_delete(actor=request.user, activity=activity)
        return _done(request, client, _("Activity deleted."))
    return render(request, "activities/card/activity_delete.html", {"client": client, "activity": activity})


def _done(request: HttpRequest, client: Any, message: str) -> HttpResponse:
    if is_htmx(request):
        # The entry goes away; the timeline reloads with it changed (or without it).
        return with_events(HttpResponse(""), HISTORY_CHANGED, HEADER_CHANGED, CONTACTS_CHANGED)
    messages.success(request, message)
    return redirect(card_url(client, "history"))
