"""Writes to the client card. Views, the API, imports, bulk actions and jobs call these and nothing else.

Each service checks the access policy for the acting user (``actor=None`` is the system itself:
migrations, demo data, jobs), validates, writes, records who changed what in the history, and
publishes a domain event after commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.clients import requisites as rules
from kartoteka.clients.models import Address, BankAccount, Client, ClientMerge, Requisites
from kartoteka.clients.names import name_key
from kartoteka.core import events
from kartoteka.core.errors import DomainError
from kartoteka.core.models import Tag
from kartoteka.core.services import apply_changes
from kartoteka.users import access

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.users.models import User

    Actor = User | AnonymousUser | None

# Fields a user may set on a client through a service (the rest are derived or bookkeeping).
CLIENT_FIELDS = (
    "kind", "name", "legal_form", "industry", "business_description", "size", "annual_turnover",
    "turnover_currency", "market_share", "staff_count", "branch_count", "coverage", "export_countries",
    "website", "country", "territory", "team", "supervisor", "responsible", "segment", "priority",
    "client_type", "category", "sales_mode", "sales_kind", "planning_method", "terms_package",
    "individual_discount", "individual_terms", "potential_amount", "potential_currency",
    "potential_quantity", "potential_unit", "wallet_share", "loyalty", "first_contact_reason", "source", "notes",
    "contract_number", "contract_signed_on", "contract_valid_until",
)  # fmt: skip
REQUISITE_FIELDS = ("full_name", "inn", "kpp", "ogrn", "okpo", "edrpou", "ipn", "cui", "reg_com", "idno", "director")
BANK_ACCOUNT_FIELDS = ("bank_name", "bik", "account", "correspondent_account", "iban", "swift", "currency", "is_primary")
ADDRESS_FIELDS = ("kind", "country", "postal_code", "region", "city", "street", "comment")


def _check(actor: Actor, action: access.Action, obj: models.Model) -> None:
    if actor is not None:
        access.require(actor, action, obj)


def _audit(obj: models.Model, actor: Actor, reason: str = "") -> None:
    """Tell django-simple-history who made the next save and why (explicit: the API has no session user)."""
    obj._history_user = actor if getattr(actor, "is_authenticated", False) else None  # type: ignore[attr-defined]
    obj._change_reason = reason or None  # type: ignore[attr-defined]


def _actor_id(actor: Actor) -> int | None:
    return getattr(actor, "pk", None)


def _person(actor: Actor) -> User | None:
    """The actor as a user to store on a row, or None for the system and anonymous callers."""
    from kartoteka.users.models import User

    return actor if isinstance(actor, User) else None


def _validate_client(client: Client) -> None:
    client.name_key = name_key(client.name)
    client.full_clean(exclude=["tags", "created_by", "custom_fields"])
    if client.responsible_id is not None and not client.responsible.is_active:  # type: ignore[union-attr]
        raise ValidationError({"responsible": _("The responsible person's account is deactivated.")})


@transaction.atomic
def client_create(
    *,
    actor: Actor,
    name: str,
    requisites: Mapping[str, str] | None = None,
    tags: Iterable[str] = (),
    custom_fields: Mapping[str, Any] | None = None,
    points: Iterable[Mapping[str, Any]] = (),
    reason: str = "",
    **fields: Any,
) -> Client:
    """Create a client (with its first phones and emails, ``points``, in the same transaction).

    A manager who does not name a responsible person becomes it.
    """
    client = Client(name=name)
    if "responsible" not in fields and actor is not None and getattr(actor, "is_authenticated", False):
        fields["responsible"] = actor
        if "team" not in fields and getattr(actor, "team_id", None):
            client.team_id = actor.team_id  # type: ignore[union-attr]
    apply_changes(client, CLIENT_FIELDS, fields)
    client.created_by = actor if getattr(actor, "is_authenticated", False) else None  # type: ignore[assignment]
    _validate_client(client)
    _check(actor, "create", client)
    if custom_fields:
        client.custom_fields = _clean_custom_fields(client, custom_fields, previous={})
    if client.responsible_id is not None:
        client.responsible_since = timezone.now()
    _audit(client, actor, reason)
    client.save()
    codes = _clean_requisites(client.country, requisites or {})
    created_requisites = Requisites(client=client, **codes)
    _audit(created_requisites, actor)
    created_requisites.save()
    _sync_tax_id(client, codes)
    if tags:
        _set_tags(client, tags, actor)
    if points:
        from kartoteka.contacts.services import contact_point_save  # contacts builds on clients, not the reverse

        for point in points:
            contact_point_save(actor=actor, client=client, values=point)
    events.publish("client.created", client_id=client.pk, actor_id=_actor_id(actor))
    return client


@transaction.atomic
def client_update(
    *,
    actor: Actor,
    client: Client,
    changes: Mapping[str, Any],
    custom_fields: Mapping[str, Any] | None = None,
    reason: str = "",
) -> Client:
    """Change fields of the client card. Reassignment also checks the actor may hand the client over."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    _check(actor, "change", client)
    before = {"responsible_id": client.responsible_id, "team_id": client.team_id}
    changed = apply_changes(client, CLIENT_FIELDS, changes)
    if custom_fields is not None:
        merged = {**client.custom_fields, **custom_fields}
        cleaned = _clean_custom_fields(client, merged, previous=client.custom_fields)
        if cleaned != client.custom_fields:
            client.custom_fields = cleaned
            changed.append("custom_fields")
    if not changed:
        return client
    _validate_client(client)
    # After the change the actor must still be allowed to change it: a manager cannot give a client
    # to a team they do not see, a supervisor cannot move it outside their subtree.
    _check(actor, "change", client)
    if "country" in changed:
        _recheck_requisites(client)
    if client.responsible_id != before["responsible_id"]:
        client.responsible_since = timezone.now() if client.responsible_id is not None else None
    _audit(client, actor, reason)
    client.save()
    events.publish("client.updated", client_id=client.pk, actor_id=_actor_id(actor), fields=sorted(changed))
    if client.responsible_id != before["responsible_id"]:
        events.publish(
            "client.reassigned",
            client_id=client.pk,
            actor_id=_actor_id(actor),
            from_user_id=before["responsible_id"],
            to_user_id=client.responsible_id,
        )
    return client


@transaction.atomic
def client_delete(*, actor: Actor, client: Client) -> None:
    client = Client.objects.select_for_update().get(pk=client.pk)
    _check(actor, "delete", client)
    _audit(client, actor)
    client_id = client.pk
    for contact in client.contacts.all():  # contacts are audited: delete them one by one so history sees it
        _audit(contact, actor)
        contact.delete()
    client.delete()
    events.publish("client.deleted", client_id=client_id, actor_id=_actor_id(actor))


def _set_tags(client: Client, names: Iterable[str], actor: Actor) -> None:
    wanted: dict[str, Tag] = {}
    for raw in names:
        name = " ".join(str(raw).split())[:60]
        if not name or name.lower() in wanted:
            continue
        wanted[name.lower()] = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
    _audit(client, actor)
    client.tags.set(list(wanted.values()))


@transaction.atomic
def client_set_tags(*, actor: Actor, client: Client, tags: Iterable[str]) -> Client:
    client = Client.objects.select_for_update().get(pk=client.pk)
    _check(actor, "change", client)
    _set_tags(client, tags, actor)
    # The m2m change is recorded with the next historical row: save to write it now.
    _audit(client, actor)
    client.save(update_fields=["updated_at"])
    events.publish("client.updated", client_id=client.pk, actor_id=_actor_id(actor), fields=["tags"])
    return client


# --- Requisites -----------------------------------------------------------------------------------


def _clean_requisites(country: str, values: Mapping[str, str]) -> dict[str, str]:
    unknown = set(values) - set(REQUISITE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown requisite.") for name in sorted(unknown)})
    cleaned: dict[str, str] = {}
    errors: dict[str, list[ValidationError]] = {}
    for name, raw in values.items():
        value = (raw or "").strip()
        if not value or name not in rules.VALIDATORS:
            cleaned[name] = value
            continue
        try:
            cleaned[name] = rules.VALIDATORS[name](value)
        except ValidationError as error:
            errors.setdefault(name, []).append(error)
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    return cleaned


def _sync_tax_id(client: Client, codes: Mapping[str, str]) -> None:
    field = rules.tax_id_field(client.country)
    tax_id = codes.get(field, "") if field else ""
    if client.tax_id != tax_id:
        Client.objects.filter(pk=client.pk).update(tax_id=tax_id)  # derived column, not part of the audited card
        client.tax_id = tax_id


def _recheck_requisites(client: Client) -> None:
    requisites = Requisites.objects.filter(client=client).first()
    if requisites is not None:
        _sync_tax_id(client, model_to_dict(requisites, fields=REQUISITE_FIELDS))


@transaction.atomic
def requisites_update(*, actor: Actor, client: Client, values: Mapping[str, str]) -> Requisites:
    """Validate (check digits included) and store the client's codes; the main tax id follows."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    _check(actor, "change", client)
    requisites, _created = Requisites.objects.get_or_create(client=client)
    codes = _clean_requisites(client.country, values)
    changed = apply_changes(requisites, REQUISITE_FIELDS, codes)
    if changed:
        _audit(requisites, actor)
        requisites.save()
        _sync_tax_id(client, model_to_dict(requisites, fields=REQUISITE_FIELDS))
        events.publish("client.updated", client_id=client.pk, actor_id=_actor_id(actor), fields=["requisites"])
    return requisites


# --- Bank accounts and addresses -----------------------------------------------------------------


def _clean_bank_account(account: BankAccount) -> None:
    errors: dict[str, ValidationError] = {}
    if account.bik:
        try:
            account.bik = rules.validate_bik(account.bik)
        except ValidationError as error:
            errors["bik"] = error
    if account.account and account.bik and "bik" not in errors:
        try:
            account.account = rules.validate_settlement_account(account.account, bik=account.bik)
        except ValidationError as error:
            errors["account"] = error
    if account.correspondent_account and account.bik and "bik" not in errors:
        try:
            account.correspondent_account = rules.validate_correspondent_account(account.correspondent_account, bik=account.bik)
        except ValidationError as error:
            errors["correspondent_account"] = error
    account.iban = account.iban.replace(" ", "").upper()
    if not (account.account or account.iban):
        errors.setdefault("account", ValidationError(_("Enter a settlement account or an IBAN.")))
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    account.full_clean(exclude=["client"])


def _only_primary(model: type[models.Model], obj: models.Model, client: Client, actor: Actor) -> None:
    if getattr(obj, "is_primary", False):
        for other in model._default_manager.filter(client=client, is_primary=True).exclude(pk=obj.pk):  # type: ignore[misc]
            other.is_primary = False  # type: ignore[attr-defined]
            _audit(other, actor)
            other.save(update_fields=["is_primary"])


@transaction.atomic
def bank_account_save(
    *, actor: Actor, client: Client, account: BankAccount | None = None, values: Mapping[str, Any]
) -> BankAccount:
    """Create (``account=None``) or change a bank account of the client."""
    _check(actor, "change", client)
    if account is None:
        account = BankAccount(client=client)
    elif account.client_id != client.pk:
        raise PermissionDenied
    apply_changes(account, BANK_ACCOUNT_FIELDS, values)
    _clean_bank_account(account)
    if account.pk is None and not BankAccount.objects.filter(client=client).exists():
        account.is_primary = True
    _audit(account, actor)
    account.save()
    _only_primary(BankAccount, account, client, actor)
    events.publish("client.updated", client_id=client.pk, actor_id=_actor_id(actor), fields=["bank_accounts"])
    return account


@transaction.atomic
def address_save(*, actor: Actor, client: Client, address: Address | None = None, values: Mapping[str, Any]) -> Address:
    _check(actor, "change", client)
    if address is None:
        address = Address(client=client)
    elif address.client_id != client.pk:
        raise PermissionDenied
    apply_changes(address, ADDRESS_FIELDS, values)
    address.full_clean(exclude=["client"])
    _audit(address, actor)
    address.save()
    events.publish("client.updated", client_id=client.pk, actor_id=_actor_id(actor), fields=["addresses"])
    return address


@transaction.atomic
def client_record_delete(*, actor: Actor, record: BankAccount | Address) -> None:
    """Delete a bank account or an address of a client the actor may change."""
    _check(actor, "change", record.client)
    _audit(record, actor)
    client_id = record.client_id
    record.delete()
    events.publish("client.updated", client_id=client_id, actor_id=_actor_id(actor), fields=[record._meta.model_name])


# --- Custom fields --------------------------------------------------------------------------------

# ``kartoteka.customfields`` installs its cleaner here (it depends on clients, not the other way round).
# It is called with the merged values and ``previous=`` the stored ones, so a value that became stale
# (an option removed, a user deactivated) does not block saving other fields of the card.
custom_fields_cleaner: Callable[..., dict[str, Any]] | None = None


def _clean_custom_fields(client: Client, values: Mapping[str, Any], *, previous: Mapping[str, Any]) -> dict[str, Any]:
    if custom_fields_cleaner is None:
        raise ValidationError({"custom_fields": _("Custom fields are not available.")})
    return custom_fields_cleaner("client", values, previous=previous)


# --- Bulk changes and merging --------------------------------------------------------------------

BULK_FIELDS = ("responsible", "team", "category", "segment", "priority", "client_type")


@transaction.atomic
def client_bulk_update(
    *,
    actor: Actor,
    clients: Iterable[Client],
    changes: Mapping[str, Any] | None = None,
    add_tags: Iterable[str] = (),
    reason: str = "",
) -> int:
    """Apply one change to many clients, each through :func:`client_update` (history and events per client).

    All or nothing: if the actor may not change one of them, nothing is changed.
    """
    changes = dict(changes or {})
    unknown = set(changes) - set(BULK_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed in bulk.") for name in sorted(unknown)})
    count = 0
    tag_names = [name for name in add_tags if str(name).strip()]
    for client in clients:
        if changes:
            client_update(actor=actor, client=client, changes=changes, reason=reason or _("Bulk change"))
        if tag_names:
            current = list(client.tags.values_list("name", flat=True))
            client_set_tags(actor=actor, client=client, tags=[*current, *tag_names])
        count += 1
    return count


class MergeError(DomainError):
    code = "merge_not_possible"


# Reverse relations that merging handles itself rather than re-pointing blindly.
_MERGE_SPECIAL = {"requisites", "merges", "tags"}


@transaction.atomic
def client_merge(*, actor: Actor, survivor: Client, absorbed: Client, take_fields: Iterable[str] = ()) -> ClientMerge:
    """Merge ``absorbed`` into ``survivor``: everything that points at it moves, then it is deleted.

    Every reverse relation of Client is re-pointed, so records that later issues hang on a client
    (activities, deals, documents) move without this function knowing them. ``take_fields`` names
    card fields whose value comes from the absorbed client. Requisites fill the survivor's blanks.
    """
    if survivor.pk == absorbed.pk:
        raise MergeError(_("A client cannot be merged into itself."))
    locked = {c.pk: c for c in Client.objects.select_for_update().filter(pk__in=[survivor.pk, absorbed.pk])}
    if len(locked) != 2:
        raise MergeError(_("One of the clients no longer exists."))
    survivor, absorbed = locked[survivor.pk], locked[absorbed.pk]
    _check(actor, "change", survivor)
    _check(actor, "delete", absorbed)

    snapshot = {key: _jsonable(value) for key, value in model_to_dict(absorbed, exclude=["tags"]).items()}
    moved: dict[str, int] = {}

    take = list(take_fields)
    changes = {name: getattr(absorbed, name) for name in take if name in CLIENT_FIELDS}
    apply_changes(survivor, CLIENT_FIELDS, changes)

    # Requisites: keep the survivor's, fill its blanks from the absorbed client's.
    absorbed_requisites = Requisites.objects.filter(client=absorbed).first()
    if absorbed_requisites is not None:
        survivor_requisites, _created = Requisites.objects.get_or_create(client=survivor)
        blanks = {
            name: getattr(absorbed_requisites, name)
            for name in REQUISITE_FIELDS
            if not getattr(survivor_requisites, name) and getattr(absorbed_requisites, name)
        }
        if blanks:
            apply_changes(survivor_requisites, REQUISITE_FIELDS, blanks)
            _audit(survivor_requisites, actor, _("Merged from «%(name)s»") % {"name": absorbed.name})
            survivor_requisites.save()
        snapshot["requisites"] = {name: getattr(absorbed_requisites, name) for name in REQUISITE_FIELDS}

    for relation in Client._meta.related_objects:
        if relation.name in _MERGE_SPECIAL or relation.one_to_one or relation.many_to_many:
            continue
        related_model = relation.related_model
        field_name = relation.field.name
        rows = related_model._default_manager.filter(**{field_name: absorbed})  # type: ignore[union-attr]
        if hasattr(related_model, "history"):
            rows_list = list(rows)
            for row in rows_list:  # audited rows are saved one by one so their history records the move
                setattr(row, field_name, survivor)
                _audit(row, actor, _("Moved by merging «%(name)s»") % {"name": absorbed.name})
                row.save(update_fields=[field_name])
            count = len(rows_list)
        else:
            count = rows.update(**{field_name: survivor})
        if count:
            moved[str(related_model._meta.verbose_name_plural)] = count

    # The absorbed client's own change history joins the survivor's timeline.
    moved_history = Client.history.filter(id=absorbed.pk).update(id=survivor.pk)  # type: ignore[attr-defined]
    if moved_history:
        moved[str(_("history entries"))] = moved_history
    survivor_tags = set(survivor.tags.values_list("pk", flat=True))
    extra_tags = [pk for pk in absorbed.tags.values_list("pk", flat=True) if pk not in survivor_tags]
    if extra_tags:
        survivor.tags.add(*extra_tags)

    merge = ClientMerge.objects.create(
        survivor=survivor,
        absorbed_id=absorbed.pk,
        absorbed_name=absorbed.display_name,
        snapshot=snapshot,
        moved=moved,
        merged_by=_person(actor),
    )
    absorbed_id = absorbed.pk
    absorbed.skip_history_when_saving = True  # type: ignore[attr-defined]  # its history now belongs to the survivor
    absorbed.delete()

    _validate_client(survivor)
    _audit(survivor, actor, _("Merged «%(name)s» into this client") % {"name": merge.absorbed_name})
    survivor.save()
    _recheck_requisites(survivor)
    events.publish("client.merged", client_id=survivor.pk, absorbed_id=absorbed_id, merge_id=merge.pk, actor_id=_actor_id(actor))
    return merge


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict | list):
        return value
    return str(value)
