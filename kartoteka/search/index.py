"""Keeping the search index in step with clients and contacts.

``reindex_clients`` rebuilds the documents of some clients and of all their contacts, writing only
the documents that changed; the event handlers call it after every client and contact change.

``rebuild_all`` rebuilds everything in one transaction (the ``search_rebuild`` command, the bench
after its bulk load, a restore from backup). Documents are built in batches of consecutive client
ids, loaded in bulk (``COPY`` on PostgreSQL) with the full-text triggers (SQLite) or indexes
(PostgreSQL) out of the way, and the full-text indexes are then built once: several times faster
than feeding them row by row. Searches and index writes wait while it runs.
"""

# Table and column names in the SQL below are this app's constants; what people type only ever travels as a
# query parameter.
# ruff: noqa: S608

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q

from kartoteka.clients.models import Client
from kartoteka.search import documents, schema
from kartoteka.search.models import ClientDocument, ContactDocument

logger = logging.getLogger(__name__)

BATCH = 2000  # clients per round of reads (with about three times as many contacts)
INSERT_BATCH = 1000


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, size)):
        yield chunk


def reindex_clients(client_ids: Iterable[int | None]) -> None:
    """Bring the documents of these clients and of their contacts up to date (deleted clients: removed)."""
    ids = sorted({int(pk) for pk in client_ids if pk is not None})
    for chunk in _chunks(ids, BATCH):
        with transaction.atomic():
            _reindex_chunk(chunk)


def _reindex_chunk(client_ids: list[int]) -> None:
    fresh = documents.build(client_ids)
    current_clients = ClientDocument.objects.filter(pk__in=client_ids).values_list("client_id", "name", "text")
    _replace(ClientDocument, [documents.ClientEntry(*row) for row in current_clients], fresh.clients)
    # Contacts of these clients as indexed before (some deleted or moved away since) and as they are now
    # (some moved in from another client).
    contact_ids = [entry.contact_id for entry in fresh.contacts]
    current_contacts = ContactDocument.objects.filter(Q(client_id__in=client_ids) | Q(pk__in=contact_ids)).values_list(
        "contact_id", "client_id", "name", "text"
    )
    _replace(ContactDocument, [documents.ContactEntry(*row) for row in current_contacts], fresh.contacts)


def _replace(model: type[models.Model], current: Sequence[tuple[Any, ...]], wanted: Sequence[tuple[Any, ...]]) -> None:
    """Delete what is gone or changed, insert what is new or changed; unchanged rows are not touched."""
    unchanged = set(current) & set(wanted)
    stale = [row[0] for row in current if row not in unchanged]
    new = [row for row in wanted if row not in unchanged]
    if stale:
        model._default_manager.filter(pk__in=stale).delete()
    if new:
        model._default_manager.bulk_create([model(**row._asdict()) for row in new], batch_size=INSERT_BATCH)  # type: ignore[attr-defined]


def rebuild_all(*, batch: int = BATCH) -> int:
    """Rebuild the whole index from the clients and contacts tables; returns the number of documents."""
    started = time.monotonic()
    total = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in _before_bulk_load():
            cursor.execute(statement)
        load = _copy if connection.vendor == "postgresql" else _insert
        last_id = 0
        while True:
            chunk = list(Client.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch])
            if not chunk:
                break
            last_id = chunk[-1]
            fresh = documents.build_range(chunk[0], chunk[-1])
            load(cursor, schema.CLIENTS.table, ("client_id", "name", "text"), fresh.clients)
            load(cursor, schema.CONTACTS.table, ("contact_id", "client_id", "name", "text"), fresh.contacts)
            total += len(fresh.clients) + len(fresh.contacts)
        for statement in _after_bulk_load():
            cursor.execute(statement)
    logger.info("Search index rebuilt: %d documents in %.1f s", total, time.monotonic() - started)
    return total


Loader = Callable[[Any, str, Sequence[str], Sequence[tuple[Any, ...]]], None]


def _insert(cursor: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    placeholders = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def _copy(cursor: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _before_bulk_load() -> list[str]:
    tables = [table.table for table in schema.TABLES]
    if connection.vendor == "sqlite":
        return [*schema.sqlite_drop_triggers(), *(f"DELETE FROM {table}" for table in tables)]
    if connection.vendor == "postgresql":
        return [*schema.postgres_drop_indexes(), f"TRUNCATE {', '.join(tables)}"]
    return [f"DELETE FROM {table}" for table in tables]


def _after_bulk_load() -> list[str]:
    if connection.vendor == "sqlite":
        return [*schema.sqlite_rebuild(), *schema.sqlite_create_triggers()]
    if connection.vendor == "postgresql":
        return [
            # GIN builds fastest when the whole index fits in memory; only for this transaction.
            "SET LOCAL maintenance_work_mem = '1GB'",
            *schema.postgres_create_indexes(),
            *(f"ANALYZE {table.table}" for table in schema.TABLES),
        ]
    return []
