"""Conditions on one key of a ``custom_fields`` JSON column that work on SQLite and PostgreSQL alike.

PostgreSQL gets ``custom_fields @> {...}``, which the GIN index (migration 0003) serves; SQLite, which
has no JSON containment, compares the extracted key instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q


def json_equals(code: str, value: Any, *, vendor: str) -> Q:
    """The key holds exactly ``value`` (a string, number or boolean)."""
    if vendor == "postgresql":
        return Q(custom_fields__contains={code: value})
    return Q(**{f"custom_fields__{code}": value})


def json_has_options(code: str, values: Iterable[str], *, vendor: str) -> Q:
    """The key holds a list that contains every one of ``values``."""
    wanted = list(values)
    if vendor == "postgresql":
        return Q(custom_fields__contains={code: wanted})
    condition = Q()
    for value in wanted:
        # SQLite extracts the array as JSON text ('["gold","vip"]'). Option values are lower-case
        # [a-z0-9_-] (see models.OPTION_VALUE_RE), so the quoted value matches one element exactly
        # and LIKE's case folding cannot blur two values.
        condition &= Q(**{f"custom_fields__{code}__icontains": f'"{value}"'})
    return condition
