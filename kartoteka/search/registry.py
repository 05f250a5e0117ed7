"""Global search: each kind of record (clients, contacts; later deals, documents…) registers itself.

A kind is a function ``search(user, query, limit) -> list[Hit]`` that returns at most ``limit`` hits,
best first, among the records ``user`` may see (it starts from ``access.visible``). It costs a
constant number of queries. The top bar's drop-down, the search page and the API ask every kind in
``order`` and show the hits grouped by kind.

    from kartoteka.search.registry import Hit, SearchKind, register

    register(SearchKind(key="deals", label=_("Deals"), order=30, search=search_deals))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.users.models import User

    Viewer = User | AnonymousUser


@dataclass(frozen=True)
class Hit:
    title: str
    subtitle: str
    url: str
    kind: str


@dataclass(frozen=True)
class SearchKind:
    key: str
    label: Any  # a lazy translation
    order: int
    search: Callable[[Viewer, str, int], list[Hit]]
    # The API token area that must be readable for this kind to be searched through the API.
    api_area: str = "clients"


@dataclass(frozen=True)
class Group:
    kind: SearchKind
    hits: list[Hit]
    has_more: bool


_kinds: dict[str, SearchKind] = {}


def register(kind: SearchKind) -> SearchKind:
    if kind.key in _kinds and _kinds[kind.key].search is not kind.search:
        raise ValueError(f"A search kind {kind.key!r} is already registered.")
    _kinds[kind.key] = kind
    return kind


def unregister(key: str) -> None:
    _kinds.pop(key, None)


def kinds() -> list[SearchKind]:
    return sorted(_kinds.values(), key=lambda kind: (kind.order, kind.key))


def get(key: str) -> SearchKind:
    return _kinds[key]


def search(viewer: Viewer, query: str, *, limit: int, keys: Iterable[str] | None = None) -> list[Group]:
    """Up to ``limit`` hits of each kind (all kinds, or those named in ``keys``), with "is there more"."""
    wanted = None if keys is None else set(keys)
    groups = []
    for kind in kinds():
        if wanted is not None and kind.key not in wanted:
            continue
        hits = kind.search(viewer, query, limit + 1)
        groups.append(Group(kind=kind, hits=hits[:limit], has_more=len(hits) > limit))
    return groups
