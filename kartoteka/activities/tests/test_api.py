"""The activities and tasks API: round trips, filters, paging, query counts, access, scopes and bad input."""

from __future__ import annotations

import datetime
from typing import Any, get_args

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from kartoteka.activities.api import schemas
from kartoteka.activities.models import (
    Activity,
    ActivityKind,
    ActivityResult,
    Channel,
    Direction,
    Initiator,
    Recurrence,
    Task,
    TaskKind,
    TaskStatus,
)
from kartoteka.clients.models import Client
from kartoteka.testing.api import bearer, error_fields, patch, post, send
from kartoteka.testing.factories import ActivityFactory, ClientFactory, ContactFactory, TaskFactory, reference

NOW = timezone.now


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def query_moment(moment: datetime.datetime) -> str:
    return moment.isoformat().replace("+", "%2B")


@pytest.fixture
def manager(world: Any) -> Any:
    return world.users["mgr_north1"]


@pytest.fixture
def own(manager: Any) -> Client:
    return ClientFactory(responsible=manager, name="Свой")


@pytest.fixture
def foreign(world: Any) -> dict[str, Any]:
    """Another manager's client with a contact, an activity and a task."""
    other = world.users["mgr_south"]
    client = ClientFactory(responsible=other, name="Чужой")
    contact = ContactFactory(client=client, last_name="Чужаков")
    return {
        "client": client,
        "contact": contact,
        "activity": ActivityFactory(client=client, summary="Чужой звонок", actor=other),
        "task": TaskFactory(client=client, assignee=other, title="Чужая задача"),
    }


# --- Activities: round trip -----------------------------------------------------------------------------


def test_a_manager_logs_reads_changes_and_deletes_an_activity(manager, own):
    contact = ContactFactory(client=own, last_name="Иванов", first_name="Пётр")
    http = bearer(manager, "activities:write")
    occurred = (NOW() - datetime.timedelta(hours=2)).replace(microsecond=0)
    created = post(
        http,
        "/api/v1/activities",
        {
            "client_id": own.pk,
            "kind": "call",
            "occurred_at": iso(occurred),
            "contact_id": contact.pk,
            "result": "agreed",
            "summary": "Договорились о встрече",
            "duration_minutes": 12,
            "direction": "outbound",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    activity_id = body["id"]
    assert body["client"] == {
        "id": own.pk,
        "name": own.display_name,
        "accessible": True,
        "url": f"/api/v1/clients/{own.pk}",
        "card_url": f"/clients/{own.pk}/",
    }
    assert body["contact"] == {"id": contact.pk, "name": "Иванов Пётр"}
    assert body["author"]["id"] == manager.pk
    assert body["result"]["code"] == "agreed"
    assert body["productive"] is True  # the result's own mark
    assert body["channel"] == "phone"  # the kind's usual channel
    assert body["next_task"] is None
    assert datetime.datetime.fromisoformat(body["occurred_at"]) == occurred
    own.refresh_from_db()
    assert own.last_contact_at == occurred

    assert http.get(f"/api/v1/activities/{activity_id}").json()["summary"] == "Договорились о встрече"

    changed = patch(http, f"/api/v1/activities/{activity_id}", {"result": "refused", "productive": False, "contact_id": None})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["result"]["code"], changed.json()["productive"], changed.json()["contact"]) == ("refused", False, None)
    assert changed.json()["summary"] == "Договорились о встрече"  # not sent, so unchanged

    assert http.delete(f"/api/v1/activities/{activity_id}").status_code == 204
    assert http.get(f"/api/v1/activities/{activity_id}").status_code == 404
    assert not Activity.objects.filter(pk=activity_id).exists()


def test_logging_an_activity_can_plan_the_next_contact(manager, own):
    contact = ContactFactory(client=own)
    http = bearer(manager, "activities:write")
    due = (NOW() + datetime.timedelta(days=3)).replace(microsecond=0)
    created = post(
        http,
        "/api/v1/activities",
        {
            "client_id": own.pk,
            "kind": "meeting",
            "contact_id": contact.pk,
            "summary": "Презентация",
            "next_task": {"kind": "call", "due_at": iso(due), "priority": "high"},
        },
    )
    assert created.status_code == 201, created.content
    planned = created.json()["next_task"]
    assert planned["client"]["id"] == own.pk
    assert planned["contact"]["id"] == contact.pk  # the activity's contact by default
    assert planned["assignee"]["id"] == manager.pk
    assert planned["priority"] == "high"
    assert planned["title"]  # made from the kind and the client's name
    assert datetime.datetime.fromisoformat(planned["due_at"]) == due


def test_a_bad_next_task_is_reported_under_next_task_and_nothing_is_saved(manager, own):
    http = bearer(manager, "activities:write")
    past_remind = iso(NOW() + datetime.timedelta(days=5))
    response = post(
        http,
        "/api/v1/activities",
        {
            "client_id": own.pk,
            "kind": "call",
            "summary": "Не сохранится",
            "next_task": {"due_at": iso(NOW() + datetime.timedelta(days=1)), "remind_at": past_remind},
        },
    )
    assert response.status_code == 422
    assert error_fields(response) == {"next_task.remind_at": None}
    assert not Activity.objects.filter(summary="Не сохранится").exists()


def test_activity_results_are_listed_in_the_callers_language(manager):
    manager.language = "ru"
    manager.save(update_fields=["language"])
    ActivityResult.objects.filter(code="postponed").update(is_active=False)
    http = bearer(manager, "activities:read")
    items = http.get("/api/v1/activity-results").json()["items"]
    agreed = next(item for item in items if item["code"] == "agreed")
    assert agreed["name"] == agreed["names"]["ru"] == "Договорились о следующем шаге"
    assert agreed["productive"] is True
    active = {item["code"] for item in http.get("/api/v1/activity-results?active=true").json()["items"]}
    assert {item["code"] for item in items} - active == {"postponed"}


def test_an_inactive_result_cannot_be_chosen_anew(manager, own):
    ActivityResult.objects.filter(code="postponed").update(is_active=False)
    http = bearer(manager, "activities:write")
    response = post(http, "/api/v1/activities", {"client_id": own.pk, "kind": "call", "result": "postponed"})
    assert response.status_code == 422
    assert error_fields(response) == {"result": "inactive"}


# --- Activities: the list -------------------------------------------------------------------------------


def test_the_activity_list_filters_combine(world, manager, own):
    contact = ContactFactory(client=own)
    second = ClientFactory(responsible=manager)
    hour = datetime.timedelta(hours=1)
    call = ActivityFactory(
        client=own, kind="call", contact=contact, result=reference(ActivityResult, "agreed"),
        occurred_at=NOW() - 3 * hour, actor=manager,
    )  # fmt: skip
    email = ActivityFactory(client=own, kind="email", occurred_at=NOW() - 2 * hour, productive=False)
    meeting = ActivityFactory(client=second, kind="meeting", occurred_at=NOW() - hour, actor=manager)
    http = bearer(manager, "activities:read")

    def ids(query: str) -> list[int]:
        response = http.get(f"/api/v1/activities?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids("") == [meeting.pk, email.pk, call.pk]  # newest first
    assert ids(f"client={own.pk}") == [email.pk, call.pk]
    assert ids(f"contact={contact.pk}") == [call.pk]
    assert ids("kind=call,meeting") == [meeting.pk, call.pk]
    assert ids("author=me") == ids(f"author={manager.pk}") == [meeting.pk, call.pk]
    assert ids("productive=true") == [call.pk]
    assert ids("result=agreed,no-answer") == [call.pk]
    assert ids(f"occurred_after={query_moment(NOW() - 2.5 * hour)}") == [meeting.pk, email.pk]
    assert ids(f"occurred_before={query_moment(NOW() - 2.5 * hour)}&client={own.pk}") == [call.pk]


def test_activity_cursor_pages_cover_every_row_once(manager, own):
    moment = NOW() - datetime.timedelta(days=1)
    made = [ActivityFactory(client=own, occurred_at=moment - datetime.timedelta(minutes=i % 3)) for i in range(7)]
    http = bearer(manager, "activities:read")
    seen: list[int] = []
    url = "/api/v1/activities?limit=3"
    while url:
        page = http.get(url).json()
        seen += [item["id"] for item in page["items"]]
        url = f"/api/v1/activities?limit=3&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    expected = sorted(made, key=lambda activity: (activity.occurred_at, activity.pk), reverse=True)
    assert seen == [activity.pk for activity in expected]


def _activity_list_queries(django_assert_num_queries: Any, http: HttpClient) -> list[dict[str, Any]]:
    # 1 the token with its user (its last use is written at most once a minute: the warm-up did it),
    # 2 the user's roles and scopes (the access policy), 3 the page of activities with the client (and its
    # legal form), the contact, the author and the result joined.
    with django_assert_num_queries(3):
        response = http.get("/api/v1/activities?limit=100")
    assert response.status_code == 200
    return response.json()["items"]


def test_the_activity_list_runs_the_same_queries_for_5_and_50_rows(manager, own, django_assert_num_queries):
    contact = ContactFactory(client=own)

    def add(count: int) -> None:
        for _number in range(count):
            ActivityFactory(client=own, contact=contact, result=reference(ActivityResult, "agreed"), actor=manager)

    add(5)
    http = bearer(manager, "activities:read")
    http.get("/api/v1/activities")  # warm-up: records the token's first use
    assert len(_activity_list_queries(django_assert_num_queries, http)) == 5
    add(45)
    items = _activity_list_queries(django_assert_num_queries, http)
    assert len(items) == 50
    assert all(item["contact"] and item["result"] and item["author"] for item in items)


# --- Tasks: round trip ----------------------------------------------------------------------------------


def test_a_manager_plans_reads_reschedules_reassigns_and_deletes_a_task(world, manager, own):
    supervisor = world.users["sup_north"]
    http = bearer(supervisor, "activities:write")
    due = (NOW() + datetime.timedelta(days=2)).replace(microsecond=0)
    created = post(
        http,
        "/api/v1/tasks",
        {
            "title": "Позвонить по договору",
            "client_id": own.pk,
            "due_at": iso(due),
            "remind_at": iso(due - datetime.timedelta(hours=1)),
            "assignee_id": manager.pk,
        },
    )
    assert created.status_code == 201, created.content
    task = created.json()
    assert (task["status"], task["kind"], task["priority"]) == ("open", "call", "normal")
    assert task["assignee"]["id"] == manager.pk
    assert task["created_by"]["id"] == supervisor.pk
    assert (task["is_overdue"], task["is_tail"]) == (False, False)

    later = due + datetime.timedelta(days=1)
    moved = patch(http, f"/api/v1/tasks/{task['id']}", {"due_at": iso(later)})
    assert moved.status_code == 200, moved.content
    assert datetime.datetime.fromisoformat(moved.json()["due_at"]) == later
    # The reminder kept its distance before the deadline.
    assert datetime.datetime.fromisoformat(moved.json()["remind_at"]) == later - datetime.timedelta(hours=1)

    reassigned = patch(http, f"/api/v1/tasks/{task['id']}", {"assignee_id": supervisor.pk, "priority": "low"})
    assert (reassigned.json()["assignee"]["id"], reassigned.json()["priority"]) == (supervisor.pk, "low")

    assert http.get(f"/api/v1/tasks/{task['id']}").json()["title"] == "Позвонить по договору"
    assert http.delete(f"/api/v1/tasks/{task['id']}").status_code == 204
    assert not Task.objects.filter(pk=task["id"]).exists()


def test_completing_a_task_logs_the_activity_and_plans_the_next_occurrence(manager, own):
    contact = ContactFactory(client=own)
    task = TaskFactory(
        client=own, contact=contact, assignee=manager, kind="call", title="Еженедельный звонок",
        recurrence=Recurrence.WEEKLY, due_at=(NOW() - datetime.timedelta(hours=1)).replace(microsecond=0),
    )  # fmt: skip
    http = bearer(manager, "activities:write")
    done = post(http, f"/api/v1/tasks/{task.pk}/complete", {"note": "Позвонил", "log": {"result": "agreed"}})
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["task"]["status"] == "done"
    assert body["task"]["completion_note"] == "Позвонил"
    assert body["task"]["completed_by"]["id"] == manager.pk
    activity = body["activity"]
    assert (activity["kind"], activity["subject"], activity["summary"]) == ("call", "Еженедельный звонок", "Позвонил")
    assert activity["task_id"] == task.pk
    assert activity["contact"]["id"] == contact.pk
    assert activity["productive"] is True
    follower = body["next_occurrence"]
    assert follower["previous_id"] == task.pk
    assert follower["status"] == "open"
    assert datetime.datetime.fromisoformat(follower["due_at"]) == timezone.localtime(task.due_at) + datetime.timedelta(weeks=1)

    again = post(http, f"/api/v1/tasks/{task.pk}/complete", {})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "task_closed"

    reopened = post(http, f"/api/v1/tasks/{task.pk}/reopen", {})
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["completed_at"]) == ("open", None)


def test_cancelling_can_stop_a_series(manager, own):
    task = TaskFactory(client=own, assignee=manager, recurrence=Recurrence.DAILY)
    http = bearer(manager, "activities:write")
    cancelled = post(http, f"/api/v1/tasks/{task.pk}/cancel", {"note": "Клиент в отпуске", "stop_series": True})
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["task"]["status"] == "cancelled"
    assert cancelled.json()["next_occurrence"] is None
    assert cancelled.json()["activity"] is None
    assert not Task.objects.filter(previous=task).exists()


def test_a_personal_todo_cannot_log_an_activity(manager):
    task = TaskFactory(assignee=manager, kind="todo", title="Отчёт")
    http = bearer(manager, "activities:write")
    response = post(http, f"/api/v1/tasks/{task.pk}/complete", {"log": {}})
    assert response.status_code == 422
    assert error_fields(response) == {"log": None}
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


# --- Tasks: the list ------------------------------------------------------------------------------------


def test_the_task_list_filters_combine(world, manager, own, settings):
    settings.TAILS_AFTER_DAYS = 3
    supervisor = world.users["sup_north"]
    day = datetime.timedelta(days=1)
    tail = TaskFactory(client=own, assignee=manager, kind="call", due_at=NOW() - 5 * day)
    overdue = TaskFactory(client=own, assignee=manager, kind="meeting", due_at=NOW() - day)
    todo = TaskFactory(assignee=manager, kind="todo", due_at=NOW() + day)
    theirs = TaskFactory(client=own, assignee=supervisor, actor=supervisor, kind="call", due_at=NOW() + 2 * day)
    done = TaskFactory(client=own, assignee=manager, kind="email", due_at=NOW() - 2 * day)
    from kartoteka.activities import services

    services.task_complete(actor=manager, task=done)
    http = bearer(manager, "activities:read")

    def ids(query: str) -> list[int]:
        response = http.get(f"/api/v1/tasks?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids("") == [tail.pk, done.pk, overdue.pk, todo.pk, theirs.pk]  # by deadline
    assert ids("status=open") == [tail.pk, overdue.pk, todo.pk, theirs.pk]
    assert ids("status=done,cancelled") == [done.pk]
    assert ids("kind=todo,meeting") == [overdue.pk, todo.pk]
    assert ids("assignee=me&status=open") == [tail.pk, overdue.pk, todo.pk]
    assert ids(f"assignee={supervisor.pk}") == [theirs.pk]
    assert ids(f"client={own.pk}&status=open") == [tail.pk, overdue.pk, theirs.pk]
    assert ids("overdue=true") == [tail.pk, overdue.pk]
    assert ids("tail=true") == [tail.pk]
    assert ids("tail=false&overdue=true") == [overdue.pk]
    assert ids(f"due_after={query_moment(NOW())}") == [todo.pk, theirs.pk]
    assert ids(f"due_before={query_moment(NOW())}&status=open") == [tail.pk, overdue.pk]
    items = http.get("/api/v1/tasks?tail=true").json()["items"]
    assert (items[0]["is_tail"], items[0]["is_overdue"]) == (True, True)


def test_task_cursor_pages_cover_every_row_once(manager, own):
    moment = (NOW() + datetime.timedelta(days=1)).replace(microsecond=0)
    made = [TaskFactory(client=own, assignee=manager, due_at=moment + datetime.timedelta(hours=i % 3)) for i in range(7)]
    http = bearer(manager, "activities:read")
    seen: list[int] = []
    url = "/api/v1/tasks?limit=2"
    while url:
        page = http.get(url).json()
        seen += [item["id"] for item in page["items"]]
        url = f"/api/v1/tasks?limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    assert seen == [task.pk for task in sorted(made, key=lambda task: (task.due_at, task.pk))]


def test_a_foreign_or_tampered_cursor_is_400(manager, own):
    for _number in range(3):
        ActivityFactory(client=own)
        TaskFactory(client=own, assignee=manager)
    http = bearer(manager, "activities:read")
    activity_cursor = http.get("/api/v1/activities?limit=1").json()["next_cursor"]
    for url in (f"/api/v1/tasks?cursor={activity_cursor}", "/api/v1/tasks?cursor=due.garbage", "/api/v1/activities?cursor=x"):
        response = http.get(url)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_cursor"


def _task_list_queries(django_assert_num_queries: Any, http: HttpClient) -> list[dict[str, Any]]:
    # 1 the token with its user (its last use is written at most once a minute: the warm-up did it),
    # 2 the user's roles and scopes (the access policy), 3 the page of tasks with the client (and its legal
    # form), the contact, the assignee, the creator and whoever completed it joined. Whether each client
    # may be opened is decided in memory from the roles.
    with django_assert_num_queries(3):
        response = http.get("/api/v1/tasks?limit=100")
    assert response.status_code == 200
    return response.json()["items"]


def test_the_task_list_runs_the_same_queries_for_5_and_50_rows(world, manager, own, django_assert_num_queries):
    contact = ContactFactory(client=own)
    hidden = ClientFactory(responsible=world.users["mgr_south"])

    def add(count: int) -> None:
        for number in range(count):
            client = hidden if number % 5 == 0 else own
            TaskFactory(client=client, contact=contact if client is own else None, assignee=manager)

    add(5)
    http = bearer(manager, "activities:read")
    http.get("/api/v1/tasks")  # warm-up: records the token's first use
    assert len(_task_list_queries(django_assert_num_queries, http)) == 5
    add(45)
    items = _task_list_queries(django_assert_num_queries, http)
    assert len(items) == 50
    assert {item["client"]["accessible"] for item in items} == {True, False}


# --- Access ---------------------------------------------------------------------------------------------

FOREIGN_REQUESTS = [
    ("get", "/api/v1/activities/{activity}", None),
    ("patch", "/api/v1/activities/{activity}", {"summary": "Мой"}),
    ("delete", "/api/v1/activities/{activity}", None),
    ("get", "/api/v1/tasks/{task}", None),
    ("patch", "/api/v1/tasks/{task}", {"title": "Моя"}),
    ("delete", "/api/v1/tasks/{task}", None),
    ("post", "/api/v1/tasks/{task}/complete", {"note": "Моя"}),
    ("post", "/api/v1/tasks/{task}/cancel", {"note": "Моя"}),
    ("post", "/api/v1/tasks/{task}/reopen", {}),
]


@pytest.mark.parametrize(("method", "url", "body"), FOREIGN_REQUESTS)
def test_a_manager_gets_404_for_another_managers_activities_and_tasks(manager, foreign, method, url, body):
    http = bearer(manager, "activities:write")
    response = send(http, method, url.format(activity=foreign["activity"].pk, task=foreign["task"].pk), body)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Activity.objects.filter(pk=foreign["activity"].pk, summary="Чужой звонок").exists()
    assert Task.objects.filter(pk=foreign["task"].pk, title="Чужая задача", status=TaskStatus.OPEN).exists()


def test_lists_never_include_another_managers_records(manager, own, foreign):
    mine = ActivityFactory(client=own)
    my_task = TaskFactory(client=own, assignee=manager)
    http = bearer(manager, "activities:read")
    assert [item["id"] for item in http.get("/api/v1/activities").json()["items"]] == [mine.pk]
    assert http.get(f"/api/v1/activities?client={foreign['client'].pk}").json()["items"] == []
    assert [item["id"] for item in http.get("/api/v1/tasks").json()["items"]] == [my_task.pk]
    assert http.get(f"/api/v1/tasks?client={foreign['client'].pk}").json()["items"] == []
    assert http.get(f"/api/v1/tasks?assignee={foreign['task'].assignee_id}").json()["items"] == []


def test_a_body_cannot_point_at_invisible_records(world, manager, own, foreign):
    http = bearer(manager, "activities:write")
    due = iso(NOW() + datetime.timedelta(days=1))
    for response, field in (
        (post(http, "/api/v1/activities", {"client_id": foreign["client"].pk, "kind": "call"}), "client_id"),
        (
            post(http, "/api/v1/activities", {"client_id": own.pk, "kind": "call", "contact_id": foreign["contact"].pk}),
            "contact_id",
        ),
        (post(http, "/api/v1/tasks", {"client_id": foreign["client"].pk, "due_at": due}), "client_id"),
        (post(http, "/api/v1/tasks", {"title": "x", "due_at": due, "assignee_id": world.users["mgr_south"].pk}), "assignee_id"),
        (post(http, "/api/v1/activities", {"client_id": own.pk, "kind": "call", "result": "no-such-result"}), "result"),
    ):
        assert response.status_code == 422, response.content
        assert list(error_fields(response)) == [field]
    assert not Activity.objects.filter(client=own).exists()


def test_a_contact_of_another_client_is_refused(manager, own):
    other = ClientFactory(responsible=manager)
    contact = ContactFactory(client=other)
    http = bearer(manager, "activities:write")
    response = post(http, "/api/v1/activities", {"client_id": own.pk, "kind": "call", "contact_id": contact.pk})
    assert response.status_code == 422
    assert list(error_fields(response)) == ["contact_id"]


def test_a_marketer_reads_activities_but_logs_none(world, foreign):
    http = bearer(world.users["marketer"], "activities:write")
    assert http.get(f"/api/v1/activities/{foreign['activity'].pk}").status_code == 200
    for response in (
        post(http, "/api/v1/activities", {"client_id": foreign["client"].pk, "kind": "call"}),
        patch(http, f"/api/v1/activities/{foreign['activity'].pk}", {}),
        http.delete(f"/api/v1/activities/{foreign['activity'].pk}"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


# --- A task assigned on a client the assignee cannot see ------------------------------------------------


@pytest.fixture
def delegated(world: Any, foreign: dict[str, Any]) -> Task:
    """The head of sales asks mgr_north1 to call mgr_south's client while she is away."""
    return TaskFactory(
        client=foreign["client"], contact=foreign["contact"], assignee=world.users["mgr_north1"],
        actor=world.users["head"], title="Позвонить за неё",
    )  # fmt: skip


def test_a_task_on_an_invisible_client_shows_only_the_clients_name(manager, foreign, delegated):
    http = bearer(manager, "activities:read")
    body = http.get(f"/api/v1/tasks/{delegated.pk}").json()
    assert body["client"] == {
        "id": foreign["client"].pk,
        "name": foreign["client"].display_name,
        "accessible": False,
        "url": None,
        "card_url": None,
    }
    assert body["contact"] is None
    listed = http.get("/api/v1/tasks").json()["items"]
    assert [item["id"] for item in listed] == [delegated.pk]
    assert listed[0]["client"]["accessible"] is False
    assert http.get(f"/api/v1/clients/{foreign['client'].pk}").status_code in (403, 404)
    assert http.get(f"/api/v1/activities?client={foreign['client'].pk}").json()["items"] == []


def test_the_assignee_reschedules_and_completes_it_but_cannot_log_on_the_client(manager, foreign, delegated):
    http = bearer(manager, "activities:write")
    later = iso(NOW() + datetime.timedelta(days=4))
    assert patch(http, f"/api/v1/tasks/{delegated.pk}", {"due_at": later}).status_code == 200
    # Sending the task back as it was read (same client and contact) is no change of client.
    same = {"title": "Позвонить за неё (перенесено)", "client_id": foreign["client"].pk, "contact_id": foreign["contact"].pk}
    assert patch(http, f"/api/v1/tasks/{delegated.pk}", same).status_code == 200
    other = ClientFactory(responsible=foreign["client"].responsible)
    assert patch(http, f"/api/v1/tasks/{delegated.pk}", {"client_id": other.pk}).status_code == 422

    refused = post(http, f"/api/v1/tasks/{delegated.pk}/complete", {"note": "Дозвонился", "log": {"result": "agreed"}})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert error_fields(refused) == {"log": "client_not_changeable"}
    delegated.refresh_from_db()
    assert delegated.status == TaskStatus.OPEN  # nothing happened
    assert not Activity.objects.filter(task=delegated).exists()

    done = post(http, f"/api/v1/tasks/{delegated.pk}/complete", {"note": "Дозвонился"})
    assert done.status_code == 200, done.content
    assert done.json()["task"]["status"] == "done"
    assert done.json()["activity"] is None


# --- Scopes ---------------------------------------------------------------------------------------------

WRITES = [
    ("post", "/api/v1/activities", {"client_id": "{client}", "kind": "call"}),
    ("patch", "/api/v1/activities/{activity}", {"summary": "x"}),
    ("delete", "/api/v1/activities/{activity}", None),
    ("post", "/api/v1/tasks", {"title": "x", "due_at": "2030-01-01T10:00:00+03:00"}),
    ("patch", "/api/v1/tasks/{task}", {"title": "x"}),
    ("delete", "/api/v1/tasks/{task}", None),
    ("post", "/api/v1/tasks/{task}/complete", {}),
    ("post", "/api/v1/tasks/{task}/cancel", {}),
    ("post", "/api/v1/tasks/{task}/reopen", {}),
]


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_a_read_only_token_cannot_write(manager, own, method, url, body):
    ids = {"client": own.pk, "activity": ActivityFactory(client=own).pk, "task": TaskFactory(client=own, assignee=manager).pk}
    http = bearer(manager, "activities:read")
    if body and body.get("client_id") == "{client}":
        body = {**body, "client_id": own.pk}
    response = send(http, method, url.format(**ids), body)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


@pytest.mark.parametrize("url", ["/api/v1/activities", "/api/v1/tasks", "/api/v1/activity-results"])
def test_a_token_without_the_activities_scope_cannot_even_read(manager, url):
    response = bearer(manager, "clients:write").get(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_the_browser_session_needs_no_scope(manager, own, client_for):
    ActivityFactory(client=own)
    assert len(client_for(manager).get("/api/v1/activities").json()["items"]) == 1


# --- Bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/activities?occurred_after=yesterday",
        "/api/v1/activities?occurred_after=0.5",
        "/api/v1/activities?kind=tweet",
        "/api/v1/activities?author=someone",
        "/api/v1/activities?limit=0",
        "/api/v1/tasks?due_before=2026-13-45",
        "/api/v1/tasks?status=late",
        "/api/v1/tasks?assignee=-1",
        "/api/v1/tasks?overdue=maybe",
        "/api/v1/tasks?limit=201",
    ],
)
def test_bad_list_parameters_are_422(manager, query):
    response = bearer(manager, "activities:read").get(query)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_bad_bodies_are_422_naming_the_input(manager, own):
    http = bearer(manager, "activities:write")
    task = TaskFactory(client=own, assignee=manager)
    cases = [
        ("/api/v1/activities", {"client_id": own.pk, "kind": "tweet"}, "kind"),
        ("/api/v1/activities", {"client_id": own.pk, "kind": "call", "occurred_at": "yesterday"}, "occurred_at"),
        ("/api/v1/activities", {"client_id": own.pk, "kind": "call", "occurred_at": 1700000000}, "occurred_at"),
        ("/api/v1/activities", {"client_id": own.pk, "kind": "call", "interest_level": 9}, "interest_level"),
        ("/api/v1/activities", {"client_id": own.pk, "kind": "call", "recording_url": "not a link"}, "recording_url"),
        (
            "/api/v1/activities",
            {"client_id": own.pk, "kind": "call", "occurred_at": iso(NOW() + datetime.timedelta(days=1))},
            "occurred_at",
        ),
        ("/api/v1/activities", {"client_id": True, "kind": "call"}, "client_id"),
        ("/api/v1/tasks", {"title": "x"}, "due_at"),
        ("/api/v1/tasks", {"title": "x", "due_at": "2026-02-30T10:00:00Z"}, "due_at"),
        ("/api/v1/tasks", {"title": "x", "due_at": iso(NOW()), "kind": "fax"}, "kind"),
        ("/api/v1/tasks", {"title": "x", "due_at": iso(NOW()), "priority": 3}, "priority"),
        ("/api/v1/tasks", {"title": "   ", "due_at": iso(NOW())}, "title"),
        (f"/api/v1/tasks/{task.pk}/complete", {"log": {"kind": "tweet"}}, "log.kind"),
    ]
    for url, body, field in cases:
        response = post(http, url, body)
        assert response.status_code == 422, (body, response.content)
        assert field in error_fields(response), (body, response.json())


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/activities", {"kind": "call", "summary": "a\u0000b"}),
        ("/api/v1/tasks", {"title": "a\u0000b", "due_at": "2030-01-01T10:00:00+03:00"}),
    ],
)
def test_nul_characters_are_refused(manager, own, url, body):
    response = post(bearer(manager, "activities:write"), url, {**body, "client_id": own.pk})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "null_character"


def test_a_nul_character_in_a_query_is_refused(manager):
    response = bearer(manager, "activities:read").get("/api/v1/tasks?assignee=me%00")
    assert response.status_code == 422


def test_errors_speak_the_callers_language(manager, own):
    manager.language = "ru"
    manager.save(update_fields=["language"])
    response = post(bearer(manager, "activities:write"), "/api/v1/tasks", {"title": "   ", "due_at": iso(NOW())})
    assert response.status_code == 422
    assert response.json()["error"]["message"] != "The request did not pass validation."


# --- The API's enums agree with the models ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_values", "choices"),
    [
        (schemas.ActivityKindName, ActivityKind),
        (schemas.TaskKindName, TaskKind),
        (schemas.TaskStatusName, TaskStatus),
        (schemas.RecurrenceName, Recurrence),
        (schemas.InitiatorName, Initiator),
        (schemas.ChannelName, Channel),
        (schemas.DirectionName, Direction),
    ],
)
def test_api_choices_match_the_models(api_values, choices):
    assert set(get_args(api_values)) - {""} == set(choices.values) - {""}
