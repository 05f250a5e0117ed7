"""Forms of the task screens: they parse input into the values the task services take, nothing more.

The services validate (deadline, reminder before it, whom a task may be given to, the contact belongs
to the client); :func:`apply_service_errors` puts their errors next to the fields that caused them.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kartoteka.activities.models import ActivityResult, Recurrence, Task, TaskKind, TaskPriority

if TYPE_CHECKING:
    from kartoteka.clients.models import Client
    from kartoteka.contacts.models import Contact
    from kartoteka.users.models import User

# Reminder choices: minutes before the deadline ("" none, "0" at the deadline).
REMINDERS = [
    ("", _("no reminder")),
    ("0", _("at the due time")),
    ("15", _("15 minutes before")),
    ("60", _("1 hour before")),
    ("1440", _("1 day before")),
]
KEEP_REMINDER = "keep"

# Service error keys → the form field that shows them.
SERVICE_FIELDS = {
    "due_at": "due_date",
    "all_day": "due_date",
    "remind_at": "reminder",
    "recurrence_interval": "recurrence_interval",
    "recurrence_until": "recurrence_until",
}


def combine(day: datetime.date, time: datetime.time | None) -> datetime.datetime:
    """A local date and time (or the end of the day) as an aware moment in the active time zone."""
    moment = datetime.datetime.combine(day, time or datetime.time(23, 59))
    return timezone.make_aware(moment)


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: each message next to its field, the rest on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, problems in error.error_dict.items():
        name = SERVICE_FIELDS.get(key, key)
        form.add_error(name if name in form.fields else None, problems)


class TaskForm(forms.Form):
    """Plan or change a task. ``client``, ``contact`` and ``assignee`` arrive as ids from the pickers;
    the view resolves them through the access policy (see :meth:`resolved`)."""

    title = forms.CharField(label=_("Title"), max_length=255, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices, initial=TaskKind.CALL)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    due_time = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    all_day = forms.BooleanField(label=_("All day"), required=False)
    duration_minutes = forms.IntegerField(label=_("Duration, min"), required=False, min_value=1, max_value=24 * 60)
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    assignee = forms.CharField(label=_("Assignee"), required=False)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=TaskPriority.choices, coerce=int, initial=TaskPriority.NORMAL)
    client = forms.CharField(label=_("Client"), required=False)
    contact = forms.CharField(label=_("Contact person"), required=False)
    reminder = forms.ChoiceField(label=_("Reminder"), choices=REMINDERS, required=False)
    recurrence = forms.ChoiceField(label=_("Repeats"), choices=Recurrence.choices, required=False)
    recurrence_interval = forms.IntegerField(label=_("Every"), min_value=1, max_value=365, initial=1, required=False)
    recurrence_until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, task: Task | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.task = task
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput | forms.Select):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
        if task is not None and task.remind_at is not None:
            minutes = int((task.due_at - task.remind_at).total_seconds() // 60)
            if str(minutes) not in {value for value, _label in REMINDERS}:
                # A reminder set elsewhere (the API, a rule): keep it unless the user picks another.
                field = self.fields["reminder"]
                field.choices = [*REMINDERS, (KEEP_REMINDER, _("as set"))]  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(task: Task) -> dict[str, Any]:
        local = timezone.localtime(task.due_at)
        reminder = ""
        if task.remind_at is not None:
            minutes = int((task.due_at - task.remind_at).total_seconds() // 60)
            reminder = str(minutes) if str(minutes) in {value for value, _label in REMINDERS} else KEEP_REMINDER
        return {
            "title": task.title,
            "kind": task.kind,
            "due_date": local.date(),
            "due_time": None if task.all_day else local.time().replace(second=0, microsecond=0),
            "all_day": task.all_day,
            "duration_minutes": task.duration_minutes,
            "place": task.place,
            "assignee": str(task.assignee_id),
            "priority": task.priority,
            "client": str(task.client_id or ""),
            "contact": str(task.contact_id or ""),
            "reminder": reminder,
            "recurrence": task.recurrence,
            "recurrence_interval": task.recurrence_interval,
            "recurrence_until": task.recurrence_until,
            "description": task.description,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("due_date") and not data.get("all_day") and data.get("due_time") is None:
            self.add_error("due_time", _("Set the time, or tick “All day”."))
        return data

    def values(self, *, client: Client | None, contact: Contact | None, assignee: User | None) -> dict[str, Any]:
        """The changes for ``task_create`` / ``task_update`` (call after ``is_valid``)."""
        data = self.cleaned_data
        all_day = bool(data["all_day"])
        due_at = combine(data["due_date"], None if all_day else data["due_time"])
        reminder = data.get("reminder") or ""
        if reminder == KEEP_REMINDER and self.task is not None and self.task.remind_at is not None:
            remind_at: datetime.datetime | None = due_at - (self.task.due_at - self.task.remind_at)
        elif reminder and reminder != KEEP_REMINDER:
            remind_at = due_at - datetime.timedelta(minutes=int(reminder))
            if all_day:  # "a day before" a day-long task: the morning of the day before, not 23:59
                remind_at = remind_at.replace(hour=9, minute=0)
        else:
            remind_at = None
        values: dict[str, Any] = {
            "title": data["title"].strip(),
            "kind": data["kind"],
            "description": data["description"],
            "due_at": due_at,
            "all_day": all_day,
            "duration_minutes": data.get("duration_minutes"),
            "place": data["place"].strip(),
            "priority": data["priority"],
            "client": client,
            "contact": contact,
            "remind_at": remind_at,
            "recurrence": data.get("recurrence") or "",
            "recurrence_interval": data.get("recurrence_interval") or 1,
            "recurrence_until": data.get("recurrence_until"),
        }
        if assignee is not None:
            values["assignee"] = assignee
        return values


class CompleteForm(forms.Form):
    """Close a task as done; with ``log``, also record the call or meeting that fulfilled it."""

    note = forms.CharField(label=_("Completion note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    log = forms.BooleanField(label=_("Log it in the client's history"), required=False)
    result = forms.ModelChoiceField(
        label=_("Result"), queryset=ActivityResult.objects.none(), required=False, empty_label=_("— not chosen")
    )
    productive = forms.BooleanField(label=_("Productive"), required=False)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, results: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["result"].queryset = results if results is not None else ActivityResult.objects.filter(is_active=True)  # type: ignore[attr-defined]

    def log_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {"summary": data["summary"].strip()}
        if data.get("result") is not None:
            values["result"] = data["result"]
        # Unticked "productive" with a chosen result lets the result's own mark decide.
        if data.get("productive") or data.get("result") is None:
            values["productive"] = bool(data.get("productive"))
        return values


def parse_due(data: Any) -> datetime.datetime | None:
    """A new deadline from ``due_at`` (ISO date-time, naive = local) or ``date`` + ``time`` (HH:MM)."""
    raw = (data.get("due_at") or "").strip()
    try:
        if raw:
            moment = datetime.datetime.fromisoformat(raw)
            return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
        day = datetime.date.fromisoformat((data.get("date") or "").strip())
        time_text = (data.get("time") or "").strip()
        time = datetime.time.fromisoformat(time_text) if time_text else None
    except ValueError:
        return None
    return combine(day, time)
