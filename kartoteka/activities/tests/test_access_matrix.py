"""Who reaches which activity and task, through every path that exists: the card's timeline, the task
list and page, My day, the calendar and its iCalendar feed, the tails report and the API — and who may
change them through every write path; guessed ids answer 404 like missing ones; a task assigned on a
client the assignee cannot see opens the task and nothing else of the client; notices stay their
recipient's.

The world (``world`` fixture): three clients, owned by mgr_north1, sup_north and mgr_south, each with
one logged activity and one open call assigned to its owner, due five days ago (so each is also a
tail and on its assignee's My day as overdue); and "cross": a call on mgr_north1's client that the
head of sales gave to mgr_south (docs/access.md, "Personal rows: tasks").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import models
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities import calendar_services
from kartoteka.activities.models import Activity, ActivityResult, Task, TaskStatus
from kartoteka.clients.models import Client
from kartoteka.notifications import services as notification_services
from kartoteka.notifications.models import Notification, NotificationKind
from kartoteka.search import registry as search_registry
from kartoteka.testing.access_matrix import (
    AccessPath,
    Mismatch,
    api_list_contains,
    format_mismatches,
    run_matrix,
)
from kartoteka.testing.factories import ActivityFactory, ClientFactory, ContactFactory, TaskFactory
from kartoteka.users.models import User

pytestmark = pytest.mark.django_db

KEYS = ("c_north1", "c_sup_north", "c_south")
OWNERS = {"c_north1": "mgr_north1", "c_sup_north": "sup_north", "c_south": "mgr_south"}
EVERYONE = set(KEYS)
TASKS_EVERYONE = {*KEYS, "cross"}
# 200 and 302 (done, redirected), 400/409/422 (refused with a message), 403 (seen, not changeable),
# 404 (not seen): anything else, a 500 above all, is a failure of its own.
WRITE_STATUSES = {200, 201, 204, 302, 400, 403, 404, 409, 422}


@dataclass
class Scene:
    # Factories are typed as themselves, not as the rows they make: Any keeps mypy quiet here.
    clients: dict[str, Any] = field(default_factory=dict)  # Client
    contacts: dict[str, Any] = field(default_factory=dict)  # Contact
    activities: dict[str, Any] = field(default_factory=dict)  # Activity
    tasks: dict[str, Any] = field(default_factory=dict)  # Task
    due: datetime.datetime = field(default_factory=timezone.now)


def _due() -> datetime.datetime:
    # Noon five days ago, local time: a tail (TAILS_AFTER_DAYS is 3), overdue, inside the feed's window,
    # and far from midnight so that the calendar's week is the same in every time zone of the world.
    return timezone.localtime(timezone.now() - datetime.timedelta(days=5)).replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def scene(world, settings) -> Scene:
    settings.TAILS_AFTER_DAYS = 3
    result = Scene(due=_due())
    for key in KEYS:
        owner = world.users[OWNERS[key]]
        client = ClientFactory(responsible=owner, name=f"Матрица {key}")
        contact = ContactFactory(client=client, last_name=f"Контакт-{key}")
        result.clients[key] = client
        result.contacts[key] = contact
        result.activities[key] = ActivityFactory(client=client, contact=contact, summary=f"MX-activity-{key}")
        result.tasks[key] = TaskFactory(
            client=client, contact=contact, assignee=owner, title=f"MX-task-{key}", kind="call", due_at=result.due
        )
    # The head of sales asks mgr_south to make a call for mgr_north1 (say, while she is away).
    result.tasks["cross"] = TaskFactory(
        client=result.clients["c_north1"],
        contact=result.contacts["c_north1"],
        assignee=world.users["mgr_south"],
        actor=world.users["head"],
        title="MX-task-cross",
        kind="call",
        due_at=result.due,
    )
    return result


def _viewer(client: HttpClient) -> User:
    """The person the harness signed the client in as."""
    return User.objects.get(pk=client.session["_auth_user_id"])


def _page(client: HttpClient, url: str, *, hidden: tuple[int, ...] = ()) -> str | None:
    """The page's HTML, or None when it answered one of the ``hidden`` statuses."""
    response = client.get(url)
    assert response.status_code in (200, *hidden), f"{url} answered {response.status_code}"
    return response.content.decode() if response.status_code == 200 else None


def _shows(url: Any, marker: Any, *, hidden: tuple[int, ...] = ()) -> Any:
    """A read probe: the page (``url(obj)``) answers 200 and shows ``marker(obj)``."""

    def probe(client: HttpClient, obj: models.Model) -> bool:
        html = _page(client, url(client, obj), hidden=hidden)
        return html is not None and marker(obj) in html

    return probe


def _status_and_marker(url: Any, marker: Any) -> Any:
    """An item path: 200 showing the object, or 404 (never 403) when it is not the viewer's to see."""

    def probe(client: HttpClient, obj: models.Model) -> bool:
        target = url(obj)
        response = client.get(target)
        assert response.status_code in (200, 404), f"{target} answered {response.status_code}, expected 200 or 404"
        if response.status_code == 404:
            return False
        assert marker(obj) in response.content.decode(), f"{target} answered 200 without the object"
        return True

    return probe


def _title(task: models.Model) -> str:
    return task.title  # type: ignore[attr-defined]


def _summary(activity: models.Model) -> str:
    return activity.summary  # type: ignore[attr-defined]


def _week_of(task: models.Model) -> str:
    return timezone.localdate(task.due_at).isoformat()  # type: ignore[attr-defined]


# --- Read paths: tasks --------------------------------------------------------------------------------


def _feed_text(client: HttpClient) -> str:
    """The viewer's iCalendar feed (the team's when their role offers it), unfolded (RFC 5545 3.1)."""
    viewer = _viewer(client)
    _feed, token = calendar_services.calendar_feed_create(user=viewer, include_team=calendar_services.can_follow_team(viewer))
    response = HttpClient().get(reverse("activities:calendar_feed", args=[token]))  # no session: the token is the key
    assert response.status_code == 200
    return response.content.decode().replace("\r\n ", "").replace("\r\n\t", "")


def _in_feed(client: HttpClient, task: models.Model) -> bool:
    return f"SUMMARY:{_title(task)}\r\n" in _feed_text(client)


def _in_tasks_api(client: HttpClient, task: models.Model) -> bool:
    return api_list_contains("/api/v1/tasks?limit=200")(client, task)


def _my_day_own(client: HttpClient, task: models.Model) -> str:
    return reverse("activities:my_day") + f"?person={_viewer(client).pk}"


def _my_day_assignee(client: HttpClient, task: models.Model) -> str:
    return reverse("activities:my_day") + f"?person={task.assignee_id}"  # type: ignore[attr-defined]


TASK_LISTS = [
    AccessPath("task_list", _shows(lambda c, t: reverse("activities:tasks") + "?status=all", _title)),
    AccessPath("task_list_reset", _shows(lambda c, t: reverse("activities:tasks") + "?reset=1", _title)),
    AccessPath("task_page", _status_and_marker(lambda t: reverse("activities:task", args=[t.pk]), _title)),
    AccessPath("tails", _shows(lambda c, t: reverse("activities:tails"), _title)),
    AccessPath("api_list", _in_tasks_api),
    AccessPath("api_get", _status_and_marker(lambda t: f"/api/v1/tasks/{t.pk}", _title)),
]
# The viewer's own day and calendar: the tasks assigned to them, whoever may see more.
OWN_DAY = [
    AccessPath("my_day_own", _shows(_my_day_own, _title)),
    AccessPath("calendar_me", _shows(lambda c, t: reverse("activities:calendar") + f"?date={_week_of(t)}", _title)),
]
# The team's: a supervisor's (and the head's) team subtree; everyone else gets their own.
TEAM_DAY = [
    AccessPath("my_day_team", _shows(lambda c, t: reverse("activities:my_day"), _title)),
    AccessPath("calendar_team", _shows(lambda c, t: reverse("activities:calendar") + f"?date={_week_of(t)}&who=team", _title)),
    AccessPath("ical_feed", _in_feed),
]
# One person's day, opened by id: the viewer's own, or a supervisor's person; anyone else is a 404.
PERSON_DAY = [AccessPath("my_day_of_assignee", _shows(_my_day_assignee, _title, hidden=(404,)))]

TASK_READERS = {
    "admin": TASKS_EVERYONE,
    "head": TASKS_EVERYONE,
    "marketer": TASKS_EVERYONE,  # reads every client, and so every client's planned work
    "sup_north": {"c_north1", "c_sup_north", "cross"},  # cross is on a North-1 client
    "mgr_north1": {"c_north1", "cross"},  # cross is on her own client
    "mgr_south": {"c_south", "cross"},  # cross is assigned to her
}
OWN_TASKS = {"mgr_north1": {"c_north1"}, "sup_north": {"c_sup_north"}, "mgr_south": {"c_south", "cross"}}
TEAM_TASKS = {
    # The administrator belongs to no team and the marketer's team plans no calls: their own (none).
    "head": TASKS_EVERYONE,  # Sales: North, North-1 and South
    "sup_north": {"c_north1", "c_sup_north"},  # cross is mgr_south's, in South
    "mgr_north1": {"c_north1"},
    "mgr_south": {"c_south", "cross"},
}


def _check(groups: list[tuple[list[AccessPath], dict[str, set[str]]]], world: Any, objects: dict[str, Any]) -> None:
    mismatches: list[Mismatch] = []
    for paths, allowed in groups:
        mismatches += run_matrix(actors=world.users, objects=objects, paths=paths, allowed=allowed)
    assert not mismatches, format_mismatches(mismatches)


def test_tasks_are_visible_by_role_scope_and_assignment_on_every_read_path(world, scene):
    _check(
        [(TASK_LISTS, TASK_READERS), (OWN_DAY, OWN_TASKS), (TEAM_DAY, TEAM_TASKS), (PERSON_DAY, TEAM_TASKS)],
        world,
        scene.tasks,
    )


# --- Read paths: activities -----------------------------------------------------------------------------


ACTIVITY_READ_PATHS = [
    AccessPath("card", _status_and_marker(lambda a: reverse("clients:card", args=[a.client_id]), _summary)),
    AccessPath("card_history", _status_and_marker(lambda a: reverse("clients:card_history", args=[a.client_id]), _summary)),
    AccessPath("api_list", api_list_contains("/api/v1/activities?limit=200")),
    AccessPath("api_get", _status_and_marker(lambda a: f"/api/v1/activities/{a.pk}", _summary)),
    AccessPath(
        "api_list_of_client",
        lambda c, a: api_list_contains(f"/api/v1/activities?limit=200&client={a.client_id}")(c, a),  # type: ignore[attr-defined]
    ),
]

CLIENT_READERS = {
    "admin": EVERYONE,
    "head": EVERYONE,
    "marketer": EVERYONE,
    "sup_north": {"c_north1", "c_sup_north"},
    "mgr_north1": {"c_north1"},
    # The task she was given on mgr_north1's client opens none of that client's history.
    "mgr_south": {"c_south"},
}


def test_activities_follow_the_client_on_every_read_path(world, scene):
    _check([(ACTIVITY_READ_PATHS, CLIENT_READERS)], world, scene.activities)


def test_global_search_has_no_activity_or_task_kind_yet():
    """Activities and tasks are not searched globally. A kind registered for them must join this matrix."""
    keys = {kind.key for kind in search_registry.kinds()}
    assert keys.isdisjoint({"activities", "activity", "tasks", "task"}), (
        f"global search now has {keys}: add its paths to this matrix"
    )


# --- Write paths: tasks ---------------------------------------------------------------------------------


def _reset_task(task: Task, due: datetime.datetime) -> None:
    """Back to the scene's state for the next actor (test only: no service would reopen silently)."""
    Task.objects.filter(pk=task.pk).update(
        status=TaskStatus.OPEN, completed_at=None, completed_by=None, completion_note="", due_at=due, remind_at=None,
        description="",
    )  # fmt: skip


def _task_write(send: Any, changed: Any) -> Any:
    def probe(client: HttpClient, task: models.Model) -> bool:
        before = Task.objects.get(pk=task.pk)
        response = send(client, before)
        assert response.status_code in WRITE_STATUSES, f"{before.title}: answered {response.status_code}"
        after = Task.objects.get(pk=task.pk)
        reached = changed(before, after)
        if reached:
            assert response.status_code < 400, f"{before.title}: changed, yet answered {response.status_code}"
        _reset_task(before, before.due_at)
        return reached

    return probe


def _moved(before: Task, after: Task) -> bool:
    return after.due_at != before.due_at


def _done(before: Task, after: Task) -> bool:
    return after.status == TaskStatus.DONE


def _next_day(task: Task) -> dict[str, str]:
    moved = timezone.localtime(task.due_at) + datetime.timedelta(days=1)
    return {"date": moved.date().isoformat(), "time": "15:30"}


TASK_WRITE_PATHS = [
    AccessPath(
        "complete",
        _task_write(lambda c, t: c.post(reverse("activities:task_complete", args=[t.pk]), {"note": "MX"}), _done),
    ),
    AccessPath(
        "reschedule",
        _task_write(lambda c, t: c.post(reverse("activities:task_reschedule", args=[t.pk]), _next_day(t)), _moved),
    ),
    AccessPath(
        "cancel",
        _task_write(
            lambda c, t: c.post(reverse("activities:task_cancel", args=[t.pk]), {"note": "MX"}),
            lambda before, after: after.status == TaskStatus.CANCELLED,
        ),
    ),
    AccessPath(
        "calendar_move",
        _task_write(
            lambda c, t: c.post(reverse("activities:calendar_move", args=[t.pk]), _next_day(t), HTTP_ACCEPT="application/json"),
            _moved,
        ),
    ),
    AccessPath(
        "api_patch",
        _task_write(
            lambda c, t: c.patch(f"/api/v1/tasks/{t.pk}", {"description": "API"}, content_type="application/json"),
            lambda before, after: after.description == "API",
        ),
    ),
    AccessPath(
        "api_complete",
        _task_write(lambda c, t: c.post(f"/api/v1/tasks/{t.pk}/complete", {}, content_type="application/json"), _done),
    ),
    AccessPath(
        "api_cancel",
        _task_write(
            lambda c, t: c.post(f"/api/v1/tasks/{t.pk}/cancel", {}, content_type="application/json"),
            lambda before, after: after.status == TaskStatus.CANCELLED,
        ),
    ),
]


def _edit_form(client: HttpClient, task: models.Model) -> bool:
    """The edit form opens (200); seen but not changeable redirects with a message; not seen is a 404."""
    response = client.get(reverse("activities:task_edit", args=[task.pk]))
    assert response.status_code in (200, 302, 404), response.status_code
    return response.status_code == 200


TASK_CHANGERS = {
    "admin": TASKS_EVERYONE,
    "head": TASKS_EVERYONE,
    "sup_north": {"c_north1", "c_sup_north", "cross"},
    "mgr_north1": {"c_north1", "cross"},
    "mgr_south": {"c_south", "cross"},  # cross: her task, though not her client
    # The marketer reads every task and changes none.
}


def test_tasks_are_changeable_by_role_scope_and_assignment_on_every_write_path(world, scene):
    _check([([*TASK_WRITE_PATHS, AccessPath("edit_form", _edit_form)], TASK_CHANGERS)], world, scene.tasks)


# --- Write paths: activities -----------------------------------------------------------------------------


def _quick_log(client: HttpClient, activity: models.Model) -> bool:
    client_id = activity.client_id  # type: ignore[attr-defined]
    response = client.post(
        reverse("activities:quick_log", args=[client_id]), {"kind": "call", "initiator": "us", "summary": "MX-quick"}
    )
    assert response.status_code in (302, 403, 404), response.status_code
    logged = Activity.objects.filter(client_id=client_id, summary="MX-quick")
    reached = logged.exists()
    logged.delete()  # reset for the next actor (test only)
    return reached


def _edit(client: HttpClient, activity: models.Model) -> bool:
    before = Activity.objects.get(pk=activity.pk)
    when = timezone.localtime(before.occurred_at).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("activities:activity_edit", args=[before.pk]),
        {"kind": before.kind, "summary": "MX-edited", "initiator": "us", "occurred_at": when},
    )
    assert response.status_code in (302, 403, 404), response.status_code
    reached = Activity.objects.get(pk=before.pk).summary == "MX-edited"
    Activity.objects.filter(pk=before.pk).update(summary=before.summary)  # reset (test only)
    return reached


def _delete(client: HttpClient, activity: models.Model) -> bool:
    # A throwaway entry on the same client, so the scene's activity stays for the next actor.
    doomed: Any = ActivityFactory(client=activity.client, summary="MX-doomed")  # type: ignore[attr-defined]
    response = client.post(reverse("activities:activity_delete", args=[doomed.pk]))
    assert response.status_code in (302, 403, 404), response.status_code
    reached = not Activity.objects.filter(pk=doomed.pk).exists()
    Activity.objects.filter(pk=doomed.pk).delete()
    return reached


def _api_patch(client: HttpClient, activity: models.Model) -> bool:
    before = Activity.objects.get(pk=activity.pk)
    response = client.patch(f"/api/v1/activities/{before.pk}", {"summary": "API"}, content_type="application/json")
    assert response.status_code in (200, 403, 404), response.status_code
    reached = Activity.objects.get(pk=before.pk).summary == "API"
    Activity.objects.filter(pk=before.pk).update(summary=before.summary)
    return reached


def _api_delete(client: HttpClient, activity: models.Model) -> bool:
    doomed: Any = ActivityFactory(client=activity.client, summary="MX-doomed")  # type: ignore[attr-defined]
    response = client.delete(f"/api/v1/activities/{doomed.pk}")
    assert response.status_code in (204, 403, 404), response.status_code
    reached = not Activity.objects.filter(pk=doomed.pk).exists()
    Activity.objects.filter(pk=doomed.pk).delete()
    return reached


def _api_log(client: HttpClient, activity: models.Model) -> bool:
    client_id = activity.client_id  # type: ignore[attr-defined]
    response = client.post(
        "/api/v1/activities", {"client_id": client_id, "kind": "call", "summary": "MX-api"}, content_type="application/json"
    )
    # A client id in the body that the caller cannot see is "not found" next to the field (422), like a missing one.
    assert response.status_code in (201, 403, 422), response.status_code
    logged = Activity.objects.filter(client_id=client_id, summary="MX-api")
    reached = logged.exists()
    logged.delete()
    return reached


ACTIVITY_WRITE_PATHS = [
    AccessPath("quick_log", _quick_log),
    AccessPath("edit", _edit),
    AccessPath("delete", _delete),
    AccessPath("api_log", _api_log),
    AccessPath("api_patch", _api_patch),
    AccessPath("api_delete", _api_delete),
]

CLIENT_CHANGERS = {
    "admin": EVERYONE,
    "head": EVERYONE,
    "sup_north": {"c_north1", "c_sup_north"},
    "mgr_north1": {"c_north1"},
    "mgr_south": {"c_south"},
    # The marketer reads every card and logs on none.
}


def test_activities_are_changeable_by_who_may_change_the_client(world, scene):
    _check([(ACTIVITY_WRITE_PATHS, CLIENT_CHANGERS)], world, scene.activities)


# --- Guessed ids ----------------------------------------------------------------------------------------


def _id_requests(scene: Scene, key: str, *, missing: bool = False) -> list[tuple[str, str, dict[str, Any]]]:
    """Every request that names one of ``key``'s records by id (or an id that exists nowhere)."""
    offset = 100_000 if missing else 0
    task = scene.tasks[key].pk + offset
    activity = scene.activities[key].pk + offset
    client = scene.clients[key].pk + offset
    contact = scene.contacts[key].pk + offset
    move = {"date": timezone.localdate().isoformat(), "time": "11:00"}
    json = {"content_type": "application/json"}
    return [
        ("get", reverse("activities:task", args=[task]), {}),
        ("get", reverse("activities:task_edit", args=[task]), {}),
        ("post", reverse("activities:task_edit", args=[task]), {"data": {"title": "MX-guessed"}}),
        ("post", reverse("activities:task_complete", args=[task]), {"data": {"note": "MX"}}),
        ("post", reverse("activities:task_reschedule", args=[task]), {"data": move}),
        ("post", reverse("activities:task_cancel", args=[task]), {}),
        ("post", reverse("activities:task_reopen", args=[task]), {}),
        ("post", reverse("activities:task_delete", args=[task]), {}),
        ("post", reverse("activities:tail_reassign", args=[task]), {"data": {"to_user": "mgr_south@example.test"}}),
        ("post", reverse("activities:calendar_move", args=[task]), {"data": move, "HTTP_ACCEPT": "application/json"}),
        ("post", reverse("activities:calendar_move", args=[task]), {"data": move}),
        ("get", reverse("activities:activity_edit", args=[activity]), {}),
        ("post", reverse("activities:activity_edit", args=[activity]), {"data": {"kind": "note", "initiator": "us"}}),
        ("get", reverse("activities:activity_delete", args=[activity]), {}),
        ("post", reverse("activities:activity_delete", args=[activity]), {}),
        ("post", reverse("activities:quick_log", args=[client]), {"data": {"kind": "call", "initiator": "us"}}),
        ("post", reverse("activities:congratulate", args=[contact]), {}),
        ("get", f"/api/v1/tasks/{task}", {}),
        ("patch", f"/api/v1/tasks/{task}", {"data": {"description": "MX"}, **json}),
        ("post", f"/api/v1/tasks/{task}/complete", {"data": {}, **json}),
        ("post", f"/api/v1/tasks/{task}/cancel", {"data": {}, **json}),
        ("post", f"/api/v1/tasks/{task}/reopen", {"data": {}, **json}),
        ("delete", f"/api/v1/tasks/{task}", {}),
        ("get", f"/api/v1/activities/{activity}", {}),
        ("patch", f"/api/v1/activities/{activity}", {"data": {"summary": "MX"}, **json}),
        ("delete", f"/api/v1/activities/{activity}", {}),
    ]


def _body_id_requests(scene: Scene, key: str, *, missing: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """API requests that name one of ``key``'s records in the body: "not found" next to the field (422)."""
    offset = 100_000 if missing else 0
    client, contact = scene.clients[key].pk + offset, scene.contacts[key].pk + offset
    own = scene.clients["c_south"].pk  # the one client every actor of the test may at least read
    due = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    return [
        ("/api/v1/activities", {"client_id": client, "kind": "call"}),
        ("/api/v1/tasks", {"title": "MX-guessed", "client_id": client, "due_at": due}),
        ("/api/v1/tasks", {"title": "MX-guessed", "client_id": own, "contact_id": contact, "due_at": due}),
    ]


def _snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    return (
        list(Task.objects.order_by("pk").values_list("pk", "status", "due_at", "title", "description", "assignee_id")),
        list(Activity.objects.order_by("pk").values_list("pk", "kind", "summary", "client_id")),
    )


def test_guessed_and_missing_ids_answer_404_on_every_path_and_change_nothing(world, scene):
    """Everyone who cannot see a record gets 404 for its id, exactly as for an id that exists nowhere;
    mgr_south tries mgr_north1's records although she holds a task on that very client."""
    hidden = {actor: EVERYONE - seen for actor, seen in CLIENT_READERS.items()}
    before = _snapshot()
    failures = []
    for actor, keys in hidden.items():
        http = HttpClient()
        http.force_login(world.users[actor])
        for key in sorted(keys):
            for method, url, kwargs in _id_requests(scene, key):
                status = getattr(http, method)(url, **kwargs).status_code
                if status != 404:
                    failures.append(f"{actor} {method.upper()} {url} ({key}) answered {status}")
            for (url, body), (_url, missing_body) in zip(
                _body_id_requests(scene, key), _body_id_requests(scene, key, missing=True), strict=True
            ):
                hidden_answer = http.post(url, body, content_type="application/json")
                missing_answer = http.post(url, missing_body, content_type="application/json")
                fields = [detail["field"] for detail in hidden_answer.json().get("error", {}).get("details", [])]
                if hidden_answer.status_code != 422 or hidden_answer.json() != missing_answer.json() or not fields:
                    failures.append(f"{actor} POST {url} {body} ({key}) answered {hidden_answer.status_code} {fields}")
        for method, url, kwargs in _id_requests(scene, "c_south", missing=True):
            status = getattr(http, method)(url, **kwargs).status_code
            if status != 404:
                failures.append(f"{actor} {method.upper()} {url} (missing) answered {status}")
    assert not failures, "\n".join(failures)
    assert _snapshot() == before


def test_a_day_of_someone_outside_the_team_is_missing(world, scene, client_for):
    my_day = reverse("activities:my_day")
    for actor, person in (("mgr_north1", "mgr_south"), ("mgr_south", "mgr_north1"), ("sup_north", "mgr_south")):
        response = client_for(world.users[actor]).get(my_day, {"person": world.users[person].pk})
        assert response.status_code == 404, (actor, person)
    assert client_for(world.users["mgr_north1"]).get(my_day, {"person": 10**7}).status_code == 404


# --- A task on a client the assignee cannot see ------------------------------------------------------------


def test_a_task_given_on_an_invisible_client_opens_the_task_and_nothing_else(world, scene, client_for):
    south = world.users["mgr_south"]
    http = client_for(south)
    cross, client, contact = scene.tasks["cross"], scene.clients["c_north1"], scene.contacts["c_north1"]
    card = reverse("clients:card", args=[client.pk])

    # The task page: the task, the client's name as text, no contact person, no offer to log.
    page = http.get(reverse("activities:task", args=[cross.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert cross.title in html
    assert client.name in html
    assert f'href="{card}"' not in html
    assert contact.last_name not in html
    assert 'name="log"' not in html
    assert 'data-testid="task-complete"' in html  # completing (without logging) is offered

    # The list, My day, the calendar: the task, with the client's name unlinked and no contact person.
    for url in (
        reverse("activities:tasks") + "?status=all",
        reverse("activities:my_day"),
        reverse("activities:calendar") + f"?date={_week_of(cross)}",
        reverse("activities:tails"),
    ):
        html = http.get(url).content.decode()
        assert cross.title in html, url
        assert f'href="{card}"' not in html, url
        assert contact.last_name not in html, url
        assert scene.tasks["c_north1"].title not in html, url  # the client's other work stays hidden

    # The feed: the title only, nothing from the card.
    feed = _feed_text(http)
    assert f"SUMMARY:{cross.title}\r\n" in feed
    for secret in (client.name, contact.last_name, contact.first_name):
        assert secret not in feed

    # The API: the client's name without a way to it, no contact; the client's history stays hidden.
    body = http.get(f"/api/v1/tasks/{cross.pk}").json()
    assert body["client"]["accessible"] is False
    assert body["client"]["card_url"] is None
    assert body["contact"] is None
    assert http.get(f"/api/v1/activities?client={client.pk}").json()["items"] == []
    assert [item["id"] for item in http.get(f"/api/v1/tasks?client={client.pk}").json()["items"]] == [cross.pk]

    # The card and everything on it stay missing.
    for url in (card, reverse("clients:card_history", args=[client.pk]), f"/api/v1/clients/{client.pk}",
                f"/api/v1/contacts/{contact.pk}"):  # fmt: skip
        assert http.get(url).status_code == 404, url
    assert http.get(reverse("activities:task_contacts"), {"client": client.pk}).content.decode().count("<option") <= 1

    # She may reschedule it...
    assert http.post(reverse("activities:task_reschedule", args=[cross.pk]), _next_day(cross)).status_code == 302
    cross.refresh_from_db()
    assert cross.due_at != scene.due

    # ...and complete it, but asking to log it logs nothing on a card she cannot change.
    agreed = ActivityResult.objects.get(code="agreed")
    response = http.post(
        reverse("activities:task_complete", args=[cross.pk]),
        {"note": "Дозвонилась", "log": "1", "result": agreed.pk, "summary": "MX-logged"},
    )
    assert response.status_code == 302
    cross.refresh_from_db()
    assert cross.status == TaskStatus.DONE
    assert not Activity.objects.filter(client=client, summary__in=["MX-logged", "Дозвонилась"]).exists()
    assert not Activity.objects.filter(task=cross).exists()

    # Through the API, asking to log is refused outright and nothing happens.
    _reset_task(cross, scene.due)
    refused = http.post(f"/api/v1/tasks/{cross.pk}/complete", {"log": {"summary": "MX-logged"}}, content_type="application/json")
    assert refused.status_code == 403
    cross.refresh_from_db()
    assert cross.status == TaskStatus.OPEN
    assert not Activity.objects.filter(task=cross).exists()

    # The tails report lists it, but giving the client to someone is not hers to do.
    http.post(reverse("activities:tail_reassign", args=[cross.pk]), {"to_user": south.email})
    assert Client.objects.get(pk=client.pk).responsible_id == world.users["mgr_north1"].pk

    # Editing keeps the client (she cannot pick it, nor any of its contacts).
    form = http.get(reverse("activities:task_edit", args=[cross.pk])).content.decode()
    assert contact.last_name not in form
    assert f'href="{card}"' not in form


def test_a_task_on_an_invisible_client_lends_none_of_the_client_to_its_editor(world, scene, client_for):
    """Editing the delegated task cannot be used to pick another of the client's contacts."""
    south = world.users["mgr_south"]
    cross, client = scene.tasks["cross"], scene.clients["c_north1"]
    other: Any = ContactFactory(client=client, last_name="Скрытова")
    due = timezone.localtime(cross.due_at)
    response = client_for(south).post(
        reverse("activities:task_edit", args=[cross.pk]),
        {
            "title": cross.title, "kind": "call", "client": client.pk, "contact": other.pk, "assignee": south.pk,
            "due_date": due.date().isoformat(), "due_time": due.strftime("%H:%M"), "priority": cross.priority,
        },
    )  # fmt: skip
    assert response.status_code == 200  # the form again, with the error next to the contact
    cross.refresh_from_db()
    assert cross.contact_id == scene.contacts["c_north1"].pk
    assert "Скрытова" not in response.content.decode()


# --- Notifications ---------------------------------------------------------------------------------------


def test_notices_are_their_recipients_only(world, scene, client_for):
    north1, south = world.users["mgr_north1"], world.users["mgr_south"]
    notices = {
        person.pk: notification_services.notify(
            recipient=person,
            kind=NotificationKind.TASK_ASSIGNED,
            title=f"MX-notice-{person.email}",
            url=reverse("activities:task", args=[scene.tasks["cross"].pk]),
        )
        for person in (north1, south)
    }
    assert all(notices.values())
    for me, other in ((north1, south), (south, north1)):
        http = client_for(me)
        mine, theirs = notices[me.pk], notices[other.pk]
        assert mine is not None
        assert theirs is not None
        html = http.get(reverse("notifications:list")).content.decode()
        assert mine.title in html
        assert theirs.title not in html
        assert http.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
        assert http.post(reverse("notifications:open", args=[theirs.pk + 1000])).status_code == 404
        http.post(reverse("notifications:mark_read"), {"ids": [theirs.pk]})
        assert Notification.objects.get(pk=theirs.pk).read_at is None
    for person in world.users.values():  # nobody but the recipients sees these two
        if person.pk in notices:
            continue
        html = client_for(person).get(reverse("notifications:list")).content.decode()
        assert "MX-notice-" not in html, person.email


def test_the_clients_manager_moves_a_colleagues_task_but_cannot_give_hers_to_someone_unseen(world, scene):
    """Keeping the assignee needs no sight of them; giving a task to someone does (services._validate_task)."""
    from django.core.exceptions import ValidationError

    from kartoteka.activities import services

    north1, south = world.users["mgr_north1"], world.users["mgr_south"]
    later = scene.due + datetime.timedelta(days=2)
    moved = services.task_reschedule(actor=north1, task=scene.tasks["cross"], due_at=later)
    assert (moved.due_at, moved.assignee_id) == (later, south.pk)
    with pytest.raises(ValidationError) as refused:
        services.task_update(actor=north1, task=scene.tasks["c_north1"], changes={"assignee": south})
    assert "assignee" in refused.value.message_dict
