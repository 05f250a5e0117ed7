"""The client list, its filters and searches, the client card, global search and the clients API.

Each raw SQL below is what a developer would write by hand for the same screen: one round trip, the
access scope of the scenario's persona inlined (a manager's own clients, a supervisor's team subtree
by materialised path, everything for the head of sales), the page's reference names joined, the
primary phone as a correlated subquery, and tags joined in a CTE (a page row repeats once per tag,
as SQLite and PostgreSQL share no string aggregate). Name search compares ``name_key``, which is
already lower case: SQLite's LOWER() does not fold Cyrillic.

The search scenarios' raw SQL is the plain LIKE a developer writes without a search index: a
substring of ``name_key`` (a scan of every client) and, for global search, a prefix of the contact's
last name, which no index serves either (the database collation is not C and the name index has no
pattern ops). It is slower than the application's indexed search, so those ratios are below 1 or small.

Values a scenario needs from the data (a phone that exists, the manager's busiest client, a category
the manager uses) are looked up before timing, by the scenario and by its ``raw_params`` alike.
Scenarios for pages that do not exist yet (global search, the clients API) register only when their
URL resolves, so the table grows as the features land.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.urls import Resolver404, resolve

from bench import scenario
from bench.generators.clients import bench_clients
from bench.http import get_ok, signed_in
from bench.personas import HEAD, MANAGER, SUPERVISOR, persona_user, sql_params
from kartoteka.clients.models import Client
from kartoteka.clients.names import name_key
from kartoteka.clients.synthetic import as_dialled
from kartoteka.contacts.models import Contact, ContactPoint, ContactPointKind

if TYPE_CHECKING:
    from bench.registry import Measured
    from kartoteka.users.models import User

PAGE = 50
LIST_BUDGET_MS = 100  # DESIGN §9: client list page, p95
CARD_BUDGET_MS = 200  # DESIGN §9: client card
SEARCH_BUDGET_MS = 150  # DESIGN §9: global search
API_LIST_BUDGET_MS = 100  # DESIGN §9: API list page
NAME_FRAGMENT = "снаб"  # part of «Техноснаб», «Урал-Снаб»…: a few percent of the names, as a real fragment is

# Who may see which client, per persona (their roles' read scope for "client": own, team, all).
SCOPE = {
    MANAGER: "c.responsible_id = %(viewer_id)s",
    SUPERVISOR: "(c.responsible_id = %(viewer_id)s OR c.team_id IN (SELECT id FROM users_team WHERE path LIKE %(team_prefix)s))",
    HEAD: "1 = 1",
}

PRIMARY_PHONE = """(
    SELECT p.value FROM contacts_contactpoint p
    WHERE p.client_id = c.id AND p.kind = 'phone'
    ORDER BY CASE WHEN p.contact_id IS NULL THEN 0 ELSE 1 END, p.is_primary DESC, p.id
    LIMIT 1
)"""
PRIMARY_EMAIL = PRIMARY_PHONE.replace("'phone'", "'email'")


def list_page_sql(*, persona: str, where: str = "1 = 1", limit: int = PAGE + 1) -> str:
    """One page of the client list sorted by name (one row more than a page, as the list asks for)."""
    return f"""
        WITH page AS (
            SELECT c.id, c.name, lf.abbreviation AS legal_form, c.tax_id, c.updated_at,
                   cat.name_ru AS category, cat.color AS category_color, pr.name_ru AS priority,
                   ty.name_ru AS client_type, ter.name_ru AS territory,
                   u.last_name AS responsible_last_name, u.first_name AS responsible_first_name,
                   {PRIMARY_PHONE} AS phone
            FROM clients_client c
            LEFT JOIN clients_legalform lf ON lf.id = c.legal_form_id
            LEFT JOIN clients_clientcategory cat ON cat.id = c.category_id
            LEFT JOIN clients_clientpriority pr ON pr.id = c.priority_id
            LEFT JOIN clients_clienttype ty ON ty.id = c.client_type_id
            LEFT JOIN core_territory ter ON ter.id = c.territory_id
            LEFT JOIN users_user u ON u.id = c.responsible_id
            WHERE {SCOPE[persona]} AND {where}
            ORDER BY c.name, c.id
            LIMIT {limit}
        )
        SELECT page.*, t.name AS tag
        FROM page
        LEFT JOIN clients_client_tags ct ON ct.client_id = page.id
        LEFT JOIN core_tag t ON t.id = ct.tag_id
        ORDER BY page.name, page.id, t.name
    """


CARD_SQL = f"""
    WITH card AS (
        SELECT c.*, lf.abbreviation AS legal_form_abbreviation, cat.name_ru AS category_name,
               pr.name_ru AS priority_name, ty.name_ru AS client_type_name, seg.name_ru AS segment_name,
               ter.name_ru AS territory_name, tm.name AS team_name,
               u.last_name AS responsible_last_name, u.first_name AS responsible_first_name,
               r.full_name, r.inn, r.kpp, r.ogrn, r.okpo, r.edrpou, r.ipn, r.cui, r.reg_com, r.idno, r.director
        FROM clients_client c
        LEFT JOIN clients_legalform lf ON lf.id = c.legal_form_id
        LEFT JOIN clients_clientcategory cat ON cat.id = c.category_id
        LEFT JOIN clients_clientpriority pr ON pr.id = c.priority_id
        LEFT JOIN clients_clienttype ty ON ty.id = c.client_type_id
        LEFT JOIN clients_segment seg ON seg.id = c.segment_id
        LEFT JOIN core_territory ter ON ter.id = c.territory_id
        LEFT JOIN users_team tm ON tm.id = c.team_id
        LEFT JOIN users_user u ON u.id = c.responsible_id
        LEFT JOIN clients_requisites r ON r.client_id = c.id
        WHERE c.id = %(client_id)s AND {SCOPE[MANAGER]}
    ),
    people AS (
        SELECT k.client_id, k.id AS contact_id, k.last_name, k.first_name, k.patronymic, k.position, k.birthday,
               k.is_primary AS contact_is_primary, role.abbreviation AS role, p.kind, p.value, p.extension
        FROM contacts_contact k
        LEFT JOIN contacts_contact_roles kr ON kr.contact_id = k.id
        LEFT JOIN contacts_contactrole role ON role.id = kr.contactrole_id
        LEFT JOIN contacts_contactpoint p ON p.contact_id = k.id
        WHERE k.client_id = %(client_id)s
        UNION ALL
        SELECT p.client_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, p.kind, p.value, p.extension
        FROM contacts_contactpoint p
        WHERE p.client_id = %(client_id)s AND p.contact_id IS NULL
    )
    SELECT card.*, people.*
    FROM card
    LEFT JOIN people ON people.client_id = card.id
    ORDER BY people.contact_is_primary DESC, people.last_name, people.contact_id, people.kind
"""

API_CLIENTS_SQL = f"""
    WITH page AS (
        SELECT c.id, c.kind, c.name, lf.abbreviation AS legal_form, c.country, c.tax_id, c.updated_at,
               cat.code AS category, pr.code AS priority, ty.code AS client_type, seg.code AS segment,
               ter.id AS territory_id, ter.name_en AS territory, tm.id AS team_id, tm.name AS team,
               u.id AS responsible_id, u.last_name AS responsible_last_name, u.first_name AS responsible_first_name,
               {PRIMARY_PHONE} AS primary_phone, {PRIMARY_EMAIL} AS primary_email
        FROM clients_client c
        LEFT JOIN clients_legalform lf ON lf.id = c.legal_form_id
        LEFT JOIN clients_clientcategory cat ON cat.id = c.category_id
        LEFT JOIN clients_clientpriority pr ON pr.id = c.priority_id
        LEFT JOIN clients_clienttype ty ON ty.id = c.client_type_id
        LEFT JOIN clients_segment seg ON seg.id = c.segment_id
        LEFT JOIN core_territory ter ON ter.id = c.territory_id
        LEFT JOIN users_team tm ON tm.id = c.team_id
        LEFT JOIN users_user u ON u.id = c.responsible_id
        WHERE {SCOPE[SUPERVISOR]}
        ORDER BY c.name, c.id
        LIMIT {PAGE + 1}
    )
    SELECT page.*, t.name AS tag
    FROM page
    LEFT JOIN clients_client_tags ct ON ct.client_id = page.id
    LEFT JOIN core_tag t ON t.id = ct.tag_id
    ORDER BY page.name, page.id, t.name
"""

SEARCH_GROUP = 10  # results per kind in the global search's drop-down

GLOBAL_SEARCH_SQL = f"""
    SELECT * FROM (
        SELECT 'client' AS kind, c.id, c.name AS title, c.tax_id AS detail
        FROM clients_client c
        WHERE {SCOPE[HEAD]} AND c.name_key LIKE %(name_pattern)s
        ORDER BY c.name, c.id
        LIMIT {SEARCH_GROUP}
    ) clients
    UNION ALL
    SELECT * FROM (
        SELECT 'contact' AS kind, k.id, k.last_name || ' ' || k.first_name AS title, c.name AS detail
        FROM contacts_contact k
        JOIN clients_client c ON c.id = k.client_id
        WHERE {SCOPE[HEAD]} AND k.last_name LIKE %(last_name_prefix)s
        ORDER BY k.last_name, k.first_name, k.id
        LIMIT {SEARCH_GROUP}
    ) contacts
"""


# --- Values from the data, looked up untimed ---------------------------------------------------------


def _route_exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def filter_values() -> dict[str, int]:
    """The manager persona and the category most of their clients have: a filter that fills a page."""
    manager = persona_user(MANAGER)
    top = (
        Client.objects.filter(responsible=manager, category__isnull=False)
        .values("category_id")
        .annotate(clients=Count("id"))
        .order_by("-clients", "category_id")
        .first()
    )
    if top is None:
        raise LookupError("The manager persona has no categorised client: run `manage.py bench_data` first.")
    return {"responsible_id": manager.pk, "category_id": top["category_id"]}


def name_fragment() -> str:
    """A fragment of several percent of the names (from the first bench client if none has «снаб»)."""
    clients = bench_clients()
    if clients.filter(name_key__contains=NAME_FRAGMENT).exists():
        return NAME_FRAGMENT
    first = clients.order_by("pk").values_list("name_key", flat=True).first() or "a"
    return first[:4]


def phone_example() -> tuple[str, str]:
    """A Russian company phone that exists, as typed ("8 (495) 123-45-67"), and its search key."""
    point = (
        ContactPoint.objects.filter(
            client__in=bench_clients(), kind=ContactPointKind.PHONE, contact__isnull=True, value__startswith="+7"
        )
        .order_by("client_id", "pk")
        .values_list("value", "search_key")
        .first()
    )
    if point is None:
        raise LookupError("No bench client has a Russian phone: run `manage.py bench_data` first.")
    return as_dialled(point[0]), point[1]


def card_client(viewer: User) -> int:
    """The viewer's own client with the most contacts: the fullest card they open."""
    pk = (
        Client.objects.filter(responsible=viewer)
        .annotate(people=Count("contacts"))
        .order_by("-people", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        raise LookupError("The manager persona has no clients: run `manage.py bench_data` first.")
    return pk


def contact_last_name() -> str:
    """The last name of the first bench client's first contact: what someone types into global search."""
    name = (
        Contact.objects.filter(client__in=bench_clients()).order_by("client_id", "pk").values_list("last_name", flat=True).first()
    )
    if not name:
        raise LookupError("Bench clients have no contacts: run `manage.py bench_data` first.")
    return name


def _with(extra: Callable[[User], dict[str, Any]]) -> Callable[[User], dict[str, Any]]:
    return lambda viewer: {**sql_params(viewer), **extra(viewer)}


# --- The client list ----------------------------------------------------------------------------------


@scenario("client_list_first_page", persona=MANAGER, raw_sql=list_page_sql(persona=MANAGER), budget_ms=LIST_BUDGET_MS)
def client_list_first_page(*, viewer: User) -> Iterator[Measured]:
    """GET /clients/: a manager's own clients (~300 at scale 1), first page by name, with filters and columns."""
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, "/clients/")


@scenario("client_list_first_page_head", persona=HEAD, raw_sql=list_page_sql(persona=HEAD), budget_ms=LIST_BUDGET_MS)
def client_list_first_page_head(*, viewer: User) -> Iterator[Measured]:
    """GET /clients/ as the head of sales, who sees every client: the first page of all of them by name."""
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, "/clients/")


@scenario(
    "client_list_filtered",
    persona=SUPERVISOR,
    raw_sql=list_page_sql(persona=SUPERVISOR, where="c.responsible_id = %(responsible_id)s AND c.category_id = %(category_id)s"),
    raw_params=_with(lambda viewer: filter_values()),
    budget_ms=LIST_BUDGET_MS,
)
def client_list_filtered(*, viewer: User) -> Iterator[Measured]:
    """GET /clients/?responsible=…&category=…: a supervisor narrows the team's list to one manager and category."""
    values = filter_values()
    params = {"responsible": str(values["responsible_id"]), "category": str(values["category_id"])}
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, "/clients/", params)


@scenario(
    "client_search_name",
    persona=HEAD,
    raw_sql=list_page_sql(persona=HEAD, where="c.name_key LIKE %(name_pattern)s"),
    raw_params=_with(lambda viewer: {"name_pattern": f"%{name_fragment()}%"}),
    budget_ms=LIST_BUDGET_MS,
)
def client_search_name(*, viewer: User) -> Iterator[Measured]:
    """GET /clients/?q=снаб: a name fragment over every client (the head of sales' scope), first page by name."""
    query = name_fragment()
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, "/clients/", {"q": query})


@scenario(
    "client_search_phone",
    persona=HEAD,
    raw_sql=list_page_sql(
        persona=HEAD, where="c.id IN (SELECT p.client_id FROM contacts_contactpoint p WHERE p.search_key = %(phone_key)s)"
    ),
    raw_params=_with(lambda viewer: {"phone_key": phone_example()[1]}),
    budget_ms=LIST_BUDGET_MS,
)
def client_search_phone(*, viewer: User) -> Iterator[Measured]:
    """GET /clients/?q=8 (495) 123-45-67: an existing phone typed the Russian way, over every client."""
    typed, _key = phone_example()
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, "/clients/", {"q": typed})


# --- The card -----------------------------------------------------------------------------------------


@scenario(
    "client_card",
    persona=MANAGER,
    raw_sql=CARD_SQL,
    raw_params=_with(lambda viewer: {"client_id": card_client(viewer)}),
    budget_ms=CARD_BUDGET_MS,
)
def client_card(*, viewer: User) -> Iterator[Measured]:
    """GET /clients/<pk>/: the manager's client with the most contacts, every panel rendered."""
    path = f"/clients/{card_client(viewer)}/"
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, path)


# --- Global search and the API (registered once their URLs exist) -------------------------------------


def global_search(*, viewer: User) -> Iterator[Measured]:
    """GET /search/?q=<last name>: clients and contacts grouped by kind, over everything the head of sales sees."""
    query = contact_last_name()
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, "/search/", {"q": query})


def api_clients_list(*, viewer: User) -> Iterator[Measured]:
    """GET /api/v1/clients?limit=50 with the browser session: a supervisor's first page by name, phones, tags."""
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, "/api/v1/clients", {"limit": str(PAGE)})


if _route_exists("/search/"):
    scenario(
        "global_search",
        persona=HEAD,
        raw_sql=GLOBAL_SEARCH_SQL,
        raw_params=_with(
            lambda viewer: {"name_pattern": f"%{name_key(contact_last_name())}%", "last_name_prefix": f"{contact_last_name()}%"}
        ),
        budget_ms=SEARCH_BUDGET_MS,
    )(global_search)

if _route_exists("/api/v1/clients"):
    scenario("api_clients_list", persona=SUPERVISOR, raw_sql=API_CLIENTS_SQL, budget_ms=API_LIST_BUDGET_MS)(api_clients_list)
