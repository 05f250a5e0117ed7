"""The people directory, the users and teams API, and the access policy every one of them starts from.

Each raw SQL below is what a developer would write by hand for the same page of 50: one round trip,
the access filter inlined as a subquery over the team tree's materialised path, and the roles of
the page's people joined in a CTE. It is written for the scenario's persona (a supervisor's "team"
scope, a head of sales' "all" scope) in SQL that SQLite and PostgreSQL both accept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from bench import scenario
from bench.http import get_ok, signed_in
from bench.personas import HEAD, SUPERVISOR
from kartoteka.users import access
from kartoteka.users.models import User

if TYPE_CHECKING:
    from bench.registry import Measured

PAGE = 50
API_LIST_BUDGET_MS = 100  # DESIGN §9: "API list page 100 ms" (p95, PostgreSQL, full data set)

# A supervisor's "team" scope: themself plus everyone in their team's subtree.
VISIBLE_TO_SUPERVISOR = "u.id = %(viewer_id)s OR u.team_id IN (SELECT id FROM users_team WHERE path LIKE %(team_prefix)s)"


def _people_with_roles(*, columns: str, order: tuple[str, ...]) -> str:
    """One page of visible people in ``order``, then their roles (a page row repeats once per role)."""
    return f"""
        WITH page AS (
            SELECT {columns}
            FROM users_user u
            LEFT JOIN users_team t ON t.id = u.team_id
            WHERE {VISIBLE_TO_SUPERVISOR}
            ORDER BY {", ".join(f"u.{name}" for name in order)}
            LIMIT {PAGE}
        )
        SELECT page.*, r.code AS role_code, r.name_en AS role_name
        FROM page
        LEFT JOIN users_user_roles ur ON ur.user_id = page.id
        LEFT JOIN users_role r ON r.id = ur.role_id
        ORDER BY {", ".join(f"page.{name}" for name in order)}, r.name_en
    """


PEOPLE_PAGE_SQL = _people_with_roles(
    columns="u.id, u.email, u.last_name, u.first_name, u.patronymic, u.position, u.is_active, t.name AS team_name",
    order=("last_name", "id"),
)

API_USERS_SQL = _people_with_roles(
    columns="u.id, u.email, u.last_name, u.first_name, u.patronymic, u.position, u.phone, u.is_active, "
    "u.team_id, t.name AS team_name",
    order=("last_name", "first_name", "id"),
)

API_TEAMS_SQL = f"""
    SELECT t.id, t.name, t.kind, t.parent_id, t.head_id, t.depth,
           (SELECT COUNT(*) FROM users_user u WHERE u.team_id = t.id AND u.is_active) AS member_count
    FROM users_team t
    ORDER BY t.path, t.id
    LIMIT {PAGE}
"""

VISIBLE_USERS_SQL = f"""
    SELECT u.*
    FROM users_user u
    WHERE {VISIBLE_TO_SUPERVISOR}
    ORDER BY u.last_name, u.first_name, u.id
    LIMIT {PAGE}
"""


@scenario("people_page", persona=SUPERVISOR, raw_sql=PEOPLE_PAGE_SQL)
def people_page(*, viewer: User) -> Iterator[Measured]:
    """The people directory sorted by name, rendered in full (filters, table, layout) for a supervisor."""
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, "/people/", {"sort": "name"})


@scenario("api_users_list", persona=SUPERVISOR, raw_sql=API_USERS_SQL, budget_ms=API_LIST_BUDGET_MS)
def api_users_list(*, viewer: User) -> Iterator[Measured]:
    """GET /api/v1/users?limit=50 with the browser session: the first keyset page with teams and roles."""
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, "/api/v1/users", {"limit": str(PAGE)})


@scenario("api_teams_list", persona=HEAD, raw_sql=API_TEAMS_SQL, budget_ms=API_LIST_BUDGET_MS)
def api_teams_list(*, viewer: User) -> Iterator[Measured]:
    """GET /api/v1/teams?limit=50 as a head of sales, who sees the whole tree with active member counts."""
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, "/api/v1/teams", {"limit": str(PAGE)})


@scenario("access_visible_users", persona=SUPERVISOR, raw_sql=VISIBLE_USERS_SQL)
def access_visible_users(*, viewer: User) -> Iterator[Measured]:
    """access.visible(user, User) for a first page of 50, including loading the viewer's roles and team subtree."""

    def first_page() -> list[User]:
        # Each request loads its user afresh, so the cached access context must not carry over between runs.
        access.forget(viewer)
        return list(access.visible(viewer, User).order_by("last_name", "first_name", "id")[:PAGE])

    yield first_page
