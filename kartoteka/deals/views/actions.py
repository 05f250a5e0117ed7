"""What the deal card does: moves between stages, Win / Lose / Reopen, delete, contact persons, line items,
price proposals, the quick log and planning a task. Every one is a POST that calls a service.

Without JavaScript each answers with a redirect to the card (a message on top), or, when something is
missing, the card again with status 422 and the form that says what: a stage that requires fields the deal
lacks shows them as a small form ("To enter «Negotiation», fill in: amount, expected close date") that posts
the values and moves in one step — the kanban's dialog, as a plain form. The contact persons' and line
items' forms open in place with htmx (and as a page of their own without it). The quick-log box answers
htmx with a fresh box and the ``deal-changed`` event, on which the timeline reloads.

A deal the viewer cannot see is a 404 whatever the action; one they see but may not change is a 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from kartoteka.activities import services as activity_services
from kartoteka.activities.card_forms import QuickLogForm
from kartoteka.activities.models import TaskKind
from kartoteka.core.errors import ConflictError, DomainError
from kartoteka.deals import services
from kartoteka.deals.forms import DealTaskForm, LoseForm, ProposalForm, WinForm, contact_formset, line_formset, open_stages
from kartoteka.deals.models import REQUIRABLE_FIELDS, Deal, DealContact, Stage, StageKind
from kartoteka.deals.services import StageRequirementsError
from kartoteka.deals.views.card import render_card
from kartoteka.deals.views.deals import INVALID, card_url, is_htmx, load_deal, require_change, viewer
from kartoteka.deals.views.kanban import FILLABLE, MoveDialogForm
from kartoteka.users import access

DEAL_CHANGED = "deal-changed"  # the card's timeline reloads on it


def _done(request: HttpRequest, deal: Deal, message: str, section: str = "") -> HttpResponse:
    messages.success(request, message)
    return redirect(card_url(deal, section))


def _refused(request: HttpRequest, deal: Deal, message: str, section: str = "") -> HttpResponse:
    messages.error(request, message)
    return redirect(card_url(deal, section))


# --- Moves -----------------------------------------------------------------------------------------


@dataclass
class MoveDialog:
    """What entering ``stage`` still needs, shown on the card as a form that moves in one step."""

    stage: Stage
    form: MoveDialogForm
    message: str = ""
    unfillable: list[str] = field(default_factory=list)
    comment: str = ""

    @property
    def lost(self) -> bool:
        return self.stage.kind == StageKind.LOST


def _dialog(request: HttpRequest, deal: Deal, dialog: MoveDialog) -> HttpResponse:
    fresh = load_deal(request, deal.pk)  # fields the dialog already saved show as they are now
    return render_card(request, fresh, status=INVALID, move_dialog=dialog)


def _move(
    request: HttpRequest,
    deal: Deal,
    stage: Stage,
    *,
    asked: Sequence[str] = (),
    values: dict[str, Any] | None = None,
    from_dialog: bool = False,
) -> HttpResponse:
    """Fill what the dialog asked for, then move; a stage's requirements come back as the dialog."""
    values = values or {}
    user = viewer(request)
    lost = stage.kind == StageKind.LOST
    comment = (values.get("comment") or "").strip()
    try:
        changes = {name: values[name] for name in asked if name in values}
        if changes:
            services.deal_update(actor=user, deal=deal, changes=changes)
        change = services.deal_move_stage(
            actor=user, deal=deal, stage=stage, lost_reason=values.get("lost_reason"), comment=comment
        )
    except PermissionDenied:
        raise
    except StageRequirementsError as error:
        fillable = [name for name in error.missing if name in FILLABLE]
        unfillable = [str(REQUIRABLE_FIELDS[name]) for name in error.missing if name not in FILLABLE]
        form = MoveDialogForm(request.POST if from_dialog else None, fields=list(dict.fromkeys([*asked, *fillable])), lost=lost)
        if from_dialog:
            form.is_valid()
        elif lost:
            form.initial.update({"lost_reason": values.get("lost_reason"), "comment": comment})
        dialog = MoveDialog(stage, form, message=error.message, unfillable=unfillable, comment=comment)
        return _dialog(request, deal, dialog)
    except ValidationError as error:
        problems = getattr(error, "error_dict", {})
        if lost and "lost_reason" in problems:
            form = MoveDialogForm(request.POST if from_dialog else None, fields=list(asked), lost=True)
            if from_dialog:
                form.is_valid()
                form.add_error("lost_reason", problems["lost_reason"])
            return _dialog(request, deal, MoveDialog(stage, form))
        if from_dialog and set(problems) <= set(asked):
            form = MoveDialogForm(request.POST, fields=list(asked), lost=lost)
            form.is_valid()
            for name, found in problems.items():
                form.add_error(name, found)
            return _dialog(request, deal, MoveDialog(stage, form, comment=comment))
        return _refused(request, deal, " ".join(error.messages))
    except DomainError as error:
        return _refused(request, deal, error.message)
    if change is None:
        return redirect(card_url(deal))
    if stage.kind == StageKind.WON:
        message = _("«%(deal)s» is won.") % {"deal": deal.title}
    elif lost:
        message = _("«%(deal)s» is lost.") % {"deal": deal.title}
    else:
        message = _("«%(deal)s» moved to «%(stage)s».") % {"deal": deal.title, "stage": stage.name}
    return _done(request, deal, message)


@login_required
@require_POST
def card_move(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``stage`` (an active stage of the deal's pipeline). From the card's requirement form also
    ``dialog=1``, ``fields`` (the names it asked for) with their values, ``lost_reason`` and ``comment``."""
    deal = load_deal(request, pk)
    require_change(request, deal)
    stages = Stage.objects.filter(pipeline_id=deal.pipeline_id, is_active=True)
    stage = access.get_visible_or_404(request.user, stages, pk=request.POST.get("stage", ""))
    lost = stage.kind == StageKind.LOST
    from_dialog = request.POST.get("dialog") == "1"
    asked = [name for name in request.POST.getlist("fields") if name in FILLABLE] if from_dialog else []
    if not from_dialog and lost:
        # A lost stage always asks why: the dialog first, nothing is moved yet.
        return _dialog(request, deal, MoveDialog(stage, MoveDialogForm(None, fields=[], lost=True)))
    form = MoveDialogForm(request.POST if from_dialog else None, fields=asked, lost=lost and from_dialog)
    if from_dialog and not form.is_valid():
        return _dialog(request, deal, MoveDialog(stage, form, comment=request.POST.get("comment", "")))
    values = dict(form.cleaned_data) if from_dialog else {}
    values.setdefault("comment", request.POST.get("comment", "")[:2000])
    return _move(request, deal, stage, asked=asked, values=values, from_dialog=from_dialog)


@login_required
@require_POST
def deal_win(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``comment`` (optional): the deal goes to the pipeline's won stage («Успех»)."""
    deal = load_deal(request, pk)
    require_change(request, deal)
    form = WinForm(request.POST, auto_id="win-%s")
    if not form.is_valid():
        return render_card(request, deal, status=INVALID, win_form=form)
    try:
        stage = services.outcome_stage(deal.pipeline, StageKind.WON)
    except DomainError as error:
        return _refused(request, deal, error.message)
    return _move(request, deal, stage, values={"comment": form.cleaned_data["comment"]})


@login_required
@require_POST
def deal_lose(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``lost_reason`` (a LostReason id) and ``comment``: the deal goes to the lost stage («Отказ»)."""
    deal = load_deal(request, pk)
    require_change(request, deal)
    form = LoseForm(request.POST, auto_id="lose-%s")
    if not form.is_valid():
        return render_card(request, deal, status=INVALID, lose_form=form, lose_open=True)
    try:
        stage = services.outcome_stage(deal.pipeline, StageKind.LOST)
    except DomainError as error:
        return _refused(request, deal, error.message)
    return _move(request, deal, stage, values=dict(form.cleaned_data))


@login_required
@require_POST
def deal_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``stage`` (optional: an open stage; default the one the deal was closed from). History stays."""
    deal = load_deal(request, pk)
    require_change(request, deal)
    raw = request.POST.get("stage", "")
    stage = access.get_visible_or_404(request.user, open_stages(deal), pk=raw) if raw else None
    try:
        change = services.deal_reopen(actor=request.user, deal=deal, stage=stage)
    except StageRequirementsError as error:
        return _refused(request, deal, error.message)
    except (DomainError, ValidationError) as error:
        return _refused(request, deal, getattr(error, "message", None) or " ".join(getattr(error, "messages", [])))
    return _done(request, deal, _("The deal is open again, in «%(stage)s».") % {"stage": change.to_stage.name})


@login_required
@require_http_methods(["GET", "POST"])
def deal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    deal = load_deal(request, pk)
    if not access.can(request.user, "delete", deal):
        raise PermissionDenied(_("You may not delete this deal."))
    if request.method == "POST":
        title = deal.title
        services.deal_delete(actor=request.user, deal=deal)
        messages.success(request, _("Deal «%(title)s» deleted.") % {"title": title})
        return redirect("deals:list")
    return render(request, "deals/deal_delete.html", {"deal": deal})


# --- Contact persons and line items ----------------------------------------------------------------


def _section_form(request: HttpRequest, deal: Deal, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """A section's form: the fragment for htmx (swapped into the section), a page of its own otherwise."""
    context = {"deal": deal, **context}
    if is_htmx(request):
        return render(request, template, context, status=status)
    return render(request, "deals/deal_section_page.html", {**context, "form_template": template}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def deal_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    """The deal's contact persons and their roles in it, as rows (the client's contacts to choose from)."""
    deal = load_deal(request, pk)
    require_change(request, deal)
    current = list(DealContact.objects.filter(deal=deal).order_by("id"))
    formset = contact_formset(request.user, deal, request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST":
        if formset.is_valid():
            try:
                services.deal_set_contacts(actor=request.user, deal=deal, contacts=formset.rows())
            except StageRequirementsError as error:
                formset.report([error.message])
            except ValidationError as error:
                formset.report(error.messages)
            else:
                return _done(request, deal, _("Contact persons saved."), "contacts")
        return _section_form(request, deal, "deals/card/contacts_form.html", {"formset": formset}, status=INVALID)
    return _section_form(request, deal, "deals/card/contacts_form.html", {"formset": formset})


@login_required
@require_http_methods(["GET", "POST"])
def deal_lines(request: HttpRequest, pk: int) -> HttpResponse:
    """Line items (free text until the catalog): description, quantity, unit, price, discount; the total
    becomes the deal's amount unless unticked."""
    deal = load_deal(request, pk)
    require_change(request, deal)
    formset = line_formset(request.POST if request.method == "POST" else None, current=list(deal.lines.all()))
    update_amount = request.method != "POST" or request.POST.get("update_amount") == "1"
    context: dict[str, Any] = {"formset": formset, "update_amount": update_amount}
    if request.method == "POST":
        if formset.is_valid():
            try:
                services.deal_set_lines(actor=request.user, deal=deal, lines=formset.lines(), update_amount=update_amount)
            except StageRequirementsError as error:
                formset.report([error.message])
            except ValidationError as error:
                formset.report(error.messages)
            else:
                return _done(request, deal, _("Line items saved."), "lines")
        return _section_form(request, deal, "deals/card/lines_form.html", context, status=INVALID)
    return _section_form(request, deal, "deals/card/lines_form.html", context)


@login_required
@require_POST
def deal_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``amount``, ``proposed_on``, ``by_client`` (the client's counter-offer), ``note``. Our price
    becomes the deal's amount; a counter-offer does not."""
    deal = load_deal(request, pk)
    require_change(request, deal)
    form = ProposalForm(request.POST, auto_id="proposal-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.deal_propose_price(
                actor=request.user,
                deal=deal,
                amount=data["amount"],
                proposed_on=data["proposed_on"],
                by_client=data["by_client"],
                note=data["note"],
            )
        except (ValidationError, DomainError) as error:
            form.add_deal_errors(error)
        else:
            return _done(request, deal, _("Price proposal recorded."), "proposals")
    return render_card(request, deal, status=INVALID, proposal_form=form)


# --- The quick log and tasks -----------------------------------------------------------------------


@login_required
@require_POST
def quick_log(request: HttpRequest, pk: int) -> HttpResponse:
    """The activities' quick-log box on the deal card: the activity lands on the deal and on the client."""
    deal = load_deal(request, pk)
    client = deal.client
    if not (access.can(request.user, "view", client) and access.can(request.user, "change", client)):
        raise PermissionDenied(_("You may not log contacts with this client."))
    action = reverse("deals:quick_log", args=[deal.pk])
    form = QuickLogForm(request.POST, request.FILES, client=client, viewer=request.user, auto_id="quicklog-%s")
    if form.is_valid():
        try:
            with transaction.atomic():
                logged = activity_services.activity_log(
                    actor=request.user, client=client, values={**form.values(), "deal": deal}, next_task=form.next_task()
                )
                upload = form.cleaned_data.get("attachment")
                if upload:
                    from kartoteka.attachments.services import attachment_upload

                    attachment_upload(actor=request.user, client=client, file=upload, target=logged.activity)
        except ValidationError as error:
            form.add_service_errors(error, aliases={"file": "attachment", "due_at": "next_date", "title": "next_title"})
        except ConflictError as error:
            form.add_error("attachment", str(error))
        else:
            message = _("Logged; the next contact is planned.") if logged.next_task is not None else _("Logged.")
            if is_htmx(request):
                fresh = QuickLogForm(client=client, viewer=request.user, auto_id="quicklog-%s")
                context = {"client": client, "quicklog_form": fresh, "quicklog_action": action, "logged": message}
                response = render(request, "activities/card/quicklog_form.html", context)
                trigger_client_event(response, DEAL_CHANGED)
                return response
            return _done(request, deal, message, "timeline")
    if is_htmx(request):
        context = {"client": client, "quicklog_form": form, "quicklog_action": action}
        return render(request, "activities/card/quicklog_form.html", context, status=INVALID)
    return render_card(request, deal, status=INVALID, quicklog_form=form)


@login_required
@require_POST
def deal_task(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``kind``, ``title``, ``due_date``, ``due_time`` (empty: all day): a task for oneself on the deal."""
    deal = load_deal(request, pk)
    require_change(request, deal)
    form = DealTaskForm(request.POST, auto_id="deal-task-%s")
    if form.is_valid():
        values = {**form.values(), "client": deal.client, "deal": deal, "assignee": viewer(request)}
        if not values["title"]:  # "Call: Windows for the school" rather than the client's name
            values["title"] = f"{capfirst(str(TaskKind(values['kind']).label))}: {deal.title}"[:255]
        try:
            activity_services.task_create(actor=request.user, values=values)
        except (ValidationError, DomainError) as error:
            form.add_deal_errors(error, aliases={"due_at": "due_date"})
        except PermissionDenied:
            form.add_error(None, _("You may not plan work on this client."))
        else:
            return _done(request, deal, _("Task planned."), "planned")
    return render_card(request, deal, status=INVALID, task_form=form, task_open=True)
