"""What every deal screen shares: a deal loaded through the access policy, amounts and durations as people
read them, and the permission checks the card, the forms and the actions make.

The screens themselves: :mod:`.lists` (the list and its export), :mod:`.edit` (new deal, edit),
:mod:`.card` (the deal card and its timeline), :mod:`.actions` (moves, outcomes, contacts, line items,
price proposals, the quick log and tasks). Their URLs are in :mod:`.deal_urls`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from kartoteka.deals.history import human_duration
from kartoteka.deals.models import Deal
from kartoteka.deals.views.kanban import format_money
from kartoteka.users import access

if TYPE_CHECKING:
    from kartoteka.users.models import User

# Everything the card's header and details show comes with the deal in one query (the client's category
# names its service level).
DEAL_RELATIONS = ("client", "client__category", "pipeline", "stage", "owner", "team", "source", "lost_reason", "created_by")
INVALID = 422  # a form with errors: the page or the fragment comes back with the messages

__all__ = ["format_money", "human_duration"]


def viewer(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a person


def require_deals(request: HttpRequest) -> None:
    if not access.can_use(request.user, ["deal"]):
        raise PermissionDenied(_("Your role gives no access to deals."))


def load_deal(request: HttpRequest, pk: int) -> Deal:
    """The deal by a user-supplied id: another person's deal, invisible or missing, is a 404."""
    return access.get_visible_or_404(request.user, Deal.objects.select_related(*DEAL_RELATIONS), pk=pk)


def require_change(request: HttpRequest, deal: Deal) -> None:
    if not access.can(request.user, "change", deal):
        raise PermissionDenied(_("You may not change this deal."))


def card_url(deal: Deal, section: str = "") -> str:
    return reverse("deals:card", args=[deal.pk]) + (f"#{section}" if section else "")


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def safe_next(request: HttpRequest) -> str:
    """A local path to go back to (``next``), or ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""
