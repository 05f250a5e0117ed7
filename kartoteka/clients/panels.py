"""The client card is assembled from registered panels, so later issues add theirs (activities,
deals, documents, analytics) without editing a monolithic template.

A panel names a template and a function that loads its data for one client; the card renders the
panels the viewer may use, in order, in the main column or the side column. A header note is one
line of text another app adds to the header strip (the service-level prompt).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.http import HttpRequest

from kartoteka.clients.models import Client


def _always(user: Any) -> bool:
    return True


@dataclass(frozen=True)
class Panel:
    key: str
    label: Any  # a lazy translation
    template: str  # rendered with the card's context plus what ``context`` returns
    context: Callable[[HttpRequest, Client], dict[str, Any]] = field(default=lambda request, client: {})
    order: int = 100
    column: Literal["main", "side"] = "main"
    allowed: Callable[[Any], bool] = _always
    collapsed: bool = False  # start folded (heavy or rarely used panels)


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    _panels[panel.key] = panel
    return panel


def panels_for(user: Any, column: str | None = None) -> list[Panel]:
    return sorted(
        (p for p in _panels.values() if (column is None or p.column == column) and p.allowed(user)),
        key=lambda p: (p.order, p.key),
    )


@dataclass(frozen=True)
class HeaderNote:
    key: str
    text: Callable[[HttpRequest, Client], str]  # "" shows nothing; one query per card at most
    order: int = 100


_header_notes: dict[str, HeaderNote] = {}


def register_header_note(note: HeaderNote) -> HeaderNote:
    _header_notes[note.key] = note
    return note


def header_notes(request: HttpRequest, client: Client) -> list[tuple[str, str]]:
    """(key, text) of every registered note that has something to say about ``client``, in order."""
    notes = sorted(_header_notes.values(), key=lambda note: (note.order, note.key))
    return [(note.key, text) for note in notes if (text := note.text(request, client))]
