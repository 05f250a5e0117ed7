"""What the index holds for a client and for a contact: the words that identify them.

A client's document: its name and legal form, full legal name, director, every requisite code, its
website, every phone (the ten-digit search key and its last seven digits), email and messenger of the client and of its
contacts, and its contacts' names, so "Ромашка Иванов" finds the company where Ivanov works. A
contact's document: the person's names, position and their own phones, emails and messengers.
Free text (notes, motivations) stays out: search finds records by what identifies them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import models

from kartoteka.clients.models import Client
from kartoteka.contacts.models import Contact, ContactPoint, ContactPointKind
from kartoteka.search.text import tokens, unique_tokens

REQUISITE_CODES = ("inn", "kpp", "ogrn", "okpo", "edrpou", "ipn", "cui", "reg_com", "idno")
_URL_NOISE = re.compile(r"^(https?://)?(www\.)?", re.IGNORECASE)


class ClientEntry(NamedTuple):
    """One row of ``ClientDocument``."""

    client_id: int
    name: str
    text: str


class ContactEntry(NamedTuple):
    """One row of ``ContactDocument``."""

    contact_id: int
    client_id: int
    name: str
    text: str


@dataclass
class Documents:
    clients: list[ClientEntry]
    contacts: list[ContactEntry]


def _point_words(kind: str, value: str, search_key: str) -> str:
    if kind == ContactPointKind.PHONE:
        # The whole key ("4951234567") and the local number ("1234567", as typed without the area code).
        return f"{search_key} {search_key[-7:]}"
    if kind == ContactPointKind.EMAIL:
        return value
    # Messengers: a handle ("@ivan_petrov") or a phone number.
    return search_key if value.startswith("+") else value


@dataclass(frozen=True)
class Sources:
    """The models documents are read from: the real ones, or a migration's historical ones."""

    client: type[models.Model] = Client
    contact: type[models.Model] = Contact
    point: type[models.Model] = ContactPoint


def build(client_ids: Sequence[int], sources: Sources = Sources()) -> Documents:
    """Documents of the clients among ``client_ids`` that exist, and of all their contacts: three queries."""
    ids = list(client_ids)
    return _build({"pk__in": ids}, {"client_id__in": ids}, sources)


def build_range(first_id: int, last_id: int, sources: Sources = Sources()) -> Documents:
    """Documents of the clients with ids from ``first_id`` to ``last_id``: index range scans, for bulk rebuilds."""
    return _build({"pk__gte": first_id, "pk__lte": last_id}, {"client_id__gte": first_id, "client_id__lte": last_id}, sources)


def _build(clients: dict[str, object], related: dict[str, object], sources: Sources) -> Documents:
    client_rows = (
        sources.client._default_manager.filter(**clients)
        .order_by("pk")
        .values_list(
            "pk",
            "name",
            "legal_form__abbreviation",
            "website",
            "tax_id",
            "requisites__full_name",
            "requisites__director",
            *(f"requisites__{code}" for code in REQUISITE_CODES),
        )
    )
    return _documents(
        list(client_rows),
        sources.contact._default_manager.filter(**related)
        .order_by()
        .values_list("pk", "client_id", "last_name", "first_name", "patronymic", "position"),
        sources.point._default_manager.filter(**related)
        .order_by()
        .values_list("client_id", "contact_id", "kind", "value", "search_key"),
    )


def _documents(
    client_rows: list[tuple[Any, ...]],
    contact_rows: Iterable[tuple[int, int, str, str, str, str]],
    point_rows: Iterable[tuple[int, int | None, str, str, str]],
) -> Documents:
    client_points: defaultdict[int, list[str]] = defaultdict(list)
    contact_points: defaultdict[int, list[str]] = defaultdict(list)
    for client_id, contact_id, kind, value, search_key in point_rows:
        words = _point_words(kind, value, search_key)
        client_points[client_id].append(words)
        if contact_id is not None:
            contact_points[contact_id].append(words)

    people: defaultdict[int, list[str]] = defaultdict(list)
    contacts: list[ContactEntry] = []
    for contact_id, client_id, last_name, first_name, patronymic, position in contact_rows:
        full_name = " ".join(tokens(f"{last_name} {first_name} {patronymic}"))
        people[client_id].append(full_name)
        contacts.append(
            ContactEntry(
                contact_id,
                client_id,
                full_name[:255],
                " ".join(unique_tokens([full_name, position, *contact_points[contact_id]])),
            )
        )

    clients: list[ClientEntry] = []
    for pk, name, abbreviation, website, tax_id, full_name, director, *codes in client_rows:
        parts = [
            str(name),
            str(abbreviation or ""),
            str(full_name or ""),
            str(director or ""),
            str(tax_id or ""),
            *(str(code or "") for code in codes),
            _URL_NOISE.sub("", str(website or "")),
            *client_points[pk],
            *people[pk],
        ]
        clients.append(ClientEntry(pk, " ".join(tokens(str(name)))[:255], " ".join(unique_tokens(parts))))
    return Documents(clients=clients, contacts=contacts)
