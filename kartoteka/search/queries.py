"""The one way to search clients and contacts. The client list, the API and global search call this.

Both functions narrow a queryset the caller already scoped with ``access.visible`` and return a
queryset, so filters, ordering and slicing compose after them. The narrowing is one sub-select
(``pk IN (…)``) that the database runs together with the rest: a constant number of queries
whatever the number of matches, never a list of ids in Python.

What a query finds (every kind below is tried, and a record matching any of them is kept):

* words — every word must match the record's document (see ``documents.py``): three characters or
  more as a substring ("ромаш", "снаб" in «Техноснаб»), shorter ones as a word prefix; case, ё/е and
  Latin accents never matter. On PostgreSQL a word also matches its Russian stem («ромашки» →
  «Ромашка»), and ``fuzzy=True`` lets a long word be a typo of a word of the name.
* a tax id (INN, EDRPOU, CUI with or without "RO", IDNO): exact ``Client.tax_id``;
* a phone number in any format ("8 (495) 123-45-67", "+7 495 1234567", "4951234567"): exact
  ``ContactPoint.search_key`` (its last ten digits);
* an email address: exact ``ContactPoint.search_key``.

A blank query returns the queryset unchanged; a query with nothing searchable in it ("—", "!!!")
returns no rows.
"""

# Table and column names in the SQL below are this app's constants; what people type only ever travels as a
# query parameter.
# ruff: noqa: S608, S611

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from kartoteka.clients.models import Client
from kartoteka.clients.requisites import looks_like_tax_id
from kartoteka.contacts.models import Contact, ContactPoint
from kartoteka.contacts.normalize import SEARCH_KEY_DIGITS, phone_query_key
from kartoteka.search import backends, schema
from kartoteka.search.text import MAX_QUERY_TOKENS, is_phone_like, tokens

MAX_QUERY_LENGTH = 200
# A query with nothing searchable in it: callers get ``queryset.none()``.
NOTHING = RawSQL("SELECT NULL WHERE 1 = 0", [])


@dataclass(frozen=True)
class ParsedQuery:
    """What a typed query means for search; empty when there is nothing to look for."""

    words: list[str] = field(default_factory=list)
    tax_id: str | None = None
    phone_key: str | None = None
    email: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.tax_id or self.phone_key or self.email)


def parse_query(query: str) -> ParsedQuery:
    text = (query or "").strip()[:MAX_QUERY_LENGTH]
    if not text:
        return ParsedQuery()
    tax_id = looks_like_tax_id(text)
    phone_key = phone_query_key(text)
    email = text.lower() if "@" in text and " " not in text else None
    if tax_id:
        # The code itself as a word of the documents too: finds KPP, OGRN, OKPO… and the beginning of any code.
        words = [tax_id]
    elif is_phone_like(text):
        # "8 (495) 123-45-67" is one number, not five words: documents hold its ten-digit key, and the
        # last seven digits for a number typed without the area code ("123-45-67").
        digits = "".join(char for char in text if char.isdigit())
        words = [phone_key if phone_key and len(digits) >= SEARCH_KEY_DIGITS else digits]
    else:
        words = tokens(text)[:MAX_QUERY_TOKENS]
    return ParsedQuery(words=words, tax_id=tax_id, phone_key=phone_key, email=email)


def _union(parts: list[tuple[str, list[object]]]) -> RawSQL:
    sql = " UNION ".join(part for part, _params in parts)
    return RawSQL(backends.materialized(sql), [param for _part, params in parts for param in params])


def client_ids_sql(query: str, *, fuzzy: bool = False) -> RawSQL | None:
    """The sub-select of matching client ids, or None for a blank query."""
    parsed = parse_query(query)
    if not (query or "").strip():
        return None
    points = ContactPoint._meta.db_table
    parts: list[tuple[str, list[object]]] = []
    if parsed.words:
        parts.append(backends.document_ids(schema.CLIENTS, parsed.words, fuzzy=fuzzy))
    if parsed.tax_id:
        parts.append((f"SELECT id FROM {Client._meta.db_table} WHERE tax_id = %s", [parsed.tax_id]))
    for key in (parsed.phone_key, parsed.email):
        if key:
            parts.append((f"SELECT client_id FROM {points} WHERE search_key = %s", [key]))
    return _union(parts) if parts else NOTHING


def contact_ids_sql(query: str, *, fuzzy: bool = False) -> RawSQL | None:
    """The sub-select of matching contact ids, or None for a blank query."""
    parsed = parse_query(query)
    if not (query or "").strip():
        return None
    points = ContactPoint._meta.db_table
    parts: list[tuple[str, list[object]]] = []
    if parsed.words:
        parts.append(backends.document_ids(schema.CONTACTS, parsed.words, fuzzy=fuzzy))
    for key in (parsed.phone_key, parsed.email):
        if key:
            parts.append((f"SELECT contact_id FROM {points} WHERE search_key = %s AND contact_id IS NOT NULL", [key]))
    return _union(parts) if parts else NOTHING


def filter_clients(queryset: QuerySet[Client], query: str, *, fuzzy: bool = False) -> QuerySet[Client]:
    """The clients of ``queryset`` that ``query`` finds (see the module docstring)."""
    ids = client_ids_sql(query, fuzzy=fuzzy)
    if ids is None:
        return queryset
    return queryset.none() if ids is NOTHING else queryset.filter(pk__in=ids)


def filter_contacts(queryset: QuerySet[Contact], query: str, *, fuzzy: bool = False) -> QuerySet[Contact]:
    """The contacts of ``queryset`` that ``query`` finds: names, position, their own phones and emails."""
    ids = contact_ids_sql(query, fuzzy=fuzzy)
    if ids is None:
        return queryset
    return queryset.none() if ids is NOTHING else queryset.filter(pk__in=ids)
