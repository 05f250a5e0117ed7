"""API endpoints for contact persons and for the phones, emails and messengers of clients and contacts.

Contacts and their contact points follow their client's visibility (``FollowsClientPolicy``): an id of a
contact at a client the caller cannot see answers 404. Writes go through ``contacts.services``.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kartoteka.api import Id, errors, require_scope
from kartoteka.clients.api.common import (
    AREA,
    MAX_LIMIT,
    Code,
    CodeList,
    ContactPointIn,
    ContactPointOut,
    CustomFieldsIn,
    LongText,
    Moment,
    PointKindName,
    PointLabelName,
    RefOut,
    absent,
    actor_of,
    input_names,
    not_found,
    paginate,
    point_out,
    prefixed,
    ref_out,
    resolve_codes,
    visible_client_for_input,
)
from kartoteka.clients.models import Client
from kartoteka.contacts import services
from kartoteka.contacts.models import Contact, ContactJob, ContactPoint, ContactRole, ManagementLevel
from kartoteka.core.text import matches_all_words
from kartoteka.users import access
from kartoteka.users.models import User

router = Router(tags=["contacts"])

MonthDay = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", description="MM-DD, e.g. 03-08.")]


# --- Schemas --------------------------------------------------------------------------------------------


class ClientRefOut(Schema):
    id: int
    name: str


class ContactJobOut(Schema):
    client_id: int | None = Field(description="The former employer's id, when it still exists and is visible to you.")
    client_name: str
    position: str
    started_on: datetime.date | None
    ended_on: datetime.date | None


class ContactItemOut(Schema):
    id: int
    client: ClientRefOut
    last_name: str
    first_name: str
    patronymic: str
    full_name: str
    position: str
    management_level: RefOut | None
    roles: list[RefOut]
    birthday: datetime.date | None
    is_primary: bool
    is_active: bool
    email_consent: bool
    sms_consent: bool
    points: list[ContactPointOut] = Field(description="The contact's own phones, emails and messengers.")
    custom_fields: dict[str, Any]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ContactOut(ContactItemOut):
    family_status: str
    motivations: str
    hobbies: str
    notes: str
    email_consent_at: datetime.datetime | None
    email_consent_source: str
    sms_consent_at: datetime.datetime | None
    sms_consent_source: str
    jobs: list[ContactJobOut] = Field(description="Former places of work, the latest first.")


class ContactPage(Schema):
    items: list[ContactItemOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page; null on the last page.")


class ContactFilters(Schema):
    client: Id | None = Field(None, description="Client id: that client's contacts only.")
    q: str | None = Field(None, max_length=200, description="Search: name fragment, position, phone, email…")
    role: CodeList | None = Field(None, description="Role code(s): contacts with any of these roles.")
    is_active: bool | None = Field(None, description="false: people who no longer work at the client.")
    birthday_from: MonthDay | None = Field(None, description="Birthdays on or after this day of the year.")
    birthday_to: MonthDay | None = Field(None, description="Birthdays on or before this day of the year (may wrap past 12-31).")
    updated_since: Moment | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


class ContactFieldsIn(Schema):
    last_name: str = absent(max_length=100)
    first_name: str = absent(max_length=100)
    patronymic: str = absent(max_length=100)
    position: str = absent(max_length=200)
    management_level: Code | None = None
    birthday: datetime.date | None = None
    family_status: str = absent(max_length=200)
    motivations: LongText = absent()
    hobbies: LongText = absent()
    notes: LongText = absent()
    email_consent: bool = absent()
    email_consent_at: Moment | None = Field(None, description="When consent was given; now, if consent is given without it.")
    email_consent_source: str = absent(max_length=200)
    sms_consent: bool = absent()
    sms_consent_at: Moment | None = None
    sms_consent_source: str = absent(max_length=200)
    is_primary: bool = absent()
    is_active: bool = absent(description="false: no longer works at the client.")
    roles: list[Code] = absent(max_length=20, description="Role codes (contact-roles list); the complete new set.")
    custom_fields: CustomFieldsIn = absent()


class ContactCreate(ContactFieldsIn):
    client_id: Id
    points: list[ContactPointIn] = absent(max_length=20, description="Phones, emails and messengers of the person.")


class ContactPointItemIn(ContactPointIn):
    id: Id | None = Field(None, description="An existing point of this contact to keep (and change); omit to add one.")


class ContactUpdate(ContactFieldsIn):
    points: list[ContactPointItemIn] = absent(
        max_length=20, description="The complete new list: points not listed (by id) are deleted, ones without id added."
    )


class ContactMove(Schema):
    client_id: Id = Field(description="The client the person now works at.")
    position: str = Field("", max_length=200, description="The new position there.")


class ContactPointList(Schema):
    items: list[ContactPointOut]


class ClientPointIn(ContactPointIn):
    contact_id: Id | None = Field(None, description="A contact of this client; omit for the client's own phone or email.")


class ContactPointUpdate(Schema):
    kind: PointKindName = absent()
    label: PointLabelName = absent()
    value: str = absent(min_length=1, max_length=255)
    extension: str = absent(max_length=10)
    is_primary: bool = absent()


# --- Reading --------------------------------------------------------------------------------------------


def _contact_rows(actor: User) -> QuerySet[Contact]:
    """Visible contacts with their client, level, roles and points: a fixed number of queries for any page."""
    return (
        access.visible(actor, Contact)
        .select_related("client__legal_form", "management_level")
        .prefetch_related(
            Prefetch("roles", queryset=ContactRole.objects.order_by("order", "id")),
            Prefetch("contact_points", queryset=ContactPoint.objects.order_by("-is_primary", "kind", "id")),
        )
    )


def _item_fields(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "client": ClientRefOut(id=contact.client.pk, name=contact.client.display_name),
        **{name: getattr(contact, name) for name in ("last_name", "first_name", "patronymic", "position", "birthday")},
        "full_name": contact.full_name,
        "management_level": ref_out(contact.management_level),
        "roles": [RefOut(id=role.pk, code=role.code, name=role.name) for role in contact.roles.all()],
        **{name: getattr(contact, name) for name in ("is_primary", "is_active", "email_consent", "sms_consent")},
        "points": [point_out(point) for point in contact.contact_points.all()],
        "custom_fields": contact.custom_fields or {},
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def _contact_out(actor: User, contact_id: int) -> ContactOut:
    rows = _contact_rows(actor).prefetch_related(
        Prefetch("jobs", queryset=ContactJob.objects.select_related("client").order_by("-ended_on", "-id"))
    )
    contact = access.get_visible_or_404(actor, rows, pk=contact_id)
    jobs = [
        ContactJobOut(
            client_id=job.client_id if job.client is not None and access.can(actor, "view", job.client) else None,
            client_name=job.client_name,
            position=job.position,
            started_on=job.started_on,
            ended_on=job.ended_on,
        )
        for job in contact.jobs.all()
    ]
    plain = (
        "family_status", "motivations", "hobbies", "notes", "email_consent_at", "email_consent_source",
        "sms_consent_at", "sms_consent_source",
    )  # fmt: skip
    return ContactOut(**_item_fields(contact), **{name: getattr(contact, name) for name in plain}, jobs=jobs)


def _search_contacts(queryset: QuerySet[Contact], q: str) -> QuerySet[Contact]:
    try:
        from kartoteka.search.queries import filter_contacts
    except ImportError as error:
        if not (error.name or "").startswith("kartoteka.search"):
            raise
        # Until the search module lands: every word in the name or the position.
        return queryset.filter(matches_all_words(["last_name", "first_name", "patronymic", "position"], q))
    return filter_contacts(queryset, q)


def _month_day(value: str) -> tuple[int, int]:
    month, day = value.split("-")
    return int(month), int(day)


def _birthday_q(start: str | None, end: str | None) -> Q:
    """Birthdays between two days of the year, inclusive; a range like 12-20…01-10 wraps over the new year."""
    (from_month, from_day), (to_month, to_day) = _month_day(start or "01-01"), _month_day(end or "12-31")
    after = Q(birthday__month__gt=from_month) | Q(birthday__month=from_month, birthday__day__gte=from_day)
    before = Q(birthday__month__lt=to_month) | Q(birthday__month=to_month, birthday__day__lte=to_day)
    if (from_month, from_day) <= (to_month, to_day):
        return Q(birthday__isnull=False) & after & before
    return Q(birthday__isnull=False) & (after | before)


@router.get("/contacts", response={200: ContactPage, **errors(400, 401, 403, 422)}, summary="Contact persons you may see")
def contacts_list(request: HttpRequest, filters: Query[ContactFilters]) -> ContactPage:
    """Ordered by last name, first name, id."""
    require_scope(request, AREA, "read")
    queryset = _contact_rows(actor_of(request))
    if filters.client is not None:
        queryset = queryset.filter(client_id=filters.client)
    if filters.q and filters.q.strip():
        queryset = _search_contacts(queryset, filters.q)
    if filters.role:
        codes = [code.strip() for code in filters.role.split(",") if code.strip()]
        holders = Contact.roles.through.objects.filter(contactrole__code__in=codes).values("contact_id")
        queryset = queryset.filter(pk__in=holders)
    if filters.is_active is not None:
        queryset = queryset.filter(is_active=filters.is_active)
    if filters.birthday_from or filters.birthday_to:
        queryset = queryset.filter(_birthday_q(filters.birthday_from, filters.birthday_to))
    if filters.updated_since is not None:
        queryset = queryset.filter(updated_at__gte=filters.updated_since)
    rows, next_cursor = paginate(
        queryset, sort="name", order=["last_name", "first_name", "id"], limit=filters.limit, cursor=filters.cursor
    )
    return ContactPage(items=[ContactItemOut(**_item_fields(contact)) for contact in rows], next_cursor=next_cursor)


@router.get("/contacts/{contact_id}", response={200: ContactOut, **errors(401, 403, 404)}, summary="A contact person")
def contacts_get(request: HttpRequest, contact_id: Id) -> ContactOut:
    require_scope(request, AREA, "read")
    return _contact_out(actor_of(request), contact_id)


# --- Writing contacts -----------------------------------------------------------------------------------

NOT_FIELDS = {"roles", "custom_fields", "points", "client_id"}


def _contact_fields(payload: ContactFieldsIn, contact: Contact | None) -> dict[str, Any]:
    fields = {name: getattr(payload, name) for name in payload.model_fields_set if name not in NOT_FIELDS}
    if "management_level" in fields:
        fields.update(
            resolve_codes(
                {"management_level": fields["management_level"]}, {"management_level": ManagementLevel}, current=contact
            )
        )
    return fields


def _roles(codes: list[str]) -> list[ContactRole]:
    wanted = list(dict.fromkeys(codes))
    found = {role.code: role for role in ContactRole.objects.filter(code__in=wanted)}
    missing = [code for code in wanted if code not in found]
    if missing:
        message = _("Unknown role codes: %(codes)s.") % {"codes": ", ".join(missing)}
        raise ValidationError({"roles": ValidationError(message, code="unknown")})
    return [found[code] for code in wanted]


def _contact_error_name(name: str) -> str:
    """Service error keys → input names; the custom fields cleaner reports by field code."""
    if name == "client":
        return "client_id"
    if name in {*services.CONTACT_FIELDS, "roles", "custom_fields"}:
        return name
    return f"custom_fields.{name}"


def _point_values(point: ContactPointIn) -> dict[str, Any]:
    return point.model_dump(include={"kind", "label", "value", "extension", "is_primary"})


@router.post("/contacts", response={201: ContactOut, **errors(401, 403, 409, 422)}, summary="Add a contact person to a client")
def contacts_create(request: HttpRequest, payload: ContactCreate) -> Status[ContactOut]:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    custom = payload.custom_fields or {}
    with transaction.atomic():
        client = visible_client_for_input(actor, payload.client_id)
        with input_names(_contact_error_name):
            contact = services.contact_create(
                actor=actor,
                client=client,
                roles=_roles(payload.roles or []),
                custom_fields=custom or None,
                **_contact_fields(payload, None),
            )
        for index, point in enumerate(payload.points or []):
            with input_names(prefixed(f"points.{index}"), default=f"points.{index}"):
                services.contact_point_save(actor=actor, client=client, contact=contact, values=_point_values(point))
    return Status(201, _contact_out(actor, contact.pk))


def _replace_points(actor: User, contact: Contact, items: list[ContactPointItemIn]) -> None:
    existing = {point.pk: point for point in contact.contact_points.all()}
    kept = {item.id for item in items if item.id is not None}
    for index, item in enumerate(items):
        if item.id is not None and item.id not in existing:
            raise not_found(f"points.{index}.id")
    # Delete first, so a value moved from a dropped point to a new one is not taken for a duplicate.
    for pk, point in existing.items():
        if pk not in kept:
            services.contact_point_delete(actor=actor, point=point)
    for index, item in enumerate(items):
        with input_names(prefixed(f"points.{index}"), default=f"points.{index}"):
            services.contact_point_save(
                actor=actor,
                client=contact.client,
                contact=contact,
                point=existing.get(item.id) if item.id is not None else None,
                values=_point_values(item),
            )


@router.patch(
    "/contacts/{contact_id}", response={200: ContactOut, **errors(401, 403, 404, 409, 422)}, summary="Change a contact person"
)
def contacts_update(request: HttpRequest, contact_id: Id, payload: ContactUpdate) -> ContactOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    contact = access.get_visible_or_404(actor, Contact.objects.select_related("client"), pk=contact_id)
    access.require(actor, "change", contact)  # visible but read-only: 403, even for an empty body
    custom = payload.custom_fields or {}
    with transaction.atomic(), input_names(_contact_error_name):
        contact = services.contact_update(
            actor=actor,
            contact=contact,
            changes=_contact_fields(payload, contact),
            roles=_roles(payload.roles) if payload.roles is not None else None,
            custom_fields=custom or None,
        )
        if payload.points is not None:
            _replace_points(actor, contact, payload.points)
    return _contact_out(actor, contact.pk)


@router.delete("/contacts/{contact_id}", response={204: None, **errors(401, 403, 404, 409)}, summary="Delete a contact person")
def contacts_delete(request: HttpRequest, contact_id: Id) -> Status[None]:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    services.contact_delete(
        actor=actor, contact=access.get_visible_or_404(actor, Contact.objects.select_related("client"), pk=contact_id)
    )
    return Status(204, None)


@router.post(
    "/contacts/{contact_id}/move",
    response={200: ContactOut, **errors(401, 403, 404, 409, 422)},
    summary="The person moved to another client: keep the old job in the history",
)
def contacts_move(request: HttpRequest, contact_id: Id, payload: ContactMove) -> ContactOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    contact = access.get_visible_or_404(actor, Contact.objects.select_related("client"), pk=contact_id)
    access.require(actor, "change", contact)
    target = visible_client_for_input(actor, payload.client_id)
    with input_names(_contact_error_name):
        services.contact_move(actor=actor, contact=contact, to_client=target, position=payload.position)
    return _contact_out(actor, contact_id)


# --- Contact points of a client -------------------------------------------------------------------------


def _visible_point(actor: User, point_id: int) -> ContactPoint:
    return access.get_visible_or_404(actor, ContactPoint.objects.select_related("client", "contact"), pk=point_id)


@router.get(
    "/clients/{client_id}/contact-points",
    response={200: ContactPointList, **errors(401, 403, 404)},
    summary="Phones, emails and messengers of a client and of its contacts",
)
def contact_points_list(request: HttpRequest, client_id: Id) -> ContactPointList:
    """The client's own points first (``contact_id`` null), then its contacts'."""
    require_scope(request, AREA, "read")
    client = access.get_visible_or_404(actor_of(request), Client, pk=client_id)
    points = client.contact_points.order_by(F("contact_id").asc(nulls_first=True), "-is_primary", "kind", "id")
    return ContactPointList(items=[point_out(point) for point in points])


@router.post(
    "/clients/{client_id}/contact-points",
    response={201: ContactPointOut, **errors(401, 403, 404, 409, 422)},
    summary="Add a phone, email or messenger (normalised: phones to E.164)",
)
def contact_points_create(request: HttpRequest, client_id: Id, payload: ClientPointIn) -> Status[ContactPointOut]:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    client = access.get_visible_or_404(actor, Client, pk=client_id)
    contact = None
    if payload.contact_id is not None:
        contact = client.contacts.filter(pk=payload.contact_id).first()
        if contact is None:
            raise not_found("contact_id")
    point = services.contact_point_save(actor=actor, client=client, contact=contact, values=_point_values(payload))
    return Status(201, point_out(point))


@router.patch(
    "/contact-points/{point_id}",
    response={200: ContactPointOut, **errors(401, 403, 404, 409, 422)},
    summary="Change a phone, email or messenger",
)
def contact_points_update(request: HttpRequest, point_id: Id, payload: ContactPointUpdate) -> ContactPointOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    point = _visible_point(actor, point_id)
    point = services.contact_point_save(
        actor=actor, client=point.client, contact=point.contact, point=point, values=payload.model_dump(exclude_unset=True)
    )
    return point_out(point)


@router.delete(
    "/contact-points/{point_id}", response={204: None, **errors(401, 403, 404, 409)}, summary="Delete a phone, email or messenger"
)
def contact_points_delete(request: HttpRequest, point_id: Id) -> Status[None]:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    services.contact_point_delete(actor=actor, point=_visible_point(actor, point_id))
    return Status(204, None)
