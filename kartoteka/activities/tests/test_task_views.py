"""Task screens over HTTP: the list, the form, the detail page, the shared POST endpoints, the card's
Planned panel and the tails report — with their query counts and who sees what."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities.models import Activity, ActivityResult, Task, TaskStatus
from kartoteka.testing.factories import ClientFactory, ContactFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


LIST = reverse("activities:tasks")
TAILS = reverse("activities:tails")


def _ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _rows(response) -> list[Task]:
    return [task for task, _cells in response.context["page"].rows]


# --- The list --------------------------------------------------------------------------------------


def test_the_bare_list_opens_on_open_tasks(world, client_for, manager):
    response = client_for(manager).get(LIST)
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?status=open"


def test_the_list_runs_the_same_queries_for_5_and_for_60_tasks(world, client_for, manager, django_assert_num_queries):
    own = ClientFactory(responsible=manager)
    contact = ContactFactory(client=own)
    http = client_for(manager)

    def plan(count: int) -> None:
        for number in range(count):
            TaskFactory(assignee=manager, client=own, contact=contact, title=f"Call {number}", due_at=_ago(-number - 1))

    plan(5)
    with CaptureQueriesContext(connection) as small:
        assert len(_rows(http.get(LIST, {"status": "open"}))) == 5
    plan(55)
    # 1 the session's user, 2 their roles and scopes, 3 the page of tasks with client, contact and assignee
    # joined. Whether the viewer may open each client's card is decided in memory (no query per row).
    with django_assert_num_queries(3):
        response = http.get(LIST, {"status": "open"})
    assert len(_rows(response)) == 50
    assert len(small.captured_queries) == 3
    assert response.context["page"].has_next


def test_the_htmx_fragment_is_only_the_results(world, client_for, manager):
    TaskFactory(assignee=manager, title="Ring Vostok")
    response = client_for(manager).get(LIST, {"status": "open", "q": "vostok"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="list-results"')
    assert "<html" not in html
    assert "Ring Vostok" in html


def test_filters_overdue_assignee_client_and_search(world, client_for):
    supervisor, north1 = world.users["sup_north"], world.users["mgr_north1"]
    alpha = ClientFactory(responsible=north1, name="Alpha")
    beta = ClientFactory(responsible=north1, name="Beta")
    late = TaskFactory(assignee=north1, client=alpha, title="Late call", due_at=_ago(1))
    later = TaskFactory(assignee=supervisor, client=beta, title="Future meeting", kind="meeting")
    http = client_for(supervisor)
    assert _rows(http.get(LIST, {"status": "open", "due": "overdue"})) == [late]
    assert _rows(http.get(LIST, {"status": "open", "assignee": supervisor.pk})) == [later]
    assert _rows(http.get(LIST, {"status": "open", "client": alpha.pk})) == [late]
    assert _rows(http.get(LIST, {"status": "open", "q": "beta"})) == [later]
    assert _rows(http.get(LIST, {"status": "open", "kind": "meeting"})) == [later]
    assert _rows(http.get(LIST, {"status": "open", "sort": "-due"})) == [later, late]


def test_overdue_rows_are_red_and_have_one_click_actions(world, client_for, manager):
    task = TaskFactory(assignee=manager, client=ClientFactory(responsible=manager), due_at=_ago(1))
    html = client_for(manager).get(LIST, {"status": "open"}).content.decode()
    assert "task-overdue" in html
    assert reverse("activities:task_complete", args=[task.pk]) in html
    assert reverse("activities:task_reschedule", args=[task.pk]) in html
    assert reverse("clients:card", args=[task.client_id]) in html


def test_the_empty_list_says_what_to_do(world, client_for, manager):
    response = client_for(manager).get(LIST, {"status": "open"})
    assert 'data-testid="empty-nothing-yet"' in response.content.decode()


# --- Access ----------------------------------------------------------------------------------------


def test_another_manager_gets_404_on_guessed_task_ids(world, client_for):
    task = TaskFactory(assignee=world.users["mgr_north1"], client=ClientFactory(responsible=world.users["mgr_north1"]))
    http = client_for(world.users["mgr_south"])
    for name in ("activities:task", "activities:task_edit"):
        assert http.get(reverse(name, args=[task.pk])).status_code == 404
    for name in ("activities:task_complete", "activities:task_reschedule", "activities:task_cancel", "activities:task_delete"):
        assert http.post(reverse(name, args=[task.pk]), {"due_at": "2030-01-01T10:00"}).status_code == 404
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert _rows(http.get(LIST, {"status": "all"})) == []


def test_an_assignee_who_cannot_see_the_client_sees_and_completes_the_task_without_logging(world, client_for):
    south, north1 = world.users["mgr_south"], world.users["mgr_north1"]
    foreign = ClientFactory(responsible=north1, name="Foreign Ltd")
    task = TaskFactory(assignee=south, client=foreign, kind="call", title="Call Foreign", actor=None)
    http = client_for(south)

    listed = http.get(LIST, {"status": "open"}).content.decode()
    assert "Foreign Ltd" in listed
    assert reverse("clients:card", args=[foreign.pk]) not in listed

    detail = http.get(reverse("activities:task", args=[task.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "Foreign Ltd" in html
    assert reverse("clients:card", args=[foreign.pk]) not in html
    assert 'name="log"' not in html
    assert detail.context["can_log"] is False
    assert http.get(reverse("clients:card", args=[foreign.pk])).status_code == 404

    response = http.post(reverse("activities:task_complete", args=[task.pk]), {"log": "1", "summary": "done", "note": "ok"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.completion_note == "ok"
    assert not Activity.objects.filter(client=foreign).exists()


# --- Detail and actions ----------------------------------------------------------------------------


def test_completing_a_planned_call_offers_and_logs_the_call(world, client_for, manager):
    own = ClientFactory(responsible=manager)
    task = TaskFactory(assignee=manager, client=own, kind="call", title="Call about prices")
    http = client_for(manager)
    detail = http.get(reverse("activities:task", args=[task.pk]))
    assert detail.context["can_log"] is True
    assert 'name="log" value="1" id="complete-log" checked' in detail.content.decode()
    result = ActivityResult.objects.filter(is_active=True).first()
    response = http.post(
        reverse("activities:task_complete", args=[task.pk]),
        {"log": "1", "result": result.pk, "productive": "1", "summary": "They want a quote"},
    )
    assert response.status_code == 302
    activity = Activity.objects.get(task=task)
    assert (activity.kind, activity.result_id, activity.productive, activity.summary) == (
        "call", result.pk, True, "They want a quote",
    )  # fmt: skip


def test_a_todo_is_completed_with_a_note_only(world, client_for, manager):
    task = TaskFactory(assignee=manager, kind="todo", title="Prepare the report")
    http = client_for(manager)
    detail = http.get(reverse("activities:task", args=[task.pk]))
    assert detail.context["can_log"] is False
    http.post(reverse("activities:task_complete", args=[task.pk]), {"note": "sent", "log": "1"})
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert not Activity.objects.exists()


def test_completing_a_recurring_task_shows_the_next_occurrence(world, client_for, manager):
    task = TaskFactory(assignee=manager, kind="todo", title="Weekly report", recurrence="weekly")
    http = client_for(manager)
    response = http.post(reverse("activities:task_complete", args=[task.pk]), {"note": ""}, follow=True)
    following = Task.objects.get(previous=task)
    html = response.content.decode()
    assert "Next occurrence" in html
    assert reverse("activities:task", args=[following.pk]) in html


def test_htmx_complete_answers_with_the_row_and_a_trigger(world, client_for, manager):
    task = TaskFactory(assignee=manager, title="Quick one")
    response = client_for(manager).post(
        reverse("activities:task_complete", args=[task.pk]), {"note": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "tasks-changed"
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="task-row-{task.pk}"')
    assert "task-closed" in html


def test_reschedule_takes_an_iso_moment_or_a_date_and_time(world, client_for, manager):
    task = TaskFactory(assignee=manager)
    http = client_for(manager)
    url = reverse("activities:task_reschedule", args=[task.pk])
    response = http.post(url, {"due_at": "2030-05-06T11:30", "view": "panel"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'id="task-item-{task.pk}"' in response.content.decode()
    task.refresh_from_db()
    assert timezone.localtime(task.due_at).replace(tzinfo=None) == datetime.datetime(2030, 5, 6, 11, 30)
    http.post(url, {"date": "2030-05-07", "time": "09:15"})
    task.refresh_from_db()
    assert timezone.localtime(task.due_at).replace(tzinfo=None) == datetime.datetime(2030, 5, 7, 9, 15)
    assert http.post(url, {"date": "soon"}, headers={"HX-Request": "true"}).status_code == 409


def test_cancel_can_stop_the_series(world, client_for, manager):
    task = TaskFactory(assignee=manager, kind="todo", recurrence="daily")
    client_for(manager).post(reverse("activities:task_cancel", args=[task.pk]), {"stop_series": "1", "note": "no more"})
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    assert not Task.objects.filter(previous=task).exists()


def test_reopen_and_delete(world, client_for, manager):
    own = ClientFactory(responsible=manager)
    task = TaskFactory(assignee=manager, client=own)
    http = client_for(manager)
    http.post(reverse("activities:task_complete", args=[task.pk]))
    http.post(reverse("activities:task_reopen", args=[task.pk]))
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    response = http.post(reverse("activities:task_delete", args=[task.pk]))
    assert response.status_code == 302
    assert not Task.objects.filter(pk=task.pk).exists()


# --- The form --------------------------------------------------------------------------------------


def _form_data(**changes):
    data = {
        "title": "Call the director",
        "kind": "call",
        "due_date": "2030-03-10",
        "due_time": "10:00",
        "priority": "2",
        "reminder": "15",
        "recurrence": "",
        "recurrence_interval": "1",
    }
    data.update(changes)
    return data


def test_new_task_form_prefills_a_visible_client_and_the_viewer(world, client_for, manager):
    own = ClientFactory(responsible=manager, name="Own Client")
    foreign = ClientFactory(responsible=world.users["mgr_south"], name="Foreign Client")
    http = client_for(manager)
    response = http.get(reverse("activities:task_new"), {"client": own.pk})
    assert response.context["chosen_client"] == own
    assert response.context["chosen_assignee"] == manager
    response = http.get(reverse("activities:task_new"), {"client": foreign.pk})
    assert response.context["chosen_client"] is None
    assert "Foreign Client" not in response.content.decode()


def test_planning_a_call_through_the_form(world, client_for, manager):
    own = ClientFactory(responsible=manager)
    contact = ContactFactory(client=own)
    http = client_for(manager)
    response = http.post(
        reverse("activities:task_new"), _form_data(client=own.pk, contact=contact.pk, assignee=manager.pk, place="Office")
    )
    task = Task.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("activities:task", args=[task.pk])
    assert (task.client, task.contact, task.assignee, task.place) == (own, contact, manager, "Office")
    assert timezone.localtime(task.due_at).replace(tzinfo=None) == datetime.datetime(2030, 3, 10, 10, 0)
    assert task.due_at - task.remind_at == datetime.timedelta(minutes=15)


def test_form_errors_are_shown_next_to_their_fields(world, client_for, manager):
    foreign = ClientFactory(responsible=world.users["mgr_south"])
    http = client_for(manager)
    response = http.post(reverse("activities:task_new"), _form_data(due_time=""))
    assert response.status_code == 200
    assert not Task.objects.exists()
    assert "due_time" in response.context["form"].errors
    response = http.post(reverse("activities:task_new"), _form_data(client=foreign.pk))
    assert "client" in response.context["form"].errors
    response = http.post(reverse("activities:task_new"), _form_data(assignee=world.users["mgr_south"].pk))
    assert "assignee" in response.context["form"].errors
    response = http.post(reverse("activities:task_new"), _form_data(recurrence="weekly", recurrence_until="2030-01-01"))
    assert "recurrence_until" in response.context["form"].errors
    assert 'role="alert"' in response.content.decode()


def test_editing_keeps_a_client_the_editor_cannot_see(world, client_for):
    south, north1 = world.users["mgr_south"], world.users["mgr_north1"]
    foreign = ClientFactory(responsible=north1)
    task = TaskFactory(assignee=south, client=foreign, title="Old title")
    http = client_for(south)
    page = http.get(reverse("activities:task_edit", args=[task.pk]))
    assert page.context["client_locked"] is True
    response = http.post(
        reverse("activities:task_edit", args=[task.pk]),
        _form_data(title="New title", client=foreign.pk, assignee=south.pk, reminder=""),
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.client_id, task.remind_at) == ("New title", foreign.pk, None)


def test_client_and_people_lookups_only_offer_what_the_viewer_sees(
    world, client_for, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the search index is written after commit
        ClientFactory(responsible=manager, name="Romashka North")
        ClientFactory(responsible=world.users["mgr_south"], name="Romashka South")
    http = client_for(manager)
    html = http.get(reverse("activities:task_clients"), {"q": "romashka", "single": "1"}).content.decode()
    assert "Romashka North" in html
    assert "Romashka South" not in html
    assert 'type="radio"' in html
    html = http.get(reverse("activities:task_people"), {"q": "Last-", "field": "assignee"}).content.decode()
    assert "mgr_north1@example.test" in html
    assert "mgr_south@example.test" not in html


# --- The card's Planned panel -------------------------------------------------------------------------


def test_the_card_shows_planned_tasks_with_overdue_in_red(world, client_for, manager):
    own = ClientFactory(responsible=manager)
    TaskFactory(assignee=manager, client=own, title="Overdue call", due_at=_ago(1))
    TaskFactory(assignee=manager, client=own, title="Next meeting", kind="meeting")
    html = client_for(manager).get(reverse("clients:card", args=[own.pk])).content.decode()
    assert 'data-testid="panel-planned"' in html
    assert "Overdue call" in html
    assert "Next meeting" in html
    assert "task-overdue" in html
    assert f"{reverse('activities:task_new')}?client={own.pk}" in html


def test_the_planned_panel_costs_one_query_however_many_tasks(world, client_for, manager):
    own = ClientFactory(responsible=manager)
    http = client_for(manager)
    url = reverse("clients:card", args=[own.pk])
    http.get(url)  # warm the session
    TaskFactory(assignee=manager, client=own)
    with CaptureQueriesContext(connection) as one:
        http.get(url)
    for _number in range(12):
        TaskFactory(assignee=manager, client=own, kind="meeting")
    with CaptureQueriesContext(connection) as many:
        html = http.get(url).content.decode()
    # The panel's one query: the client's open tasks with their assignees (at most 10 shown, "all" link).
    assert len(many.captured_queries) == len(one.captured_queries)
    assert reverse("activities:tasks") + f"?status=open&amp;client={own.pk}" in html


# --- Tails -----------------------------------------------------------------------------------------


def test_the_supervisor_sees_the_tails_of_their_subtree_only(world, client_for, django_assert_num_queries):
    north1, south = world.users["mgr_north1"], world.users["mgr_south"]
    mine = TaskFactory(assignee=north1, client=ClientFactory(responsible=north1), kind="call", due_at=_ago(5))
    TaskFactory(assignee=south, client=ClientFactory(responsible=south), kind="call", due_at=_ago(6))
    TaskFactory(assignee=north1, client=ClientFactory(responsible=north1), kind="call", due_at=_ago(1))  # not yet
    http = client_for(world.users["sup_north"])
    # 1 the session's user, 2 their roles and scopes, 3 their team subtree, 4 the tails with client,
    # contact and assignee joined (grouping and days are computed in memory).
    with django_assert_num_queries(4):
        response = http.get(TAILS)
    groups = response.context["groups"]
    assert [(group.assignee, [task.pk for task in group.tails]) for group in groups] == [(north1, [mine.pk])]
    assert groups[0].tails[0].days == 5
    html = response.content.decode()
    assert "Reassign client to" in html
    assert "both managers" in html


def test_the_tails_query_count_does_not_grow_with_the_tails(world, client_for, django_assert_num_queries):
    head = world.users["head"]
    for person in ("mgr_north1", "mgr_south"):
        manager = world.users[person]
        for _number in range(5):
            TaskFactory(assignee=manager, client=ClientFactory(responsible=manager), kind="call", due_at=_ago(4))
    http = client_for(head)
    # 1 user, 2 roles and scopes, 3 the tails (the head of sales sees all: no team subtree needed).
    with django_assert_num_queries(3):
        response = http.get(TAILS)
    assert sum(group.count for group in response.context["groups"]) == 10


def test_a_manager_sees_own_tails_without_the_reassign_action(world, client_for, manager):
    TaskFactory(assignee=manager, client=ClientFactory(responsible=manager), kind="call", due_at=_ago(4))
    html = client_for(manager).get(TAILS).content.decode()
    assert 'data-testid="tail-row"' in html
    # A manager may change their own client, but cannot see colleagues to hand it to: the action is
    # offered (their team's people are visible to them) only when the service would accept it.
    assert "Reassign client to" in html


def test_no_tails_shows_the_empty_state(world, client_for, manager):
    assert 'data-testid="tails-empty"' in client_for(manager).get(TAILS).content.decode()


def test_the_supervisor_reassigns_a_tail(world, client_for, django_capture_on_commit_callbacks):
    north1 = world.users["mgr_north1"]
    colleague = UserFactory(email="colleague@example.test", team=world.teams["north1"], roles="manager")
    client = ClientFactory(responsible=north1)
    tail = TaskFactory(assignee=north1, client=client, kind="call", due_at=_ago(4))
    http = client_for(world.users["sup_north"])
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(reverse("activities:tail_reassign", args=[tail.pk]), {"to_user": colleague.pk}, follow=True)
    assert "Both managers have been notified" in response.content.decode()
    client.refresh_from_db()
    tail.refresh_from_db()
    assert client.responsible == colleague
    assert tail.assignee == colleague
    outsider = world.users["mgr_south"]
    response = http.post(reverse("activities:tail_reassign", args=[tail.pk]), {"to_user": outsider.pk}, follow=True)
    assert "Choose the manager" in response.content.decode()
