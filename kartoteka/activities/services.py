"""Writes to the relationship history and the task list. Views, the API, jobs and demo data call these.

Activities and tasks on a client follow the client's access: logging a call or planning one is a
change to the client card. A task is also open to its assignee (and its creator) even when they
cannot see the client otherwise: see :mod:`kartoteka.activities.access_rules`.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.activities.models import (
    CONTACT_KINDS,
    CONTACT_TASK_KINDS,
    DEFAULT_CHANNEL,
    Activity,
    ActivityKind,
    Recurrence,
    Task,
    TaskKind,
    TaskStatus,
)
from kartoteka.clients.models import Client
from kartoteka.core import events
from kartoteka.core.errors import ConflictError
from kartoteka.core.services import apply_changes
from kartoteka.users import access

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.users.models import User

    Actor = User | AnonymousUser | None

ACTIVITY_FIELDS = (
    "kind", "occurred_at", "contact", "initiator", "channel", "direction", "result", "productive", "subject",
    "summary", "duration_minutes", "recording_url", "place", "participants", "product", "interest_level", "deal",
)  # fmt: skip
TASK_FIELDS = (
    "title", "kind", "description", "due_at", "all_day", "duration_minutes", "place", "assignee", "priority",
    "client", "contact", "remind_at", "recurrence", "recurrence_interval", "recurrence_until", "deal",
)  # fmt: skip

# The activity a completed planned contact becomes.
ACTIVITY_KIND_FOR_TASK: dict[str, str] = {
    TaskKind.CALL: ActivityKind.CALL,
    TaskKind.MEETING: ActivityKind.MEETING,
    TaskKind.EMAIL: ActivityKind.EMAIL,
    TaskKind.LETTER: ActivityKind.LETTER,
    TaskKind.MESSAGE: ActivityKind.MESSAGE,
    TaskKind.DEMO: ActivityKind.DEMO,
    TaskKind.VISIT: ActivityKind.VISIT,
}


class TaskClosedError(ConflictError):
    code = "task_closed"


def _check(actor: Actor, action: access.Action, obj: Any) -> None:
    if actor is not None:
        access.require(actor, action, obj)


def _person(actor: Actor) -> User | None:
    from kartoteka.users.models import User

    return actor if isinstance(actor, User) else None


def _actor_id(actor: Actor) -> int | None:
    return getattr(actor, "pk", None)


# --- activities ---------------------------------------------------------------------------------


def _sees_deal(actor: Actor, deal_id: int) -> bool:
    from kartoteka.deals.models import Deal

    return actor is None or access.visible(actor, Deal).filter(pk=deal_id).exists()


def _check_deal(actor: Actor, deal_id: int | None) -> None:
    """Linking a record to a deal needs sight of the deal (invisible and missing look the same)."""
    from kartoteka.deals.models import Deal

    if deal_id is not None and actor is not None and not access.visible(actor, Deal).filter(pk=deal_id).exists():
        raise ValidationError({"deal": _("Choose a deal you can see.")})


def _validate_activity(activity: Activity, *, result_changed: bool) -> None:
    if activity.contact_id is not None and activity.contact.client_id != activity.client_id:  # type: ignore[union-attr]
        raise ValidationError({"contact": _("This person is not a contact of this client.")})
    if activity.deal_id is not None and activity.deal.client_id != activity.client_id:  # type: ignore[union-attr]
        raise ValidationError({"deal": _("This deal is not this client's.")})
    if activity.occurred_at is not None and activity.occurred_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("An activity cannot happen in the future; plan a task instead.")})
    if result_changed and activity.result_id is not None and not activity.result.is_active:  # type: ignore[union-attr]
        raise ValidationError({"result": _("This result is no longer in use.")})
    activity.full_clean(exclude=["client", "author", "task", "contact", "result", "deal"])


def _touch_last_contact(client_id: int, occurred_at: datetime.datetime) -> None:
    """Keep ``Client.last_contact_at`` the newest contact's time (derived data: no history row)."""
    Client.objects.filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=occurred_at), pk=client_id).update(
        last_contact_at=occurred_at
    )


def recount_last_contact(client_id: int) -> None:
    latest = (
        Activity.objects.filter(client_id=client_id, kind__in=CONTACT_KINDS)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    Client.objects.filter(pk=client_id).update(last_contact_at=latest)


@dataclass(frozen=True)
class Logged:
    activity: Activity
    next_task: Task | None = None


@transaction.atomic
def activity_log(
    *,
    actor: Actor,
    client: Client,
    values: Mapping[str, Any],
    task: Task | None = None,
    next_task: Mapping[str, Any] | None = None,
) -> Logged:
    """Record what happened with the client; with ``next_task``, plan the next contact in the same step.

    ``values`` holds :data:`ACTIVITY_FIELDS`; ``kind`` is required, ``occurred_at`` defaults to now and
    ``channel`` to the kind's usual one. The result's "productive" mark preselects ``productive``.
    """
    activity = Activity(client=client, author=_person(actor), task=task)
    _check(actor, "create", activity)
    values = dict(values)
    if not values.get("kind"):
        raise ValidationError({"kind": _("Choose what kind of contact it was.")})
    apply_changes(activity, ACTIVITY_FIELDS, values)
    if activity.occurred_at is None:
        activity.occurred_at = timezone.now()
    if not activity.channel:
        activity.channel = DEFAULT_CHANNEL.get(activity.kind, "")  # type: ignore[call-overload]
    if "productive" not in values and activity.result_id is not None:
        activity.productive = activity.result.productive  # type: ignore[union-attr]
    _validate_activity(activity, result_changed=True)
    if task is None or task.deal_id != activity.deal_id:  # the task's own deal was checked while it was open
        _check_deal(actor, activity.deal_id)
    activity.save()
    if activity.kind in CONTACT_KINDS:
        _touch_last_contact(client.pk, activity.occurred_at)
    events.publish("activity.logged", activity_id=activity.pk, client_id=client.pk, kind=activity.kind, actor_id=_actor_id(actor))
    planned = None
    if next_task is not None:
        planned = task_create(
            actor=actor, values={"client": client, "contact": activity.contact, "deal": activity.deal, **next_task}
        )
    return Logged(activity=activity, next_task=planned)


@transaction.atomic
def activity_update(*, actor: Actor, activity: Activity, changes: Mapping[str, Any]) -> Activity:
    activity = Activity.objects.select_for_update().select_related("client").get(pk=activity.pk)
    _check(actor, "change", activity)
    previous_result = activity.result_id
    changed = apply_changes(activity, ACTIVITY_FIELDS, changes)
    if not changed:
        return activity
    _validate_activity(activity, result_changed=activity.result_id != previous_result)
    if "deal" in changes:
        _check_deal(actor, activity.deal_id)
    activity.save()
    if {"occurred_at", "kind"} & set(changed):
        recount_last_contact(activity.client_id)
    events.publish(
        "activity.updated", activity_id=activity.pk, client_id=activity.client_id, actor_id=_actor_id(actor), fields=changed
    )
    return activity


@transaction.atomic
def activity_delete(*, actor: Actor, activity: Activity) -> None:
    _check(actor, "delete", activity)
    client_id, activity_id = activity.client_id, activity.pk
    activity.delete()
    recount_last_contact(client_id)
    events.publish("activity.deleted", activity_id=activity_id, client_id=client_id, actor_id=_actor_id(actor))


# --- tasks --------------------------------------------------------------------------------------


def _end_of_day(moment: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=23, minute=59, second=0, microsecond=0)


def _validate_task(task: Task, actor: Actor, *, new_assignee: bool = True) -> None:
    if not (task.title or "").strip():
        if task.client_id is not None:
            label = str(task.get_kind_display())
            task.title = f"{label[:1].upper()}{label[1:]}: {task.client}"[:255]
        else:
            raise ValidationError({"title": _("Say what is to be done.")})
    if task.assignee_id is None:
        raise ValidationError({"assignee": _("Choose who does it.")})
    if not task.assignee.is_active:  # type: ignore[union-attr]
        raise ValidationError({"assignee": _("This person's account is deactivated.")})
    # Giving a task to someone needs to see them; a change that keeps the assignee does not (the client's
    # manager moves a colleague's call on her own client even when she cannot see that colleague).
    if (
        new_assignee
        and actor is not None
        and task.assignee_id != actor.pk
        and not access.visible(actor, type(task.assignee)).filter(pk=task.assignee_id).exists()
    ):
        raise ValidationError({"assignee": _("You cannot give tasks to this person.")})
    if task.deal_id is not None and task.client_id is None:
        task.client_id = task.deal.client_id  # type: ignore[union-attr]  # a deal's task is its client's too
    if task.deal_id is not None and task.deal.client_id != task.client_id:  # type: ignore[union-attr]
        raise ValidationError({"deal": _("This deal is not this client's.")})
    if task.contact_id is not None and task.contact.client_id != task.client_id:  # type: ignore[union-attr]
        raise ValidationError({"contact": _("This person is not a contact of this client.")})
    if task.due_at is None:
        raise ValidationError({"due_at": _("Set a deadline.")})
    if task.all_day:
        task.due_at = _end_of_day(task.due_at)
    if task.remind_at is not None and task.remind_at > task.due_at:
        raise ValidationError({"remind_at": _("The reminder must come before the deadline.")})
    if task.recurrence and task.recurrence_until is not None and task.recurrence_until < timezone.localdate(task.due_at):
        raise ValidationError({"recurrence_until": _("The series must end after its first deadline.")})
    if not task.recurrence:
        task.recurrence_interval = 1
        task.recurrence_until = None
    task.full_clean(exclude=["client", "contact", "assignee", "created_by", "completed_by", "previous", "deal"])


def _require_client_change(actor: Actor, client: Client | None) -> None:
    """Planning work on a client is a change to its card."""
    if client is not None:
        _check(actor, "change", client)


@transaction.atomic
def task_create(*, actor: Actor, values: Mapping[str, Any]) -> Task:
    """Plan a task. The assignee defaults to the actor; a client's task needs the right to change the client."""
    task = Task(created_by=_person(actor))
    values = dict(values)
    apply_changes(task, TASK_FIELDS, values)
    if task.assignee_id is None and _person(actor) is not None:
        task.assignee = actor  # type: ignore[assignment]
    if task.deal_id is not None and task.client_id is None:
        task.client_id = task.deal.client_id  # type: ignore[union-attr]
    _check_deal(actor, task.deal_id)
    _require_client_change(actor, task.client)
    _validate_task(task, actor)
    task.save()
    events.publish("task.created", task_id=task.pk, client_id=task.client_id, actor_id=_actor_id(actor))
    if task.assignee_id != _actor_id(actor):
        events.publish("task.assigned", task_id=task.pk, assignee_id=task.assignee_id, actor_id=_actor_id(actor))
    return task


def _lock_open(task: Task) -> Task:
    # Lock only the task: PostgreSQL cannot lock the nullable side of the outer join to the client.
    task = Task.objects.select_for_update(of=("self",)).select_related("client", "assignee").get(pk=task.pk)
    if task.status != TaskStatus.OPEN:
        raise TaskClosedError(_("This task is already closed."))
    return task


@transaction.atomic
def task_update(*, actor: Actor, task: Task, changes: Mapping[str, Any], notify: bool = True) -> Task:
    """Change an open task. Moving the deadline re-arms its reminder and overdue notice."""
    task = _lock_open(task)
    _check(actor, "change", task)
    before_assignee, before_client = task.assignee_id, task.client_id
    changed = apply_changes(task, TASK_FIELDS, changes)
    if not changed:
        return task
    if task.client_id != before_client:
        _require_client_change(actor, task.client)
    if "deal" in changed:
        _check_deal(actor, task.deal_id)
    if {"due_at", "all_day", "remind_at"} & set(changed):
        task.reminded_at = None
        task.overdue_notified_at = None
    _validate_task(task, actor, new_assignee="assignee" in changed)
    task.save()
    events.publish("task.updated", task_id=task.pk, client_id=task.client_id, actor_id=_actor_id(actor), fields=changed)
    if notify and task.assignee_id != before_assignee and task.assignee_id != _actor_id(actor):
        events.publish("task.assigned", task_id=task.pk, assignee_id=task.assignee_id, actor_id=_actor_id(actor))
    return task


def task_reschedule(*, actor: Actor, task: Task, due_at: datetime.datetime) -> Task:
    """Move the deadline, keeping the reminder the same distance before it."""
    changes: dict[str, Any] = {"due_at": due_at}
    if task.remind_at is not None:
        changes["remind_at"] = task.remind_at + (due_at - task.due_at)
    return task_update(actor=actor, task=task, changes=changes)


def _add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_deadline(task: Task) -> datetime.datetime | None:
    """The deadline of the occurrence after ``task`` in its series, or None when the series ends."""
    if not task.recurrence:
        return None
    local = timezone.localtime(task.due_at)
    step = task.recurrence_interval or 1
    if task.recurrence == Recurrence.DAILY:
        nxt = local + datetime.timedelta(days=step)
    elif task.recurrence == Recurrence.WEEKLY:
        nxt = local + datetime.timedelta(weeks=step)
    else:
        nxt = _add_months(local, step)
    # Wall-clock time stays the same across a DST change: rebuild the moment in the local zone.
    nxt = timezone.make_aware(nxt.replace(tzinfo=None), local.tzinfo)  # type: ignore[arg-type]
    if task.recurrence_until is not None and nxt.date() > task.recurrence_until:
        return None
    return nxt


def _spawn_next(task: Task, actor: Actor) -> Task | None:
    due = next_deadline(task)
    if due is None or Task.objects.filter(previous=task).exists():
        return None
    follower = Task.objects.create(
        title=task.title,
        kind=task.kind,
        description=task.description,
        due_at=due,
        all_day=task.all_day,
        duration_minutes=task.duration_minutes,
        place=task.place,
        assignee=task.assignee,
        created_by=task.created_by,
        priority=task.priority,
        client=task.client,
        contact=task.contact,
        remind_at=due - (task.due_at - task.remind_at) if task.remind_at else None,
        recurrence=task.recurrence,
        recurrence_interval=task.recurrence_interval,
        recurrence_until=task.recurrence_until,
        previous=task,
    )
    events.publish("task.created", task_id=follower.pk, client_id=follower.client_id, actor_id=_actor_id(actor))
    return follower


@dataclass(frozen=True)
class Completed:
    task: Task
    activity: Activity | None = None
    next_occurrence: Task | None = None


@transaction.atomic
def task_complete(*, actor: Actor, task: Task, note: str = "", log: Mapping[str, Any] | None = None) -> Completed:
    """Close the task as done. With ``log``, record the activity that fulfilled it (a planned call
    becomes a logged call on the timeline); a recurring task plans its next occurrence."""
    task = _lock_open(task)
    _check(actor, "change", task)
    # Asked while the task is still open: an open task on a deal is what lets its assignee see the deal.
    deal = task.deal if task.deal_id is not None and log is not None and _sees_deal(actor, task.deal_id) else None
    task.status = TaskStatus.DONE
    task.completed_at = timezone.now()
    task.completed_by = _person(actor)
    task.completion_note = (note or "").strip()
    task.save(update_fields=["status", "completed_at", "completed_by", "completion_note", "updated_at"])
    activity = None
    if log is not None:
        if task.client is None:
            raise ValidationError({"log": _("A task without a client has no history to log into.")})
        values = {"kind": ACTIVITY_KIND_FOR_TASK.get(task.kind, ActivityKind.NOTE), "subject": task.title, **log}
        if task.contact_id is not None:
            values.setdefault("contact", task.contact)
        if deal is not None:
            values.setdefault("deal", deal)
        if not values.get("summary") and task.completion_note:
            values["summary"] = task.completion_note
        activity = activity_log(actor=actor, client=task.client, values=values, task=task).activity
    follower = _spawn_next(task, actor)
    events.publish(
        "task.completed",
        task_id=task.pk,
        client_id=task.client_id,
        activity_id=getattr(activity, "pk", None),
        actor_id=_actor_id(actor),
    )
    return Completed(task=task, activity=activity, next_occurrence=follower)


@transaction.atomic
def task_cancel(*, actor: Actor, task: Task, note: str = "", stop_series: bool = False) -> Completed:
    """Cancel the task; a recurring one goes on with its next occurrence unless ``stop_series``."""
    task = _lock_open(task)
    _check(actor, "change", task)
    task.status = TaskStatus.CANCELLED
    task.completed_at = timezone.now()
    task.completed_by = _person(actor)
    task.completion_note = (note or "").strip()
    task.save(update_fields=["status", "completed_at", "completed_by", "completion_note", "updated_at"])
    follower = None if stop_series else _spawn_next(task, actor)
    events.publish("task.cancelled", task_id=task.pk, client_id=task.client_id, actor_id=_actor_id(actor))
    return Completed(task=task, next_occurrence=follower)


@transaction.atomic
def task_reopen(*, actor: Actor, task: Task) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    _check(actor, "change", task)
    if task.status == TaskStatus.OPEN:
        return task
    task.status = TaskStatus.OPEN
    task.completed_at = None
    task.completed_by = None
    task.reminded_at = None
    task.overdue_notified_at = None
    task.save()
    events.publish("task.updated", task_id=task.pk, client_id=task.client_id, actor_id=_actor_id(actor), fields=["status"])
    return task


@transaction.atomic
def task_delete(*, actor: Actor, task: Task) -> None:
    _check(actor, "delete", task)
    task_id, client_id = task.pk, task.client_id
    task.delete()
    events.publish("task.deleted", task_id=task_id, client_id=client_id, actor_id=_actor_id(actor))


# --- tails --------------------------------------------------------------------------------------


def is_tail(task: Task, *, now: datetime.datetime | None = None) -> bool:
    from django.conf import settings

    now = now or timezone.now()
    return (
        task.status == TaskStatus.OPEN
        and task.kind in CONTACT_TASK_KINDS
        and task.client_id is not None
        and task.due_at < now - datetime.timedelta(days=settings.TAILS_AFTER_DAYS)
    )


@transaction.atomic
def tail_reassign(*, actor: Actor, task: Task, to_user: User) -> Client:
    """Give a tail's client to another manager in one step (seed 002).

    The client's responsible changes through the client service (history "Tail reassigned", event
    ``client.reassigned`` — which notifies both managers); the client's open tasks that were the old
    manager's move with it, the tail among them, so the promise is kept by the new manager.
    """
    from kartoteka.clients import services as client_services

    task = Task.objects.select_related("client").get(pk=task.pk)
    _check(actor, "view", task)
    if not is_tail(task):
        raise ConflictError(_("This task is not a tail (any more)."), code="not_a_tail")
    client = task.client
    assert client is not None  # a tail always has a client
    if not to_user.is_active:
        raise ValidationError({"to_user": _("This person's account is deactivated.")})
    if actor is not None and not access.visible(actor, type(to_user)).filter(pk=to_user.pk).exists():
        raise ValidationError({"to_user": _("You cannot give clients to this person.")})
    previous = client.responsible_id
    if previous == to_user.pk:
        raise ValidationError({"to_user": _("This client is already this person's.")})
    client = client_services.client_update(
        actor=actor,
        client=client,
        changes={"responsible": to_user},
        reason=_("Tail reassigned: “%(task)s” overdue since %(due)s")
        % {"task": task.title, "due": timezone.localtime(task.due_at).strftime("%d.%m.%Y")},
    )
    moving = Task.objects.filter(client=client, status=TaskStatus.OPEN)
    moving = moving.filter(Q(assignee_id=previous) | Q(pk=task.pk)) if previous is not None else moving.filter(pk=task.pk)
    for open_task in moving:
        task_update(actor=None, task=open_task, changes={"assignee": to_user}, notify=False)
    events.publish(
        "tail.reassigned", task_id=task.pk, client_id=client.pk, from_user_id=previous, to_user_id=to_user.pk,
        actor_id=_actor_id(actor),
    )  # fmt: skip
    return client
