"""Writes for contact persons and the phones, emails and messengers of clients and contacts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.clients import services as client_services
from kartoteka.clients.models import Client
from kartoteka.contacts.models import Contact, ContactJob, ContactPoint, ContactPointKind, ContactRole
from kartoteka.contacts.normalize import normalize_email, normalize_messenger, normalize_phone, phone_search_key
from kartoteka.core import events
from kartoteka.core.services import apply_changes

if TYPE_CHECKING:
    from kartoteka.clients.services import Actor

CONTACT_FIELDS = (
    "last_name", "first_name", "patronymic", "position", "management_level", "birthday", "family_status",
    "motivations", "hobbies", "notes", "email_consent", "email_consent_at", "email_consent_source",
    "sms_consent", "sms_consent_at", "sms_consent_source", "is_primary", "is_active",
)  # fmt: skip
POINT_FIELDS = ("kind", "label", "value", "extension", "is_primary")

_check = client_services._check
_audit = client_services._audit
_actor_id = client_services._actor_id


def _validate_contact(contact: Contact) -> None:
    if not (contact.last_name.strip() or contact.first_name.strip()):
        raise ValidationError({"last_name": _("Enter a last name or a first name.")})
    for kind in ("email", "sms"):
        # Consent is evidence: when it is given, record when (now, unless said otherwise).
        if getattr(contact, f"{kind}_consent") and getattr(contact, f"{kind}_consent_at") is None:
            setattr(contact, f"{kind}_consent_at", timezone.now())
    contact.full_clean(exclude=["client", "roles", "custom_fields"])


def _primary_only(contact: Contact, actor: Actor) -> None:
    if contact.is_primary:
        for other in Contact.objects.filter(client_id=contact.client_id, is_primary=True).exclude(pk=contact.pk):
            other.is_primary = False
            _audit(other, actor)
            other.save(update_fields=["is_primary", "updated_at"])


@transaction.atomic
def contact_create(
    *,
    actor: Actor,
    client: Client,
    roles: Iterable[ContactRole] = (),
    points: Iterable[Mapping[str, Any]] = (),
    custom_fields: Mapping[str, Any] | None = None,
    **fields: Any,
) -> Contact:
    contact = Contact(client=client)
    apply_changes(contact, CONTACT_FIELDS, fields)
    _check(actor, "create", contact)
    _validate_contact(contact)
    if custom_fields and client_services.custom_fields_cleaner is not None:
        contact.custom_fields = client_services.custom_fields_cleaner("contact", custom_fields, previous={})
    if not Contact.objects.filter(client=client).exists():
        contact.is_primary = True
    _audit(contact, actor)
    contact.save()
    roles = list(roles)
    if roles:
        contact.roles.set(roles)
    for point in points:
        contact_point_save(actor=actor, client=client, contact=contact, values=point)
    _primary_only(contact, actor)
    events.publish("contact.created", contact_id=contact.pk, client_id=client.pk, actor_id=_actor_id(actor))
    return contact


@transaction.atomic
def contact_update(
    *,
    actor: Actor,
    contact: Contact,
    changes: Mapping[str, Any],
    roles: Iterable[ContactRole] | None = None,
    custom_fields: Mapping[str, Any] | None = None,
) -> Contact:
    contact = Contact.objects.select_related("client").select_for_update(of=("self",)).get(pk=contact.pk)
    _check(actor, "change", contact)
    changed = apply_changes(contact, CONTACT_FIELDS, changes)
    if custom_fields is not None and client_services.custom_fields_cleaner is not None:
        cleaned = client_services.custom_fields_cleaner(
            "contact", {**contact.custom_fields, **custom_fields}, previous=contact.custom_fields
        )
        if cleaned != contact.custom_fields:
            contact.custom_fields = cleaned
            changed.append("custom_fields")
    if roles is not None:
        wanted = {role.pk for role in roles}
        if wanted != set(contact.roles.values_list("pk", flat=True)):
            _audit(contact, actor)  # the m2m change writes its own history row: say who made it
            contact.roles.set(list(wanted))
            changed.append("roles")
    if not changed:
        return contact
    _validate_contact(contact)
    _audit(contact, actor)
    contact.save()
    _primary_only(contact, actor)
    events.publish("contact.updated", contact_id=contact.pk, client_id=contact.client_id, actor_id=_actor_id(actor))
    return contact


@transaction.atomic
def contact_delete(*, actor: Actor, contact: Contact) -> None:
    _check(actor, "delete", contact)
    client_id = contact.client_id
    for point in contact.contact_points.all():
        _audit(point, actor)
        point.delete()
    _audit(contact, actor)
    contact.delete()
    events.publish("contact.deleted", client_id=client_id, actor_id=_actor_id(actor))


@transaction.atomic
def contact_move(*, actor: Actor, contact: Contact, to_client: Client, position: str = "") -> Contact:
    """The person moved to another company: remember the old job, take personal phones and emails along."""
    contact = Contact.objects.select_related("client").select_for_update(of=("self",)).get(pk=contact.pk)
    if to_client.pk == contact.client_id:
        raise ValidationError({"client": _("The contact already works at this client.")})
    _check(actor, "change", contact)
    _check(actor, "change", to_client)
    today = timezone.localdate()
    previous = contact.jobs.order_by("-ended_on").first()
    ContactJob.objects.create(
        contact=contact,
        client=contact.client,
        client_name=contact.client.display_name,
        position=contact.position,
        started_on=previous.ended_on if previous else None,
        ended_on=today,
        moved_by=client_services._person(actor),
    )
    old_client_id = contact.client_id
    contact.client = to_client
    contact.position = position.strip()
    contact.is_primary = False
    _audit(contact, actor, _("Moved from «%(name)s»") % {"name": ContactJob.objects.filter(contact=contact).first().client_name})  # type: ignore[union-attr]
    contact.save()
    for point in contact.contact_points.all():
        point.client = to_client
        _audit(point, actor)
        point.save(update_fields=["client"])
    events.publish(
        "contact.moved", contact_id=contact.pk, from_client_id=old_client_id, client_id=to_client.pk, actor_id=_actor_id(actor)
    )
    return contact


def _normalize_point(point: ContactPoint, region: str) -> None:
    try:
        if point.kind == ContactPointKind.PHONE:
            point.value = normalize_phone(point.value, region=region)
            point.search_key = phone_search_key(point.value)
        elif point.kind == ContactPointKind.EMAIL:
            point.value = normalize_email(point.value)
            point.search_key = point.value
        else:
            point.value = normalize_messenger(point.value, region=region)
            point.search_key = phone_search_key(point.value) if point.value.startswith("+") else point.value
    except ValidationError as error:
        raise ValidationError({"value": error}) from None
    point.full_clean(exclude=["client", "contact", "search_key"])


@transaction.atomic
def contact_point_save(
    *,
    actor: Actor,
    client: Client,
    contact: Contact | None = None,
    point: ContactPoint | None = None,
    values: Mapping[str, Any],
) -> ContactPoint:
    """Add or change a phone, email or messenger of a client (``contact=None``) or of one of its contacts."""
    _check(actor, "change", client)
    if contact is not None and contact.client_id != client.pk:
        raise PermissionDenied
    if point is None:
        point = ContactPoint(client=client, contact=contact)
    elif point.client_id != client.pk:
        raise PermissionDenied
    apply_changes(point, POINT_FIELDS, values)
    _normalize_point(point, client.country)
    duplicate = ContactPoint.objects.filter(client=client, contact=contact, kind=point.kind, value=point.value).exclude(
        pk=point.pk
    )
    if duplicate.exists():
        raise ValidationError({"value": _("%(value)s is already on this card.") % {"value": point.value}})
    _audit(point, actor)
    point.save()
    if point.is_primary:
        for other in ContactPoint.objects.filter(client=client, contact=contact, kind=point.kind, is_primary=True).exclude(
            pk=point.pk
        ):
            other.is_primary = False
            _audit(other, actor)
            other.save(update_fields=["is_primary"])
    events.publish("client.updated", client_id=client.pk, actor_id=_actor_id(actor), fields=["contact_points"])
    return point


@transaction.atomic
def contact_point_delete(*, actor: Actor, point: ContactPoint) -> None:
    _check(actor, "change", point.client)
    _audit(point, actor)
    client_id = point.client_id
    point.delete()
    events.publish("client.updated", client_id=client_id, actor_id=_actor_id(actor), fields=["contact_points"])
