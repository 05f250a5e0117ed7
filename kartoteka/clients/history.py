"""The client card's change history as a readable timeline ("Responsible: Ivanov I. → Petrova A.").

django-simple-history keeps a full row per save of the client, its requisites, bank accounts,
addresses, contacts (with their roles), phones and emails, and (when audited) attachments. This module
reads those tables for one client, merges them newest first, compares each row with the previous row of
the same object and says what changed, in the viewer's language and time zone.

The number of queries per page does not grow with the history: one query per table for the page's rows
(each with its predecessor's id as a subquery), one per table for those predecessors, one for tag and
role snapshots, one per referenced model to turn ids into names, one for contact names.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kartoteka.clients.models import Client
from kartoteka.contacts.normalize import format_phone
from kartoteka.users import access

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.users.models import User

# Saves of one object this close together by the same person are one change for a reader: a contact
# saved and then given roles, tags set and the card saved, a primary flag moved along with an edit.
COALESCE_SECONDS = 2
# Rows read per table beyond the page size, so that rows dropped as saying nothing (an empty
# requisites row created with every client, a save that changed nothing visible) rarely shorten a page.
SLACK = 10
MAX_VALUE_LENGTH = 120
EMPTY = "—"

# Fields that are bookkeeping or derived, not something a person changed.
_ALWAYS_SKIPPED = {"id", "created_at", "updated_at", "name_key", "search_key", "tax_id", "created_by", "client", "sha256"}


@dataclass(frozen=True)
class Change:
    """One field's change. ``old is None`` means the value was set when the record was created."""

    label: str
    old: str | None
    new: str

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.label}: {self.new}"
        return f"{self.label}: {self.old} → {self.new}"


@dataclass
class TimelineEntry:
    """One readable event on the card; ``lines`` is what a person reads, top to bottom."""

    when: datetime.datetime
    when_display: str
    kind: str  # "client", "requisites", "bank_account", "address", "contact", "contact_point", "attachment"
    action: str  # "+" created, "~" changed, "-" deleted
    object_id: int
    title: str
    reason: str
    changes: list[Change]
    who: str
    user_id: int | None
    cursor: str  # pass as ``before=`` to get the entries older than this one
    # Entries from a registered source (an activity, a task) name their own template and object.
    template: str = ""
    obj: Any = None
    sort_key: tuple[datetime.datetime, int, int] | None = None

    @property
    def lines(self) -> list[str]:
        lines = [line for line in (self.title, self.reason) if line]
        return lines + [str(change) for change in self.changes]

    @property
    def text(self) -> str:
        return "; ".join(self.lines)

    @property
    def icon(self) -> str:
        return {"+": "plus", "-": "minus"}.get(self.action, "edit")


# --- Sources -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    kind: str
    rank: int  # breaks ties between tables on the same timestamp, so the cursor is exact
    model: type[models.Model]  # the audited model
    client_lookup: str  # how the historical row points at the client
    object_field: str  # the audited object's id on the historical row
    same_object: tuple[str, ...] = ()  # fields that must match too (merged clients share an id afterwards)
    m2m: str | None = None  # an audited many-to-many field

    @property
    def history_model(self) -> type[models.Model]:
        return self.model.history.model  # type: ignore[attr-defined]


def _sources() -> list[_Source]:
    bank_account = apps.get_model("clients", "BankAccount")
    address = apps.get_model("clients", "Address")
    requisites = apps.get_model("clients", "Requisites")
    contact = apps.get_model("contacts", "Contact")
    point = apps.get_model("contacts", "ContactPoint")
    sources = [
        # A merge re-points the absorbed client's history to the survivor's id; creation time tells them apart.
        _Source("client", 1, Client, "id", "id", same_object=("created_at",), m2m="tags"),
        _Source("requisites", 2, requisites, "client_id", "client_id"),
        _Source("bank_account", 3, bank_account, "client_id", "id"),
        _Source("address", 4, address, "client_id", "id"),
        _Source("contact", 5, contact, "client_id", "id", m2m="roles"),
        _Source("contact_point", 6, point, "client_id", "id"),
    ]
    if apps.is_installed("kartoteka.attachments"):
        attachment = apps.get_model("attachments", "Attachment")
        if hasattr(attachment, "history"):
            sources.append(_Source("attachment", 7, attachment, "client_id", "id"))
    return sources


# --- Cursor ------------------------------------------------------------------------------------------

# (moment, source rank, row id): the timeline's order, newest first; a cursor names one position in it.
type Cursor = tuple[datetime.datetime, int, int]
_MIN_KEY: Cursor = (datetime.datetime.min.replace(tzinfo=datetime.UTC), 0, 0)


def encode_cursor(when: datetime.datetime, rank: int, history_id: int) -> str:
    raw = f"{when.isoformat()}|{rank}|{history_id}"
    return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime.datetime, int, int] | None:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii")).decode("ascii")
        when_text, rank_text, id_text = raw.split("|")
        when = datetime.datetime.fromisoformat(when_text)
        if timezone.is_naive(when):
            return None
        return when, int(rank_text), int(id_text)
    except (ValueError, binascii.Error, UnicodeError):
        return None


def _older_than(source: _Source, before: tuple[datetime.datetime, int, int] | None) -> Q:
    """Rows strictly older than the cursor in the timeline order (date, table rank, history id)."""
    if before is None:
        return Q()
    when, rank, history_id = before
    condition = Q(history_date__lt=when)
    if source.rank < rank:
        condition |= Q(history_date=when)
    elif source.rank == rank:
        condition |= Q(history_date=when, history_id__lt=history_id)
    return condition


# --- Reading -----------------------------------------------------------------------------------------


@dataclass
class _Row:
    source: _Source
    record: Any  # the historical row
    previous: Any = None

    @property
    def key(self) -> tuple[datetime.datetime, int, int]:
        return (self.record.history_date, self.source.rank, self.record.history_id)


def _page_rows(source: _Source, client: Client, before: tuple[datetime.datetime, int, int] | None, count: int) -> list[_Row]:
    """One query: the newest ``count`` rows of one table for the client, each with its predecessor's id."""
    history = source.history_model
    previous = history._default_manager.filter(
        **{source.object_field: OuterRef(source.object_field)}, history_id__lt=OuterRef("history_id")
    )
    for name in source.same_object:
        previous = previous.filter(**{name: OuterRef(name)})
    queryset = (
        history._default_manager.filter(**{source.client_lookup: client.pk})
        .filter(_older_than(source, before))
        .annotate(previous_history_id=Subquery(previous.order_by("-history_id").values("history_id")[:1]))
        .order_by("-history_date", "-history_id")
    )
    return [_Row(source, record) for record in queryset[:count]]


def _attach_previous(rows: list[_Row]) -> None:
    """One query per table that has changed or deleted rows on the page: their predecessors."""
    wanted: dict[_Source, set[int]] = defaultdict(set)
    for row in rows:
        if row.record.previous_history_id is not None and row.record.history_type != "+":
            wanted[row.source].add(row.record.previous_history_id)
    for source, ids in wanted.items():
        found: dict[int, Any] = {
            r.history_id: r  # type: ignore[attr-defined]
            for r in source.history_model._default_manager.filter(history_id__in=sorted(ids))
        }
        for row in rows:
            if row.source is source:
                row.previous = found.get(row.record.previous_history_id)


def _m2m_snapshots(rows: list[_Row]) -> dict[tuple[str, int], set[int]]:
    """(kind, history_id) → ids held in the many-to-many field at that moment. One query per audited field."""
    snapshots: dict[tuple[str, int], set[int]] = {}
    by_source: dict[_Source, set[int]] = defaultdict(set)
    for row in rows:
        if row.source.m2m:
            by_source[row.source].add(row.record.history_id)
            if row.previous is not None:
                by_source[row.source].add(row.previous.history_id)
    for source, history_ids in by_source.items():
        assert source.m2m is not None
        m2m_history = source.model._meta.get_field(source.m2m)
        through = getattr(source.history_model, source.m2m).model
        target_column = m2m_history.m2m_reverse_name()  # type: ignore[union-attr]
        for history_id in history_ids:
            snapshots[(source.kind, history_id)] = set()
        pairs = through._default_manager.filter(history_id__in=sorted(history_ids)).values_list("history_id", target_column)
        for history_id, target_id in pairs:
            if target_id is not None:
                snapshots[(source.kind, history_id)].add(target_id)
    return snapshots


# --- Turning values into words ------------------------------------------------------------------------


class Names:
    """Display names for referenced rows, loaded in one query per model for the whole page."""

    def __init__(self, viewer: User | AnonymousUser) -> None:
        self.viewer = viewer
        self.wanted: dict[type[models.Model], set[int]] = defaultdict(set)
        self.names: dict[tuple[type[models.Model], int], str] = {}

    def want(self, model: type[models.Model], value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.wanted[model].add(value)

    def load(self) -> None:
        user_model = get_user_model()
        for model, ids in self.wanted.items():
            queryset: models.QuerySet[Any] = model._default_manager.filter(pk__in=sorted(ids))
            if model is Client:
                # A contact's former or next company is named only to those who may see it.
                queryset = access.visible(self.viewer, Client).filter(pk__in=sorted(ids)).select_related("legal_form")
            for obj in queryset:
                if model is user_model:
                    name = obj.get_short_name()
                elif model is Client:
                    name = obj.display_name
                else:
                    name = str(obj)
                self.names[(model, obj.pk)] = name

    def get(self, model: type[models.Model], value: Any) -> str:
        if value is None:
            return EMPTY
        return self.names.get((model, value)) or f"#{value}"


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


def display_value(model_field: models.Field[Any, Any], value: Any, names: Names) -> str:
    if value is None or value == "":
        return EMPTY
    if model_field.is_relation:
        return names.get(model_field.related_model, value)  # type: ignore[arg-type]
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        # 15.00 reads as 15; normalize() would turn 100 into 1E+2.
        return formats.number_format(value.quantize(Decimal(1)) if value == value.to_integral_value() else value, use_l10n=True)
    return _shorten(str(value))


def _audited_fields(source: _Source) -> list[models.Field[Any, Any]]:
    fields = []
    recorded = {f.attname for f in source.history_model._meta.concrete_fields}
    for model_field in source.model._meta.concrete_fields:
        if model_field.name in _ALWAYS_SKIPPED or model_field.primary_key or model_field.attname not in recorded:
            continue
        if source.kind == "attachment" and model_field.name not in {"original_name", "description"}:
            continue
        if source.kind == "contact_point" and model_field.name == "contact":
            continue
        fields.append(model_field)
    return fields


class _CustomFieldLabels:
    """Custom field names and display, loaded only when a page shows a custom field change."""

    def __init__(self) -> None:
        self._definitions: dict[str, dict[str, Any]] | None = None

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._definitions is None:
            self._definitions = {}
            try:
                from kartoteka.customfields.models import CustomField
            except ImportError:  # pragma: no cover - the app is part of the project
                return self._definitions
            for definition in CustomField.objects.all():
                self._definitions.setdefault(definition.entity, {})[definition.code] = definition
        return self._definitions

    def changes(self, entity: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
        keys = sorted(key for key in {*old, *new} if old.get(key) != new.get(key))
        if not keys:
            return []
        definitions = self._load().get(entity, {})
        result = []
        for key in keys:
            definition = definitions.get(key)
            label = capfirst(definition.label) if definition is not None else key
            result.append(Change(label, self._value(definition, old.get(key)), self._value(definition, new.get(key))))
        return result

    @staticmethod
    def _value(definition: Any, raw: Any) -> str:
        if raw is None or raw == "" or raw == []:
            return EMPTY
        if definition is not None:
            try:
                from kartoteka.customfields.values import display_value as custom_value

                return _shorten(custom_value(definition, raw)) or EMPTY
            except ImportError:  # pragma: no cover - the app is part of the project
                pass
        return _shorten(", ".join(map(str, raw)) if isinstance(raw, list) else str(raw))


# --- Building entries ----------------------------------------------------------------------------------


def _changed_fields(row: _Row) -> list[models.Field[Any, Any]]:
    """The audited fields a row changed (for a new requisites row: those it was filled in with)."""
    record, previous = row.record, row.previous
    if row.source.kind == "requisites" and record.history_type == "+":
        # The codes a client was created with are worth reading; an empty requisites row is not.
        return [f for f in _audited_fields(row.source) if getattr(record, f.attname)]
    if record.history_type != "~" or previous is None:
        return []
    changed = []
    for model_field in _audited_fields(row.source):
        if model_field.name == "custom_fields":
            continue
        old, new = getattr(previous, model_field.attname), getattr(record, model_field.attname)
        if old != new and not (old in (None, "") and new in (None, "")):
            changed.append(model_field)
    return changed


def _field_changes(row: _Row, names: Names, custom: _CustomFieldLabels) -> list[Change]:
    record, previous = row.record, row.previous
    changes: list[Change] = []
    for model_field in _changed_fields(row):
        label = capfirst(str(model_field.verbose_name))
        new = display_value(model_field, getattr(record, model_field.attname), names)
        old = None if previous is None else display_value(model_field, getattr(previous, model_field.attname), names)
        changes.append(Change(label, old, new))
    if record.history_type == "~" and previous is not None and hasattr(record, "custom_fields"):
        changes += custom.changes(row.source.kind, previous.custom_fields or {}, record.custom_fields or {})
    return changes


def _m2m_change(row: _Row, snapshots: Mapping[tuple[str, int], set[int]], names: Names) -> Change | None:
    source = row.source
    if not source.m2m:
        return None
    new = snapshots.get((source.kind, row.record.history_id), set())
    if row.previous is not None:
        old: set[int] | None = snapshots.get((source.kind, row.previous.history_id), set())
    elif row.record.history_type == "+":
        old = None
    else:
        return None
    if old == new or (old is None and not new):
        return None
    m2m_field = source.model._meta.get_field(source.m2m)
    target = m2m_field.related_model

    def text(ids: Iterable[int]) -> str:
        return ", ".join(sorted(names.get(target, pk) for pk in ids)) or EMPTY  # type: ignore[arg-type]

    label = capfirst(str(m2m_field.verbose_name))  # type: ignore[union-attr]
    return Change(label, None if old is None else text(old), text(new))


def _want_names(rows: list[_Row], snapshots: Mapping[tuple[str, int], set[int]], names: Names) -> None:
    """Collect the ids whose names the page shows: who made each change, and changed references only."""
    user_model = get_user_model()
    for row in rows:
        names.want(user_model, row.record.history_user_id)
        for model_field in _changed_fields(row):
            if model_field.is_relation:
                for record in (row.record, row.previous):
                    if record is not None:
                        names.want(model_field.related_model, getattr(record, model_field.attname))  # type: ignore[arg-type]
        if row.source.m2m:
            held = [snapshots.get((row.source.kind, r.history_id), set()) for r in (row.record, row.previous) if r is not None]
            if len(held) == 2 and held[0] == held[1]:
                continue
            target = row.source.model._meta.get_field(row.source.m2m).related_model
            for ids in held:
                for pk in ids:
                    names.want(target, pk)  # type: ignore[arg-type]


def _contact_names(rows: list[_Row]) -> dict[int, str]:
    """Names of the contacts that phones on the page belong to, deleted ones included. One query."""
    ids = {row.record.contact_id for row in rows if row.source.kind == "contact_point" and row.record.contact_id}
    if not ids:
        return {}
    history = apps.get_model("contacts", "Contact").history.model
    latest = history._default_manager.filter(id__in=sorted(ids)).values("id").annotate(last=Max("history_id")).values("last")
    return {record.id: _person_name(record) for record in history._default_manager.filter(history_id__in=Subquery(latest))}


def _person_name(record: Any) -> str:
    return " ".join(part for part in (record.last_name, record.first_name, record.patronymic) if part) or f"#{record.id}"


def _point_text(record: Any) -> str:
    value = record.value
    if value.startswith("+"):
        value = format_phone(value)
    if record.extension:
        value = f"{value} ({record.extension})"
    if record.kind in ("telegram", "whatsapp", "viber"):
        value = f"{record.get_kind_display()} {value}"
    return value


def _titles() -> dict[str, dict[str, str]]:
    # Built per call: the strings must be translated in the language active now.
    return {
        "client": {"+": _("Client created: %(name)s"), "-": _("Client deleted: %(name)s"), "~": ""},
        "requisites": {"+": _("Requisites filled in"), "~": _("Requisites changed"), "-": _("Requisites removed")},
        "bank_account": {
            "+": _("Bank account added: %(name)s"),
            "~": _("Bank account changed: %(name)s"),
            "-": _("Bank account removed: %(name)s"),
        },
        "address": {"+": _("Address added: %(name)s"), "~": _("Address changed: %(name)s"), "-": _("Address removed: %(name)s")},
        "contact": {"+": _("Contact added: %(name)s"), "~": _("Contact changed: %(name)s"), "-": _("Contact deleted: %(name)s")},
        "phone": {"+": _("Phone added: %(name)s"), "~": _("Phone changed: %(name)s"), "-": _("Phone removed: %(name)s")},
        "email": {"+": _("Email added: %(name)s"), "~": _("Email changed: %(name)s"), "-": _("Email removed: %(name)s")},
        "messenger": {
            "+": _("Messenger added: %(name)s"),
            "~": _("Messenger changed: %(name)s"),
            "-": _("Messenger removed: %(name)s"),
        },
        "attachment": {"+": _("File added: %(name)s"), "~": _("File changed: %(name)s"), "-": _("File deleted: %(name)s")},
    }


def _subject(row: _Row, contact_names: Mapping[int, str]) -> tuple[str, str]:
    """(title key, name) for the object a row is about."""
    record = row.record
    kind = row.source.kind
    if kind == "contact":
        return kind, _person_name(record)
    if kind == "contact_point":
        key = {"phone": "phone", "email": "email"}.get(record.kind, "messenger")
        name = _point_text(record)
        if record.contact_id:
            name = f"{name} ({contact_names.get(record.contact_id, f'#{record.contact_id}')})"
        return key, name
    if kind == "bank_account":
        return kind, " ".join(part for part in (record.bank_name, record.account or record.iban) if part)
    if kind == "address":
        text = ", ".join(p for p in (record.postal_code, record.region, record.city, record.street) if p)
        return kind, f"{capfirst(record.get_kind_display())}: {_shorten(text)}"
    if kind == "attachment":
        return kind, record.original_name
    if kind == "client":
        return kind, record.name
    return kind, ""


@dataclass
class _Draft:
    rows: list[_Row]
    changes: list[Change] = field(default_factory=list)

    @property
    def newest(self) -> _Row:
        return self.rows[0]

    @property
    def oldest(self) -> _Row:
        return self.rows[-1]

    @property
    def user_id(self) -> int | None:
        return next((r.record.history_user_id for r in self.rows if r.record.history_user_id), None)

    @property
    def reason(self) -> str:
        return next((r.record.history_change_reason for r in self.rows if r.record.history_change_reason), "")

    @property
    def action(self) -> str:
        actions = {r.record.history_type for r in self.rows}
        return "+" if "+" in actions else "-" if "-" in actions else "~"

    def absorbs(self, older: _Draft) -> bool:
        """Whether ``older`` (the next draft back in time) is part of the same change as this one."""
        mine, theirs = self.oldest.record, older.newest.record
        if self.newest.source is not older.newest.source or mine.history_type == "+":
            return False
        if "-" in (mine.history_type, theirs.history_type) or self.action == "-":
            return False  # a deletion is an event of its own, however soon it follows
        if getattr(mine, older.newest.source.object_field) != getattr(theirs, older.newest.source.object_field):
            return False
        if mine.history_user_id != theirs.history_user_id:
            return False
        if mine.history_change_reason and theirs.history_change_reason:
            return False
        return (mine.history_date - theirs.history_date).total_seconds() <= COALESCE_SECONDS

    def take(self, older: _Draft) -> None:
        """Fold ``older`` in: a field changed twice reads as its first old value → its last new value."""
        merged: dict[str, Change] = {change.label: change for change in older.changes}
        for change in self.changes:
            before = merged.get(change.label)
            merged[change.label] = Change(change.label, before.old if before else change.old, change.new)
        self.changes = [change for change in merged.values() if change.old != change.new]
        self.rows = self.rows + older.rows


def _says_nothing(draft: _Draft) -> bool:
    if draft.action == "~":
        return not draft.changes and not draft.reason
    return draft.newest.source.kind == "requisites" and draft.action == "+" and not draft.changes


def _absorbing_draft(drafts: list[_Draft], older: _Draft) -> _Draft | None:
    """The newer draft that ``older`` belongs to, looking past drafts that will not be shown anyway
    (a client is saved, then its empty requisites row, then its tags: one "Client created")."""
    for draft in reversed(drafts):
        if draft.absorbs(older):
            return draft
        if not _says_nothing(draft):
            return None
    return None


def when_display(moment: datetime.datetime, now: datetime.datetime, language: str) -> str:
    local = timezone.localtime(moment)
    same_year = local.year == timezone.localtime(now).year
    if language == "en":
        return formats.date_format(local, "j M, H:i" if same_year else "j M Y, H:i")
    return formats.date_format(local, "d.m H:i" if same_year else "d.m.Y H:i")


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: str | None  # pass as ``before=`` for the next, older page; None when there is none


def client_timeline(
    client: Client,
    *,
    viewer: User | AnonymousUser,
    limit: int = 50,
    before: str | datetime.datetime | None = None,
) -> list[TimelineEntry]:
    """Up to ``limit`` entries of the client's history, newest first, older than ``before``.

    ``before`` is the ``cursor`` of the last entry already shown (or a moment in time). Entries are
    worded in the viewer's language and dated in the viewer's time zone. The caller has checked that
    the viewer may see the client; names of other clients are shown only if the viewer may see them.
    """
    return client_timeline_page(client, viewer=viewer, limit=limit, before=before).entries


def client_timeline_page(
    client: Client,
    *,
    viewer: User | AnonymousUser,
    limit: int = 50,
    before: str | datetime.datetime | None = None,
) -> TimelinePage:
    """:func:`client_timeline` plus where the next page starts, for "show older"."""
    language = getattr(viewer, "language", "") or translation.get_language() or "en"
    try:
        zone: datetime.tzinfo = zoneinfo.ZoneInfo(getattr(viewer, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    with translation.override(language), timezone.override(zone):
        return _build(client, viewer, limit, before, language.split("-")[0])


def parse_before(before: str | datetime.datetime | None) -> Cursor | None:
    if isinstance(before, datetime.datetime):
        return (before, 0, 0)
    if before:
        return _decode_cursor(before)
    return None


def _build(
    client: Client, viewer: User | AnonymousUser, limit: int, before: str | datetime.datetime | None, language: str
) -> TimelinePage:
    entries, boundary = _change_entries(client, viewer, limit, parse_before(before), language)
    return paginate(entries, boundary, limit)


def paginate(entries: list[TimelineEntry], boundary: Cursor | None, limit: int) -> TimelinePage:
    """Newest ``limit`` of ``entries``; ``boundary`` is where the change history stopped reading (more is older)."""
    if boundary is not None:
        # Entries of other sources older than where the changes stopped wait for the next page, so nothing is skipped.
        entries = [entry for entry in entries if entry.template == "" or (entry.sort_key or boundary) > boundary]
    entries = sorted(entries, key=lambda entry: entry.sort_key or _MIN_KEY, reverse=True)
    if len(entries) > limit:
        return TimelinePage(entries=entries[:limit], next_cursor=entries[limit - 1].cursor)
    # Saves that said nothing filled the window: the next page starts after the last row read.
    return TimelinePage(entries=entries, next_cursor=encode_cursor(*boundary) if boundary is not None else None)


def _change_entries(
    client: Client, viewer: User | AnonymousUser, limit: int, cursor: Cursor | None, language: str
) -> tuple[list[TimelineEntry], Cursor | None]:
    """Up to ``limit + 1`` change entries older than ``cursor``, and the key of the last row read when older rows remain."""
    wanted = limit + SLACK
    rows: list[_Row] = []
    for source in _sources():
        rows += _page_rows(source, client, cursor, wanted)
    rows.sort(key=lambda row: row.key, reverse=True)
    # Older rows than these may exist when a table filled its share or the merge left some out.
    more_rows = len(rows) > wanted or any(
        sum(1 for row in rows if row.source is source) >= wanted for source in {row.source for row in rows}
    )
    rows = rows[:wanted]
    _attach_previous(rows)
    snapshots = _m2m_snapshots(rows)
    names = Names(viewer)
    _want_names(rows, snapshots, names)
    names.load()
    contact_names = _contact_names(rows)
    custom = _CustomFieldLabels()

    drafts: list[_Draft] = []
    for row in rows:
        draft = _Draft(rows=[row], changes=_field_changes(row, names, custom))
        m2m = _m2m_change(row, snapshots, names)
        if m2m is not None:
            draft.changes.append(m2m)
        target = _absorbing_draft(drafts, draft)
        if target is not None:
            target.take(draft)
        else:
            drafts.append(draft)
    shown = [draft for draft in drafts if not _says_nothing(draft)]
    entries = [_entry(draft, names, contact_names, language) for draft in shown[: limit + 1]]
    return entries, rows[-1].key if more_rows and rows else None


def _entry(draft: _Draft, names: Names, contact_names: Mapping[int, str], language: str) -> TimelineEntry:
    titles = _titles()
    action = draft.action
    key, name = _subject(draft.newest, contact_names)
    title = titles[key][action] % {"name": name} if titles[key][action] else ""
    changes = draft.changes
    if action == "+":
        # A new record's values read as what it was created with, not as changes from nothing.
        changes = [Change(c.label, None, c.new) for c in changes if c.new != EMPTY]
    moment = draft.newest.record.history_date
    user_id = draft.user_id
    return TimelineEntry(
        when=moment,
        when_display=when_display(moment, timezone.now(), language),
        kind=draft.newest.source.kind,
        action=action,
        object_id=getattr(draft.newest.record, draft.newest.source.object_field),
        title=title,
        # A reason that only repeats the title ("File added: …") says nothing new.
        reason="" if (draft.reason or "") == str(title) else (draft.reason or ""),
        changes=changes,
        who=names.get(get_user_model(), user_id) if user_id else _("system"),
        user_id=user_id,
        cursor=encode_cursor(*draft.oldest.key),
        sort_key=draft.newest.key,
    )


# --- Other sources on the card's timeline ----------------------------------------------------------------
#
# The card's timeline is the change history above merged with entries other apps register (activities,
# completed tasks), newest first, under one cursor. A source reads its page with a fixed number of queries.

CHANGES = "changes"


@dataclass(frozen=True)
class TimelineQuery:
    client: Client
    viewer: User | AnonymousUser
    before: Cursor | None  # only entries strictly older than this position
    count: int  # at most this many, newest first
    option: str  # the source's own filter ("call" in "activities:call"), or ""

    def older_than(self, rank: int, when_field: str, id_field: str = "pk") -> Q:
        """Rows of a source with ``rank`` strictly older than the cursor in the timeline's order."""
        if self.before is None:
            return Q()
        when, before_rank, before_id = self.before
        condition = Q(**{f"{when_field}__lt": when})
        if rank < before_rank:
            condition |= Q(**{when_field: when})
        elif rank == before_rank:
            condition |= Q(**{when_field: when, f"{id_field}__lt": before_id})
        return condition

    def entry(self, *, when: datetime.datetime, rank: int, pk: int, **values: Any) -> TimelineEntry:
        """A timeline entry for one row of a source: dated in the viewer's zone, with its cursor."""
        values.setdefault("action", "+")
        values.setdefault("reason", "")
        values.setdefault("changes", [])
        values.setdefault("title", "")
        language = (translation.get_language() or "en").split("-")[0]
        return TimelineEntry(
            when=when,
            when_display=when_display(when, timezone.now(), language),
            object_id=pk,
            cursor=encode_cursor(when, rank, pk),
            sort_key=(when, rank, pk),
            **values,
        )


@dataclass(frozen=True)
class TimelineSource:
    key: str  # the filter value showing only this source ("activities")
    label: Any  # a lazy translation
    rank: int  # orders entries with the same moment; unique, above the change history's ranks (1-9)
    entries: Callable[[TimelineQuery], list[TimelineEntry]]  # each with ``template`` and ``obj`` set
    options: Callable[[], list[tuple[str, Any]]] = field(default=list)  # narrower filters: (option, label)


_timeline_sources: dict[str, TimelineSource] = {}


def register_source(source: TimelineSource) -> TimelineSource:
    _timeline_sources[source.key] = source
    return source


def timeline_filters() -> list[tuple[str, Any]]:
    """(value of ``show``, label) for the timeline's filter: all, changes, each source and its options."""
    choices: list[tuple[str, Any]] = [("", _("Everything")), (CHANGES, _("Changes of the card"))]
    for source in sorted(_timeline_sources.values(), key=lambda s: s.rank):
        choices.append((source.key, source.label))
        choices += [(f"{source.key}:{option}", f"— {label}") for option, label in source.options()]
    return choices


def card_timeline_page(
    client: Client,
    *,
    viewer: User | AnonymousUser,
    limit: int = 50,
    before: str | datetime.datetime | None = None,
    show: str = "",
) -> TimelinePage:
    """The card's timeline: changes and every registered source, newest first; ``show`` narrows it
    to ``"changes"``, one source (``"activities"``) or one of its options (``"activities:call"``)."""
    source_key, _sep, option = (show or "").partition(":")
    if source_key and source_key != CHANGES and source_key not in _timeline_sources:
        source_key, option = "", ""
    language = getattr(viewer, "language", "") or translation.get_language() or "en"
    try:
        zone: datetime.tzinfo = zoneinfo.ZoneInfo(getattr(viewer, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    with translation.override(language), timezone.override(zone):
        cursor = parse_before(before)
        entries: list[TimelineEntry] = []
        boundary: Cursor | None = None
        if source_key in ("", CHANGES):
            entries, boundary = _change_entries(client, viewer, limit, cursor, language.split("-")[0])
        for source in _timeline_sources.values():
            if source_key in ("", source.key):
                query = TimelineQuery(client, viewer, cursor, limit + 1, option if source_key else "")
                entries += source.entries(query)
        return paginate(entries, boundary, limit)
