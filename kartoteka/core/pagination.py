"""Keyset (cursor) pagination: constant cost per page however deep the reader goes.

The cursor is an opaque, URL-safe string holding the sort values of the last row served.
Sort keys always end with the primary key, so rows with equal values are never skipped or repeated.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from kartoteka.core.errors import DomainError


class InvalidCursor(DomainError):
    status = 400
    code = "invalid_cursor"


@dataclass
class KeysetPage[T]:
    items: list[T]
    next_cursor: str | None


def _encode(values: Sequence[Any]) -> str:
    raw = json.dumps([v if isinstance(v, (int, str, type(None))) else str(v) for v in values], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def _decode(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeError):
        raise InvalidCursor(_("The cursor is malformed; start again from the first page.")) from None
    if not isinstance(values, list) or len(values) != size:
        raise InvalidCursor(_("The cursor does not belong to this list or sort order."))
    return values


def keyset_page[ModelT: models.Model](
    queryset: models.QuerySet[ModelT], *, order: Sequence[str], limit: int, cursor: str | None = None
) -> KeysetPage[ModelT]:
    """One page of ``queryset`` in ``order`` (field names, "-" for descending, last one unique)."""
    fields = [name.removeprefix("-") for name in order]
    if cursor:
        values = _decode(cursor, len(fields))
        condition = Q()
        for position, name in enumerate(order):
            field = fields[position]
            if values[position] is None:
                raise InvalidCursor(_("The cursor does not belong to this list or sort order."))
            step = Q(**{f"{field}__{'lt' if name.startswith('-') else 'gt'}": values[position]})
            for earlier in range(position):
                step &= Q(**{fields[earlier]: values[earlier]})
            condition |= step
        queryset = queryset.filter(condition)
    rows = list(queryset.order_by(*order)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode([_value(last, field) for field in fields])
    return KeysetPage(items=rows, next_cursor=next_cursor)


def _value(obj: models.Model, field: str) -> Any:
    value: Any = obj
    for part in field.split("__"):
        value = getattr(value, part)
    if isinstance(value, models.Model):
        return value.pk
    return value
