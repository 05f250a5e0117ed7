"""Tasks in the API: the list, one task, planning, changing (rescheduling, reassigning), completing, cancelling,
reopening, deleting.

A task is visible when its client is, and always to its assignee and creator (see ``activities.access_rules``).
Of a client the caller cannot otherwise see, a task shows only the id and the name; its contact person stays
hidden and completing it cannot log an activity there.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kartoteka.activities import selectors, services
from kartoteka.activities.api.activities import (
    AREA,
    activity_out,
    activity_rows,
    activity_values,
    checked_names,
    client_ref,
    contact_ref,
    input_name,
    person_id,
    visible_contact_for_input,
)
from kartoteka.activities.api.schemas import (
    PriorityName,
    TaskCancelIn,
    TaskClosedOut,
    TaskCompleteIn,
    TaskCreate,
    TaskFieldsIn,
    TaskFilters,
    TaskOut,
    TaskPage,
    TaskUpdate,
)
from kartoteka.activities.models import Task, TaskKind, TaskPriority, TaskStatus
from kartoteka.api import Id, errors, require_scope
from kartoteka.clients.api.common import (
    UserRefOut,
    actor_of,
    input_names,
    not_found,
    paginate,
    user_ref,
    visible_client_for_input,
)
from kartoteka.users import access
from kartoteka.users.models import User

router = Router(tags=["tasks"])

PRIORITIES: dict[str, int] = {"low": TaskPriority.LOW, "normal": TaskPriority.NORMAL, "high": TaskPriority.HIGH}
PRIORITY_NAMES: dict[int, PriorityName] = {value: name for name, value in PRIORITIES.items()}  # type: ignore[misc]


# --- Reading --------------------------------------------------------------------------------------------


def task_rows(actor: User, base: QuerySet[Task] | None = None) -> QuerySet[Task]:
    """Visible tasks with everything their representation needs, in one query."""
    queryset = selectors.visible_tasks(actor) if base is None else base
    return queryset.select_related("client__legal_form", "contact", "assignee", "created_by", "completed_by")


def task_out(actor: User, task: Task, *, now: Any = None) -> TaskOut:
    now = now or timezone.now()
    client = None if task.client is None else client_ref(actor, task.client)
    plain = (
        "title", "kind", "description", "status", "due_at", "all_day", "duration_minutes", "place", "remind_at",
        "recurrence", "recurrence_interval", "recurrence_until", "previous_id", "completed_at", "completion_note",
        "created_at", "updated_at",
    )  # fmt: skip
    return TaskOut(
        id=task.pk,
        **{name: getattr(task, name) for name in plain},
        priority=PRIORITY_NAMES.get(task.priority, "normal"),
        assignee=UserRefOut(id=task.assignee.pk, name=task.assignee.get_full_name() or task.assignee.email),
        created_by=user_ref(task.created_by),
        completed_by=user_ref(task.completed_by),
        client=client,
        # Whom to talk to at a client the caller may not open stays with the client's people.
        contact=contact_ref(task.contact) if client is None or client.accessible else None,
        is_overdue=task.is_open and task.due_at < now,
        is_tail=services.is_tail(task, now=now),
    )


def _read(actor: User, task_id: int) -> Task:
    return access.get_visible_or_404(actor, task_rows(actor), pk=task_id)


def _filtered(actor: User, filters: TaskFilters) -> QuerySet[Task]:
    now = timezone.now()
    queryset = task_rows(actor)
    if filters.status:
        queryset = queryset.filter(status__in=checked_names("status", filters.status, TaskStatus.values))
    if filters.kind:
        queryset = queryset.filter(kind__in=checked_names("kind", filters.kind, TaskKind.values))
    if filters.assignee:
        queryset = queryset.filter(assignee_id=person_id(actor, filters.assignee))
    if filters.client is not None:
        queryset = queryset.filter(client_id=filters.client)
    if filters.due_after is not None:
        queryset = queryset.filter(due_at__gte=filters.due_after)
    if filters.due_before is not None:
        queryset = queryset.filter(due_at__lt=filters.due_before)
    if filters.overdue is not None:
        overdue = Q(status=TaskStatus.OPEN, due_at__lt=now)
        queryset = queryset.filter(overdue) if filters.overdue else queryset.exclude(overdue)
    if filters.tail is not None:
        # The tail rule lives in the selector: reuse it as a subquery rather than restate it.
        tails = selectors.tails(actor, now=now).values("pk")
        queryset = queryset.filter(pk__in=tails) if filters.tail else queryset.exclude(pk__in=tails)
    return queryset


@router.get("/tasks", response={200: TaskPage, **errors(400, 401, 403, 422)}, summary="Tasks you may see")
def tasks_list(request: HttpRequest, filters: Query[TaskFilters]) -> TaskPage:
    """By deadline, earliest first (ties by id). Filters combine with AND."""
    require_scope(request, AREA, "read")
    actor = actor_of(request)
    rows, next_cursor = paginate(
        _filtered(actor, filters), sort="due", order=["due_at", "id"], limit=filters.limit, cursor=filters.cursor
    )
    now = timezone.now()
    return TaskPage(items=[task_out(actor, task, now=now) for task in rows], next_cursor=next_cursor)


@router.get("/tasks/{task_id}", response={200: TaskOut, **errors(401, 403, 404)}, summary="A task")
def tasks_get(request: HttpRequest, task_id: Id) -> TaskOut:
    require_scope(request, AREA, "read")
    actor = actor_of(request)
    return task_out(actor, _read(actor, task_id))


# --- Writing --------------------------------------------------------------------------------------------


def _visible_user_for_input(actor: User, user_id: int, field: str) -> User:
    user = access.visible(actor, User).filter(pk=user_id).first()
    if user is None:
        raise not_found(field)
    return user


def task_values(actor: User, payload: TaskFieldsIn, *, task: Task | None = None) -> dict[str, Any]:
    """Service-ready values of the fields sent: ids become rows, priority names numbers.

    For a change to ``task``, resending its current client or contact is no change: the assignee of a
    task on a client they cannot see may send the task back as they read it.
    """
    values = {name: getattr(payload, name) for name in payload.model_fields_set}
    if task is not None:
        for name in ("client_id", "contact_id"):
            if name in values and values[name] is not None and values[name] == getattr(task, name):
                values.pop(name)
    if "assignee_id" in values:
        values["assignee"] = _visible_user_for_input(actor, values.pop("assignee_id"), "assignee_id")
    if "client_id" in values:
        client_id = values.pop("client_id")
        values["client"] = None if client_id is None else visible_client_for_input(actor, client_id)
    if "contact_id" in values:
        contact_id = values.pop("contact_id")
        values["contact"] = None if contact_id is None else visible_contact_for_input(actor, contact_id)
    if "priority" in values:
        values["priority"] = PRIORITIES[values["priority"]]
    if "recurrence_interval" in values and values["recurrence_interval"] is None:
        values.pop("recurrence_interval")
    return values


@router.post("/tasks", response={201: TaskOut, **errors(401, 403, 409, 422)}, summary="Plan a task")
def tasks_create(request: HttpRequest, payload: TaskCreate) -> Status[TaskOut]:
    """The assignee defaults to the caller; planning on a client needs the right to change the client."""
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    with input_names(input_name()):
        task = services.task_create(actor=actor, values=task_values(actor, payload))
    return Status(201, task_out(actor, _read(actor, task.pk)))


@router.patch(
    "/tasks/{task_id}",
    response={200: TaskOut, **errors(401, 403, 404, 409, 422)},
    summary="Change an open task (only the fields sent): reschedule, reassign, edit",
)
def tasks_update(request: HttpRequest, task_id: Id, payload: TaskUpdate) -> TaskOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    task = _read(actor, task_id)
    access.require(actor, "change", task)
    with transaction.atomic(), input_names(input_name()):
        changes = task_values(actor, payload, task=task)
        # A new deadline alone moves the reminder with it (the service's reschedule); sent with a
        # reminder of its own, it is an ordinary change.
        due_at = changes.pop("due_at", None) if "remind_at" not in changes else None
        if changes or due_at is None:
            task = services.task_update(actor=actor, task=task, changes=changes)
        if due_at is not None:
            task = services.task_reschedule(actor=actor, task=task, due_at=due_at)
    return task_out(actor, _read(actor, task_id))


def _closed(actor: User, result: services.Completed) -> TaskClosedOut:
    activity = None
    if result.activity is not None:
        activity = activity_out(actor, access.get_visible_or_404(actor, activity_rows(actor), pk=result.activity.pk))
    follower = None if result.next_occurrence is None else task_out(actor, _read(actor, result.next_occurrence.pk))
    return TaskClosedOut(task=task_out(actor, _read(actor, result.task.pk)), activity=activity, next_occurrence=follower)


def _log_input_name(name: str) -> str:
    # The service names the whole ``log`` when the task has no client, a field of it otherwise.
    return "log" if name == "log" else input_name("log.")(name)


def _log_refused() -> Status[dict[str, Any]]:
    message = _(
        "You cannot log an activity on this client: it is not yours to change. Complete the task without “log”, "
        "and ask the client's manager to record the contact."
    )
    detail = {"field": "log", "message": message, "code": "client_not_changeable"}
    return Status(403, {"error": {"code": "forbidden", "message": message, "details": [detail]}})


@router.post(
    "/tasks/{task_id}/complete",
    response={200: TaskClosedOut, **errors(401, 403, 404, 409, 422)},
    summary="Mark a task done (and, with log, record the activity that fulfilled it)",
)
def tasks_complete(request: HttpRequest, task_id: Id, payload: TaskCompleteIn) -> Status[Any]:
    """A recurring task plans its next occurrence. Logging needs the right to change the task's client."""
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    task = _read(actor, task_id)
    log = None
    if payload.log is not None:
        if task.client is not None and not access.can(actor, "change", task.client):
            return _log_refused()
        with input_names(input_name("log.")):
            log = activity_values(actor, payload.log)
    with input_names(_log_input_name, default="log"):
        result = services.task_complete(actor=actor, task=task, note=payload.note, log=log)
    return Status(200, _closed(actor, result))


@router.post(
    "/tasks/{task_id}/cancel",
    response={200: TaskClosedOut, **errors(401, 403, 404, 409, 422)},
    summary="Cancel a task (a recurring one goes on unless stop_series)",
)
def tasks_cancel(request: HttpRequest, task_id: Id, payload: TaskCancelIn) -> TaskClosedOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    result = services.task_cancel(actor=actor, task=_read(actor, task_id), note=payload.note, stop_series=payload.stop_series)
    return _closed(actor, result)


@router.post(
    "/tasks/{task_id}/reopen", response={200: TaskOut, **errors(401, 403, 404, 409)}, summary="Reopen a done or cancelled task"
)
def tasks_reopen(request: HttpRequest, task_id: Id) -> TaskOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    services.task_reopen(actor=actor, task=_read(actor, task_id))
    return task_out(actor, _read(actor, task_id))


@router.delete("/tasks/{task_id}", response={204: None, **errors(401, 403, 404, 409)}, summary="Delete a task")
def tasks_delete(request: HttpRequest, task_id: Id) -> Status[None]:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    services.task_delete(actor=actor, task=_read(actor, task_id))
    return Status(204, None)
