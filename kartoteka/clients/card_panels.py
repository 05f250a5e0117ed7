"""The client card's own panels (general, categorisation, requisites, additional fields, history).

Other apps register theirs the same way (contacts, attachments; later activities, deals, documents).
Each ``context`` function loads what its template needs for one client with a fixed number of
queries; data several panels share is loaded once per request through :func:`card_memo`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kartoteka.clients import panels
from kartoteka.clients import requisites as rules
from kartoteka.clients.history import card_timeline_page, timeline_filters
from kartoteka.clients.models import Address, BankAccount, Client, Requisites
from kartoteka.users import access

HISTORY_PAGE = 25


def card_memo[T](request: HttpRequest, key: str, load: Callable[[], T]) -> T:
    """``load()`` once per request: the header, panels and their forms share rows without re-querying."""
    memo: dict[str, Any] | None = getattr(request, "_card_memo", None)
    if memo is None:
        memo = {}
        request._card_memo = memo  # type: ignore[attr-defined]
    if key not in memo:
        memo[key] = load()
    return memo[key]  # type: ignore[no-any-return]


def custom_definitions(request: HttpRequest, entity: str) -> list[Any]:
    """The entity's active custom field definitions: one query per request and entity."""

    def load() -> list[Any]:
        try:
            from kartoteka.customfields.schema import fields_for
        except ImportError:  # pragma: no cover - the app ships with the project
            return []
        return fields_for(entity)

    return card_memo(request, f"custom:{entity}", load)


def custom_rows(
    request: HttpRequest, obj: Any, entity: str, sections: Iterable[str], *, objects: Iterable[Any] = ()
) -> list[tuple[Any, str]]:
    """(definition, displayed value) of the sections' custom fields for one card or contact.

    ``objects`` are all the objects of the page (a client's contacts), so user names load in one query.
    """
    wanted = set(sections)
    definitions = [field for field in custom_definitions(request, entity) if field.section in wanted]
    if not definitions:
        return []
    from kartoteka.customfields.values import card_values, prefetch_users

    everyone = list(objects) or [obj]
    users = card_memo(
        request, f"custom-users:{entity}", lambda: prefetch_users(everyone, entity, fields=custom_definitions(request, entity))
    )
    return card_values(obj, entity, fields=definitions, users=users)


def _number(value: Decimal | int | None, suffix: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    text = formats.number_format(value, use_l10n=True, force_grouping=True)
    return f"{text}\u00a0{suffix}" if suffix else text


def field_rows(client: Client, names: Iterable[str]) -> list[tuple[str, str]]:
    """(label, shown value) of the client's fields in the active language; amounts carry their unit."""
    rows = []
    for name in names:
        model_field = Client._meta.get_field(name)
        label = capfirst(str(model_field.verbose_name))  # type: ignore[union-attr]
        value = getattr(client, name)
        if value is None or value == "":
            text = ""
        elif model_field.is_relation:
            text = value.get_full_name() if hasattr(value, "get_full_name") else str(value)
        elif getattr(model_field, "choices", None):
            text = str(getattr(client, f"get_{name}_display")())
        elif name in UNITS:
            text = _number(value, getattr(client, UNITS[name]) or "")
        elif name in PERCENTS:
            text = _number(value, "%")
        elif isinstance(value, Decimal | int):
            text = _number(value)
        else:
            text = str(value)
        rows.append((label, text))
    return rows


# Amounts shown with the unit kept in another field, and percentages.
UNITS = {"annual_turnover": "turnover_currency", "potential_amount": "potential_currency", "potential_quantity": "potential_unit"}
PERCENTS = {"market_share", "wallet_share", "individual_discount"}
GENERAL_ROWS = (
    "kind", "legal_form", "industry", "business_description", "size", "annual_turnover", "market_share", "staff_count",
    "branch_count", "coverage", "export_countries", "website", "country", "territory",
)  # fmt: skip
RESPONSIBILITY_ROWS = ("team", "supervisor", "responsible")
CATEGORISATION_ROWS = (
    "segment", "priority", "client_type", "category", "sales_mode", "sales_kind", "planning_method", "terms_package",
    "individual_discount", "individual_terms", "potential_amount", "potential_quantity", "wallet_share", "loyalty",
    "first_contact_reason", "source",
)  # fmt: skip


def _general(request: HttpRequest, client: Client) -> dict[str, Any]:
    return {
        "general_rows": field_rows(client, GENERAL_ROWS),
        "responsibility_rows": field_rows(client, RESPONSIBILITY_ROWS),
        "custom_rows": custom_rows(request, client, "client", ["general"]),
    }


def _categorisation(request: HttpRequest, client: Client) -> dict[str, Any]:
    rows = field_rows(client, CATEGORISATION_ROWS)
    if client.terms_package is not None:
        package = client.terms_package
        rows[CATEGORISATION_ROWS.index("terms_package")] = (
            rows[CATEGORISATION_ROWS.index("terms_package")][0],
            gettext("%(name)s (discount %(discount)s, payment in %(days)s days)")
            % {"name": package.name, "discount": _number(package.discount_percent, "%"), "days": package.payment_terms_days},
        )
    if client.loyalty:
        rows[CATEGORISATION_ROWS.index("loyalty")] = (rows[CATEGORISATION_ROWS.index("loyalty")][0], f"{client.loyalty} / 5")
    return {
        "categorisation_rows": rows,
        "tags": list(client.tags.all()),  # one query
        "custom_rows": custom_rows(request, client, "client", ["categorisation"]),
    }


def requisites_rows(client: Client, requisites: Requisites | None) -> list[tuple[str, str, str]]:
    """(field, label, value) of the codes that apply in the client's country."""
    return [
        (name, str(rules.FIELD_LABELS[name]), getattr(requisites, name, "") if requisites else "")
        for name in rules.COUNTRY_REQUISITES.get(client.country, [])
    ]


def _requisites(request: HttpRequest, client: Client) -> dict[str, Any]:
    user = request.user
    requisites = access.visible(user, Requisites).filter(client=client).first()  # one query
    return {
        "requisites": requisites,
        "requisites_rows": requisites_rows(client, requisites),
        "requisites_country_known": client.country in rules.COUNTRY_REQUISITES,
        "bank_accounts": list(access.visible(user, BankAccount).filter(client=client)),  # one query
        "addresses": list(access.visible(user, Address).filter(client=client)),  # one query
        "custom_rows": custom_rows(request, client, "client", ["requisites"]),
    }


def _additional(request: HttpRequest, client: Client) -> dict[str, Any]:
    rows = custom_rows(request, client, "client", ["relationship", "additional"])
    # Without such fields the panel has nothing to say: the card leaves it out.
    return {"custom_rows": rows, "panel_hidden": not rows}


def history_context(request: HttpRequest, client: Client, before: str | None = None, show: str = "") -> dict[str, Any]:
    """The card's timeline (changes, activities, completed tasks), narrowed by ``show`` (see history.timeline_filters)."""
    filters = timeline_filters()
    show = show if show in {value for value, _label in filters} else ""
    page = card_timeline_page(client, viewer=request.user, limit=HISTORY_PAGE, before=before, show=show)
    return {
        "history_entries": page.entries,
        "history_next": page.next_cursor,
        "history_show": show,
        "history_filters": filters,
        # Activities follow their client: whoever may change the client may edit its activities.
        "can_change": access.can(request.user, "change", client),
    }


panels.register(panels.Panel(key="general", label=_("General"), template="clients/card/general.html", context=_general, order=10))
panels.register(
    panels.Panel(
        key="categorisation",
        label=_("Categorisation"),
        template="clients/card/categorisation.html",
        context=_categorisation,
        order=20,
    )
)
panels.register(
    panels.Panel(
        key="requisites",
        label=_("Requisites, bank accounts and addresses"),
        template="clients/card/requisites.html",
        context=_requisites,
        order=50,
    )
)
panels.register(
    panels.Panel(
        key="additional",
        label=_("Additional fields"),
        template="clients/card/additional.html",
        context=_additional,
        order=60,
    )
)
panels.register(
    panels.Panel(
        key="history",
        label=_("History"),
        template="clients/card/history.html",
        context=history_context,
        order=10,
        column="side",
    )
)
