"""One list machinery for every list screen: search, filters, sortable and choosable columns, bounded pagination.

A screen describes itself with a :class:`ListSpec` and hands ``list_context`` a queryset that
already went through the access policy. The same parameters (``q``, filters, ``sort``, ``cols``)
drive the page, its htmx fragment, saved views and exports, so a URL always reproduces a view.

Pagination fetches one row more than a page instead of counting, so a page costs the same on a
table of ten rows or a million; a screen may ask for a *capped* count (``count_cap``), which stops
scanning after that many rows and then says "10,000+" instead of an exact figure.

The endpoints every list screen shares (saved views, people pickers) are in :mod:`kartoteka.core.list_views`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db import models
from django.db.models.expressions import BaseExpression
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from kartoteka.core.text import matches_all_words

MAX_OFFSET = 10_000  # beyond this, ask the user to narrow the filter rather than scan
MAX_VALUES = 50  # values per filter: enough for any real choice, small enough to keep SQL sane
MAX_QUERY = 200

Params = dict[str, list[str]]
SortSpec = str | BaseExpression | Sequence[str | BaseExpression]


class FilterKind:
    SELECT = "select"  # one value from a drop-down
    MULTI = "multi"  # any of several checked values
    DATE_RANGE = "date_range"  # "<key>_from" / "<key>_to", inclusive local dates
    TEXT = "text"  # a free value (custom fields)
    # Any of several values picked from a list too long to render (people): the panel shows only the
    # chosen ones plus a search box that fetches matches from ``lookup_url``; ``resolve`` checks values.
    LOOKUP = "lookup"


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    value: Callable[[Any], Any]
    # ORM ordering: a field, an expression, or several of them; the primary key is always appended.
    sort: SortSpec | None = None
    link: bool = False  # the cell links to the row's card
    css: str = ""
    default: bool = True  # shown until the user chooses columns
    required: bool = False  # cannot be hidden
    # Called once with the page's objects before any cell is rendered: batch-load what the cells need.
    prepare: Callable[[list[Any]], None] | None = None


@dataclass(frozen=True)
class Filter:
    key: str
    label: Any
    lookup: str = ""  # the ORM lookup for one value; MULTI filters use "<lookup>__in"
    # (value, label) pairs for the current user; only called when the panel or an active value needs them.
    choices: Callable[[Any], Sequence[tuple[str, Any]]] | None = None
    kind: str = FilterKind.SELECT
    # ``apply(queryset, values, params)`` for filters that are more than one lookup.
    apply: Callable[[models.QuerySet[Any], list[str], Params], models.QuerySet[Any]] | None = None
    # Values are checked by ``coerce`` (raise ValueError to drop one) instead of against ``choices``:
    # no query is needed to validate an id, and the queryset is access-scoped anyway.
    coerce: Callable[[str], Any] | None = None
    # A checkbox that modifies this filter ("include sub-teams"): its parameter name and label.
    flag_param: str = ""
    flag_label: Any = ""
    group: Any = ""  # a heading in the side panel
    # ``text`` kinds: how a value is shown on its chip (defaults to the raw value).
    describe: Callable[[str], Any] | None = None
    # ``lookup`` kinds: ``resolve(user, raw_values)`` returns the valid (value, label) pairs, turning
    # typed text (the no-JavaScript fallback) into values; ``lookup_url`` returns matching options.
    resolve: Callable[[Any, list[str]], Sequence[tuple[str, Any]]] | None = None
    lookup_url: Any = ""

    def param_keys(self) -> tuple[str, ...]:
        if self.kind == FilterKind.DATE_RANGE:
            return (f"{self.key}_from", f"{self.key}_to")
        return (self.key, self.flag_param) if self.flag_param else (self.key,)


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
    # ``search(queryset, query)`` replaces the plain "every word in one of search_fields" match.
    search: Callable[[models.QuerySet[Any], str], models.QuerySet[Any]] | None = None
    count_cap: int | None = None  # count matching rows up to this many (None: never count)
    choosable_columns: bool = False  # the user picks visible columns ("cols" parameter)
    selectable: bool = False  # rows get checkboxes for bulk actions
    layout: str = "bar"  # "bar": filters in one row; "panel": a collapsible side panel
    toolbar_template: str = ""  # extra toolbar items (saved views…) included by list_filters.html
    results_template: str = ""  # extra items above the results (export…) included by list_results.html
    empty_all_message: Any = ""  # shown when nothing exists at all (no search or filter active)
    empty_all_url: Any = ""
    empty_all_action: Any = ""
    # Called once with the page's objects before any cell: load what rows show without joining it.
    prepare_rows: Callable[[list[Any]], None] | None = None

    @property
    def default_column_keys(self) -> str:
        return " ".join(column.key for column in self.columns if column.default or column.required)

    @property
    def has_search(self) -> bool:
        return bool(self.search_fields) or self.search is not None

    def param_keys(self) -> list[str]:
        """Every parameter the list reads, in the order URLs show them."""
        keys = ["q"]
        for flt in self.filters:
            keys.extend(flt.param_keys())
        keys.append("sort")
        if self.choosable_columns:
            keys.append("cols")
        keys.append("offset")
        return keys


@dataclass
class Cell:
    value: Any
    url: str | None
    css: str


@dataclass
class Option:
    value: str
    label: Any
    selected: bool


@dataclass
class FilterState:
    """One filter as the panel shows it: its options (when loaded) and what is chosen."""

    filter: Filter
    values: list[str]
    options: list[Option] | None
    extra: dict[str, str] = field(default_factory=dict)
    flag: bool = False

    @property
    def key(self) -> str:
        return self.filter.key

    @property
    def active(self) -> bool:
        return bool(self.values)

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""

    @property
    def date_from(self) -> str:
        return self.extra.get("from", "")

    @property
    def date_to(self) -> str:
        return self.extra.get("to", "")


@dataclass
class Chip:
    """An active filter value with a link that removes it."""

    label: Any
    value: Any
    remove_url: str
    param: str
    param_value: str


@dataclass
class ColumnChoice:
    column: Column
    visible: bool


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
    params: Params = field(default_factory=dict)
    path: str = ""
    columns: list[Column] = field(default_factory=list)
    column_choices: list[ColumnChoice] = field(default_factory=list)
    filter_states: list[FilterState] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)
    total: int | None = None
    total_exact: bool = True

    @property
    def first_row(self) -> int:
        return self.offset + 1 if self.rows else 0

    @property
    def last_row(self) -> int:
        return self.offset + len(self.rows)

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def is_filtered(self) -> bool:
        """A search or filter narrows the list (decides between the two empty states)."""
        return bool(self.query or self.chips)

    @property
    def active_filter_count(self) -> int:
        return sum(1 for state in self.filter_states if state.active)

    def url_with(self, **changes: Any) -> str:
        params = {key: list(values) for key, values in self.params.items()}
        for key, value in changes.items():
            if value in (None, "", []):
                params.pop(key, None)
            elif isinstance(value, list | tuple):
                params[key] = [str(v) for v in value]
            else:
                params[key] = [str(value)]
        return "?" + urlencode(params, doseq=True)

    @property
    def querystring(self) -> str:
        """The current state without the page position: for exports, saved views and bulk actions."""
        return self.url_with(offset=None)[1:]

    @property
    def previous_url(self) -> str:
        return self.url_with(offset=max(self.offset - self.spec.page_size, 0) or None)

    @property
    def next_url(self) -> str:
        return self.url_with(offset=self.offset + self.spec.page_size)

    @property
    def clear_url(self) -> str:
        """Back to everything, keeping sort and columns (``reset`` stops a default view from applying)."""
        keep: dict[str, list[str]] = {key: self.params[key] for key in ("sort", "cols") if key in self.params}
        return "?" + urlencode({**keep, "reset": ["1"]}, doseq=True)

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
        return [(column, self.sort_url(column), self.sort_state(column)) for column in self.columns]


# --- Reading parameters -----------------------------------------------------------------------------


def read_params(source: QueryDict | Mapping[str, Any], spec: ListSpec) -> Params:
    """The list parameters this spec understands, each as a list of non-empty strings (bounded)."""
    known = spec.param_keys()
    params: Params = {}
    for key in known:
        raw: Sequence[Any]
        if isinstance(source, QueryDict):
            raw = source.getlist(key)
        else:
            value = source.get(key)
            raw = value if isinstance(value, list | tuple) else ([] if value is None else [value])
        values = []
        for item in raw[:MAX_VALUES]:
            text = str(item).strip()[:MAX_QUERY]
            if text and text not in values:
                values.append(text)
        if values:
            params[key] = values
    return params


def _parse_date(raw: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        return None


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _ordering(expression: SortSpec, descending: bool) -> list[Any]:
    parts: Sequence[Any] = [expression] if isinstance(expression, str | BaseExpression) else expression
    order: list[Any] = []
    for part in parts:
        if isinstance(part, str):
            order.append(f"-{part}" if descending else part)
        else:
            order.append(part.desc(nulls_last=True) if descending else part.asc(nulls_last=True))
    order.append("-pk" if descending else "pk")
    return order


@dataclass
class Applied:
    """The outcome of applying parameters to a queryset: what the page and exports both need."""

    queryset: models.QuerySet[Any]
    params: Params
    query: str
    sort: str
    states: list[FilterState]


def apply_params(
    queryset: models.QuerySet[Any], spec: ListSpec, params: Params, *, user: Any, load_options: bool = True
) -> Applied:
    """Search, filter and sort ``queryset`` by ``params``; invalid values are dropped, never an error.

    ``load_options`` loads every filter's choices (the full page shows them); otherwise only the
    filters that have values load theirs, for validation and chip labels.
    """
    params = {key: list(values) for key, values in params.items()}
    query = params.get("q", [""])[0]
    if query:
        if spec.search is not None:
            queryset = spec.search(queryset, query)
        elif spec.search_fields:
            queryset = queryset.filter(matches_all_words(spec.search_fields, query))
        else:
            params.pop("q")
            query = ""

    states = []
    for flt in spec.filters:
        state, queryset = _apply_filter(flt, queryset, params, user=user, load_options=load_options)
        states.append(state)

    sortable = {column.key: column.sort for column in spec.columns if column.sort is not None}
    sort = params.get("sort", [spec.default_sort])[0]
    key = sort.removeprefix("-")
    if key not in sortable:
        sort, key = spec.default_sort, spec.default_sort.removeprefix("-")
        params.pop("sort", None)
    expression = sortable[key]
    assert expression is not None
    queryset = queryset.order_by(*_ordering(expression, sort.startswith("-")))
    return Applied(queryset=queryset, params=params, query=query, sort=sort, states=states)


def _apply_filter(
    flt: Filter, queryset: models.QuerySet[Any], params: Params, *, user: Any, load_options: bool
) -> tuple[FilterState, models.QuerySet[Any]]:
    if flt.kind == FilterKind.DATE_RANGE:
        return _apply_date_range(flt, queryset, params)
    raw = params.get(flt.key, [])
    if flt.kind not in (FilterKind.MULTI, FilterKind.LOOKUP):
        raw = raw[:1]
    options: list[tuple[str, Any]] | None = None
    if flt.kind == FilterKind.LOOKUP:
        # Only the chosen values are loaded (and shown); the rest are found by typing.
        assert flt.resolve is not None
        options = [(str(value), label) for value, label in flt.resolve(user, raw)] if raw else []
        raw = [value for value, _label in options]
    elif flt.choices is not None and (load_options or raw):
        options = [(str(value), label) for value, label in flt.choices(user)]
    values: list[str] = []
    for value in raw:
        if flt.coerce is not None:
            try:
                flt.coerce(value)
            except (ValueError, TypeError):
                continue
        elif options is not None and value not in {option for option, _label in options}:
            continue
        values.append(value)
    if values:
        params[flt.key] = values
        if flt.apply is not None:
            queryset = flt.apply(queryset, values, params)
        elif flt.kind in (FilterKind.MULTI, FilterKind.LOOKUP):
            queryset = queryset.filter(**{f"{flt.lookup}__in": values})
        else:
            queryset = queryset.filter(**{flt.lookup: values[0]})
    else:
        params.pop(flt.key, None)
    flag = False
    if flt.flag_param:
        flag = params.get(flt.flag_param, [""])[0] == "1"
        if not flag:
            params.pop(flt.flag_param, None)
    state = FilterState(
        filter=flt,
        values=values,
        options=None if options is None else [Option(value, label, value in values) for value, label in options],
        flag=flag,
    )
    return state, queryset


def _apply_date_range(flt: Filter, queryset: models.QuerySet[Any], params: Params) -> tuple[FilterState, models.QuerySet[Any]]:
    extra: dict[str, str] = {}
    for bound in ("from", "to"):
        name = f"{flt.key}_{bound}"
        day = _parse_date(params.get(name, [""])[0])
        if day is None:
            params.pop(name, None)
            continue
        extra[bound] = day.isoformat()
        # Whole local days, compared on the raw column so its index serves the range.
        if bound == "from":
            queryset = queryset.filter(**{f"{flt.lookup}__gte": _start_of_day(day)})
        else:
            queryset = queryset.filter(**{f"{flt.lookup}__lt": _start_of_day(day + datetime.timedelta(days=1))})
    values = [extra[bound] for bound in ("from", "to") if bound in extra]
    return FilterState(filter=flt, values=values, options=None, extra=extra), queryset


def visible_columns(spec: ListSpec, params: Params) -> list[Column]:
    chosen = set(params.get("cols", [])) if spec.choosable_columns else set()
    if not chosen:
        return [column for column in spec.columns if column.default or column.required]
    return [column for column in spec.columns if column.key in chosen or column.required]


# --- The page ---------------------------------------------------------------------------------------


def list_context(
    request: HttpRequest,
    queryset: models.QuerySet[Any],
    spec: ListSpec,
    *,
    params: Params | None = None,
    load_options: bool | None = None,
) -> ListPage:
    """One page of ``queryset`` (already access-scoped) for the request's parameters.

    ``load_options`` defaults to "not an htmx request": the fragment htmx swaps in has no filter
    panel, so it loads only the choices of the filters that are in use.
    """
    if params is None:
        params = read_params(request.GET, spec)
    if load_options is None:
        load_options = not getattr(request, "htmx", False)
    applied = apply_params(queryset, spec, params, user=request.user, load_options=load_options)
    params = applied.params

    try:
        offset = min(max(int(params.get("offset", ["0"])[0]), 0), MAX_OFFSET)
    except ValueError:
        offset = 0
    if offset:
        params["offset"] = [str(offset)]
    else:
        params.pop("offset", None)
    objects = list(applied.queryset[offset : offset + spec.page_size + 1])
    reached_end = len(objects) <= spec.page_size
    has_next = not reached_end and offset + spec.page_size <= MAX_OFFSET
    objects = objects[: spec.page_size]

    total: int | None = None
    total_exact = True
    if spec.count_cap:
        # Counting stops after count_cap + 1 rows: cheap on any table, exact for small results. Always
        # run, even when the page shows the end, so a list costs the same queries whatever its size.
        counted = applied.queryset.order_by().values("pk")[: spec.count_cap + 1].count()
        total, total_exact = min(counted, spec.count_cap), counted <= spec.count_cap
    elif reached_end and (objects or offset == 0):
        total = offset + len(objects)  # the last page tells the count for free

    if spec.prepare_rows is not None:
        spec.prepare_rows(objects)
    columns = visible_columns(spec, params)
    for column in columns:
        if column.prepare is not None:
            column.prepare(objects)
    rows = []
    for obj in objects:
        url = spec.row_url(obj) if spec.row_url else None
        rows.append((obj, [Cell(column.value(obj), url if column.link else None, column.css) for column in columns]))

    page = ListPage(
        spec=spec,
        rows=rows,
        query=applied.query,
        sort=applied.sort,
        active_filters={state.key: state.value for state in applied.states if state.active},
        filter_options=[
            (state.filter, [(option.value, option.label) for option in state.options or []]) for state in applied.states
        ],
        offset=offset,
        has_next=has_next,
        params=params,
        path=request.path,
        columns=columns,
        column_choices=[ColumnChoice(column, column in columns) for column in spec.columns],
        filter_states=applied.states,
        total=total,
        total_exact=total_exact,
    )
    page.chips = _chips(page)
    return page


def _chips(page: ListPage) -> list[Chip]:
    chips = []
    for state in page.filter_states:
        flt = state.filter
        if flt.kind == FilterKind.DATE_RANGE:
            for bound, label in (("from", _("from")), ("to", _("to"))):
                if bound in state.extra:
                    name = f"{flt.key}_{bound}"
                    day = datetime.date.fromisoformat(state.extra[bound])
                    chips.append(
                        Chip(flt.label, f"{label} {day:%d.%m.%Y}", page.url_with(**{name: None, "offset": None}), name, "")
                    )
            continue
        labels = {option.value: option.label for option in state.options or []}
        for value in state.values:
            remaining = [v for v in state.values if v != value]
            changes: dict[str, Any] = {flt.key: remaining, "offset": None}
            if not remaining and flt.flag_param:
                changes[flt.flag_param] = None
            shown = labels.get(value) or (flt.describe(value) if flt.describe else value)
            chips.append(Chip(flt.label, shown, page.url_with(**changes), flt.key, value))
    return chips


def clean_saved_params(spec: ListSpec, raw: Mapping[str, Any]) -> Params:
    """Parameters worth keeping in a saved view: known keys only, no page position."""
    params = read_params(raw, spec)
    params.pop("offset", None)
    return params


def params_from_querystring(spec: ListSpec, querystring: str) -> Params:
    return clean_saved_params(spec, QueryDict(querystring.lstrip("?")))


def querystring(params: Mapping[str, Iterable[str]]) -> str:
    return urlencode({key: list(values) for key, values in params.items()}, doseq=True)


def badge(text: Any, tone: str = "secondary") -> SafeString:
    return format_html('<span class="badge text-bg-{}">{}</span>', tone, text)
