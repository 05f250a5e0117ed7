"""The client list, card, create, update and delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kartoteka.api import Id, errors, require_scope
from kartoteka.clients import services
from kartoteka.clients.api.common import (
    AREA,
    RefOut,
    actor_of,
    input_names,
    not_found,
    paginate,
    point_out,
    prefixed,
    ref_out,
    resolve_codes,
    same_text,
    user_ref,
)
from kartoteka.clients.api.records import address_out, bank_account_out
from kartoteka.clients.api.schemas import (
    ClientCreate,
    ClientFieldsIn,
    ClientFilters,
    ClientItemOut,
    ClientOut,
    ClientPage,
    ClientUpdate,
    ClientWrittenOut,
    ContactShortOut,
    DuplicateOut,
    RequisitesOut,
    TeamRefOut,
    TerritoryRefOut,
)
from kartoteka.clients.models import (
    Client,
    Requisites,
)
from kartoteka.clients.requisites import normalize_digits
from kartoteka.clients.selectors import REFERENCE_MODELS, attach_references
from kartoteka.contacts import services as contact_services
from kartoteka.contacts.models import Contact, ContactPoint, ContactPointKind, ContactRole
from kartoteka.core.models import Tag, Territory
from kartoteka.core.text import matches_all_words
from kartoteka.users import access
from kartoteka.users.models import Team, User

router = Router(tags=["clients"])

# --- Reading clients ------------------------------------------------------------------------------------

# The card's reference-list fields, by field name (shared with the list's filters).
REFERENCES = REFERENCE_MODELS
# Joined: the team and the responsible person only. The reference lists and the territory come from
# one UNION query per page (``attach_references``): with all of them joined (12 tables) PostgreSQL
# spent ~79 ms planning a query that ran in ~2.4 ms (the genetic optimizer takes over above 12 joins).
LIST_RELATIONS = ("team", "responsible")
LIST_REFERENCES = ("legal_form", "industry", "segment", "priority", "client_type", "category", "source", "territory")
CARD_REFERENCES = (*LIST_REFERENCES, "size", "terms_package")


def _first_point(kind: str) -> Subquery:
    # The client's own point before its contacts', the primary one first: one indexed lookup per row.
    points = ContactPoint.objects.filter(client=OuterRef("pk"), kind=kind).order_by(
        F("contact_id").asc(nulls_first=True), "-is_primary", "id"
    )
    return Subquery(points.values("value")[:1])


def client_rows(actor: User) -> QuerySet[Client]:
    """Visible clients with everything the compact representation needs, in a fixed number of queries."""
    return (
        access.visible(actor, Client)
        .select_related(*LIST_RELATIONS)
        .annotate(primary_phone=_first_point(ContactPointKind.PHONE), primary_email=_first_point(ContactPointKind.EMAIL))
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )


def _card_rows(actor: User) -> QuerySet[Client]:
    contacts = Contact.objects.order_by("-is_primary", "last_name", "first_name", "id").prefetch_related(
        Prefetch("roles", queryset=ContactRole.objects.order_by("order", "id"))
    )
    return (
        client_rows(actor)
        .select_related("supervisor", "created_by", "requisites")
        .prefetch_related(
            "bank_accounts",
            "addresses",
            Prefetch(
                "contact_points",
                queryset=ContactPoint.objects.order_by(F("contact_id").asc(nulls_first=True), "-is_primary", "kind", "id"),
            ),
            Prefetch("contacts", queryset=contacts),
        )
    )


def _territory_ref(territory: Territory | None) -> TerritoryRefOut | None:
    if territory is None:
        return None
    return TerritoryRefOut(id=territory.pk, name=territory.name, kind=territory.kind, country_code=territory.country_code)


def _item_fields(client: Client) -> dict[str, Any]:
    return {
        "id": client.pk,
        "kind": client.kind,
        "name": client.name,
        "display_name": client.display_name,
        "country": client.country,
        **{
            name: ref_out(getattr(client, name))
            for name in ("legal_form", "industry", "segment", "priority", "client_type", "category", "source")
        },
        "territory": _territory_ref(client.territory),
        "team": None if client.team is None else TeamRefOut(id=client.team.pk, name=client.team.name),
        "responsible": user_ref(client.responsible),
        "tax_id": client.tax_id,
        "phone": getattr(client, "primary_phone", None),
        "email": getattr(client, "primary_email", None),
        "tags": [tag.name for tag in client.tags.all()],
        "custom_fields": client.custom_fields or {},
        "created_at": client.created_at,
        "updated_at": client.updated_at,
    }


def client_item(client: Client) -> ClientItemOut:
    return ClientItemOut(**_item_fields(client))


def contact_short(contact: Contact) -> ContactShortOut:
    return ContactShortOut(
        id=contact.pk,
        full_name=contact.full_name,
        position=contact.position,
        is_primary=contact.is_primary,
        is_active=contact.is_active,
        roles=[RefOut(id=role.pk, code=role.code, name=role.name) for role in contact.roles.all()],
    )


def _requisites_out(client: Client) -> RequisitesOut:
    try:
        requisites: Requisites | None = client.requisites
    except Requisites.DoesNotExist:
        requisites = None
    return RequisitesOut(**{name: getattr(requisites, name, "") for name in services.REQUISITE_FIELDS})


def _card_fields(client: Client) -> dict[str, Any]:
    plain = (
        "business_description", "annual_turnover", "turnover_currency", "market_share", "staff_count", "branch_count",
        "coverage", "export_countries", "website", "sales_mode", "sales_kind", "planning_method", "individual_discount",
        "individual_terms", "potential_amount", "potential_currency", "potential_quantity", "potential_unit",
        "wallet_share", "loyalty", "first_contact_reason", "notes",
    )  # fmt: skip
    return {
        **_item_fields(client),
        **{name: getattr(client, name) for name in plain},
        "size": ref_out(client.size),
        "terms_package": ref_out(client.terms_package),
        "supervisor": user_ref(client.supervisor),
        "created_by": user_ref(client.created_by),
        "requisites": _requisites_out(client),
        "bank_accounts": [bank_account_out(account) for account in client.bank_accounts.all()],
        "addresses": [address_out(address) for address in client.addresses.all()],
        "contact_points": [point_out(point) for point in client.contact_points.all()],
        "contacts": [contact_short(contact) for contact in client.contacts.all()],
    }


def _card(actor: User, client_id: int) -> Client:
    client = access.get_visible_or_404(actor, _card_rows(actor), pk=client_id)
    attach_references([client], CARD_REFERENCES)
    return client


def _search_clients(queryset: QuerySet[Client], q: str) -> QuerySet[Client]:
    try:
        from kartoteka.search.queries import filter_clients
    except ImportError as error:
        if not (error.name or "").startswith("kartoteka.search"):
            raise
        # Until the search module lands: every word in the name or the tax id.
        return queryset.filter(matches_all_words(["name", "tax_id"], q))
    return filter_clients(queryset, q)


def _codes(value: str) -> list[str]:
    return [code for code in (part.strip() for part in value.split(",")) if code]


def _filtered(queryset: QuerySet[Client], filters: ClientFilters) -> QuerySet[Client]:
    if filters.q and filters.q.strip():
        queryset = _search_clients(queryset, filters.q)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.country:
        queryset = queryset.filter(country=filters.country)
    for name in ("category", "segment", "priority", "client_type", "source", "industry"):
        value = getattr(filters, name)
        if value:
            # A subquery on the code keeps the filter on the client's own indexed foreign key.
            entries = REFERENCES[name]._default_manager.filter(code__in=_codes(value)).values("pk")
            queryset = queryset.filter(**{f"{name}__in": entries})
    if filters.territory is not None:
        prefix = Territory.objects.filter(pk=filters.territory).values("path")[:1]
        queryset = queryset.filter(territory__path__startswith=Subquery(prefix))
    if filters.team is not None:
        queryset = queryset.filter(team_id=filters.team)
    if filters.responsible is not None:
        queryset = queryset.filter(responsible_id=filters.responsible)
    if filters.tag:
        tagged = Client.tags.through.objects.filter(same_text("tag__name", filters.tag.strip())).values("client_id")
        queryset = queryset.filter(pk__in=tagged)
    tax_id = normalize_digits(filters.tax_id or "").upper().removeprefix("RO")
    if tax_id:
        queryset = queryset.filter(tax_id=tax_id)
    if filters.updated_since is not None:
        queryset = queryset.filter(updated_at__gte=filters.updated_since)
    return queryset


SORT_ORDERS: dict[str, list[str]] = {
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "updated_at": ["updated_at", "id"],
    "-updated_at": ["-updated_at", "-id"],
    "created_at": ["created_at", "id"],
    "-created_at": ["-created_at", "-id"],
}


@router.get("/clients", response={200: ClientPage, **errors(400, 401, 403, 422)}, summary="Clients you may see")
def clients_list(request: HttpRequest, filters: Query[ClientFilters]) -> ClientPage:
    """Filters combine with AND; the order is stable for keyset pagination (ties broken by id)."""
    require_scope(request, AREA, "read")
    queryset = _filtered(client_rows(actor_of(request)), filters)
    rows, next_cursor = paginate(
        queryset, sort=filters.sort, order=SORT_ORDERS[filters.sort], limit=filters.limit, cursor=filters.cursor
    )
    attach_references(rows, LIST_REFERENCES)
    return ClientPage(items=[client_item(client) for client in rows], next_cursor=next_cursor)


@router.get("/clients/{client_id}", response={200: ClientOut, **errors(401, 403, 404)}, summary="A client card")
def clients_get(request: HttpRequest, client_id: Id) -> ClientOut:
    require_scope(request, AREA, "read")
    return ClientOut(**_card_fields(_card(actor_of(request), client_id)))


# --- Writing clients ------------------------------------------------------------------------------------

ID_FIELDS = {"territory_id": "territory", "team_id": "team", "supervisor_id": "supervisor", "responsible_id": "responsible"}
NESTED_FIELDS = {"requisites", "tags", "custom_fields", "contact_points", "bank_accounts", "addresses", "name"}


def _by_id(actor: User, field: str, pk: int) -> models.Model:
    found: models.Model | None
    if field == "territory_id":
        found = Territory.objects.filter(pk=pk).first()  # territories are shared geography, not access-scoped
    elif field == "team_id":
        found = access.visible(actor, Team).filter(pk=pk).first()
    else:
        found = access.visible(actor, User).filter(pk=pk).first()
    if found is None:
        raise not_found(field)
    return found


def _card_changes(actor: User, payload: ClientFieldsIn, *, current: Client | None) -> dict[str, Any]:
    """Service-ready changes from the fields the caller sent: codes and ids become rows."""
    given = {name: getattr(payload, name) for name in payload.model_fields_set if name not in NESTED_FIELDS}
    if current is None:
        # On create an explicit null means "not given": the service's defaults apply.
        given = {name: value for name, value in given.items() if value is not None}
    changes: dict[str, Any] = {}
    problems: dict[str, list[ValidationError]] = {}
    codes = {name: given.pop(name) for name in list(given) if name in REFERENCES}
    try:
        changes.update(resolve_codes(codes, REFERENCES, current=current))
    except ValidationError as error:
        problems.update(error.error_dict)
    for field, target in ID_FIELDS.items():
        if field not in given:
            continue
        value = given.pop(field)
        if value is None:
            changes[target] = None
            continue
        try:
            changes[target] = _by_id(actor, field, value)
        except ValidationError as error:
            problems.update(error.error_dict)
    if problems:
        raise ValidationError(problems)  # type: ignore[arg-type]
    changes.update(given)
    return changes


def _client_error_name(custom_codes: set[str]) -> Callable[[str], str]:
    """Service error keys → input names; the custom fields cleaner reports by field code."""
    model_to_input = {target: field for field, target in ID_FIELDS.items()}
    own = {*services.CLIENT_FIELDS, "custom_fields", "tags", "tax_id", "name_key"}

    def rename(name: str) -> str:
        if name in ID_FIELDS:  # raised here already under the input's name
            return name
        if name in custom_codes and name not in own:
            return f"custom_fields.{name}"
        if name in services.REQUISITE_FIELDS:
            return f"requisites.{name}"
        if name in own:
            return model_to_input.get(name, name)
        return f"custom_fields.{name}"

    return rename


def _duplicate_hits(actor: User, client: Client) -> list[Any]:
    try:
        from kartoteka.clients.duplicates import find_duplicates
    except ImportError as error:
        if error.name != "kartoteka.clients.duplicates":
            raise
        return []  # the duplicate finder lands separately; until then no warnings
    points = list(ContactPoint.objects.filter(client=client).values_list("kind", "value"))
    return list(
        find_duplicates(
            viewer=actor,
            name=client.name,
            tax_id=client.tax_id,
            phones=[value for kind, value in points if kind == ContactPointKind.PHONE],
            emails=[value for kind, value in points if kind == ContactPointKind.EMAIL],
            exclude_id=client.pk,
            limit=10,
        )
    )


def _duplicate_out(hit: Any) -> DuplicateOut:
    # ``client`` is None when the viewer may not see it: then neither its id nor its name leaves the server.
    visible = getattr(hit, "client", None)
    return DuplicateOut(
        client_id=hit.client_id if visible is not None else None,
        name=visible.display_name if visible is not None else None,
        rules=[str(rule) for rule in getattr(hit, "rules", [])],
        reasons=[str(reason) for reason in getattr(hit, "reasons", [])],
        message=str(hit.message),
    )


# Which input a duplicate rule points at, for the 409 details.
RULE_FIELDS = {
    "tax_id": "requisites",
    "phone": "contact_points",
    "email": "contact_points",
    "name": "name",
    "similar_name": "name",
}


class _DuplicatesFound(Exception):
    def __init__(self, hits: list[Any]) -> None:
        super().__init__("duplicates")
        self.hits = hits


def _duplicate_conflict(hits: list[Any]) -> Status[dict[str, Any]]:
    details = [
        {
            "field": next((RULE_FIELDS[rule] for rule in getattr(hit, "rules", []) if rule in RULE_FIELDS), None),
            "message": str(hit.message),
            "code": "duplicate",
        }
        for hit in hits
    ]
    message = _("This client looks like one that already exists; nothing was saved.")
    return Status(409, {"error": {"code": "duplicate", "message": message, "details": details}})


def _written(actor: User, client_id: int, hits: list[Any]) -> ClientWrittenOut:
    return ClientWrittenOut(**_card_fields(_card(actor, client_id)), warnings=[_duplicate_out(hit) for hit in hits])


@router.post(
    "/clients",
    response={201: ClientWrittenOut, **errors(401, 403, 409, 422)},
    summary="Create a client (with requisites, tags, phones, bank accounts and addresses)",
)
def clients_create(request: HttpRequest, payload: ClientCreate, strict_duplicates: bool = False) -> Status[Any]:
    """Likely duplicates come back in ``warnings``; with ``?strict_duplicates=true`` they refuse the create (409)."""
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    custom = payload.custom_fields or {}
    try:
        with transaction.atomic():
            with input_names(_client_error_name(set(custom))):
                client = services.client_create(
                    actor=actor,
                    name=payload.name,
                    requisites=payload.requisites.model_dump(exclude_unset=True, exclude_none=True)
                    if payload.requisites
                    else None,
                    tags=payload.tags or (),
                    custom_fields=custom or None,
                    **_card_changes(actor, payload, current=None),
                )
            for index, point in enumerate(payload.contact_points or []):
                with input_names(prefixed(f"contact_points.{index}"), default=f"contact_points.{index}"):
                    contact_services.contact_point_save(actor=actor, client=client, values=point.model_dump())
            for index, account in enumerate(payload.bank_accounts or []):
                with input_names(prefixed(f"bank_accounts.{index}"), default=f"bank_accounts.{index}"):
                    services.bank_account_save(actor=actor, client=client, values=account.model_dump())
            for index, address in enumerate(payload.addresses or []):
                values = address.model_dump()
                values["country"] = values["country"] or client.country
                with input_names(prefixed(f"addresses.{index}"), default=f"addresses.{index}"):
                    services.address_save(actor=actor, client=client, values=values)
            hits = _duplicate_hits(actor, client)
            if hits and strict_duplicates:
                raise _DuplicatesFound(hits)
    except _DuplicatesFound as found:
        return _duplicate_conflict(found.hits)
    return Status(201, _written(actor, client.pk, hits))


@router.patch(
    "/clients/{client_id}",
    response={200: ClientWrittenOut, **errors(401, 403, 404, 409, 422)},
    summary="Change a client (only the fields sent)",
)
def clients_update(request: HttpRequest, client_id: Id, payload: ClientUpdate) -> ClientWrittenOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    client = access.get_visible_or_404(actor, Client, pk=client_id)
    access.require(actor, "change", client)  # visible but read-only (a marketer): 403, even for an empty body
    sent = payload.model_fields_set
    with transaction.atomic():
        custom = payload.custom_fields or {}
        with input_names(_client_error_name(set(custom))):
            changes = _card_changes(actor, payload, current=client)
            if "name" in sent:
                changes["name"] = payload.name
            if changes or custom:
                client = services.client_update(actor=actor, client=client, changes=changes, custom_fields=custom or None)
            if payload.requisites is not None:
                services.requisites_update(actor=actor, client=client, values=payload.requisites.model_dump(exclude_unset=True))
            if payload.tags is not None:
                services.client_set_tags(actor=actor, client=client, tags=payload.tags)
    identity_changed = bool(sent & {"name", "requisites"})
    return _written(actor, client.pk, _duplicate_hits(actor, client) if identity_changed else [])


@router.delete("/clients/{client_id}", response={204: None, **errors(401, 403, 404, 409)}, summary="Delete a client")
def clients_delete(request: HttpRequest, client_id: Id) -> Status[None]:
    """Deletes its requisites, bank accounts, addresses, contacts and their phones too; history keeps them."""
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    services.client_delete(actor=actor, client=access.get_visible_or_404(actor, Client, pk=client_id))
    return Status(204, None)
