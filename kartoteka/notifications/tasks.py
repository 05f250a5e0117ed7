"""Background work of notifications: a task's "due soon" and "overdue" timers, and sending a notice by email.

Timers follow DESIGN §8: each is a job deferred to its moment (``run_after``) and keyed by the task and
that exact moment. When it fires it re-reads the task and does nothing if the task was closed or the
moment moved (a moved deadline has already scheduled jobs of its own).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kartoteka.activities.models import Task, TaskStatus
from kartoteka.jobs.registry import job
from kartoteka.notifications import services
from kartoteka.notifications.formatting import task_deadline
from kartoteka.notifications.models import Notification, NotificationKind

# --- timers -------------------------------------------------------------------------------------


def reminder_moment(task: Task) -> datetime.datetime | None:
    """When the assignee is told the task is due soon: its reminder, else a few minutes before a timed deadline."""
    if task.remind_at is not None:
        return task.remind_at
    if task.all_day or settings.TASK_DUE_SOON_MINUTES <= 0:
        return None
    return task.due_at - datetime.timedelta(minutes=settings.TASK_DUE_SOON_MINUTES)


def stamp(moment: datetime.datetime) -> str:
    """A moment as it is written into job arguments and keys: UTC, ISO 8601, to the microsecond."""
    return moment.astimezone(datetime.UTC).isoformat()


def _same_moment(moment: datetime.datetime | None, stamped: str) -> bool:
    return moment is not None and moment == datetime.datetime.fromisoformat(stamped)


def _open_task(task_id: int) -> Task | None:
    return Task.objects.select_related("assignee", "client").filter(pk=task_id, status=TaskStatus.OPEN).first()


def _task_body(task: Task, sentence: str) -> str:
    if task.client is None:
        return sentence
    return _("Client: %(client)s. ") % {"client": task.client} + sentence


@job(max_attempts=5, timeout=60, backoff=30)
def notify_task_due_soon(task_id: int, moment: str) -> str:
    """Tell the assignee their task is due soon, once for the reminder moment ``moment``."""
    task = _open_task(task_id)
    if task is None:
        return "skipped (closed)"
    if not _same_moment(reminder_moment(task), moment):
        return "skipped (moved)"
    if task.due_at <= timezone.now():
        return "skipped (already overdue)"  # the overdue notice says more
    if not Task.objects.filter(pk=task.pk, reminded_at__isnull=True).update(reminded_at=timezone.now()):
        return "skipped (already reminded)"
    recipient = task.assignee
    with translation.override(recipient.language):
        services.notify(
            recipient=recipient,
            kind=NotificationKind.TASK_DUE_SOON,
            title=_("Due soon: %(title)s") % {"title": task.title},
            body=_task_body(task, _("Due %(when)s.") % {"when": task_deadline(task, recipient)}),
            url=reverse("activities:task", args=[task.pk]),
            client=task.client,
            task=task,
            dedupe_key=f"task-due-soon:{task.pk}:{moment}",
        )
    return "notified"


@job(max_attempts=5, timeout=60, backoff=30)
def notify_task_overdue(task_id: int, deadline: str) -> str:
    """Tell the assignee their task is overdue, once for the deadline ``deadline``."""
    task = _open_task(task_id)
    if task is None:
        return "skipped (closed)"
    if not _same_moment(task.due_at, deadline):
        return "skipped (moved)"
    if not Task.objects.filter(pk=task.pk, overdue_notified_at__isnull=True).update(overdue_notified_at=timezone.now()):
        return "skipped (already notified)"
    recipient = task.assignee
    with translation.override(recipient.language):
        services.notify(
            recipient=recipient,
            kind=NotificationKind.TASK_OVERDUE,
            title=_("Overdue: %(title)s") % {"title": task.title},
            body=_task_body(task, _("The deadline was %(when)s.") % {"when": task_deadline(task, recipient)}),
            url=reverse("activities:task", args=[task.pk]),
            client=task.client,
            task=task,
            dedupe_key=f"task-overdue:{task.pk}:{deadline}",
        )
    return "notified"


def schedule_task_timers(task: Task, *, rearm: str = "") -> None:
    """Defer the task's "due soon" and "overdue" jobs to their moments; a deadline already past gets none.

    Keys hold the exact moment, so scheduling the same deadline twice makes one job. ``rearm``
    distinguishes a reopened task, whose earlier jobs may already have fired and found it closed.
    """
    from kartoteka.jobs.services import job_enqueue

    if task.status != TaskStatus.OPEN or task.due_at <= timezone.now():
        return
    suffix = f":{rearm}" if rearm else ""
    moment = reminder_moment(task)
    if moment is not None and task.reminded_at is None:
        job_enqueue(
            notify_task_due_soon,
            task.pk,
            stamp(moment),
            idempotency_key=f"task-due-soon:{task.pk}:{stamp(moment)}{suffix}",
            run_after=moment,
        )
    if task.overdue_notified_at is None:
        job_enqueue(
            notify_task_overdue,
            task.pk,
            stamp(task.due_at),
            idempotency_key=f"task-overdue:{task.pk}:{stamp(task.due_at)}{suffix}",
            run_after=task.due_at,
        )


# --- email --------------------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if path.startswith("/") else path


def _subject(title: str) -> str:
    # A header must be one line; allauth's prefix marks mail from the application.
    return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(title.split())


# Sending talks to an SMTP server for seconds: not inside a transaction that holds SQLite's write lock.
@job(max_attempts=5, timeout=120, backoff=60, atomic=False)
def send_notification_email(notification_id: int) -> str:
    """Send one notice by email (text and HTML) in the recipient's language; sent once even if the job runs twice."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None:
        return "skipped"
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        return "skipped"
    with translation.override(recipient.language):
        context = {
            "notification": notification,
            "recipient": recipient,
            "link": absolute_url(notification.url) if notification.url else "",
            "preferences_link": absolute_url(reverse("notifications:preferences")),
            "site_url": settings.SITE_URL,
        }
        message = EmailMultiAlternatives(
            subject=_subject(notification.title),
            body=render_to_string("notifications/email/notification.txt", context),
            to=[recipient.email],
        )
        message.attach_alternative(render_to_string("notifications/email/notification.html", context), "text/html")
        message.send()
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return "sent"
