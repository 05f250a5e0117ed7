"""The database-specific half of search: SQL that finds document ids for a list of folded words.

Every word is required. A word matches the beginning of any word of the document ("ром" finds
«Ромашка», "7707" an INN, "ivan" ivan.petrov@…); a word of three characters or more also matches
anywhere inside the name ("снаб" finds «Техноснаб»). ``schema.py`` describes the indexes.

* SQLite (FTS5): prefixes through the ``unicode61`` index of ``text``, substrings of the name through
  the trigram index of ``name``.
* PostgreSQL: prefixes through ``simple`` full text, substrings of the name through ``LIKE`` on the
  ``pg_trgm`` index, and a word of three characters or more also matches its Russian stem
  (``russian`` full text: «ромашки» finds «Ромашка»). With ``fuzzy``, a word of five letters or more
  may also be a typo of the name or of a word of it (``pg_trgm`` similarity and word similarity, at
  their default thresholds 0.3 and 0.6).

Words come from :func:`kartoteka.search.text.tokens`: letters and digits only, so nothing in them can
break out of an FTS5 string or a ``tsquery``.
"""

# Table and column names in the SQL below are this app's constants; what people type only ever travels as a
# query parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from kartoteka.search.schema import DocumentTable

SHORT = 3  # shorter words are only prefixes (a trigram needs three characters)
FUZZY_MIN = 5  # shorter words have too few trigrams for typo matching to mean anything

Sql = tuple[str, list[object]]


def supports_fuzzy() -> bool:
    return connection.vendor == "postgresql"


def document_ids(table: DocumentTable, words: Sequence[str], *, fuzzy: bool = False) -> Sql:
    if connection.vendor == "postgresql":
        return _postgres(table, words, fuzzy=fuzzy)
    if connection.vendor == "sqlite":
        return _sqlite(table, words)
    raise NotImplementedError(f"Search does not support the {connection.vendor} database.")


def _sqlite(table: DocumentTable, words: Sequence[str]) -> Sql:
    selects: list[str] = []
    params: list[object] = []
    for word in words:
        select = f"SELECT rowid AS id FROM {table.words_table} WHERE {table.words_table} MATCH %s"
        params.append(f'"{word}"*')
        if len(word) >= SHORT:
            select += f" UNION SELECT rowid AS id FROM {table.trigram_table} WHERE {table.trigram_table} MATCH %s"
            params.append(f'"{word}"')
        selects.append(select)
    if len(selects) == 1:
        return selects[0], params
    return " INTERSECT ".join(f"SELECT id FROM ({select})" for select in selects), params


def _postgres(table: DocumentTable, words: Sequence[str], *, fuzzy: bool) -> Sql:
    conditions: list[str] = []
    params: list[object] = []
    for word in words:
        if len(word) < SHORT:
            alternatives = ["vector @@ to_tsquery('simple'::regconfig, %s)"]
            params.append(f"{word}:*")
        else:
            # One GIN scan for the prefix and the stem, one trigram scan for the name.
            alternatives = [
                "vector @@ (to_tsquery('simple'::regconfig, %s) || plainto_tsquery('russian'::regconfig, %s))",
                "name LIKE %s",
            ]
            params += [f"{word}:*", word, f"%{word}%"]
        if fuzzy and len(word) >= FUZZY_MIN and word.isalpha():
            # Similar to the whole name (short names: «Ромашка» for "ромошка"), or to a word of it.
            alternatives += ["name %% %s", "%s <%% name"]
            params += [word, word]
        conditions.append(f"({' OR '.join(alternatives)})")
    return f"SELECT {table.key} FROM {table.table} WHERE {' AND '.join(conditions)}", params


def materialized(sql: str) -> str:
    """The ids of ``sql`` as a sub-select the planner computes first, then joins by primary key.

    PostgreSQL cannot estimate how many documents full-text and trigram conditions match, and with a
    low guess it walks the caller's ORDER BY index row by row, probing each one (a second for a
    common surname over 300,000 contacts). ``unnest(ARRAY(…))`` makes the matches an init plan: found
    once through the GIN indexes, then fetched by id and sorted, which is what a search needs.
    SQLite plans ``IN (…)`` that way by itself.
    """
    if connection.vendor == "postgresql":
        return f"SELECT unnest(ARRAY({sql}))"
    return sql
