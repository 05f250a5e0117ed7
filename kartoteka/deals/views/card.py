"""The deal card: a header with the stage and the actions, the deal's sections on the left, the timeline
with the quick-log box and the planned tasks on the right.

``GET /deals/<pk>/`` renders it in a fixed number of queries whatever the deal's history (pinned in a
test): the deal with everything its header names (one join), the pipeline's stages, contact persons,
line items, price proposals, stage history, open tasks, one page of the timeline, and for those who
may write, the choices of the quick-log box and of the "Lose" form. ``GET /deals/<pk>/timeline/`` gives
older entries ("Show older", htmx) or the timeline filtered by kind.

Read-only viewers (a marketer reads every deal) get the same card without a single write control.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from kartoteka.activities import selectors as activity_selectors
from kartoteka.activities.card_forms import QuickLogForm
from kartoteka.activities.views.tasks import decorate
from kartoteka.clients import panels as client_panels
from kartoteka.deals import history, selectors
from kartoteka.deals.forms import DealTaskForm, LoseForm, ProposalForm, WinForm
from kartoteka.deals.models import Deal, DealContact, Stage, StageKind
from kartoteka.deals.views.deals import format_money, human_duration, is_htmx, load_deal, require_deals, viewer
from kartoteka.deals.views.files import files_context
from kartoteka.users import access

MOVES_SHOWN = 100  # the stage history table; a deal rarely moves more, the timeline has them all
PROPOSALS_SHOWN = 50
PLANNED_SHOWN = 10


def _lines_total(lines: list[Any]) -> Decimal:
    return sum((line.total for line in lines), Decimal(0))


def header_facts(deal: Deal, now: Any = None) -> dict[str, Any]:
    now = now or timezone.now()
    seconds = max(0, int((now - deal.stage_entered_at).total_seconds()))
    return {
        "amount": format_money(deal.amount, deal.currency),
        "probability": deal.effective_probability,
        "probability_is_stage": deal.probability is None,
        "days_in_stage": seconds // 86_400,
        "time_in_stage": human_duration(seconds),
        "overdue_in_stage": selectors.is_overdue_in_stage(deal, now),
    }


def timeline_context(request: HttpRequest, deal: Deal, *, before: str | None = None, show: str = "") -> dict[str, Any]:
    page = history.deal_timeline_page(deal, viewer=viewer(request), before=before, show=show)
    return {
        "timeline_entries": page.entries,
        "timeline_next": page.next_cursor,
        "timeline_show": show if show in {value for value, _label in history.timeline_filters()} else "",
        "timeline_filters": history.timeline_filters(),
    }


def card_context(request: HttpRequest, deal: Deal, *, show: str = "", before: str | None = None, **extra: Any) -> dict[str, Any]:
    """Everything the card shows; ``extra`` carries a form coming back with errors (it replaces the blank one)."""
    user = viewer(request)
    now = timezone.now()
    can_change = access.can(user, "change", deal)
    client_visible = access.can(user, "view", deal.client)
    can_log = client_visible and access.can(user, "change", deal.client)
    stages = list(Stage.objects.filter(pipeline_id=deal.pipeline_id).filter(Q(is_active=True) | Q(pk=deal.stage_id)))
    contacts = list(
        DealContact.objects.filter(deal=deal)
        .select_related("contact", "role")
        .order_by("contact__last_name", "contact__first_name", "id")
    )
    lines = list(deal.lines.all())
    proposals = list(deal.proposals.select_related("created_by")[:PROPOSALS_SHOWN])
    for proposal in proposals:
        proposal.amount_display = format_money(proposal.amount, proposal.currency)  # type: ignore[attr-defined]
    moves = list(selectors.deal_timeline_stage_changes(deal)[:MOVES_SHOWN])
    for move in moves:
        move.time_in_stage_display = human_duration(move.seconds_in_stage)  # type: ignore[attr-defined]
    planned = list(
        activity_selectors.open_tasks(user)
        .filter(deal=deal)
        .select_related("assignee")
        .order_by("due_at", "id")[: PLANNED_SHOWN + 1]
    )
    for task in planned:
        task.client = deal.client  # the card's own: no query per task
    context: dict[str, Any] = {
        "deal": deal,
        "client": deal.client,
        "client_visible": client_visible,
        "facts": header_facts(deal, now),
        "can_change": can_change,
        "can_delete": access.can(user, "delete", deal),
        "can_log": can_log,
        "stages": stages,
        "move_stages": [stage for stage in stages if stage.is_active and stage.pk != deal.stage_id],
        "reopen_stages": [stage for stage in stages if stage.is_active and stage.kind == StageKind.OPEN],
        "deal_contacts": contacts,
        "lines": lines,
        "lines_total": format_money(_lines_total(lines), deal.currency) if lines else "",
        "proposals": proposals,
        "moves": moves,
        "planned_tasks": decorate(user, planned[:PLANNED_SHOWN], now=now),
        "planned_more": len(planned) > PLANNED_SHOWN,
        # What the client card's header says of how to treat this client (the service level of its class).
        "header_notes": client_panels.header_notes(request, deal.client) if client_visible else [],
        **files_context(request, deal),
        **timeline_context(request, deal, before=before, show=show),
    }
    if can_change:
        context["proposal_form"] = ProposalForm(auto_id="proposal-%s")
        context["task_form"] = DealTaskForm(auto_id="deal-task-%s")
        if deal.is_open:
            context["lose_form"] = LoseForm(auto_id="lose-%s")
            context["win_form"] = WinForm(auto_id="win-%s")
    if can_log:
        context["quicklog_form"] = QuickLogForm(client=deal.client, viewer=user, auto_id="quicklog-%s")
        context["quicklog_action"] = reverse("deals:quick_log", args=[deal.pk])
    context.update(extra)
    return context


def render_card(
    request: HttpRequest, deal: Deal, *, status: int = 200, show: str = "", before: str | None = None, **extra: Any
) -> HttpResponse:
    context = card_context(request, deal, show=show, before=before, **extra)
    return render(request, "deals/deal_card.html", context, status=status)


@login_required
@require_GET
def deal_card(request: HttpRequest, pk: int) -> HttpResponse:
    require_deals(request)
    return render_card(request, load_deal(request, pk))


@login_required
@require_GET
def deal_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """Older entries after ``before`` (htmx appends them), or the timeline narrowed by ``show``; without
    htmx, the whole card with its timeline from there."""
    require_deals(request)
    deal = load_deal(request, pk)
    before = request.GET.get("before") or None
    show = request.GET.get("show", "")
    if not is_htmx(request):
        return render_card(request, deal, show=show, before=before)
    context = {"deal": deal, "client": deal.client, **timeline_context(request, deal, before=before, show=show)}
    template = "deals/deal_card.html#timeline_entries" if before else "deals/deal_card.html#timeline"
    return render(request, template, context)
