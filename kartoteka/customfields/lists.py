"""Custom fields in lists: filters, columns, sort expressions and export columns.

The list screen asks once per request (``fields = fields_for("client")``, then passes ``fields=`` to
each function here) and gets plain objects:

* :class:`CustomFilter` — ``key`` ("cf_<code>", the query parameter), ``label``, ``kind``, ``choices``
  for a select (empty for free input) and ``apply(queryset, raw)``, which ignores malformed input.
  Ranges for number, money and date: ``"10..20"``, ``"10.."``, ``"..20"``, or one value.
* :class:`CustomColumn` — ``key``, ``label``, ``value(obj)`` and ``sort_expression``; call
  ``prepare(objects)`` once per page so user names cost one query for the page.
* :func:`list_sorts` — a sort expression for every active field (not only the columns).
* :func:`export_columns` — (header, getter) pairs with typed values for XLSX.

Every expression works on SQLite and PostgreSQL. On PostgreSQL equality filters use
``custom_fields @> {...}``, which the GIN index on ``clients_client.custom_fields`` serves.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    DecimalField,
    Expression,
    Func,
    IntegerField,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from kartoteka.customfields.lookups import json_equals, json_has_options
from kartoteka.customfields.models import CustomField, FieldKind
from kartoteka.customfields.schema import fields_for
from kartoteka.customfields.values import display_value, parse_decimal, to_python, user_names
from kartoteka.users import access

RANGE_SEPARATOR = ".."
_DECIMAL_TEXT = r"^-?[0-9]+(\.[0-9]+)?$"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


# --- Expressions ----------------------------------------------------------------------------------


class JsonNumber(Func):
    """A number stored as text ("1234.50") under a JSON key, as a database number; NULL when missing.

    PostgreSQL would abort the whole query on one unparsable value, so it casts only text that looks
    like a number; SQLite's CAST never fails.
    """

    output_field = DecimalField(max_digits=30, decimal_places=6)

    def __init__(self, code: str, column: Any = "custom_fields") -> None:
        super().__init__(KeyTextTransform(code, column))

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Sequence[Any]]:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST({sql} AS NUMERIC)", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Sequence[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(CASE WHEN ({sql}) ~ %s THEN CAST({sql} AS NUMERIC) END)", (*params, _DECIMAL_TEXT, *params)


def json_text(code: str) -> Cast:
    """The key's value as plain text. Wrapped in a cast so comparisons are text comparisons, not the
    JSON-aware lookups Django attaches to key transforms (which would parse "2026-01-01" as JSON)."""
    return Cast(KeyTextTransform(code, "custom_fields"), TextField())


# What a list orders by: an expression, or for user fields a subquery (the user's name).
SortExpression = Expression | Subquery


def _vendor(queryset: QuerySet[Any]) -> str:
    return connections[queryset.db].vendor


def sort_expression(field: CustomField) -> SortExpression:
    """What the list sorts by for this field: numbers as numbers, options in the administrator's order,
    users by name, dates and text as text (ISO dates sort chronologically). Empty values give NULL."""
    code = field.code
    kind = field.kind
    if kind in (FieldKind.NUMBER, FieldKind.MONEY):
        return JsonNumber(code)
    if kind == FieldKind.CHOICE and field.option_values:
        whens = [
            When(Q(**{f"custom_fields__{code}": value}), then=Value(index)) for index, value in enumerate(field.option_values)
        ]
        return Case(*whens, default=Value(None), output_field=IntegerField())
    if kind == FieldKind.BOOLEAN:
        return Case(
            When(Q(**{f"custom_fields__{code}": True}), then=Value(1)),
            When(Q(**{f"custom_fields__{code}": False}), then=Value(0)),
            default=Value(None),
            output_field=IntegerField(),
        )
    if kind == FieldKind.USER:
        users = get_user_model().objects.filter(pk=Cast(KeyTextTransform(code, OuterRef("custom_fields")), BigIntegerField()))
        name = users.annotate(sort_name=Concat("last_name", Value(" "), "first_name")).values("sort_name")[:1]
        return Subquery(name)
    return json_text(code)


def order_by(field: CustomField, *, descending: bool = False) -> OrderBy:
    """Ordering for ``QuerySet.order_by``; empty values last in both directions, on every database."""
    expression = sort_expression(field)
    return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)


def list_sorts(entity: str, *, fields: Iterable[CustomField] | None = None) -> dict[str, SortExpression]:
    """{"cf_<code>": sort expression} for every active field, e.g. for ``queryset.alias(**list_sorts(...))``."""
    return {f"cf_{field.code}": sort_expression(field) for field in _active(entity, fields)}


def _active(entity: str, fields: Iterable[CustomField] | None) -> list[CustomField]:
    if fields is None:
        return fields_for(entity)
    return [field for field in fields if field.entity == entity and field.is_active]


# --- Filters --------------------------------------------------------------------------------------


def _parse_date(text: str) -> datetime.date | None:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_range(kind: str, raw: str) -> tuple[Any, Any] | None:
    """("10", "..20", "10..20", "2026-01-01..") → (low, high) with None for an open end; None if malformed."""
    parse: Callable[[str], Any] = _parse_date if kind == FieldKind.DATE else parse_decimal
    text = raw.strip()
    if RANGE_SEPARATOR in text:
        low_text, _sep, high_text = text.partition(RANGE_SEPARATOR)
        low = parse(low_text) if low_text.strip() else None
        high = parse(high_text) if high_text.strip() else None
        if (low_text.strip() and low is None) or (high_text.strip() and high is None) or (low is None and high is None):
            return None
        return low, high
    value = parse(text) if text else None
    return None if value is None else (value, value)


@dataclass
class CustomFilter:
    key: str
    label: str
    kind: str
    choices: list[tuple[str, str]]
    field: CustomField

    def condition(self, raw: str, *, vendor: str) -> Q | None:
        """The filter for one query-string value; None when the value is malformed (then nothing is filtered)."""
        code = self.field.code
        text = (raw or "").strip()
        if not text:
            return None
        kind = self.kind
        if kind in (FieldKind.NUMBER, FieldKind.MONEY, FieldKind.DATE):
            bounds = parse_range(kind, text)
            if bounds is None:
                return None
            low, high = bounds
            # Dates compare as ISO text; numbers through the same expression the list sorts by.
            alias = f"_cf_{code}_value"
            condition = Q()
            if low is not None:
                condition &= Q(**{f"{alias}__gte": low.isoformat() if kind == FieldKind.DATE else low})
            if high is not None:
                condition &= Q(**{f"{alias}__lte": high.isoformat() if kind == FieldKind.DATE else high})
            return condition
        if kind == FieldKind.CHOICE:
            return json_equals(code, text, vendor=vendor) if text in self.field.option_values else None
        if kind == FieldKind.MULTI_CHOICE:
            wanted = [value.strip() for value in text.split(",") if value.strip()]
            if not wanted or any(value not in self.field.option_values for value in wanted):
                return None
            return json_has_options(code, wanted, vendor=vendor)
        if kind == FieldKind.BOOLEAN:
            if text.lower() in _TRUE:
                return json_equals(code, True, vendor=vendor)
            if text.lower() in _FALSE:
                return json_equals(code, False, vendor=vendor) | ~Q(custom_fields__has_key=code)  # not set counts as no
            return None
        if kind == FieldKind.USER:
            if not (text.isdecimal() and text.isascii()) or not 1 <= int(text) < 2**63:
                return None
            return json_equals(code, int(text), vendor=vendor)
        return json_equals(code, text, vendor=vendor)  # text and link: the exact value

    def apply(self, queryset: QuerySet[Any], raw: str) -> QuerySet[Any]:
        condition = self.condition(raw, vendor=_vendor(queryset))
        if condition is None:
            return queryset
        if self.kind in (FieldKind.NUMBER, FieldKind.MONEY):
            queryset = queryset.alias(**{f"_cf_{self.field.code}_value": JsonNumber(self.field.code)})
        elif self.kind == FieldKind.DATE:
            queryset = queryset.alias(**{f"_cf_{self.field.code}_value": json_text(self.field.code)})
        return queryset.filter(condition)


def _active_user_choices(viewer: Any = None) -> list[tuple[str, str]]:
    users = get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "id")
    if viewer is not None:
        users = access.visible(viewer, users)  # offer only the people the viewer may see
    return [
        (str(user.pk), user.get_full_name() or user.email)
        for user in users.only("pk", "email", "last_name", "first_name", "patronymic")
    ]


def list_filters(entity: str, *, fields: Iterable[CustomField] | None = None, viewer: Any = None) -> list[CustomFilter]:
    """A filter for every active field. Queries: the definitions (unless given) and, when there is a
    user field, one for the active users offered (those ``viewer`` may see, when given)."""
    active = _active(entity, fields)
    user_choices = _active_user_choices(viewer) if any(f.kind == FieldKind.USER for f in active) else []
    filters = []
    for definition in active:
        kind = definition.kind
        if definition.has_options:
            choices = definition.option_pairs()
        elif kind == FieldKind.BOOLEAN:
            choices = [("1", _("Yes")), ("0", _("No"))]
        elif kind == FieldKind.USER:
            choices = list(user_choices)
        else:
            choices = []
        filters.append(
            CustomFilter(key=f"cf_{definition.code}", label=definition.label, kind=kind, choices=choices, field=definition)
        )
    return filters


# --- Columns --------------------------------------------------------------------------------------


@dataclass
class _UserNames:
    """User names shared by the columns of one list: one query per page for all user columns."""

    codes: list[str]
    names: dict[int, str] = field(default_factory=dict)
    loaded: set[int] = field(default_factory=set)

    def load(self, objects: Iterable[Any]) -> None:
        wanted: set[int] = set()
        for obj in objects:
            stored = getattr(obj, "custom_fields", None) or {}
            for code in self.codes:
                value = stored.get(code)
                if isinstance(value, int) and not isinstance(value, bool) and value not in self.loaded:
                    wanted.add(value)
        if wanted:
            self.names.update(user_names(wanted))
            self.loaded |= wanted


@dataclass
class CustomColumn:
    key: str
    label: str
    field: CustomField
    sort_expression: SortExpression
    css: str = ""
    _users: _UserNames | None = None

    def prepare(self, objects: Iterable[Any]) -> None:
        """Load what the page's cells need (user names) in one query; call once per page, on any column."""
        if self._users is not None:
            self._users.load(list(objects))

    def value(self, obj: Any) -> str:
        stored = getattr(obj, "custom_fields", None) or {}
        raw = stored.get(self.field.code)
        if self._users is not None and self.field.kind == FieldKind.USER:
            self._users.load([obj])  # no query when prepare() saw this page
            return display_value(self.field, raw, users=self._users.names)
        return display_value(self.field, raw)

    def order_by(self, *, descending: bool = False) -> OrderBy:
        return order_by(self.field, descending=descending)


def list_columns(entity: str, *, fields: Iterable[CustomField] | None = None) -> list[CustomColumn]:
    """Columns for the active fields marked "column in the list", in card order. No query when given ``fields``."""
    shown = [definition for definition in _active(entity, fields) if definition.show_in_list]
    users = _UserNames(codes=[d.code for d in shown if d.kind == FieldKind.USER])
    return [
        CustomColumn(
            key=f"cf_{definition.code}",
            label=definition.label,
            field=definition,
            sort_expression=sort_expression(definition),
            css="text-end text-nowrap" if definition.is_numeric else "",
            _users=users if users.codes else None,
        )
        for definition in shown
    ]


# --- Export ---------------------------------------------------------------------------------------


def export_header(field: CustomField) -> str:
    if field.kind == FieldKind.MONEY and field.currency:
        return f"{field.label}, {field.currency}"
    return field.label


def _export_getter(definition: CustomField, users: _LazyUsers) -> Callable[[Any], Any]:
    code = definition.code
    kind = definition.kind

    def raw(obj: Any) -> Any:
        return (getattr(obj, "custom_fields", None) or {}).get(code)

    if kind in (FieldKind.NUMBER, FieldKind.MONEY, FieldKind.DATE, FieldKind.BOOLEAN):
        return lambda obj: to_python(definition, raw(obj))
    if kind == FieldKind.CHOICE:
        return lambda obj: definition.option_name(value) if isinstance(value := raw(obj), str) and value else ""
    if kind == FieldKind.MULTI_CHOICE:
        return lambda obj: ", ".join(definition.option_name(item) for item in (to_python(definition, raw(obj)) or []))
    if kind == FieldKind.USER:
        return lambda obj: users.name(to_python(definition, raw(obj)))
    return lambda obj: "" if (value := raw(obj)) is None else str(value)


class _LazyUsers:
    """Every user's name, read in one query the first time an export row needs one.

    An export walks the whole filtered table in chunks; people are a few hundred rows, so reading
    them all once beats collecting ids across chunks.
    """

    def __init__(self) -> None:
        self.names: dict[int, str] | None = None

    def name(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        if self.names is None:
            users = get_user_model().objects.only("pk", "email", "last_name", "first_name", "patronymic")
            self.names = {user.pk: user.get_full_name() or user.email for user in users}
        return self.names.get(user_id) or f"#{user_id}"


def export_columns(entity: str, *, fields: Iterable[CustomField] | None = None) -> list[tuple[str, Callable[[Any], Any]]]:
    """(header, getter) for every active field; getters return str, Decimal, date, bool or None.

    Queries: the definitions (unless given) and, if a user field has values, one for all users.
    """
    users = _LazyUsers()
    return [(export_header(definition), _export_getter(definition, users)) for definition in _active(entity, fields)]
