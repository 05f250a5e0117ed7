"""Request and response bodies of the activity, task and activity-result endpoints."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from ninja import Field, Schema

from kartoteka.api import Id
from kartoteka.clients.api.common import MAX_LIMIT, Code, CodeList, LongText, Moment, RefOut, UserRefOut, absent
from kartoteka.clients.api.references import LocalizedNamesOut

ActivityKindName = Literal["call", "meeting", "email", "letter", "fax", "message", "demo", "visit", "greeting", "note"]
TaskKindName = Literal["call", "meeting", "email", "letter", "message", "demo", "visit", "todo"]
TaskStatusName = Literal["open", "done", "cancelled"]
PriorityName = Literal["low", "normal", "high"]
RecurrenceName = Literal["", "daily", "weekly", "monthly"]
InitiatorName = Literal["us", "client"]
ChannelName = Literal[
    "", "phone", "in_person", "video", "email", "post", "fax", "telegram", "whatsapp", "viber", "sms", "other"
]  # fmt: skip
DirectionName = Literal["", "outbound", "inbound"]

Minutes = Annotated[int, Field(ge=0, le=24 * 60, description="Minutes, at most a day.")]
InterestLevel = Annotated[int, Field(ge=1, le=5, description="1 (none) … 5 (keen).")]
Line = Annotated[str, Field(max_length=255)]
PersonRef = Annotated[
    str, Field(pattern=r"^(me|[1-9][0-9]{0,17})$", description="A user id, or `me` for the caller.", examples=["me", "12"])
]


def kind_list(names: str) -> str:
    return f"One of {names}, or several separated by commas (any of them matches)."


KindList = Annotated[str, Field(max_length=200, pattern=r"^[a-z_]+(,[a-z_]+)*$")]


# --- Output ---------------------------------------------------------------------------------------------


class ClientRefOut(Schema):
    """The client a record belongs to.

    On a task assigned to you on a client you may not see, only ``id`` and ``name`` are given (so you know
    whom to call); ``url`` and ``card_url`` are null and ``accessible`` is false.
    """

    id: int
    name: str = Field(description="The display name with the legal form: ООО «Ромашка».")
    accessible: bool = Field(description="false: you may not open this client; only its name is shown.")
    url: str | None = Field(description="The client in the API; null when not accessible.")
    card_url: str | None = Field(description="The client card in the web interface; null when not accessible.")


class ContactRefOut(Schema):
    id: int
    name: str


class ActivityOut(Schema):
    id: int
    client: ClientRefOut
    contact: ContactRefOut | None
    kind: ActivityKindName
    occurred_at: datetime.datetime
    author: UserRefOut | None = Field(description="Who logged it; null when logged by the system or a deleted user.")
    initiator: InitiatorName
    channel: ChannelName
    direction: DirectionName
    result: RefOut | None = Field(description="An entry of GET /activity-results.")
    productive: bool = Field(description="The contact moved the client forward.")
    subject: str
    summary: str
    duration_minutes: int | None
    recording_url: str
    place: str
    participants: str
    product: str
    interest_level: int | None
    task_id: int | None = Field(description="The planned task this activity fulfilled.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page; null on the last page.")


class TaskOut(Schema):
    id: int
    title: str
    kind: TaskKindName
    description: str
    status: TaskStatusName
    due_at: datetime.datetime
    all_day: bool = Field(description="A task for a day: due_at is the end of that day in the server's time zone.")
    duration_minutes: int | None
    place: str
    priority: PriorityName
    assignee: UserRefOut
    created_by: UserRefOut | None
    client: ClientRefOut | None = Field(description="Null for a personal to-do.")
    contact: ContactRefOut | None = Field(description="Null also when the client is not accessible to you.")
    remind_at: datetime.datetime | None
    recurrence: RecurrenceName = Field(description="Empty: does not repeat.")
    recurrence_interval: int
    recurrence_until: datetime.date | None
    previous_id: int | None = Field(description="The occurrence of the series this one followed.")
    is_overdue: bool = Field(description="Open and past its deadline.")
    is_tail: bool = Field(description="A planned contact left open more than the configured number of days past its deadline.")
    completed_at: datetime.datetime | None
    completed_by: UserRefOut | None
    completion_note: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class TaskPage(Schema):
    items: list[TaskOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page; null on the last page.")


class ActivityLoggedOut(ActivityOut):
    next_task: TaskOut | None = Field(description="The task planned with next_task, if any.")


class TaskClosedOut(Schema):
    task: TaskOut
    activity: ActivityOut | None = Field(description="The activity logged with `log`, if any.")
    next_occurrence: TaskOut | None = Field(description="A recurring task's next occurrence, if the series goes on.")


class ActivityResultOut(Schema):
    id: int
    code: str
    name: str = Field(description="In the caller's language.")
    names: LocalizedNamesOut
    productive: bool = Field(description="Choosing this result marks the activity productive unless told otherwise.")
    is_active: bool
    order: int


class ActivityResultList(Schema):
    items: list[ActivityResultOut]


# --- Filters --------------------------------------------------------------------------------------------


class ActivityFilters(Schema):
    client: Id | None = Field(None, description="Client id: that client's history only.")
    contact: Id | None = Field(None, description="Contact person id.")
    kind: KindList | None = Field(
        None, description=kind_list("call, meeting, email, letter, fax, message, demo, visit, greeting, note")
    )
    author: PersonRef | None = Field(None, description="Who logged it: a user id or `me`.")
    productive: bool | None = None
    result: CodeList | None = Field(None, description="Result code(s) from GET /activity-results.")
    occurred_after: Moment | None = Field(None, description="At or after this moment (ISO 8601).")
    occurred_before: Moment | None = Field(None, description="Before this moment (ISO 8601).")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


class TaskFilters(Schema):
    status: KindList | None = Field(None, description=kind_list("open, done, cancelled") + " Default: all.")
    kind: KindList | None = Field(None, description=kind_list("call, meeting, email, letter, message, demo, visit, todo"))
    assignee: PersonRef | None = Field(None, description="A user id or `me`.")
    client: Id | None = Field(None, description="Client id.")
    due_after: Moment | None = Field(None, description="Deadline at or after this moment.")
    due_before: Moment | None = Field(None, description="Deadline before this moment.")
    overdue: bool | None = Field(None, description="true: open tasks past their deadline; false: everything else.")
    tail: bool | None = Field(
        None, description="true: tails (planned contacts open too long past the deadline); false: the rest."
    )
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


class ResultFilters(Schema):
    active: bool | None = Field(None, description="true: only results offered for new activities.")


# --- Input ----------------------------------------------------------------------------------------------


class TaskFieldsIn(Schema):
    title: Line = absent(description="Empty on a client's task: made from the kind and the client's name.")
    kind: TaskKindName = absent()
    description: LongText = absent()
    due_at: Moment = absent(description="The deadline (ISO 8601 with offset).")
    all_day: bool = absent()
    duration_minutes: Minutes | None = None
    place: Line = absent()
    assignee_id: Id = absent(description="Who does it; the caller by default.")
    priority: PriorityName = absent()
    remind_at: Moment | None = Field(None, description="When to remind the assignee; before the deadline.")
    recurrence: RecurrenceName = absent()
    recurrence_interval: int = absent(ge=1, le=365)
    recurrence_until: datetime.date | None = Field(None, description="The last day of the series.")


class NextTaskIn(TaskFieldsIn):
    """The next contact planned together with an activity: on the same client and contact person."""

    due_at: Moment = Field(description="The deadline (ISO 8601 with offset).")


class TaskCreate(TaskFieldsIn):
    due_at: Moment = Field(description="The deadline (ISO 8601 with offset).")
    client_id: Id | None = Field(None, description="Omit for a personal to-do.")
    contact_id: Id | None = Field(None, description="A contact person of the client.")


class TaskUpdate(TaskFieldsIn):
    """Only the fields sent change. A new ``due_at`` without ``remind_at`` moves the reminder along."""

    client_id: Id | None = Field(None, description="null: no client (a personal to-do).")
    contact_id: Id | None = Field(None, description="null: no contact person.")


class ActivityFieldsIn(Schema):
    occurred_at: Moment = absent(description="When it happened (not in the future); now by default.")
    contact_id: Id | None = Field(None, description="A contact person of the client.")
    initiator: InitiatorName = absent()
    channel: ChannelName = absent(description="The kind's usual channel by default.")
    direction: DirectionName = absent()
    result: Code | None = Field(None, description="A code from GET /activity-results.")
    productive: bool = absent(description="By default the result's own mark.")
    subject: Line = absent()
    summary: LongText = absent()
    duration_minutes: Minutes | None = None
    recording_url: str | None = Field(None, max_length=500, description="A link to the call's recording.")
    place: Line = absent()
    participants: LongText = absent()
    product: Line = absent()
    interest_level: InterestLevel | None = None


class ActivityCreate(ActivityFieldsIn):
    client_id: Id
    kind: ActivityKindName
    next_task: NextTaskIn | None = Field(None, description="Plan the next contact in the same step.")


class ActivityUpdate(ActivityFieldsIn):
    kind: ActivityKindName = absent()


class ActivityLogIn(ActivityFieldsIn):
    """The activity that fulfilled the task: by default of the task's kind, its title as the subject."""

    kind: ActivityKindName = absent()


class TaskCompleteIn(Schema):
    note: LongText = Field("", description="What was done.")
    log: ActivityLogIn | None = Field(None, description="Also log the activity that fulfilled the task (a client's task only).")


class TaskCancelIn(Schema):
    note: LongText = Field("", description="Why it is cancelled.")
    stop_series: bool = Field(False, description="A recurring task: plan no further occurrences.")
