"""Folding and splitting text the same way for what is indexed and for what people type.

Both sides go through :func:`fold`, so matching never depends on the database: SQLite's LOWER()
and LIKE know only ASCII, FTS5's ``remove_diacritics`` knows only Latin letters, and «Ёлка» must
still be found by "елка". Cyrillic keeps its letters (й stays й); Latin letters lose their accents
(Romanian ș, ț, ă, î match s, t, a, i).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Letters and digits; the underscore is a separator, as it is for FTS5's unicode61 tokenizer.
_TOKEN = re.compile(r"[^\W_]+")
_PHONE_LIKE = re.compile(r"[\d\s()+\-./]+")
MAX_QUERY_TOKENS = 8


def _folding_table() -> dict[int, str]:
    # Accented Latin letters (Latin-1 to Latin Extended-B, Greek untouched) lose their accents: "ș" → "s".
    table = {ord("ё"): "е"}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = "".join(part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part))
        if char.isalpha() and base != char and base.isalpha():
            table[code] = base
    return table


_FOLDING = _folding_table()
_ACCENTED = re.compile("[" + "".join(chr(code) for code in _FOLDING if code >= 0xC0 and code < 0x250) + "]")


def fold(text: str) -> str:
    """Lower case, ё → е, Latin accents removed."""
    folded = (text or "").lower().replace("ё", "е")
    # translate() with a dict is slow per character: only for the rare text that needs it.
    return folded.translate(_FOLDING) if _ACCENTED.search(folded) else folded


def tokens(text: str) -> list[str]:
    """The folded words of ``text`` in order."""
    return _TOKEN.findall(fold(text))


def unique_tokens(parts: Iterable[str]) -> list[str]:
    """Folded words of all ``parts``, each once, in order of first appearance."""
    return list(dict.fromkeys(tokens(" ".join(parts))))


def is_phone_like(query: str) -> bool:
    """Only digits and what people put between them in a phone number."""
    return bool(_PHONE_LIKE.fullmatch(query.strip())) and any(char.isdigit() for char in query)
