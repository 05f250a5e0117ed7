"""Company names reduced to what distinguishes them, for duplicate checks and sorting-free search.

«ООО "Ромашка"», "Romashka LLC" and "ромашка, ооо" differ only in legal form, quotes and case.
"""

from __future__ import annotations

import re

LEGAL_FORM_WORDS = {
    # ru / uk
    "ооо", "оао", "зао", "пао", "ао", "ип", "чп", "тов", "пп", "фоп", "пат", "прат", "тд", "нпо", "гк", "ук",
    "общество с ограниченной ответственностью", "акционерное общество", "публичное акционерное общество",
    "закрытое акционерное общество", "открытое акционерное общество", "индивидуальный предприниматель",
    "товариство з обмеженою відповідальністю", "приватне підприємство", "фізична особа-підприємець",
    # ro / md / en / de
    "srl", "s.r.l", "sa", "s.a", "pfa", "ii", "llc", "ltd", "inc", "corp", "co", "plc", "gmbh", "ag", "oy", "ab",
    "societate cu răspundere limitată",
}  # fmt: skip

_QUOTES = re.compile(r"[«»\"'“”„‚‘’`]")
_PUNCTUATION = re.compile(r"[^\w\s-]")
_SPACES = re.compile(r"\s+")
_LONG_FORMS = sorted((form for form in LEGAL_FORM_WORDS if " " in form), key=len, reverse=True)


def name_key(name: str) -> str:
    """Lower-cased name without legal form, quotes and punctuation; ё folded to е."""
    text = _QUOTES.sub(" ", (name or "").lower().replace("ё", "е"))
    for form in _LONG_FORMS:
        text = text.replace(form, " ")
    text = _PUNCTUATION.sub(" ", text.replace("s.r.l.", " ").replace("s.a.", " "))
    words = [word for word in _SPACES.split(text) if word and word not in LEGAL_FORM_WORDS]
    return " ".join(words)[:255]
