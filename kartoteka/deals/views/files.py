"""The deal card's Files panel: what was attached to the deal (the measurer's dimensions, a drawing, the
signed offer), stored on the client's card and pinned to the deal.

Access goes through the deal, not the client: whoever may change the deal attaches files to it (the
measurer with an open task on it, who does not see the client card), whoever sees the deal downloads
its files. A file id in the URL is looked up among the deal's own files only, so an id of another
file — of this client or any other — answers 404. Deleting a file stays the client card's right
(the attachment policy: whoever may change the client).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import trigger_client_event

from kartoteka.attachments import downloads, services
from kartoteka.attachments.forms import AttachmentForm
from kartoteka.attachments.models import Attachment
from kartoteka.attachments.views import files_context as shared_files_context
from kartoteka.deals.models import Deal
from kartoteka.deals.views.deals import card_url, is_htmx, load_deal, require_change, require_deals
from kartoteka.users import access

PANEL = "attachments/panel.html"
DEAL_CHANGED = "deal-changed"  # the card's timeline reloads on it


def deal_files(deal: Deal) -> QuerySet[Attachment]:
    return Attachment.objects.filter(target_type=ContentType.objects.get_for_model(Deal), target_id=deal.pk)


def files_context(request: HttpRequest, deal: Deal) -> dict[str, Any]:
    """The Files panel of the deal card (one query for the files)."""
    return {
        **shared_files_context(
            deal_files(deal),
            download_url=lambda attachment: reverse("deals:file_download", args=[deal.pk, attachment.pk]),
            delete_url=lambda attachment: reverse("deals:file_delete", args=[deal.pk, attachment.pk]),
        ),
        "attachment_upload_url": reverse("deals:file_upload", args=[deal.pk]),
        "attachment_can_upload": access.can(request.user, "change", deal),
        "attachment_can_delete": access.can(request.user, "change", deal.client),
        "attachment_empty": _("No files on this deal yet: measurements, drawings, the signed offer."),
    }


def _panel(request: HttpRequest, deal: Deal, *, form: AttachmentForm | None = None, notice: str = "") -> HttpResponse:
    context = {"client": deal.client, "deal": deal, **files_context(request, deal), "attachment_notice": notice}
    if form is not None:
        context["attachment_form"] = form
    return render(request, PANEL, context)


def _deal_file(deal: Deal, pk: int) -> Attachment:
    attachment = deal_files(deal).select_related("client", "uploaded_by").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


@login_required
@require_safe
def file_panel(request: HttpRequest, pk: int) -> HttpResponse:
    require_deals(request)
    deal = load_deal(request, pk)
    if not is_htmx(request):
        return HttpResponseRedirect(card_url(deal, "files"))
    return _panel(request, deal)


@login_required
@require_POST
def file_upload(request: HttpRequest, pk: int) -> HttpResponse:
    from kartoteka.attachments.views import store_upload
    from kartoteka.deals.views.card import render_card

    require_deals(request)
    deal = load_deal(request, pk)
    require_change(request, deal)
    form = AttachmentForm(request.POST, request.FILES)
    attachment = store_upload(request, form, client=deal.client, target=deal)
    if attachment is None:
        if is_htmx(request):  # htmx swaps 2xx only: the panel with the reasons next to the form
            return _panel(request, deal, form=form)
        return render_card(request, deal, status=422, attachment_form=form)
    notice = _("File “%(name)s” attached.") % {"name": attachment.original_name}
    if is_htmx(request):
        return trigger_client_event(_panel(request, deal, notice=notice), DEAL_CHANGED)
    messages.success(request, notice)
    return HttpResponseRedirect(card_url(deal, "files"))


@login_required
@require_safe
def file_download(request: HttpRequest, pk: int, file_pk: int) -> HttpResponseBase:
    require_deals(request)
    return downloads.download_response(_deal_file(load_deal(request, pk), file_pk))


@login_required
@require_POST
def file_delete(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    require_deals(request)
    deal = load_deal(request, pk)
    attachment = _deal_file(deal, file_pk)
    services.attachment_delete(actor=request.user, attachment=attachment)  # type: ignore[arg-type]  # checks the right
    notice = _("File “%(name)s” deleted.") % {"name": attachment.original_name}
    if is_htmx(request):
        return trigger_client_event(_panel(request, deal, notice=notice), DEAL_CHANGED)
    messages.success(request, notice)
    return HttpResponseRedirect(card_url(deal, "files"))
