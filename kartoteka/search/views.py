"""Global search screens: the top bar's drop-down (htmx) and the full results page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kartoteka.search import registry
from kartoteka.search.queries import MAX_QUERY_LENGTH

MIN_QUERY_LENGTH = 2  # one letter would match most of the index and tell nobody anything
DROPDOWN_LIMIT = 5  # hits per kind in the drop-down
PAGE_LIMIT = 10  # hits per kind on the results page
KIND_LIMIT = 50  # hits on the page of one kind ("show more")


def _query(request: HttpRequest) -> str:
    return " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]


def _groups(request: HttpRequest, query: str, *, limit: int, keys: list[str] | None = None) -> list[registry.Group]:
    if len(query) < MIN_QUERY_LENGTH:
        return []
    return [group for group in registry.search(request.user, query, limit=limit, keys=keys) if group.hits]


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    query = _query(request)
    kind_key = request.GET.get("kind", "")
    kind = next((kind for kind in registry.kinds() if kind.key == kind_key), None)
    if kind is None:
        groups = _groups(request, query, limit=PAGE_LIMIT)
    else:
        groups = _groups(request, query, limit=KIND_LIMIT, keys=[kind.key])
    context = {
        "query": query,
        "kind": kind,
        "groups": groups,
        "too_short": 0 < len(query) < MIN_QUERY_LENGTH,
        "min_length": MIN_QUERY_LENGTH,
    }
    template = "search/search.html#results" if getattr(request, "htmx", False) else "search/search.html"
    return render(request, template, context)


@login_required
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The drop-down under the top bar's box: a few hits of each kind, grouped, or nothing for a short query."""
    query = _query(request)
    if len(query) < MIN_QUERY_LENGTH:
        return HttpResponse("")
    groups = _groups(request, query, limit=DROPDOWN_LIMIT)
    return render(request, "search/search.html#dropdown", {"query": query, "groups": groups})
