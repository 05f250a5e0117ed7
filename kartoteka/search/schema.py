"""The database objects of the search index that Django's ORM cannot describe, per database.

Each document table (``search_client_document``, ``search_contact_document``) has two indexes:

* over ``text`` (every identifying word): word prefixes, and on PostgreSQL Russian stems;
* over ``name`` (the client's or the person's name): substrings of three characters or more («снаб»
  inside «Техноснаб»), and on PostgreSQL typos.

SQLite: FTS5 "external content" tables reading the document tables, ``*_words`` (``unicode61
remove_diacritics 2`` with a two-character prefix index) over ``text`` and ``*_trigram`` (the
``trigram`` tokenizer) over ``name``. Triggers on the document tables keep them in step with every
insert, update and delete, whoever makes it (the index code, a test database flush, a manual fix).

PostgreSQL: a generated ``vector`` column (``russian`` stems + ``simple`` words) with a GIN index, and
a ``pg_trgm`` GIN index on ``name``. Substrings are indexed for names only on purpose: a trigram index
over every word of 100,000 clients (digits of all their codes and phones included) would more than
double the time to rebuild the index and the size of it, for matches nobody types.

Migration 0001 creates these objects; ``index.rebuild_all`` drops and re-creates the triggers and
indexes around a bulk load, which is several times faster than feeding them row by row. A migration
that alters a document table must re-create them (on SQLite Django rebuilds an altered table, and
the triggers go with the old one).
"""

# Table and column names in the SQL below are this app's constants; what people type only ever travels as a
# query parameter.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class DocumentTable:
    table: str
    key: str  # the id column: the FTS5 rowid on SQLite
    prefix: str  # of the FTS5 tables, triggers and PostgreSQL indexes

    @property
    def words_table(self) -> str:
        return f"{self.prefix}_words"

    @property
    def trigram_table(self) -> str:
        return f"{self.prefix}_trigram"


CLIENTS = DocumentTable("search_client_document", "client_id", "search_client")
CONTACTS = DocumentTable("search_contact_document", "contact_id", "search_contact")
TABLES = (CLIENTS, CONTACTS)


# --- SQLite -------------------------------------------------------------------------------------------


def _sqlite_fts(table: DocumentTable) -> list[str]:
    content = f"content='{table.table}', content_rowid='{table.key}'"
    return [
        f"CREATE VIRTUAL TABLE {table.words_table} USING fts5("
        f"text, {content}, tokenize='unicode61 remove_diacritics 2', prefix='2')",
        f"CREATE VIRTUAL TABLE {table.trigram_table} USING fts5(name, {content}, tokenize='trigram')",
    ]


def _sqlite_triggers(table: DocumentTable) -> list[str]:
    words, trigram, key = table.words_table, table.trigram_table, table.key
    insert = (
        f"INSERT INTO {words}(rowid, text) VALUES (new.{key}, new.text); "
        f"INSERT INTO {trigram}(rowid, name) VALUES (new.{key}, new.name); "
    )
    delete = (
        f"INSERT INTO {words}({words}, rowid, text) VALUES ('delete', old.{key}, old.text); "
        f"INSERT INTO {trigram}({trigram}, rowid, name) VALUES ('delete', old.{key}, old.name); "
    )
    return [
        f"CREATE TRIGGER {table.prefix}_ai AFTER INSERT ON {table.table} BEGIN {insert}END",
        f"CREATE TRIGGER {table.prefix}_ad AFTER DELETE ON {table.table} BEGIN {delete}END",
        f"CREATE TRIGGER {table.prefix}_au AFTER UPDATE ON {table.table} BEGIN {delete}{insert}END",
    ]


def sqlite_create_triggers() -> list[str]:
    return [statement for table in TABLES for statement in _sqlite_triggers(table)]


def sqlite_drop_triggers() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table.prefix}_{suffix}" for table in TABLES for suffix in ("ai", "ad", "au")]


def sqlite_rebuild() -> list[str]:
    """Re-read every FTS5 index from its document table (after a bulk load without triggers)."""
    return [
        f"INSERT INTO {name}({name}) VALUES ('rebuild')" for table in TABLES for name in (table.words_table, table.trigram_table)
    ]


# --- PostgreSQL ---------------------------------------------------------------------------------------


def _postgres_columns(table: DocumentTable) -> list[str]:
    return [
        f"ALTER TABLE {table.table} ADD COLUMN vector tsvector GENERATED ALWAYS AS "
        "(to_tsvector('russian'::regconfig, text) || to_tsvector('simple'::regconfig, text)) STORED",
    ]


def postgres_create_indexes() -> list[str]:
    return [
        statement
        for table in TABLES
        for statement in (
            f"CREATE INDEX {table.prefix}_vector_idx ON {table.table} USING gin (vector)",
            f"CREATE INDEX {table.prefix}_name_trgm_idx ON {table.table} USING gin (name gin_trgm_ops)",
        )
    ]


def postgres_drop_indexes() -> list[str]:
    return [f"DROP INDEX IF EXISTS {table.prefix}_{suffix}_idx" for table in TABLES for suffix in ("vector", "name_trgm")]


# --- Both ---------------------------------------------------------------------------------------------


def create_statements(connection: BaseDatabaseWrapper) -> list[str]:
    if connection.vendor == "sqlite":
        # 'rebuild' indexes whatever the document tables already hold.
        return [*(s for table in TABLES for s in _sqlite_fts(table)), *sqlite_rebuild(), *sqlite_create_triggers()]
    if connection.vendor == "postgresql":
        return [*(s for table in TABLES for s in _postgres_columns(table)), *postgres_create_indexes()]
    return []


def drop_statements(connection: BaseDatabaseWrapper) -> list[str]:
    if connection.vendor == "sqlite":
        return [
            *sqlite_drop_triggers(),
            *(f"DROP TABLE IF EXISTS {name}" for table in TABLES for name in (table.words_table, table.trigram_table)),
        ]
    if connection.vendor == "postgresql":
        return [*postgres_drop_indexes(), *(f"ALTER TABLE {table.table} DROP COLUMN IF EXISTS vector" for table in TABLES)]
    return []
