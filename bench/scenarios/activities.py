"""Activities and tasks: the client card with its timeline, My day, the tails report and the tasks API.

Each raw SQL below is what a developer would write by hand for the same screen: one round trip, the
access scope of the scenario's persona inlined, the names the page shows joined. Where a screen
reads several lists (My day: overdue and today's tasks, renewals, newly assigned clients; the card:
the client, its newest activities and its closed tasks) the twin reads them in one ``UNION ALL``
of equally shaped rows, each part limited like the page limits it.

Budgets (DESIGN §9, p95, PostgreSQL, warm): the card with its timeline is a client card (200 ms)
and the tasks API an API list page (100 ms). My day and the tails report have no budget of their
own in DESIGN §9; both are screens read at the start of a day that gather several lists, so they
are held to the card's 200 ms.

Values a scenario needs from the data (the manager's client with the most activities, the end of
the manager's day) are looked up before timing, by the scenario and by its ``raw_params`` alike.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count
from django.test import Client as TestClient
from django.urls import reverse
from django.utils import timezone

from bench import scenario
from bench.http import ScenarioError, get_ok, signed_in
from bench.personas import HEAD, MANAGER, SUPERVISOR, sql_params
from bench.scenarios.clients import CARD_SQL
from kartoteka.activities.models import CONTACT_TASK_KINDS, TaskStatus
from kartoteka.activities.myday import MAX_ITEMS, NEWLY_ASSIGNED_DAYS, RENEWAL_DAYS, day_bounds
from kartoteka.activities.views.tails import MAX_TAILS
from kartoteka.clients.card_panels import HISTORY_PAGE
from kartoteka.clients.models import Client
from kartoteka.integrations import services as integration_services
from kartoteka.notifications.formatting import user_zone

if TYPE_CHECKING:
    from bench.registry import Measured
    from kartoteka.users.models import User

PAGE = 50
CARD_BUDGET_MS = 200  # DESIGN §9: client card
MY_DAY_BUDGET_MS = 200  # no budget in DESIGN §9: held to the card's, a page of several lists
TAILS_BUDGET_MS = 200  # no budget in DESIGN §9: held to the card's, a report over the team's open tasks
API_LIST_BUDGET_MS = 100  # DESIGN §9: API list page

CONTACT_TASK_KIND_LIST = ", ".join(f"'{kind}'" for kind in sorted(CONTACT_TASK_KINDS))

# Who may see which task, per persona: a task follows its client's visibility and is always its
# assignee's and creator's; a supervisor also sees the personal to-dos of the team's people.
TASK_SCOPE = {
    MANAGER: "(t.assignee_id = %(viewer_id)s OR t.created_by_id = %(viewer_id)s OR c.responsible_id = %(viewer_id)s)",
    SUPERVISOR: """(
        t.assignee_id = %(viewer_id)s OR t.created_by_id = %(viewer_id)s OR c.responsible_id = %(viewer_id)s
        OR c.team_id IN (SELECT id FROM users_team WHERE path LIKE %(team_prefix)s)
        OR (t.client_id IS NULL AND a.team_id IN (SELECT id FROM users_team WHERE path LIKE %(team_prefix)s))
    )""",
    HEAD: "1 = 1",
}

# The card (the client's own query, as the client_card scenario) followed by the timeline's first
# page: the newest activities and the newest closed tasks, each with the names an entry shows.
CARD_TIMELINE_SQL = f"""
    WITH card AS ({CARD_SQL}),
    activities AS (
        SELECT 'activity' AS entry, x.id, x.occurred_at AS moment, x.kind, x.subject AS title, x.summary,
               au.last_name AS who_last_name, au.first_name AS who_first_name,
               k.last_name AS contact_last_name, res.name_ru AS result
        FROM activities_activity x
        JOIN clients_client c ON c.id = x.client_id
        LEFT JOIN users_user au ON au.id = x.author_id
        LEFT JOIN contacts_contact k ON k.id = x.contact_id
        LEFT JOIN activities_activityresult res ON res.id = x.result_id
        WHERE x.client_id = %(client_id)s AND c.responsible_id = %(viewer_id)s
        ORDER BY x.occurred_at DESC, x.id DESC
        LIMIT {HISTORY_PAGE + 1}
    ),
    tasks AS (
        SELECT 'task' AS entry, t.id, t.completed_at AS moment, t.kind, t.title, t.completion_note AS summary,
               cu.last_name AS who_last_name, cu.first_name AS who_first_name,
               k.last_name AS contact_last_name, t.status AS result
        FROM activities_task t
        JOIN clients_client c ON c.id = t.client_id
        LEFT JOIN users_user cu ON cu.id = t.completed_by_id
        LEFT JOIN contacts_contact k ON k.id = t.contact_id
        WHERE t.client_id = %(client_id)s AND t.status IN ('done', 'cancelled') AND c.responsible_id = %(viewer_id)s
        ORDER BY t.completed_at DESC, t.id DESC
        LIMIT {HISTORY_PAGE + 1}
    )
    SELECT 'card' AS entry, NULL AS id, NULL AS moment, NULL AS kind, NULL AS title, NULL AS summary,
           NULL AS who_last_name, NULL AS who_first_name, NULL AS contact_last_name, NULL AS result
    FROM card
    UNION ALL SELECT * FROM activities
    UNION ALL SELECT * FROM tasks
"""
# CARD_SQL is a full SELECT with ORDER BY; as a CTE it only has to be valid, which both databases accept.

TASK_COLUMNS = """t.id, t.title, t.kind, t.due_at AS moment, t.priority, t.place,
    c.name AS client_name, k.last_name AS contact_last_name, a.last_name AS assignee_last_name"""
TASK_JOINS = """LEFT JOIN clients_client c ON c.id = t.client_id
    LEFT JOIN contacts_contact k ON k.id = t.contact_id
    JOIN users_user a ON a.id = t.assignee_id"""

# My day of a manager: the person whose day it is (a row even on an empty day) with their open tasks
# due before the end of the day (overdue ones, today's, and among
# them the meetings and tails the page lists again), contracts ending within RENEWAL_DAYS and the
# clients given to the manager in the last NEWLY_ASSIGNED_DAYS.
MY_DAY_SQL = f"""
    SELECT * FROM (
        SELECT 'task' AS part, {TASK_COLUMNS}
        FROM users_user a
        LEFT JOIN activities_task t ON t.assignee_id = a.id AND t.status = 'open' AND t.due_at < %(day_end)s
        LEFT JOIN clients_client c ON c.id = t.client_id
        LEFT JOIN contacts_contact k ON k.id = t.contact_id
        WHERE a.id = %(viewer_id)s
        ORDER BY t.due_at, t.id
        LIMIT {2 * (MAX_ITEMS + 1)}
    ) tasks
    UNION ALL
    SELECT * FROM (
        SELECT 'renewal', c.id, c.contract_number, NULL, c.contract_valid_until, CAST(NULL AS INTEGER), '', c.name, '', ''
        FROM clients_client c
        WHERE c.responsible_id = %(viewer_id)s
          AND c.contract_valid_until >= %(day)s AND c.contract_valid_until <= %(renewal_until)s
        ORDER BY c.contract_valid_until, c.name, c.id
        LIMIT {MAX_ITEMS}
    ) renewals
    UNION ALL
    SELECT * FROM (
        SELECT 'new', c.id, '', NULL, c.responsible_since, CAST(NULL AS INTEGER), '', c.name, '', ''
        FROM clients_client c
        WHERE c.responsible_id = %(viewer_id)s AND c.responsible_since >= %(assigned_since)s
        ORDER BY c.responsible_since DESC, c.id DESC
        LIMIT {MAX_ITEMS}
    ) newly_assigned
"""


def tails_sql(persona: str) -> str:
    """The tails report: visible open contact tasks on a client, past the deadline by more than TAILS_AFTER_DAYS."""
    return f"""
        SELECT {TASK_COLUMNS}, a.first_name AS assignee_first_name, c.responsible_id, c.team_id
        FROM activities_task t
        {TASK_JOINS}
        WHERE t.status = 'open' AND t.client_id IS NOT NULL AND t.kind IN ({CONTACT_TASK_KIND_LIST})
          AND t.due_at < %(tails_before)s AND {TASK_SCOPE[persona]}
        ORDER BY t.due_at, t.id
        LIMIT {MAX_TAILS + 1}
    """


API_TASKS_SQL = f"""
    SELECT t.*, c.name AS client_name, c.responsible_id, c.team_id, lf.abbreviation AS legal_form,
           k.last_name AS contact_last_name, k.first_name AS contact_first_name,
           a.last_name AS assignee_last_name, a.first_name AS assignee_first_name,
           cb.last_name AS created_by_last_name, done.last_name AS completed_by_last_name
    FROM activities_task t
    LEFT JOIN clients_client c ON c.id = t.client_id
    LEFT JOIN clients_legalform lf ON lf.id = c.legal_form_id
    LEFT JOIN contacts_contact k ON k.id = t.contact_id
    JOIN users_user a ON a.id = t.assignee_id
    LEFT JOIN users_user cb ON cb.id = t.created_by_id
    LEFT JOIN users_user done ON done.id = t.completed_by_id
    WHERE t.assignee_id = %(viewer_id)s AND t.status = 'open'
    ORDER BY t.due_at, t.id
    LIMIT {PAGE + 1}
"""


# --- Values from the data, looked up untimed ---------------------------------------------------------


def busiest_client(viewer: User) -> int:
    """The viewer's own client with the most activities: the longest timeline they open."""
    pk = (
        Client.objects.filter(responsible=viewer)
        .annotate(logged=Count("activities"))
        .order_by("-logged", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        raise LookupError("The manager persona has no clients: run `manage.py bench_data` first.")
    return pk


def my_day_params(viewer: User) -> dict[str, Any]:
    now = timezone.now()
    zone = user_zone(viewer)
    day = timezone.localdate(now, zone)
    _start, end = day_bounds(day, zone)
    return {
        **sql_params(viewer),
        "day": day,
        "day_end": end,
        "renewal_until": day + datetime.timedelta(days=RENEWAL_DAYS),
        "assigned_since": now - datetime.timedelta(days=NEWLY_ASSIGNED_DAYS),
    }


def tails_params(viewer: User) -> dict[str, Any]:
    return {**sql_params(viewer), "tails_before": timezone.now() - datetime.timedelta(days=settings.TAILS_AFTER_DAYS)}


# --- The card with its timeline -----------------------------------------------------------------------


@scenario(
    "client_card_timeline",
    persona=MANAGER,
    raw_sql=CARD_TIMELINE_SQL,
    raw_params=lambda viewer: {**sql_params(viewer), "client_id": busiest_client(viewer)},
    budget_ms=CARD_BUDGET_MS,
)
def client_card_timeline(*, viewer: User) -> Iterator[Measured]:
    """GET /clients/<pk>/: the manager's client with the most activities, every panel and the timeline's first page."""
    path = reverse("clients:card", args=[busiest_client(viewer)])
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, path)


# --- My day and tails -----------------------------------------------------------------------------------


@scenario("my_day_manager", persona=MANAGER, raw_sql=MY_DAY_SQL, raw_params=my_day_params, budget_ms=MY_DAY_BUDGET_MS)
def my_day_manager(*, viewer: User) -> Iterator[Measured]:
    """GET /work/my-day/: a manager's day (~300 clients): overdue, today, meetings, tails, birthdays, renewals."""
    path = reverse("activities:my_day")
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, path)


@scenario("team_tails", persona=SUPERVISOR, raw_sql=tails_sql(SUPERVISOR), raw_params=tails_params, budget_ms=TAILS_BUDGET_MS)
def team_tails(*, viewer: User) -> Iterator[Measured]:
    """GET /work/tails/: a supervisor's tails report over the department's subtree, grouped per manager."""
    path = reverse("activities:tails")
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, path)


@scenario("team_tails_head", persona=HEAD, raw_sql=tails_sql(HEAD), raw_params=tails_params, budget_ms=TAILS_BUDGET_MS)
def team_tails_head(*, viewer: User) -> Iterator[Measured]:
    """GET /work/tails/ as the head of sales, who sees every client: the oldest 500 tails of everyone."""
    path = reverse("activities:tails")
    with signed_in(viewer) as client:
        yield lambda: get_ok(client, path)


# --- The tasks API ------------------------------------------------------------------------------------


@scenario("api_tasks_list", persona=MANAGER, raw_sql=API_TASKS_SQL, budget_ms=API_LIST_BUDGET_MS)
def api_tasks_list(*, viewer: User) -> Iterator[Measured]:
    """GET /api/v1/tasks?assignee=me&status=open with a personal token: the manager's open tasks by deadline."""
    token, secret = integration_services.api_token_create(actor=viewer, name="bench", scopes=["activities:read"])
    client = TestClient()
    headers = {"Authorization": f"Bearer {secret}"}
    params = {"assignee": "me", "status": TaskStatus.OPEN, "limit": str(PAGE)}

    def call() -> object:
        response = client.get("/api/v1/tasks", params, headers=headers)
        if response.status_code != 200:
            raise ScenarioError(f"GET /api/v1/tasks answered {response.status_code}, expected 200.")
        return response

    try:
        yield call
    finally:
        token.delete()  # the bench's own token: no trace left in the data set
