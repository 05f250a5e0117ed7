"""One list machinery for every list screen: search, filters, sortable columns, bounded pagination.

A screen describes itself with a :class:`ListSpec` and hands ``list_context`` a queryset that
already went through the access policy. Pagination fetches one row more than a page instead of
counting, so a page costs the same on a table of ten rows or a million.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kartoteka.core.text import matches_all_words

MAX_OFFSET = 10_000  # beyond this, ask the user to narrow the filter rather than scan


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    value: Callable[[Any], Any]
    sort: str | None = None  # ORM ordering expression; None = not sortable
    link: bool = False  # the cell links to the row's card
    css: str = ""


@dataclass(frozen=True)
class Filter:
    key: str
    label: Any
    lookup: str
    choices: Callable[[Any], Sequence[tuple[str, Any]]]  # (value, label) pairs for the current user


@dataclass(frozen=True)
class ListSpec:
    columns: Sequence[Column]
    default_sort: str
    search_fields: Sequence[str] = ()
    search_placeholder: Any = ""
    filters: Sequence[Filter] = ()
    page_size: int = 50
    row_url: Callable[[Any], str] | None = None
    empty_message: Any = ""


@dataclass
class Cell:
    value: Any
    url: str | None
    css: str


@dataclass
class ListPage:
    spec: ListSpec
    rows: list[tuple[Any, list[Cell]]]
    query: str
    sort: str
    active_filters: dict[str, str]
    filter_options: list[tuple[Filter, Sequence[tuple[str, Any]]]]
    offset: int
    has_next: bool
    params: dict[str, str] = field(default_factory=dict)

    @property
    def first_row(self) -> int:
        return self.offset + 1 if self.rows else 0

    @property
    def last_row(self) -> int:
        return self.offset + len(self.rows)

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    def url_with(self, **changes: Any) -> str:
        params = {**self.params, **{k: str(v) for k, v in changes.items() if v not in (None, "")}}
        for key, value in changes.items():
            if value in (None, ""):
                params.pop(key, None)
        return "?" + urlencode(params)

    @property
    def previous_url(self) -> str:
        return self.url_with(offset=max(self.offset - self.spec.page_size, 0) or None)

    @property
    def next_url(self) -> str:
        return self.url_with(offset=self.offset + self.spec.page_size)

    def sort_url(self, column: Column) -> str:
        if column.sort is None:
            return ""
        descending = self.sort == column.key
        return self.url_with(sort=f"-{column.key}" if descending else column.key, offset=None)

    def sort_state(self, column: Column) -> str:
        if self.sort == column.key:
            return "ascending"
        if self.sort == f"-{column.key}":
            return "descending"
        return "none"

    @property
    def header(self) -> list[tuple[Column, str, str]]:
        return [(column, self.sort_url(column), self.sort_state(column)) for column in self.spec.columns]


def list_context(request: HttpRequest, queryset: models.QuerySet[Any], spec: ListSpec) -> ListPage:
    params: dict[str, str] = {key: str(value) for key, value in request.GET.items() if value}
    query = params.get("q", "").strip()[:200]
    if query and spec.search_fields:
        queryset = queryset.filter(matches_all_words(spec.search_fields, query))

    active_filters: dict[str, str] = {}
    filter_options: list[tuple[Filter, Sequence[tuple[str, Any]]]] = []
    for flt in spec.filters:
        options = list(flt.choices(request.user))
        filter_options.append((flt, options))
        value = params.get(flt.key, "")
        if value and value in {str(option) for option, _label in options}:
            active_filters[flt.key] = value
            queryset = queryset.filter(**{flt.lookup: value})

    sortable = {column.key: column.sort for column in spec.columns if column.sort}
    sort = params.get("sort", spec.default_sort)
    key = sort.removeprefix("-")
    if key not in sortable:
        sort, key = spec.default_sort, spec.default_sort.removeprefix("-")
    expression = sortable[key]
    assert expression is not None
    descending = sort.startswith("-")
    order = [f"-{expression}" if descending else expression, "-pk" if descending else "pk"]

    try:
        offset = min(max(int(params.get("offset", "0")), 0), MAX_OFFSET)
    except ValueError:
        offset = 0
    objects = list(queryset.order_by(*order)[offset : offset + spec.page_size + 1])
    has_next = len(objects) > spec.page_size and offset + spec.page_size <= MAX_OFFSET
    objects = objects[: spec.page_size]

    rows = []
    for obj in objects:
        url = spec.row_url(obj) if spec.row_url else None
        rows.append((obj, [Cell(column.value(obj), url if column.link else None, column.css) for column in spec.columns]))
    clean_params = {k: v for k, v in params.items() if k in {"q", "sort", "offset", *(f.key for f in spec.filters)}}
    return ListPage(
        spec=spec,
        rows=rows,
        query=query,
        sort=sort,
        active_filters=active_filters,
        filter_options=filter_options,
        offset=offset,
        has_next=has_next,
        params=clean_params,
    )


def badge(text: Any, tone: str = "secondary") -> SafeString:
    return format_html('<span class="badge text-bg-{}">{}</span>', tone, text)
