"""Russian is complete; every catalogue's compiled .mo matches its .po (nobody forgot `make messages`)."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

LOCALES = Path(settings.BASE_DIR) / "locale"


def parse_po(path: Path) -> list[dict[str, object]]:
    """A small .po reader: enough for catalogues written by gettext tools."""
    entries: list[dict[str, object]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, object] = {"flags": [], "msgstr": {}}
        key: str | None = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] = [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if key and key.startswith("msgstr["):
                    entry["msgstr"][key] += value  # type: ignore[index]
                elif key:
                    entry[key] = entry.get(key, "") + value  # type: ignore[operator]
            else:
                key, _, rest = line.partition(" ")
                value = ast.literal_eval(rest)
                if key.startswith("msgstr"):
                    key = key if key.startswith("msgstr[") else "msgstr[0]"
                    entry["msgstr"][key] = value  # type: ignore[index]
                else:
                    entry[key] = value
        if "msgid" in entry:
            entries.append(entry)
    return entries


def test_russian_is_complete():
    entries = [e for e in parse_po(LOCALES / "ru/LC_MESSAGES/django.po") if e["msgid"]]
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]  # type: ignore[attr-defined]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]  # type: ignore[operator]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", ["ru", "uk", "ro"])
def test_compiled_catalogue_matches_its_source(language):
    folder = LOCALES / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in parse_po(folder / "django.po"):
        if not entry["msgid"] or "fuzzy" in entry["flags"] or "msgid_plural" in entry:  # type: ignore[operator]
            continue
        text = entry["msgstr"]["msgstr[0]"]  # type: ignore[index]
        if not text:
            continue
        msgid = f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]
        assert compiled.gettext(msgid) == text, f"{language}: run `make messages` ({entry['msgid']!r})"  # type: ignore[arg-type]
