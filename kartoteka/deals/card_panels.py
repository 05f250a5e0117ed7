"""The client card's "Deals" panel: the client's open deals (stage, amount, owner, next task), then the
latest closed ones, each linking to its deal card, and "New deal" for those who may open one.

Imported from ``DealsConfig.ready`` (it registers itself). Two queries at most: the deals the viewer may
see with their stage and owner (:func:`kartoteka.deals.selectors.client_deals`), and, when some are open,
the next open task's deadline of each. The client is the card's own object.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Min
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kartoteka.activities.models import Task, TaskStatus
from kartoteka.clients import panels
from kartoteka.clients.models import Client
from kartoteka.deals import selectors
from kartoteka.deals.views.kanban import format_money
from kartoteka.users import access

PANEL_DEALS = 10


def deals_context(request: HttpRequest, client: Client) -> dict[str, Any]:
    found = selectors.client_deals(request.user, client.pk, limit=PANEL_DEALS + 1)
    shown = found[:PANEL_DEALS]
    open_ids = [deal.pk for deal in shown if deal.is_open]
    due: dict[int, Any] = {}
    if open_ids:
        rows = Task.objects.filter(deal_id__in=open_ids, status=TaskStatus.OPEN).values("deal_id").annotate(first=Min("due_at"))
        due = {row["deal_id"]: row["first"] for row in rows}
    now = timezone.now()
    for deal in shown:
        deal.client = client  # the card's own: no query per deal
        deal.amount_display = format_money(deal.amount, deal.currency)  # type: ignore[attr-defined]
        deal.next_due_at = due.get(deal.pk)  # type: ignore[attr-defined]
        deal.task_overdue = deal.next_due_at is not None and deal.next_due_at < now  # type: ignore[attr-defined]
    can_create = access.can(request.user, "change", client) and access.scope(request.user, "deal", "create") > access.Scope.NONE
    return {
        "client_deals": shown,
        "client_deals_more": len(found) > PANEL_DEALS,
        "client_open_deals": len(open_ids),
        "can_create_deal": can_create,
    }


def _allowed(user: Any) -> bool:
    return user is not None and access.can_use(user, ["deal"])


PANEL = panels.register(
    panels.Panel(
        key="deals",
        label=_("Deals"),
        template="deals/client_panel.html",
        context=deals_context,
        order=35,
        allowed=_allowed,
    )
)
