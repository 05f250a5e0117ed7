"""The card's Files panel: upload, download, delete.

Every id in a URL is fetched through the access policy, so a file of a client the user may not see
answers 404 exactly like a file that does not exist. Uploads and deletions work with htmx (the panel
is re-rendered in place) and without JavaScript (a normal form post, then back to the card).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import trigger_client_event

from kartoteka.attachments import downloads, filetypes, services
from kartoteka.attachments.forms import AttachmentForm
from kartoteka.attachments.models import Attachment
from kartoteka.clients.models import Client
from kartoteka.users import access

PANEL_TEMPLATE = "attachments/panel.html"
# The card's timeline reloads itself on this htmx event (kartoteka.clients.views.card.HISTORY_CHANGED).
HISTORY_CHANGED = "client-history-changed"
PANEL_LIMIT = 100  # newest first; a card with more files shows a note (and the API lists them all)


def panel_context(request: HttpRequest, client: Client) -> dict[str, Any]:
    """What the Files panel needs beyond the card's own context (``client``, ``can_change``, ``user``).

    One query: the client's files with their uploaders.
    """
    rows = access.visible(request.user, Attachment).filter(client=client)
    can_change = access.can(request.user, "change", client)
    return {
        **files_context(
            rows,
            download_url=lambda attachment: reverse("attachments:download", args=[attachment.pk]),
            delete_url=lambda attachment: reverse("attachments:delete", args=[attachment.pk]),
        ),
        "attachment_upload_url": reverse("attachments:upload", args=[client.pk]),
        "attachment_can_upload": can_change,
        "attachment_can_delete": can_change,
        "attachment_empty": _("No files yet. Attach the signed contract or a scan."),
    }


def files_context(
    rows: QuerySet[Attachment], *, download_url: Callable[[Attachment], str], delete_url: Callable[[Attachment], str]
) -> dict[str, Any]:
    """The part of a Files panel's context every card shares: the newest files (one query) and the form.

    The caller adds where uploads go, who may upload and delete, and the words for an empty panel.
    """
    files = list(rows.select_related("uploaded_by").order_by("-uploaded_at", "-id")[: PANEL_LIMIT + 1])
    for attachment in files:
        attachment.download_url = download_url(attachment)  # type: ignore[attr-defined]
        attachment.delete_url = delete_url(attachment)  # type: ignore[attr-defined]
    return {
        "attachments": files[:PANEL_LIMIT],
        "attachments_truncated": len(files) > PANEL_LIMIT,
        "attachment_form": AttachmentForm(),
        "attachment_accept": filetypes.accept_attribute(),
        "attachment_types": filetypes.allowed_types_text(),
        "attachment_max_bytes": settings.ATTACHMENT_MAX_BYTES,
    }


def _render_panel(
    request: HttpRequest, client: Client, *, form: AttachmentForm | None = None, notice: str = "", status: int = 200
) -> HttpResponse:
    """The panel alone for htmx; otherwise the client's Files page around it (no JavaScript, or a direct link)."""
    context = {
        "client": client,
        **panel_context(request, client),
        "attachment_notice": notice,
    }
    if form is not None:
        context["attachment_form"] = form
    template = PANEL_TEMPLATE if request.htmx else "attachments/files.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


def _card_url(client: Client) -> str:
    return reverse("clients:card", args=[client.pk]) + "#panel-attachments"  # the card's anchor for each panel


@login_required
@require_safe
def panel(request: HttpRequest, client_id: int) -> HttpResponse:
    """The panel alone for htmx refreshes; the client's Files page otherwise."""
    client = access.get_visible_or_404(request.user, Client, pk=client_id)
    return _render_panel(request, client)


def store_upload(request: HttpRequest, form: AttachmentForm, *, client: Client, target: Model | None = None) -> Attachment | None:
    """The posted file stored on the client (pinned to ``target``), or None with the reasons on ``form``."""
    if not form.is_valid():
        return None
    try:
        return services.attachment_upload(
            actor=request.user,  # type: ignore[arg-type]
            client=client,
            file=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
            target=target,
        )
    except services.DuplicateAttachment as error:
        form.add_error("file", error.message)
    except ValidationError as error:
        form.add_error(None, error)
    return None


@login_required
@require_POST
def upload(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_visible_or_404(request.user, Client, pk=client_id)
    form = AttachmentForm(request.POST, request.FILES)
    attachment = store_upload(request, form, client=client)
    if attachment is not None:
        notice = _("File “%(name)s” attached.") % {"name": attachment.original_name}
        if request.htmx:  # type: ignore[attr-defined]
            return trigger_client_event(_render_panel(request, client, notice=notice), HISTORY_CHANGED)
        messages.success(request, notice)
        return HttpResponseRedirect(_card_url(client))
    # htmx swaps only 2xx answers: 200 puts the messages next to the form. Without JavaScript, the
    # Files page shows them with 422 (the description typed is kept; browsers never keep a chosen file).
    return _render_panel(request, client, form=form, status=200 if request.htmx else 422)  # type: ignore[attr-defined]


@login_required
@require_safe
def download(request: HttpRequest, pk: int) -> HttpResponseBase:
    attachment = access.get_visible_or_404(request.user, Attachment, pk=pk)
    return downloads.download_response(attachment)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: a confirmation page (without JavaScript); POST: delete and go back to the card or panel."""
    attachment = access.get_visible_or_404(request.user, Attachment.objects.select_related("client", "uploaded_by"), pk=pk)
    client = attachment.client
    if request.method != "POST":
        access.require(request.user, "change", attachment)
        return render(request, "attachments/confirm_delete.html", {"attachment": attachment, "client": client})
    services.attachment_delete(actor=request.user, attachment=attachment)  # type: ignore[arg-type]
    notice = _("File “%(name)s” deleted.") % {"name": attachment.original_name}
    if request.htmx:  # type: ignore[attr-defined]
        return trigger_client_event(_render_panel(request, client, notice=notice), HISTORY_CHANGED)
    messages.success(request, notice)
    return HttpResponseRedirect(_card_url(client))
