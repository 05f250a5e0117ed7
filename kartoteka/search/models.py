"""The search index: one document per client and one per contact, rebuilt from the card by ``index.py``.

A document is the folded, de-duplicated words that identify its record (``text``) and its folded name
(``name``). The full-text machinery is not described here because the ORM cannot describe it:
``schema.py`` adds FTS5 tables and triggers on SQLite, and a generated ``tsvector`` column with GIN
indexes (full text and trigrams) on PostgreSQL. Ids are plain integers on purpose, not foreign keys:
the index is derived data that clients and contacts know nothing about (merging, which re-points
every relation of a client, and deleting leave it alone; the event handlers keep it in step).
"""

from __future__ import annotations

from django.db import models


class ClientDocument(models.Model):
    client_id = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    text = models.TextField()

    class Meta:
        db_table = "search_client_document"
        default_permissions = ()

    def __str__(self) -> str:
        return f"client {self.client_id}: {self.text[:60]}"


class ContactDocument(models.Model):
    contact_id = models.BigIntegerField(primary_key=True)
    # The contact's client when it was indexed: reindexing a client finds the documents of contacts
    # that were deleted or moved away since.
    client_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=255)
    text = models.TextField()

    class Meta:
        db_table = "search_contact_document"
        default_permissions = ()

    def __str__(self) -> str:
        return f"contact {self.contact_id}: {self.text[:60]}"
