"""GET /api/v1/search: global search over every registered kind, grouped, within the caller's access."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kartoteka.api import errors, require_scope
from kartoteka.integrations.models import ApiToken
from kartoteka.search import registry
from kartoteka.search.queries import MAX_QUERY_LENGTH
from kartoteka.search.views import MIN_QUERY_LENGTH

router = Router(tags=["search"])

MAX_LIMIT = 50


class HitOut(Schema):
    title: str
    subtitle: str
    url: str = Field(description="Where the record opens in the web interface (a path on this server).")
    kind: str


class GroupOut(Schema):
    kind: str = Field(description="The kind's key, e.g. clients, contacts.")
    label: str
    items: list[HitOut]
    has_more: bool = Field(description="More records match than `limit`: narrow the query to see them.")


class SearchOut(Schema):
    query: str
    groups: list[GroupOut]


class SearchFilters(Schema):
    q: str = Field(
        min_length=1,
        max_length=MAX_QUERY_LENGTH,
        description="Part of a name (every word must match), an INN/EDRPOU/CUI/IDNO, a phone in any format or an email.",
    )
    kinds: str | None = Field(
        None, max_length=200, description="Comma-separated kinds to search (e.g. clients,contacts); all kinds when omitted."
    )
    limit: int = Field(10, ge=1, le=MAX_LIMIT, description="Hits per kind.")


def _requested_kinds(request: HttpRequest, raw: str | None) -> list[registry.SearchKind]:
    known = {kind.key: kind for kind in registry.kinds()}
    if raw is None or not raw.strip():
        # Every kind the token's scopes cover.
        token = getattr(request, "auth", None)
        return [kind for kind in known.values() if not isinstance(token, ApiToken) or token.allows(kind.api_area, "read")]
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise ValidationError(
            {
                "kinds": _("Unknown kind: %(kinds)s. Known kinds: %(known)s.")
                % {"kinds": ", ".join(unknown), "known": ", ".join(known)}
            }
        )
    chosen = [known[key] for key in dict.fromkeys(keys)]
    for kind in chosen:
        require_scope(request, kind.api_area, "read")
    return chosen


@router.get(
    "/search",
    response={200: SearchOut, **errors(401, 403, 422)},
    summary="Global search: clients, contacts and every other registered kind, grouped by kind",
)
def search(request: HttpRequest, filters: Query[SearchFilters]) -> SearchOut:
    require_scope(request, "clients", "read")
    kinds = _requested_kinds(request, filters.kinds)
    query = " ".join(filters.q.split())
    if len(query) < MIN_QUERY_LENGTH:
        groups = [registry.Group(kind=kind, hits=[], has_more=False) for kind in kinds]
    else:
        groups = registry.search(request.user, query, limit=filters.limit, keys=[kind.key for kind in kinds])
    return SearchOut(
        query=query,
        groups=[
            GroupOut(
                kind=group.kind.key,
                label=str(group.kind.label),
                items=[HitOut(title=hit.title, subtitle=hit.subtitle, url=hit.url, kind=hit.kind) for hit in group.hits],
                has_more=group.has_more,
            )
            for group in groups
        ],
    )
