"""Opening and editing a deal: ``/deals/new/`` (``?client=<id>`` preselects a client) and ``/deals/<pk>/edit/``.

The client and the owner are pickers that fetch matches as you type (the client among those the viewer
sees, the owner among the active people they see); without JavaScript a typed name works too. The stage
select offers the chosen pipeline's stages (deals.js hides the others; the server checks the pair) and
the probability field shows the stage's default as its placeholder: left empty, the stage's applies.

Editing may also move the deal to another stage: the fields and the move are saved together or not at
all, and a stage that requires fields the deal lacks names them at the top of the form.
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
from django.views.decorators.http import require_http_methods

from kartoteka.clients import selectors as client_selectors
from kartoteka.clients.models import Client
from kartoteka.core.errors import DomainError
from kartoteka.deals import services
from kartoteka.deals.forms import DealForm
from kartoteka.deals.models import Deal, Stage
from kartoteka.deals.views.deals import INVALID, card_url, load_deal, require_change, require_deals, safe_next, viewer
from kartoteka.users import access
from kartoteka.users.models import User


def _raw(form: DealForm, name: str) -> str:
    """A picker's value: the picked option, or (without JavaScript) the text typed into its search box.
    Both are sent under one name; the last one filled in wins."""
    data = form.data
    values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
    filled = [str(value).strip() for value in values if str(value or "").strip()]
    if filled:
        return filled[-1]
    return "" if form.is_bound else str(form.initial.get(name) or "")


def _client(request: HttpRequest, form: DealForm, deal: Deal | None) -> Client | None:
    raw = _raw(form, "client")
    if deal is not None and raw == str(deal.client_id):
        return deal.client
    found = access.visible(request.user, Client).filter(pk=int(raw)).first() if raw.isdigit() else None
    if found is None:
        form.add_error("client", _("Choose a client from the list."))
    return found


def _owner(request: HttpRequest, form: DealForm, deal: Deal | None) -> User | None:
    """The chosen owner: an id from the picker or a typed name that fits one active person; empty keeps the
    deal's owner (a new deal's is the one who opens it)."""
    user = viewer(request)
    raw = _raw(form, "owner")
    if not raw:
        return deal.owner if deal is not None else user
    if deal is not None and raw == str(deal.owner_id):
        return deal.owner
    if raw == str(user.pk):
        return user
    matches = client_selectors.resolve_people(user, [raw], active_only=True)
    if len(matches) != 1:
        form.add_error("owner", _("Choose a person from the list."))
        return None
    return matches[0]


def _form_context(request: HttpRequest, form: DealForm, deal: Deal | None) -> dict[str, Any]:
    """The labels of what the pickers hold, and the probability hint of the chosen stage."""
    user = viewer(request)
    raw_client = _raw(form, "client")
    if deal is not None and raw_client == str(deal.client_id):
        client: Client | None = deal.client
    else:
        client = access.visible(user, Client).filter(pk=int(raw_client)).first() if raw_client.isdigit() else None
    raw_owner = _raw(form, "owner")
    if deal is not None and raw_owner == str(deal.owner_id):
        owner: Any = deal.owner
    elif raw_owner in ("", str(user.pk)):
        owner = user
    else:
        found = client_selectors.resolve_people(user, [raw_owner]) if raw_owner.isdigit() else []
        owner = found[0] if found else None
    stage_field: Any = form.fields["stage"]
    raw_stage = str(form["stage"].value() or "")
    raw_pipeline = str(form["pipeline"].value() or "")
    stages = list(stage_field.queryset)
    chosen = next((stage for stage in stages if str(stage.pk) == raw_stage), None)
    chosen = chosen or next((stage for stage in stages if str(stage.pipeline_id) == raw_pipeline and stage.is_open), None)
    if chosen is not None:
        form.fields["probability"].widget.attrs["placeholder"] = str(chosen.probability)
    return {"form": form, "deal": deal, "chosen_client": client, "chosen_owner": owner, "next": safe_next(request)}


def _report(form: DealForm, error: Exception) -> None:
    if isinstance(error, PermissionDenied):
        form.add_error("owner", _("You may not hand the deal to this person, or open it on this client."))
    else:
        form.add_deal_errors(error)


@login_required
@require_http_methods(["GET", "POST"])
def deal_new(request: HttpRequest) -> HttpResponse:
    require_deals(request)
    user = viewer(request)
    if access.scope(user, "deal", "create") == access.Scope.NONE:
        raise PermissionDenied(_("Your role does not open deals."))
    if request.method == "POST":
        form = DealForm(request.POST, viewer=user)
        form.is_valid()
        client, owner = _client(request, form, None), _owner(request, form, None)  # every error at once
        if client is not None and not form.errors:
            values = {**form.values(), "owner": owner}
            try:
                deal = services.deal_create(
                    actor=user,
                    client=client,
                    values=values,
                    pipeline=form.cleaned_data["pipeline"],
                    stage=form.cleaned_data.get("stage"),
                )
            except (ValidationError, DomainError, PermissionDenied) as error:
                _report(form, error)
            else:
                messages.success(request, _("Deal «%(title)s» opened.") % {"title": deal.title})
                return redirect(card_url(deal))
        return render(request, "deals/deal_form.html", _form_context(request, form, None), status=INVALID)
    initial: dict[str, Any] = {"owner": str(user.pk)}
    try:
        pipeline = services.default_pipeline(user)
    except DomainError:
        pipeline = None
    if pipeline is not None:
        initial.update(pipeline=pipeline.pk, currency=pipeline.currency)
    raw = request.GET.get("client", "")
    if raw.isdigit() and access.visible(user, Client).filter(pk=int(raw)).exists():
        initial["client"] = raw
    form = DealForm(initial=initial, viewer=user)
    return render(request, "deals/deal_form.html", _form_context(request, form, None))


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_deals(request)
    deal = load_deal(request, pk)
    require_change(request, deal)
    user = viewer(request)
    if request.method == "POST":
        form = DealForm(request.POST, viewer=user, deal=deal)
        form.is_valid()
        client, owner = _client(request, form, deal), _owner(request, form, deal)  # every error at once
        if client is not None and not form.errors:
            changes = form.values()
            if client.pk != deal.client_id:
                changes["client"] = client
            if owner is not None and owner.pk != deal.owner_id:
                changes["owner"] = owner
            stage: Stage | None = form.cleaned_data.get("stage")
            pipeline = form.cleaned_data["pipeline"]
            try:
                with transaction.atomic():
                    services.deal_update(actor=user, deal=deal, changes=changes)
                    if stage is None and pipeline.pk != deal.pipeline_id:
                        stage = services.first_open_stage(pipeline)  # another pipeline, from its start
                    if stage is not None and stage.pk != deal.stage_id:
                        services.deal_move_stage(actor=user, deal=deal, stage=stage)
            except (ValidationError, DomainError, PermissionDenied) as error:
                _report(form, error)
            else:
                messages.success(request, _("Deal saved."))
                return redirect(safe_next(request) or card_url(deal))
        return render(request, "deals/deal_form.html", _form_context(request, form, deal), status=INVALID)
    form = DealForm(initial=DealForm.initial_for(deal), viewer=user, deal=deal)
    return render(request, "deals/deal_form.html", _form_context(request, form, deal))
