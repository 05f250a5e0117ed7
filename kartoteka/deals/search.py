"""Deals in global search: found by their title or by their client, among the deals the viewer may see.

Every word typed must be in the deal's title or identify its client. The client half reuses the
clients' search index (``search.queries.client_ids_sql``: name prefixes and substrings, stems on
PostgreSQL, and a whole query that is an INN, a phone or an email), so «Ромашка» finds every deal of
ООО «Ромашка» through the index and the deals' client index. The title half is a case-insensitive
substring match (``ё`` and ``е`` alike, Romanian letters with or without their marks) over the
viewer's deals: deals have no document table of their own, so on a head of sales' 200,000 deals it
is a scan of the titles. Hits come newest first, so a common word stops after the first few rows of
the creation-date index; a word no title holds reads them all (about 110 ms for 200,000 deals on
PostgreSQL, measured at a tenth of that). A trigram index on the title would make that an index
lookup; the deals app has none yet. One query.

The deal list of the API filters its ``q`` with the same :func:`matching`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kartoteka.deals.models import Deal
from kartoteka.deals.selectors import visible_deals
from kartoteka.search.queries import NOTHING, client_ids_sql, parse_query
from kartoteka.search.registry import Hit, SearchKind, register

if TYPE_CHECKING:
    from kartoteka.search.registry import Viewer


# A folded word's letters that stand for themselves and their accented forms in a title as typed.
_UNFOLDED = {"е": "[её]", "a": "[aăâ]", "i": "[iî]", "s": "[sșş]", "t": "[tțţ]"}


def _title_contains(word: str) -> Q:
    # Words are folded letters and digits only, so nothing needs escaping in the pattern.
    return Q(title__iregex="".join(_UNFOLDED.get(char, char) for char in word))


def _client_matches(query: str) -> Q:
    ids = client_ids_sql(query)
    return Q(pk__in=[]) if ids is None or ids is NOTHING else Q(client_id__in=ids)


def matching(query: str) -> Q | None:
    """The condition on deals that ``query`` finds; None when there is nothing searchable in it."""
    parsed = parse_query(query)
    if parsed.is_empty:
        return None
    if parsed.tax_id or parsed.phone_key or parsed.email:
        return _client_matches(query)  # a code, a phone or an address identifies the client as a whole
    condition = Q()
    for word in parsed.words:
        condition &= _title_contains(word) | _client_matches(word)
    return condition


def _amount(deal: Deal) -> str:
    if deal.amount is None:
        return ""
    value = deal.amount.quantize(Decimal(1)) if deal.amount == deal.amount.to_integral_value() else deal.amount
    return f"{formats.number_format(value, use_l10n=True, force_grouping=True)}\u00a0{deal.currency}"


def _subtitle(deal: Deal) -> str:
    owner = deal.owner.get_short_name() if deal.owner is not None else ""
    return " · ".join(part for part in (deal.client.display_name, deal.stage.name, _amount(deal), owner) if part)


def search_deals(viewer: Viewer, query: str, limit: int) -> list[Hit]:
    condition = matching(query)
    if condition is None:
        return []
    rows = (
        visible_deals(viewer)
        .filter(condition)
        .select_related("client__legal_form", "stage", "owner")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        Hit(title=deal.title, subtitle=_subtitle(deal), url=reverse("deals:card", args=[deal.pk]), kind="deals") for deal in rows
    ]


register(SearchKind(key="deals", label=_("Deals"), order=30, search=search_deals, api_area="deals"))
