"""Case-insensitive text matching that works for Cyrillic on every supported database.

SQLite's LIKE folds case for ASCII letters only, so ``icontains`` would not find «Петрова» when a
manager types «петр». On SQLite the match goes through Django's REGEXP function instead, which is
Python's ``re`` with IGNORECASE and knows Unicode; PostgreSQL's ILIKE already does the right thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q


def contains_text(field: str, term: str) -> Q:
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__iregex": re.escape(term)})
    return Q(**{f"{field}__icontains": term})


def matches_all_words(fields: Iterable[str], query: str) -> Q:
    """Every word of ``query`` must appear (case-insensitively) in at least one of ``fields``."""
    field_list = list(fields)
    condition = Q()
    for word in query.split():
        any_field = Q()
        for field in field_list:
            any_field |= contains_text(field, word)
        condition &= any_field
    return condition
