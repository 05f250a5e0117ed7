"""Task services: planning, completing (with and without logging), series, reminders, tails."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from kartoteka.activities import selectors, services
from kartoteka.activities.models import Activity, Task, TaskStatus
from kartoteka.clients.models import Client
from kartoteka.core.errors import ConflictError
from kartoteka.notifications.models import Notification, NotificationKind
from kartoteka.testing.factories import ClientFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _at(days: float = 1, hour: int = 10) -> datetime.datetime:
    moment = timezone.localtime() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def test_a_manager_plans_a_call_on_own_client_and_is_its_assignee(world):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    contact = ContactFactory(client=client)
    task = services.task_create(
        actor=manager, values={"title": "Call back", "client": client, "contact": contact, "due_at": _at()}
    )
    assert task.assignee == manager
    assert task.created_by == manager
    assert task.status == TaskStatus.OPEN


def test_planning_on_a_client_the_actor_cannot_change_is_refused(world):
    client = ClientFactory(responsible=world.users["mgr_south"])
    with pytest.raises(PermissionDenied):
        services.task_create(actor=world.users["mgr_north1"], values={"title": "x", "client": client, "due_at": _at()})


def test_a_task_for_someone_the_actor_cannot_see_is_refused(world):
    manager = world.users["mgr_north1"]
    with pytest.raises(ValidationError) as error:
        services.task_create(actor=manager, values={"title": "x", "assignee": world.users["mgr_south"], "due_at": _at()})
    assert "assignee" in error.value.error_dict


def test_the_reminder_must_precede_the_deadline(world):
    manager = world.users["mgr_north1"]
    due = _at()
    with pytest.raises(ValidationError) as error:
        services.task_create(actor=manager, values={"title": "x", "due_at": due, "remind_at": due + datetime.timedelta(hours=1)})
    assert "remind_at" in error.value.error_dict


def test_update_moves_the_deadline_and_rearms_the_reminder(world):
    manager = world.users["mgr_north1"]
    task = services.task_create(
        actor=manager, values={"title": "x", "due_at": _at(), "remind_at": _at() - datetime.timedelta(minutes=15)}
    )
    Task.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
    moved = services.task_reschedule(actor=manager, task=task, due_at=_at(days=3))
    assert moved.due_at == _at(days=3)
    assert moved.remind_at == _at(days=3) - datetime.timedelta(minutes=15)
    assert moved.reminded_at is None


def test_completing_without_log_closes_the_task_and_logs_nothing(world):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    task = TaskFactory(assignee=manager, client=client, kind="call")
    done = services.task_complete(actor=manager, task=task, note="talked")
    assert done.task.status == TaskStatus.DONE
    assert done.task.completion_note == "talked"
    assert done.activity is None
    assert not Activity.objects.filter(client=client).exists()


def test_completing_a_planned_call_with_log_records_the_call(world):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    contact = ContactFactory(client=client)
    task = TaskFactory(assignee=manager, client=client, contact=contact, kind="call", title="Discuss the offer")
    done = services.task_complete(actor=manager, task=task, log={"summary": "Agreed on a meeting", "productive": True})
    activity = done.activity
    assert activity is not None
    assert (activity.kind, activity.task_id, activity.contact_id) == ("call", task.pk, contact.pk)
    assert activity.productive
    assert activity.subject == "Discuss the offer"
    client.refresh_from_db()
    assert client.last_contact_at == activity.occurred_at


def test_a_closed_task_cannot_be_completed_again_but_can_be_reopened(world):
    manager = world.users["mgr_north1"]
    task = TaskFactory(assignee=manager)
    services.task_complete(actor=manager, task=task)
    with pytest.raises(ConflictError):
        services.task_complete(actor=manager, task=task)
    reopened = services.task_reopen(actor=manager, task=task)
    assert reopened.status == TaskStatus.OPEN
    assert reopened.completed_at is None


def test_cancel_records_the_note(world):
    manager = world.users["mgr_north1"]
    task = TaskFactory(assignee=manager)
    done = services.task_cancel(actor=manager, task=task, note="not needed")
    assert done.task.status == TaskStatus.CANCELLED
    assert done.task.completion_note == "not needed"
    assert done.next_occurrence is None


def test_weekly_series_keeps_the_wall_clock_time_across_a_dst_change(world):
    manager = world.users["mgr_north1"]
    bucharest = zoneinfo.ZoneInfo("Europe/Bucharest")
    with timezone.override(bucharest):
        # Saturday 22 March 2025, 10:00 EET; clocks go forward on 30 March.
        due = datetime.datetime(2025, 3, 22, 10, 0, tzinfo=bucharest)
        task = services.task_create(actor=manager, values={"title": "Weekly call", "due_at": due, "recurrence": "weekly"})
        follower = services.task_complete(actor=manager, task=task).next_occurrence
    assert follower is not None
    local = follower.due_at.astimezone(bucharest)
    assert (local.date(), local.hour, local.minute) == (datetime.date(2025, 3, 29), 10, 0)
    with timezone.override(bucharest):
        third = services.task_complete(actor=manager, task=follower).next_occurrence
    assert third is not None
    local = third.due_at.astimezone(bucharest)
    assert (local.date(), local.hour) == (datetime.date(2025, 4, 5), 10)  # now EEST, still 10:00
    assert third.due_at.astimezone(datetime.UTC) - follower.due_at.astimezone(datetime.UTC) == datetime.timedelta(
        days=7, hours=-1
    )
    assert third.previous_id == follower.pk


def test_monthly_series_on_the_31st_falls_on_the_last_day_of_short_months(world):
    manager = world.users["mgr_north1"]
    due = timezone.make_aware(datetime.datetime(2026, 1, 31, 9, 0))
    task = services.task_create(actor=manager, values={"title": "Report", "due_at": due, "recurrence": "monthly"})
    follower = services.task_complete(actor=manager, task=task).next_occurrence
    assert follower is not None
    assert timezone.localtime(follower.due_at).date() == datetime.date(2026, 2, 28)


def test_a_series_ends_at_its_until_date(world):
    manager = world.users["mgr_north1"]
    due = timezone.make_aware(datetime.datetime(2026, 6, 1, 9, 0))
    task = services.task_create(
        actor=manager,
        values={"title": "Daily", "due_at": due, "recurrence": "daily", "recurrence_until": datetime.date(2026, 6, 2)},
    )
    second = services.task_complete(actor=manager, task=task).next_occurrence
    assert second is not None
    assert timezone.localtime(second.due_at).date() == datetime.date(2026, 6, 2)
    assert services.task_complete(actor=manager, task=second).next_occurrence is None


def test_cancelling_with_stop_series_plans_nothing_more(world):
    manager = world.users["mgr_north1"]
    task = services.task_create(actor=manager, values={"title": "Weekly", "due_at": _at(), "recurrence": "weekly"})
    assert services.task_cancel(actor=manager, task=task, stop_series=True).next_occurrence is None
    other = services.task_create(actor=manager, values={"title": "Weekly 2", "due_at": _at(), "recurrence": "weekly"})
    assert services.task_cancel(actor=manager, task=other).next_occurrence is not None


def test_a_call_four_days_overdue_is_a_tail_and_two_days_is_not(world, settings):
    settings.TAILS_AFTER_DAYS = 3
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    old = TaskFactory(assignee=manager, client=client, kind="call", due_at=timezone.now() - datetime.timedelta(days=4))
    recent = TaskFactory(assignee=manager, client=client, kind="call", due_at=timezone.now() - datetime.timedelta(days=2))
    todo = TaskFactory(assignee=manager, client=client, kind="todo", due_at=timezone.now() - datetime.timedelta(days=9))
    assert services.is_tail(old)
    assert not services.is_tail(recent)
    assert not services.is_tail(todo)
    assert list(selectors.tails(manager)) == [old]
    assert selectors.tail_days(old) == 4


def test_tail_reassign_moves_the_client_and_its_open_tasks_and_notifies_both(world, django_capture_on_commit_callbacks):
    supervisor, old_manager = world.users["sup_north"], world.users["mgr_north1"]
    from kartoteka.testing.factories import UserFactory

    new_manager = UserFactory(email="new@example.test", team=world.teams["north1"], roles="manager")
    client = ClientFactory(responsible=old_manager, name="Vostok")
    tail = TaskFactory(
        assignee=old_manager,
        client=client,
        kind="call",
        title="Call about the price",
        due_at=timezone.now() - datetime.timedelta(days=4),
    )
    other = TaskFactory(assignee=old_manager, client=client, kind="meeting")
    # The history reason is written in the acting supervisor's language (English here), not the site default.
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        services.tail_reassign(actor=supervisor, task=tail, to_user=new_manager)
    client.refresh_from_db()
    assert client.responsible == new_manager
    assert set(Task.objects.filter(client=client, status="open").values_list("assignee_id", flat=True)) == {new_manager.pk}
    assert other.pk in Task.objects.filter(assignee=new_manager).values_list("pk", flat=True)
    last = Client.history.filter(id=client.pk).order_by("-history_date").first()
    assert last.responsible_id == new_manager.pk
    assert "Tail reassigned" in last.history_change_reason
    assert "Call about the price" in last.history_change_reason
    assert Notification.objects.filter(recipient=new_manager, kind=NotificationKind.CLIENT_ASSIGNED, client=client).exists()
    # The previous manager may no longer see the card: the notice names the client without linking it.
    taken = Notification.objects.get(recipient=old_manager, kind=NotificationKind.CLIENT_TAKEN)
    assert "Vostok" in taken.title


def test_tail_reassign_refuses_a_task_that_is_not_a_tail(world):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    task = TaskFactory(assignee=manager, client=client, kind="call")
    with pytest.raises(ConflictError):
        services.tail_reassign(actor=world.users["sup_north"], task=task, to_user=world.users["sup_north"])
