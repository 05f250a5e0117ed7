"""Forms of the client card's quick-log box and of an activity's edit form. They parse input; the
services (:mod:`kartoteka.activities.services`) validate and write.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kartoteka.activities.models import (
    DEFAULT_CHANNEL,
    Activity,
    ActivityKind,
    ActivityResult,
    Channel,
    Direction,
    Initiator,
    TaskKind,
)
from kartoteka.clients.forms import CardFormMixin
from kartoteka.contacts.models import Contact
from kartoteka.users import access

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.clients.models import Client
    from kartoteka.users.models import User

# Which optional fields each kind shows (quicklog.js hides the others; the server keeps only these).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    ActivityKind.CALL: ("direction", "duration_minutes", "recording_url"),
    ActivityKind.MEETING: ("duration_minutes", "place", "participants"),
    ActivityKind.EMAIL: ("direction",),
    ActivityKind.MESSAGE: ("direction",),
    ActivityKind.DEMO: ("product", "interest_level"),
}
KIND_SPECIFIC = ("direction", "duration_minutes", "recording_url", "place", "participants", "product", "interest_level")
# The activity's own fields on the form, in the order the service takes them.
ACTIVITY_FORM_FIELDS = (
    "kind", "occurred_at", "contact", "result", "productive", "summary", "initiator", "channel", *KIND_SPECIFIC,
)  # fmt: skip
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class ResultSelect(forms.Select):
    """Each result's option says whether it is productive (quicklog.js preselects the checkbox)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-productive"] = "1" if instance.productive else "0"
        return option


class KindSelect(forms.Select):
    """Each kind's option names its usual channel (quicklog.js preselects it)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        channel = DEFAULT_CHANNEL.get(value)
        if channel:
            option["attrs"]["data-channel"] = str(channel)
        return option


class ContactChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name}, {obj.position}" if obj.position else str(obj)


class ResultChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def result_queryset(current: int | None = None) -> Any:
    """Active results; a deactivated one an activity already has stays selectable on its edit form."""
    wanted = Q(is_active=True)
    if current is not None:
        wanted |= Q(pk=current)
    return ActivityResult.objects.filter(wanted).order_by("order", "name_en")


class ActivityForm(CardFormMixin, forms.Form):
    """What happened: the fields common to every kind plus the kind-specific ones (shown by kind)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices, initial=ActivityKind.CALL, widget=KindSelect)
    contact = ContactChoiceField(label=_("Contact person"), queryset=Contact.objects.none(), required=False)
    result = ResultChoiceField(label=_("Result"), queryset=ActivityResult.objects.none(), required=False, widget=ResultSelect)
    productive = forms.BooleanField(label=_("Productive"), required=False)
    summary = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea, max_length=10_000)
    direction = forms.ChoiceField(label=_("Direction"), choices=[("", "—"), *Direction.choices], required=False)
    duration_minutes = forms.IntegerField(label=_("Duration, min"), required=False, min_value=0, max_value=24 * 60)
    recording_url = forms.URLField(label=_("Recording link"), required=False, max_length=500, assume_scheme="https")
    place = forms.CharField(label=_("Place"), required=False, max_length=255)
    participants = forms.CharField(label=_("Participants"), required=False, max_length=2000)
    product = forms.CharField(label=_("Product"), required=False, max_length=255)
    interest_level = forms.TypedChoiceField(
        label=_("Degree of interest"),
        choices=[("", "—"), *((str(n), f"{n} / 5") for n in range(1, 6))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        help_text=_("Leave empty for now."),
    )
    initiator = forms.ChoiceField(label=_("Initiative"), choices=Initiator.choices, initial=Initiator.US)
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", _("usual for the kind")), *Channel.choices], required=False)

    def __init__(
        self, *args: Any, client: Client, viewer: User | AnonymousUser, activity: Activity | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        self.activity = activity
        contacts = access.visible(viewer, Contact).filter(client=client)
        current_contact = activity.contact_id if activity else None
        if current_contact is None:
            contacts = contacts.filter(is_active=True)
        else:
            contacts = contacts.filter(Q(is_active=True) | Q(pk=current_contact))
        contact_field: Any = self.fields["contact"]
        contact_field.queryset = contacts.order_by("last_name", "first_name", "id")
        result_field: Any = self.fields["result"]
        result_field.queryset = result_queryset(activity.result_id if activity else None)
        self.style()
        self.fields["summary"].widget.attrs.update({"rows": 2, "data-quicklog-note": ""})
        self.fields["kind"].widget.attrs["data-quicklog-kind"] = ""
        self.fields["result"].widget.attrs["data-quicklog-result"] = ""
        self.fields["channel"].widget.attrs["data-quicklog-channel"] = ""
        self.fields["productive"].widget.attrs["data-quicklog-productive"] = ""
        for name in KIND_SPECIFIC:
            kinds = [kind for kind, names in KIND_FIELDS.items() if name in names]
            self.fields[name].widget.attrs["data-kinds"] = " ".join(kinds)

    def field_groups(self) -> dict[str, list[Any]]:
        """Fields by where the form shows them; the kind-specific ones with whether they start hidden."""
        return {
            "main": [self[name] for name in ("kind", "contact", "result")],
            "specific": [(self[name], not self.shown_for(self[name])) for name in KIND_SPECIFIC],
            "details": [self[name] for name in ("occurred_at", "initiator", "channel")],
        }

    def shown_for(self, field: forms.BoundField) -> bool:
        """Whether a kind-specific field applies to the chosen kind (rendered hidden otherwise)."""
        kind = self.data.get("kind") if self.is_bound else (self.initial.get("kind") or self.fields["kind"].initial)
        return field.name in KIND_FIELDS.get(str(kind), ())

    def values(self) -> dict[str, Any]:
        """The service's ``values``: fields that do not apply to the kind are left empty."""
        data = self.cleaned_data
        applies = KIND_FIELDS.get(data["kind"], ())
        values: dict[str, Any] = {}
        for name in ACTIVITY_FORM_FIELDS:
            if name in KIND_SPECIFIC and name not in applies:
                values[name] = None if name in ("duration_minutes", "interest_level") else ""
            else:
                values[name] = data.get(name)
        if values["occurred_at"] is None:
            if self.activity is not None:
                values.pop("occurred_at")
            else:
                values["occurred_at"] = timezone.now()
        if not values["channel"]:
            values["channel"] = DEFAULT_CHANNEL.get(data["kind"], "")  # type: ignore[call-overload]
        for name in ("direction", "summary", "recording_url", "place", "participants", "product"):
            values[name] = values[name] or ""
        return values


class QuickLogForm(ActivityForm):
    """The quick-log box: an activity, optionally a file, and optionally the next contact planned."""

    attachment = forms.FileField(label=_("File"), required=False)
    next_kind = forms.ChoiceField(
        label=_("Next contact"),
        choices=[("", _("not planned")), *((k, v) for k, v in TaskKind.choices if k != TaskKind.TODO)],
        required=False,
    )
    next_date = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    next_time = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    next_title = forms.CharField(label=_("What to do"), required=False, max_length=255)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
        self.fields["attachment"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["next_kind"].widget.attrs["data-quicklog-next"] = ""
        self.fields["next_title"].widget.attrs["placeholder"] = _("e.g. send the offer")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("next_kind"):
            if not data.get("next_date"):
                self.add_error("next_date", _("Choose the day of the next contact."))
            elif data.get("next_time") is None and data["next_date"] < timezone.localdate():
                self.add_error("next_date", _("The next contact cannot be in the past."))
        elif data.get("next_date") or data.get("next_time") or data.get("next_title"):
            self.add_error("next_kind", _("Choose the kind of the next contact, or clear its date and time."))
        return data

    def next_task(self) -> dict[str, Any] | None:
        """The service's ``next_task``: a task for the actor on the given day (and time, or the whole day)."""
        data = self.cleaned_data
        if not data.get("next_kind"):
            return None
        moment = data.get("next_time")
        all_day = moment is None
        due = datetime.datetime.combine(data["next_date"], moment or datetime.time(23, 59))
        return {
            "kind": data["next_kind"],
            "title": data.get("next_title", "").strip(),
            "due_at": timezone.make_aware(due),
            "all_day": all_day,
        }
