"""Deals: the kanban of a team's funnel (the page and its selector), the deal list filtered, the deals API and
moving deals between stages.

The kanban scenarios open the "Bench projects" pipeline as the supervisor persona: department 001's funnel,
about 2,000 open deals at scale 1 (see ``bench/generators/deals.py``) — the issue's "kanban of one pipeline
with 2,000 open deals: column counts and sums, first 50 cards per column". Their raw twin reads the same in
one statement: the scoped deals as a CTE, counts and sums per stage, ``ROW_NUMBER()`` per stage for the
newest 50 cards with client, owner and the next open task's deadline.

``deal_list_filtered`` is the list's query through the selectors; ``deal_list_page`` the page itself
(registered once ``/deals/list/`` resolves), with the same raw twin.

``deal_move_stage`` is a write: each run moves one of the manager persona's open deals through the service
(access check, row lock, history row, stage change row, events), alternating between two stages that
require no field. Its median is the cost of one move, so one worker moves ``1000 / median`` deals a second;
the scenario also prints the rate it sustained over all its runs. Afterwards it puts the deals back where
they were and deletes the history it wrote (the bench data set stays as generated). Its raw twin is the
deal row's ``UPDATE … RETURNING`` alone, with the values it already has.

``deal_card`` opens the manager persona's most-moved open deal: header, sections, files and the first page of
its timeline (stage moves, changes, activities, tasks, rule firings).

Budgets (DESIGN §9, p95, PostgreSQL, warm): the kanban 300 ms; the API list page 100 ms; a card 200 ms. The deal list has no
figure of its own; it is held to the client list's 100 ms. A move has none.
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.test import Client as TestClient
from django.urls import Resolver404, resolve
from django.utils import timezone

from bench import scenario
from bench.generators.deals import DEFAULT_PIPELINE, PROJECTS_PIPELINE
from bench.http import ScenarioError, get_ok, signed_in
from bench.personas import MANAGER, SUPERVISOR, persona_user, sql_params
from kartoteka.deals import selectors
from kartoteka.deals import services as deal_services
from kartoteka.deals.models import Deal, DealStatus, Pipeline, Stage, StageChange
from kartoteka.integrations import services as integration_services
from kartoteka.users import access

if TYPE_CHECKING:
    from bench.registry import Measured
    from kartoteka.users.models import User

PAGE = 50
CARDS = selectors.CARDS_PER_COLUMN
KANBAN_BUDGET_MS = 300  # DESIGN §9: kanban
LIST_BUDGET_MS = 100  # no deal list figure in DESIGN §9: held to the client list page's
API_LIST_BUDGET_MS = 100  # DESIGN §9: API list page
MOVE_POOL = 200  # deals the move scenario cycles through
MOVE_STAGES = ("qualification", "meeting")  # open stages that require no field: every open deal may enter them

# A supervisor's deals: their own and their team subtree's (the "deal" team scope).
SUPERVISOR_SCOPE = "(d.owner_id = %(viewer_id)s OR d.team_id IN (SELECT id FROM users_team WHERE path LIKE %(team_prefix)s))"

NEXT_DUE = "(SELECT MIN(k.due_at) FROM activities_task k WHERE k.deal_id = d.id AND k.status = 'open')"

KANBAN_SQL = f"""
    WITH scoped AS (
        SELECT d.* FROM deals_deal d
        WHERE d.pipeline_id = %(pipeline_id)s AND {SUPERVISOR_SCOPE}
          AND (d.status = 'open' OR d.closed_at >= %(closed_since)s)
    ),
    totals AS (
        SELECT stage_id, COUNT(*) AS deals, SUM(amount) AS total FROM scoped GROUP BY stage_id
    ),
    ranked AS (
        SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.stage_id ORDER BY s.stage_entered_at DESC, s.id DESC) AS position
        FROM scoped s
    )
    SELECT st.id AS stage_id, st.name_ru AS stage, t.deals, t.total,
           r.id, r.title, r.amount, r.currency, r.stage_entered_at, c.name AS client_name,
           u.last_name AS owner_last_name, u.first_name AS owner_first_name,
           (SELECT MIN(k.due_at) FROM activities_task k WHERE k.deal_id = r.id AND k.status = 'open') AS next_due_at
    FROM deals_stage st
    LEFT JOIN totals t ON t.stage_id = st.id
    LEFT JOIN ranked r ON r.stage_id = st.id AND r.position <= {CARDS}
    LEFT JOIN clients_client c ON c.id = r.client_id
    LEFT JOIN users_user u ON u.id = r.owner_id
    WHERE st.pipeline_id = %(pipeline_id)s AND st.is_active
    ORDER BY st."order", st.id, r.position
"""

# The deal list as a supervisor narrows it: one manager's open deals, newest first, with what a row shows.
DEAL_LIST_SQL = f"""
    SELECT d.id, d.title, d.amount, d.currency, d.expected_close_on, d.stage_entered_at, d.created_at,
           c.name AS client_name, st.name_ru AS stage, p.name_ru AS pipeline, src.name_ru AS source,
           u.last_name AS owner_last_name, u.first_name AS owner_first_name, {NEXT_DUE} AS next_due_at
    FROM deals_deal d
    JOIN clients_client c ON c.id = d.client_id
    JOIN deals_stage st ON st.id = d.stage_id
    JOIN deals_pipeline p ON p.id = d.pipeline_id
    LEFT JOIN clients_clientsource src ON src.id = d.source_id
    LEFT JOIN users_user u ON u.id = d.owner_id
    WHERE d.owner_id = %(owner_id)s AND d.status = 'open' AND {SUPERVISOR_SCOPE}
    ORDER BY d.created_at DESC, d.id DESC
    LIMIT {PAGE + 1}
"""

# The API's page: every column of the deal and the names its representation carries.
API_DEALS_SQL = f"""
    SELECT d.*, c.name AS client_name, c.responsible_id, c.team_id AS client_team_id, lf.abbreviation AS legal_form,
           p.code AS pipeline_code, p.name_ru AS pipeline, st.code AS stage_code, st.name_ru AS stage, st.kind,
           st.probability AS stage_probability, st.max_minutes, src.code AS source_code, src.name_ru AS source,
           u.last_name AS owner_last_name, u.first_name AS owner_first_name, tm.name AS team_name,
           lr.code AS lost_reason_code, cb.last_name AS created_by_last_name, {NEXT_DUE} AS next_due_at
    FROM deals_deal d
    JOIN clients_client c ON c.id = d.client_id
    LEFT JOIN clients_legalform lf ON lf.id = c.legal_form_id
    JOIN deals_pipeline p ON p.id = d.pipeline_id
    JOIN deals_stage st ON st.id = d.stage_id
    LEFT JOIN clients_clientsource src ON src.id = d.source_id
    LEFT JOIN users_user u ON u.id = d.owner_id
    LEFT JOIN users_team tm ON tm.id = d.team_id
    LEFT JOIN deals_lostreason lr ON lr.id = d.lost_reason_id
    LEFT JOIN users_user cb ON cb.id = d.created_by_id
    WHERE d.status = 'open' AND {SUPERVISOR_SCOPE}
    ORDER BY d.created_at DESC, d.id DESC
    LIMIT {PAGE + 1}
"""

# One move as a single statement: the deal row's new stage (here the one it has, so nothing changes).
MOVE_SQL = """
    UPDATE deals_deal SET stage_id = %(stage_id)s, stage_entered_at = %(stage_entered_at)s, updated_at = %(updated_at)s
    WHERE id = %(deal_id)s
    RETURNING id
"""


# --- Values from the data, looked up untimed ---------------------------------------------------------


def _route_exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def projects() -> Pipeline:
    pipeline = Pipeline.objects.filter(code=PROJECTS_PIPELINE).first()
    if pipeline is None:
        raise LookupError(f"No pipeline {PROJECTS_PIPELINE!r}: run `manage.py bench_data` (the deals generator) first.")
    return pipeline


def month_start() -> datetime.datetime:
    """The kanban's won and lost columns show this month's outcomes (as the kanban view does)."""
    return timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _moment(value: datetime.datetime) -> Any:
    # As Django writes it: SQLite compares stored text (naive UTC), which an aware value's offset would not match.
    return connection.ops.adapt_datetimefield_value(value)


def kanban_params(viewer: User) -> dict[str, Any]:
    return {**sql_params(viewer), "pipeline_id": projects().pk, "closed_since": _moment(month_start())}


def list_params(viewer: User) -> dict[str, Any]:
    return {**sql_params(viewer), "owner_id": persona_user(MANAGER).pk}


def move_pool(viewer: User) -> list[Deal]:
    deals = Deal.objects.filter(owner=viewer, status=DealStatus.OPEN, pipeline__code=DEFAULT_PIPELINE)
    pool = list(deals.order_by("pk")[:MOVE_POOL])
    if not pool:
        raise ScenarioError("The manager persona has no open deal to move: run `manage.py bench_data` (deals) first.")
    return pool


def move_params(viewer: User) -> dict[str, Any]:
    deal = move_pool(viewer)[0]
    return {
        "deal_id": deal.pk,
        "stage_id": deal.stage_id,
        "stage_entered_at": _moment(deal.stage_entered_at),
        "updated_at": _moment(deal.updated_at),
    }


# --- The kanban -------------------------------------------------------------------------------------------


@scenario("kanban_selector", persona=SUPERVISOR, raw_sql=KANBAN_SQL, raw_params=kanban_params, budget_ms=KANBAN_BUDGET_MS)
def kanban_selector(*, viewer: User) -> Iterator[Measured]:
    """selectors.kanban: the projects funnel (~2,000 open deals) as its supervisor, counts, sums, 50 cards a column."""
    pipeline = projects()

    def board() -> selectors.Board:
        access.forget(viewer)  # each request loads its user afresh
        return selectors.kanban(viewer, pipeline, closed_since=month_start())

    yield board


def kanban_page(*, viewer: User) -> Iterator[Measured]:
    """GET /deals/?pipeline=<projects>: the kanban page of the ~2,000-deal funnel as its supervisor."""
    params = {"pipeline": str(projects().pk)}
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, "/deals/", params)


if _route_exists("/deals/"):
    scenario("kanban_page", persona=SUPERVISOR, raw_sql=KANBAN_SQL, raw_params=kanban_params, budget_ms=KANBAN_BUDGET_MS)(
        kanban_page
    )


# --- The deal list and the API ----------------------------------------------------------------------------


@scenario("deal_list_filtered", persona=SUPERVISOR, raw_sql=DEAL_LIST_SQL, raw_params=list_params, budget_ms=LIST_BUDGET_MS)
def deal_list_filtered(*, viewer: User) -> Iterator[Measured]:
    """The deal list's query: one manager's open deals in the supervisor's scope, newest first, a page of 50."""
    owner = persona_user(MANAGER)
    filters = selectors.DealFilters(owner_ids=(owner.pk,))

    def page() -> list[Deal]:
        access.forget(viewer)
        rows = filters.apply(selectors.with_card_data(selectors.visible_deals(viewer)).filter(status=DealStatus.OPEN))
        return list(rows.order_by("-created_at", "-id")[: PAGE + 1])

    yield page


def deal_list_page(*, viewer: User) -> Iterator[Measured]:
    """GET /deals/list/?owner=<manager>&status=open: the deal list page (newest first) as the manager's supervisor."""
    params = {"owner": str(persona_user(MANAGER).pk), "status": DealStatus.OPEN, "sort": "-created"}
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, "/deals/list/", params)


if _route_exists("/deals/list/"):
    scenario("deal_list_page", persona=SUPERVISOR, raw_sql=DEAL_LIST_SQL, raw_params=list_params, budget_ms=LIST_BUDGET_MS)(
        deal_list_page
    )


@scenario("api_deals_list", persona=SUPERVISOR, raw_sql=API_DEALS_SQL, budget_ms=API_LIST_BUDGET_MS)
def api_deals_list(*, viewer: User) -> Iterator[Measured]:
    """GET /api/v1/deals?status=open&limit=50 with a personal token: the department's open deals, newest first."""
    token, secret = integration_services.api_token_create(actor=viewer, name="bench", scopes=["deals:read"])
    headers = {"Authorization": f"Bearer {secret}"}
    params = {"status": DealStatus.OPEN, "limit": str(PAGE)}
    client = TestClient()

    def call() -> object:
        response = client.get("/api/v1/deals", params, headers=headers)
        if response.status_code != 200:
            raise ScenarioError(f"GET /api/v1/deals answered {response.status_code}, expected 200.")
        return response

    try:
        yield call
    finally:
        token.delete()  # the bench's own token: no trace left in the data set


# --- The deal card ----------------------------------------------------------------------------------------

CARD_BUDGET_MS = 200  # DESIGN §9: a card

# The card's header and details with the newest stage moves, in one statement.
DEAL_CARD_SQL = """
    SELECT d.*, c.name AS client_name, c.category_id, p.name_ru AS pipeline, st.name_ru AS stage, st.kind,
           u.last_name AS owner_last_name, tm.name AS team_name, src.name_ru AS source,
           m.changed_at, m.seconds_in_stage, fs.name_ru AS from_stage, ts.name_ru AS to_stage
    FROM deals_deal d
    JOIN clients_client c ON c.id = d.client_id
    JOIN deals_pipeline p ON p.id = d.pipeline_id
    JOIN deals_stage st ON st.id = d.stage_id
    LEFT JOIN users_user u ON u.id = d.owner_id
    LEFT JOIN users_team tm ON tm.id = d.team_id
    LEFT JOIN clients_clientsource src ON src.id = d.source_id
    LEFT JOIN deals_stagechange m ON m.deal_id = d.id
    LEFT JOIN deals_stage fs ON fs.id = m.from_stage_id
    LEFT JOIN deals_stage ts ON ts.id = m.to_stage_id
    WHERE d.id = %(deal_id)s
    ORDER BY m.changed_at DESC, m.id DESC
    LIMIT 100
"""


def card_deal(viewer: User) -> Deal:
    """The manager persona's open deal that has moved most (the fullest stage history and timeline)."""
    from django.db.models import Count

    deal = (
        Deal.objects.filter(owner=viewer, status=DealStatus.OPEN)
        .annotate(moves=Count("stage_changes"))
        .order_by("-moves", "pk")
        .first()
    )
    if deal is None:
        raise ScenarioError("The manager persona has no open deal: run `manage.py bench_data` (deals) first.")
    return deal


def card_params(viewer: User) -> dict[str, Any]:
    return {"deal_id": card_deal(viewer).pk}


def deal_card(*, viewer: User) -> Iterator[Measured]:
    """GET /deals/<pk>/: the card of the manager's most-moved open deal (header, sections, files, timeline)."""
    path = f"/deals/{card_deal(viewer).pk}/"
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, path)


if _route_exists("/deals/1/"):
    scenario("deal_card", persona=MANAGER, raw_sql=DEAL_CARD_SQL, raw_params=card_params, budget_ms=CARD_BUDGET_MS)(deal_card)


# --- Moving deals -----------------------------------------------------------------------------------------


@scenario("deal_move_stage", persona=MANAGER, raw_sql=MOVE_SQL, raw_params=move_params)
def deal_move_stage(*, viewer: User) -> Iterator[Measured]:
    """deal_move_stage on the manager's open deals, one move a run (history, stage change, events); prints moves/s."""
    pool = move_pool(viewer)
    stages = {stage.code: stage for stage in Stage.objects.filter(pipeline__code=DEFAULT_PIPELINE, code__in=MOVE_STAGES)}
    first, second = (stages[code] for code in MOVE_STAGES)
    before = {deal.pk: (deal.stage_id, deal.stage_entered_at, deal.updated_at) for deal in pool}
    current = {deal.pk: deal.stage_id for deal in pool}
    last_change = StageChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_version = Deal.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0  # type: ignore[attr-defined]
    turns = itertools.count()
    spent = [0.0]

    def move() -> object:
        deal = pool[next(turns) % len(pool)]
        target = second if current[deal.pk] == first.pk else first
        access.forget(viewer)  # each request loads its user afresh
        started = time.perf_counter()
        change = deal_services.deal_move_stage(actor=viewer, deal=deal, stage=target)
        spent[0] += time.perf_counter() - started
        current[deal.pk] = target.pk
        return change

    try:
        yield move
    finally:
        moves = next(turns)
        if moves and spent[0]:
            print(f" {moves} moves, {moves / spent[0]:.0f} moves/s;", end="", flush=True)
        # Back as generated: the deals where they were, without the rows the moves wrote.
        StageChange.objects.filter(pk__gt=last_change, deal_id__in=list(before)).delete()
        Deal.history.filter(history_id__gt=last_version, id__in=list(before)).delete()  # type: ignore[attr-defined]
        for pk, (stage_id, entered, updated) in before.items():
            Deal.objects.filter(pk=pk).update(stage_id=stage_id, stage_entered_at=entered, updated_at=updated)
