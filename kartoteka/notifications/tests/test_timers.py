"""A task's "due soon" and "overdue" timers: deferred jobs keyed by the moment, re-checked when they fire."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from kartoteka.activities import services as activity_services
from kartoteka.activities.models import Task
from kartoteka.jobs.models import Job
from kartoteka.notifications import tasks
from kartoteka.notifications.models import Notification, NotificationKind
from kartoteka.testing.factories import ClientFactory, TaskFactory

pytestmark = pytest.mark.django_db

DUE_SOON_JOB = "kartoteka.notifications.tasks.notify_task_due_soon"
OVERDUE_JOB = "kartoteka.notifications.tasks.notify_task_overdue"


def _tomorrow(hour: int = 10) -> datetime.datetime:
    return (timezone.localtime() + datetime.timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)


def _jobs(name: str, task: Task) -> list[Job]:
    return [job for job in Job.objects.filter(name=name).order_by("pk") if job.args[0] == task.pk]


@pytest.fixture
def manager(world):  # type: ignore[no-untyped-def]
    return world.users["mgr_north1"]


@pytest.fixture
def planned(manager, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def plan(**values):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return TaskFactory(actor=manager, assignee=manager, **values)

    return plan


def test_a_timed_task_gets_a_due_soon_job_before_the_deadline_and_an_overdue_job_at_it(planned, settings):
    settings.TASK_DUE_SOON_MINUTES = 15
    due = _tomorrow()
    task = planned(due_at=due)
    (due_soon,) = _jobs(DUE_SOON_JOB, task)
    assert due_soon.run_after == due - datetime.timedelta(minutes=15)
    assert due_soon.args == [task.pk, tasks.stamp(due - datetime.timedelta(minutes=15))]
    (overdue,) = _jobs(OVERDUE_JOB, task)
    assert overdue.run_after == due
    assert overdue.idempotency_key == f"task-overdue:{task.pk}:{tasks.stamp(due)}"


def test_a_reminder_sets_the_due_soon_moment(planned):
    due = _tomorrow()
    task = planned(due_at=due, remind_at=due - datetime.timedelta(hours=2))
    (due_soon,) = _jobs(DUE_SOON_JOB, task)
    assert due_soon.run_after == due - datetime.timedelta(hours=2)


def test_an_all_day_task_without_a_reminder_is_only_watched_for_overdue(planned):
    task = planned(due_at=_tomorrow(), all_day=True)
    assert _jobs(DUE_SOON_JOB, task) == []
    assert len(_jobs(OVERDUE_JOB, task)) == 1


def test_a_deadline_already_past_arms_no_timer(planned):
    task = planned(due_at=timezone.now() - datetime.timedelta(hours=1))
    assert _jobs(DUE_SOON_JOB, task) == []
    assert _jobs(OVERDUE_JOB, task) == []


def test_editing_something_else_schedules_nothing_new(planned, manager, django_capture_on_commit_callbacks):
    task = planned(due_at=_tomorrow())
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.task_update(actor=manager, task=task, changes={"title": "Call back later"})
    assert len(_jobs(DUE_SOON_JOB, task)) == 1
    assert len(_jobs(OVERDUE_JOB, task)) == 1


def test_the_due_soon_job_tells_the_assignee_once_in_their_language_and_time_zone(world, django_capture_on_commit_callbacks):
    manager = world.users["mgr_north1"]
    manager.language, manager.time_zone = "en", "Asia/Vladivostok"
    manager.save(update_fields=["language", "time_zone"])
    client = ClientFactory(responsible=manager)
    due = (
        (timezone.now() + datetime.timedelta(days=1)).astimezone(datetime.UTC).replace(hour=1, minute=30, second=0, microsecond=0)
    )
    with django_capture_on_commit_callbacks(execute=True):
        task = TaskFactory(actor=manager, assignee=manager, client=client, title="Call back", due_at=due)
    (job,) = _jobs(DUE_SOON_JOB, task)

    assert tasks.notify_task_due_soon(*job.args) == "notified"
    assert tasks.notify_task_due_soon(*job.args) == "skipped (already reminded)"

    (notice,) = Notification.objects.filter(recipient=manager, kind=NotificationKind.TASK_DUE_SOON)
    assert notice.title == "Due soon: Call back"
    # 01:30 UTC is 11:30 in Vladivostok (UTC+10, no daylight saving).
    local = due.astimezone(datetime.timezone(datetime.timedelta(hours=10)))
    assert notice.body == f"Client: {client}. Due {local:%d.%m.%Y} 11:30."
    assert notice.task == task
    task.refresh_from_db()
    assert task.reminded_at is not None


def test_the_overdue_job_marks_the_task_and_notifies_once(planned, manager):
    task = planned(due_at=_tomorrow(), title="Send the offer")
    (job,) = _jobs(OVERDUE_JOB, task)
    assert tasks.notify_task_overdue(*job.args) == "notified"
    assert tasks.notify_task_overdue(*job.args) == "skipped (already notified)"
    task.refresh_from_db()
    assert task.overdue_notified_at is not None
    (notice,) = Notification.objects.filter(recipient=manager, kind=NotificationKind.TASK_OVERDUE)
    assert notice.title.endswith("Send the offer")


def test_a_moved_deadline_schedules_new_jobs_and_the_old_ones_do_nothing(planned, manager, django_capture_on_commit_callbacks):
    task = planned(due_at=_tomorrow())
    (old_due_soon,) = _jobs(DUE_SOON_JOB, task)
    (old_overdue,) = _jobs(OVERDUE_JOB, task)
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.task_reschedule(actor=manager, task=task, due_at=_tomorrow(hour=15))

    _, new_due_soon = _jobs(DUE_SOON_JOB, task)
    _, new_overdue = _jobs(OVERDUE_JOB, task)
    assert new_overdue.run_after == _tomorrow(hour=15)
    assert tasks.notify_task_due_soon(*old_due_soon.args) == "skipped (moved)"
    assert tasks.notify_task_overdue(*old_overdue.args) == "skipped (moved)"
    assert not Notification.objects.exists()
    assert tasks.notify_task_due_soon(*new_due_soon.args) == "notified"
    assert tasks.notify_task_overdue(*new_overdue.args) == "notified"


def test_a_closed_task_is_not_reminded(planned, manager, django_capture_on_commit_callbacks):
    task = planned(due_at=_tomorrow())
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.task_complete(actor=manager, task=task)
    for name, job_function in ((DUE_SOON_JOB, tasks.notify_task_due_soon), (OVERDUE_JOB, tasks.notify_task_overdue)):
        (job,) = _jobs(name, task)
        assert job_function(*job.args) == "skipped (closed)"
    assert not Notification.objects.exists()


def test_a_deleted_task_is_not_reminded(planned, world, django_capture_on_commit_callbacks):
    task = planned(due_at=_tomorrow())
    (job,) = _jobs(OVERDUE_JOB, task)
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.task_delete(actor=world.users["admin"], task=task)
    assert tasks.notify_task_overdue(*job.args) == "skipped (closed)"


def test_a_reopened_task_is_watched_again(planned, manager, django_capture_on_commit_callbacks):
    task = planned(due_at=_tomorrow())
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.task_cancel(actor=manager, task=task)
    (first,) = _jobs(OVERDUE_JOB, task)
    assert tasks.notify_task_overdue(*first.args) == "skipped (closed)"
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.task_reopen(actor=manager, task=task)
    _, again = _jobs(OVERDUE_JOB, task)
    assert again.run_after == task.due_at
    assert tasks.notify_task_overdue(*again.args) == "notified"


def test_the_due_soon_job_keeps_quiet_once_the_deadline_has_passed(planned, manager):
    task = planned(due_at=_tomorrow())
    (job,) = _jobs(DUE_SOON_JOB, task)
    Task.objects.filter(pk=task.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    # The moment no longer matches either; a late worker must not announce "due soon" for an overdue task.
    assert tasks.notify_task_due_soon(*job.args).startswith("skipped")


def test_the_jobs_run_through_the_job_layer(planned):
    from kartoteka.jobs.services import job_run

    task = planned(due_at=_tomorrow())
    (job,) = _jobs(OVERDUE_JOB, task)
    assert job_run(job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.result == "notified"
