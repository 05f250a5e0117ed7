"""The automation rule form of the administration site: conditions and actions as fields, not JSON.

The form only translates between fields and the JSON that :mod:`kartoteka.automation.rules`
defines. Conditions go through ``clean_conditions`` and actions through ``clean_actions`` (and the
whole rule through ``rule_clean``), so what is saved is exactly what the schema returns — the
engine reads it unchanged — and the schema's own messages reach the administrator.

Actions are a formset of rows: a row's type decides which of its fields are parameters;
``static/js/rule_actions.js`` shows only those, adds rows and moves them up and down.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils.functional import lazy
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kartoteka.activities.models import TaskKind, TaskPriority
from kartoteka.automation.models import AssignmentQueue
from kartoteka.automation.rule_models import Rule
from kartoteka.automation.rules import (
    ACTION_CLEANERS,
    CONDITIONS,
    MAX_ACTIONS,
    MAX_MINUTES,
    PLACEHOLDERS,
    clean_actions,
    clean_conditions,
    rule_clean,
)
from kartoteka.clients.models import ClientCategory, ClientSource, Segment
from kartoteka.deals.models import Pipeline, Stage
from kartoteka.users.models import User

RULE_FIELDS = [
    "name", "is_active", "order", "trigger", "stage", "field_name", "delay_minutes", "working_time", "date_field",
    "offset_days",
]  # fmt: skip
BLANK = ("", "---------")


def _placeholder_help() -> str:
    names = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS if name != "due")
    return gettext("Placeholders: %(names)s; {due}: the deadline of the task an earlier action of this rule created.") % {
        "names": names
    }


PLACEHOLDER_HELP = lazy(_placeholder_help, str)()


# --- conditions ---------------------------------------------------------------------------------

# The rows an id condition chooses from; each has ``is_active``.
CONDITION_MODELS: dict[str, type[Model]] = {
    "pipeline": Pipeline,
    "stage": Stage,
    "source": ClientSource,
    "owner": User,
    "client_category": ClientCategory,
    "client_segment": Segment,
}
CONDITION_FIELDS = {key: f"condition_{key}" for key in CONDITIONS}
ANY_OF = _("Any of the chosen; choose none to leave this out.")
HOLD_CONTROL = _("Hold down “Control”, or “Command” on a Mac, to select more than one.")


def _offered(model: type[Model], kept: Iterable[int]) -> QuerySet[Any]:
    """Active rows, and inactive ones the saved rule already names (so saving it unchanged keeps them)."""
    rows = model._default_manager.filter(Q(is_active=True) | Q(pk__in=sorted(set(kept))))
    return rows.select_related("pipeline") if model is Stage else rows


def _reference_label(row: Model) -> str:
    return f"{row.pipeline.name} · {row.name}" if isinstance(row, Stage) else str(row)


class ReferenceMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Model) -> str:
        return _reference_label(obj)


def _multiple(label: Any, *, filtered: bool) -> tuple[forms.SelectMultiple, Any]:
    """Lists that grow with the company (stages, people) get the administration site's filter; short ones a list box."""
    if filtered:
        return FilteredSelectMultiple(label, is_stacked=False), ANY_OF
    return forms.SelectMultiple(attrs={"size": 6, "class": "rule-condition-list"}), format_lazy("{} {}", ANY_OF, HOLD_CONTROL)


def _references(key: str, *, filtered: bool = False) -> ReferenceMultipleChoiceField:
    label = capfirst(CONDITIONS[key].label)
    widget, help_text = _multiple(label, filtered=filtered)
    return ReferenceMultipleChoiceField(
        queryset=CONDITION_MODELS[key]._default_manager.none(), required=False, label=label, help_text=help_text, widget=widget
    )


def _values(key: str, choices: Iterable[tuple[str, Any]]) -> forms.MultipleChoiceField:
    label = capfirst(CONDITIONS[key].label)
    widget, help_text = _multiple(label, filtered=False)
    return forms.MultipleChoiceField(required=False, label=label, choices=choices, help_text=help_text, widget=widget)


def _amount(key: str) -> forms.DecimalField:
    # No bounds here: clean_conditions says what is wrong with an amount, in its own words.
    return forms.DecimalField(required=False, label=capfirst(CONDITIONS[key].label), widget=forms.NumberInput(attrs={"min": 0}))


# --- actions ------------------------------------------------------------------------------------

DEADLINES = {
    "minutes": _("after a set number of minutes"),
    "sla_response": _("the client's service level: time to respond"),
    "sla_callback": _("the client's service level: time to call back"),
}
ASSIGNEES = {
    "owner": _("the owner of the deal (or of the client)"),
    "assignee": _("the assignee of the overdue task"),
    "supervisor": _("the owner's supervisor"),
    "user": _("a chosen user"),
    "queue": _("the next in a queue"),
}
RECIPIENTS = {key: label for key, label in ASSIGNEES.items() if key != "queue"}
EMAIL_RECIPIENTS = {"contact": _("the deal's contact who agreed to email"), "owner": _("the owner")}
CHANGEABLE = {
    "probability": _("probability, %"),
    "expected_close_in_days": _("expected close date, in so many days"),
    "title": _("title"),
}
WHOLE_NUMBER_FIELDS = ("probability", "expected_close_in_days")

# Which fields are a parameter of which action type; a pair narrows it to a value of another field.
# Everything else a row posts is ignored, so switching a row's type loses nothing until it is saved.
SHOWN_FOR: dict[str, tuple[tuple[str, tuple[str, str] | None], ...]] = {
    "title": (("create_task", None),),
    "description": (("create_task", None),),
    "kind": (("create_task", None),),
    "deadline": (("create_task", None),),
    "minutes": (("create_task", ("deadline", "minutes")),),
    "working_time": (("create_task", ("deadline", "minutes")),),
    "priority": (("create_task", None),),
    "assignee": (("create_task", None),),
    "recipient": (("notify", None),),
    "user": (("create_task", ("assignee", "user")), ("notify", ("recipient", "user"))),
    "queue": (("create_task", ("assignee", "queue")), ("reassign", None)),
    "message": (("notify", None),),
    "field": (("change_field", None),),
    "value": (("change_field", None),),
    "stage": (("move_stage", None),),
    "email_to": (("send_email", None),),
    "subject": (("send_email", None),),
    "body": (("send_email", None),),
    "url": (("webhook", None),),
    "secret": (("webhook", None),),
    "template": (("generate_document", None),),
}
REQUIRED_WHEN_SHOWN = frozenset(
    {"title", "minutes", "user", "queue", "message", "field", "value", "stage", "subject", "body", "url", "secret", "template"}
)
# Parameters stored under the field's own name; the others are translated in ActionForm.params / row_initial.
PLAIN_PARAMETERS = {
    "create_task": ("title", "description", "kind", "deadline", "working_time", "priority"),
    "notify": ("message",),
    "reassign": ("queue",),
    "change_field": ("field",),
    "move_stage": ("stage",),
    "send_email": ("subject", "body"),
    "webhook": ("url", "secret"),
    "generate_document": ("template",),
}


@dataclass(frozen=True)
class ActionChoices:
    """The people, queues and stages a row offers, loaded once for all the rows."""

    users: list[tuple[Any, str]]
    queues: list[tuple[Any, str]]
    stages: list[tuple[Any, str]]


def row_initial(action: Mapping[str, Any]) -> dict[str, Any]:
    """A saved action as the values of a row's fields."""
    kind = action.get("type")
    row: dict[str, Any] = {"type": kind}
    row.update({name: action[name] for name in PLAIN_PARAMETERS.get(str(kind), ()) if name in action})
    if kind == "create_task":
        row["minutes"] = action.get("minutes") if action.get("deadline") == "minutes" else None
        row["assignee"], _sep, reference = str(action.get("assignee", "")).partition(":")
        if row["assignee"] in ("user", "queue"):
            row[row["assignee"]] = int(reference)
    elif kind == "notify":
        row["recipient"], _sep, reference = str(action.get("to", "")).partition(":")
        if row["recipient"] == "user":
            row["user"] = int(reference)
    elif kind == "change_field":
        row["value"] = str(action.get("value", ""))
    elif kind == "send_email":
        row["email_to"] = action.get("to")
    return row


def saved_references(actions: Iterable[Mapping[str, Any]]) -> dict[str, set[int]]:
    """Ids of users, queues and stages that saved actions name."""
    found: dict[str, set[int]] = {"user": set(), "queue": set(), "stage": set()}
    for action in actions:
        try:
            row = row_initial(action)
        except (AttributeError, TypeError, ValueError):
            continue
        for name, ids in found.items():
            if isinstance(row.get(name), int):
                ids.add(row[name])
    return found


class ActionForm(forms.Form):
    type = forms.ChoiceField(
        label=capfirst(_("what to do")),
        choices=[BLANK, *((key, capfirst(label)) for key, (label, _cleaner) in ACTION_CLEANERS.items())],
    )
    title = forms.CharField(
        label=capfirst(_("task title")),
        required=False,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text=PLACEHOLDER_HELP,
    )
    description = forms.CharField(
        label=capfirst(_("task description")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
        help_text=PLACEHOLDER_HELP,
    )
    kind = forms.ChoiceField(label=capfirst(_("task kind")), choices=TaskKind.choices, initial=TaskKind.CALL)
    deadline = forms.ChoiceField(label=capfirst(_("deadline")), choices=DEADLINES.items(), initial="minutes")
    minutes = forms.IntegerField(label=capfirst(_("minutes")), required=False, min_value=0, max_value=MAX_MINUTES)
    working_time = forms.BooleanField(label=capfirst(_("count working time only")), required=False)
    priority = forms.TypedChoiceField(
        label=capfirst(_("priority")), choices=TaskPriority.choices, coerce=int, initial=TaskPriority.NORMAL
    )
    assignee = forms.ChoiceField(label=capfirst(_("for whom")), choices=ASSIGNEES.items(), initial="owner")
    recipient = forms.ChoiceField(label=capfirst(_("whom to notify")), choices=RECIPIENTS.items(), initial="owner")
    user = forms.TypedChoiceField(label=capfirst(_("user")), required=False, coerce=int, empty_value=None)
    queue = forms.TypedChoiceField(label=capfirst(_("queue")), required=False, coerce=int, empty_value=None)
    message = forms.CharField(
        label=capfirst(_("message")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
        help_text=PLACEHOLDER_HELP,
    )
    field = forms.ChoiceField(label=capfirst(_("field")), required=False, choices=[BLANK, *CHANGEABLE.items()])
    value = forms.CharField(
        label=capfirst(_("new value")),
        required=False,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text=_("A whole number for the probability and the days; a title may use the placeholders."),
    )
    stage = forms.TypedChoiceField(label=capfirst(_("stage")), required=False, coerce=int, empty_value=None)
    email_to = forms.ChoiceField(label=capfirst(_("recipient")), choices=EMAIL_RECIPIENTS.items(), initial="contact")
    subject = forms.CharField(
        label=capfirst(_("subject")),
        required=False,
        widget=forms.TextInput(attrs={"class": "vLargeTextField"}),
        help_text=PLACEHOLDER_HELP,
    )
    body = forms.CharField(
        label=capfirst(_("text")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "vLargeTextField"}),
        help_text=PLACEHOLDER_HELP,
    )
    url = forms.CharField(
        label=capfirst(_("address")), required=False, widget=forms.URLInput(attrs={"class": "vURLField", "spellcheck": "false"})
    )
    secret = forms.CharField(
        label=capfirst(_("secret")),
        required=False,
        help_text=_("Signs every call (X-Kartoteka-Signature)."),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password", "class": "vTextField"}),
    )
    template = forms.CharField(
        label=capfirst(_("document template")), required=False, widget=forms.TextInput(attrs={"class": "vTextField"})
    )

    def __init__(self, *args: Any, choices: ActionChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = choices.users  # type: ignore[attr-defined]
        self.fields["queue"].choices = choices.queues  # type: ignore[attr-defined]
        self.fields["stage"].choices = choices.stages  # type: ignore[attr-defined]
        if self.kept_secret:
            self.fields["secret"].widget.attrs["placeholder"] = gettext("saved — leave empty to keep it")
        self.params: dict[str, Any] | None = None

    @property
    def kept_secret(self) -> str:
        """The saved webhook secret of this row: never shown, kept when the field is left empty."""
        return str(self.initial.get("secret") or "") if self.initial.get("type") == "webhook" else ""

    @property
    def type_label(self) -> str:
        chosen = self["type"].value()
        return str(dict(self.fields["type"].choices).get(chosen) or "") if chosen else gettext("a new action")  # type: ignore[attr-defined]

    def parameter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in SHOWN_FOR]

    def has_changed(self) -> bool:
        # The editor numbers the rows it adds: a position alone is not an action.
        return any(name != "ORDER" for name in self.changed_data)

    def shows(self, name: str, values: Mapping[str, Any]) -> bool:
        return any(
            kind == values.get("type") and (when is None or values.get(when[0]) == when[1]) for kind, when in SHOWN_FOR[name]
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("type"):
            return cleaned
        for name in [name for name in self.errors if name in SHOWN_FOR and not self.shows(name, cleaned)]:
            del self.errors[name]  # a hidden field of another type never stops a save
        for name in [name for name in SHOWN_FOR if name in REQUIRED_WHEN_SHOWN]:  # in the order they show
            missing = name in cleaned and cleaned[name] in (None, "")
            if missing and self.shows(name, cleaned) and not (name == "secret" and self.kept_secret):
                self.add_error(name, forms.Field.default_error_messages["required"])
        if self.shows("value", cleaned) and cleaned.get("field") in WHOLE_NUMBER_FIELDS and "value" not in self.errors:
            try:
                cleaned["value"] = int(cleaned.get("value", ""))
            except ValueError:
                self.add_error("value", forms.IntegerField.default_error_messages["invalid"])
        if self.errors:
            return cleaned
        params = self._params(cleaned)
        try:
            clean_actions([params])
        except ValidationError as error:
            self.add_error(None, error.message_dict["actions"])
        else:
            self.params = params
        return cleaned

    def _params(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        kind = cleaned["type"]
        params = {"type": kind, **{name: cleaned[name] for name in PLAIN_PARAMETERS[kind]}}
        if kind == "create_task":
            params["minutes"] = cleaned["minutes"] if cleaned["deadline"] == "minutes" else 0
            params["assignee"] = self._person(cleaned["assignee"], cleaned)
        elif kind == "notify":
            params["to"] = self._person(cleaned["recipient"], cleaned)
        elif kind == "change_field":
            params["value"] = cleaned["value"]
        elif kind == "send_email":
            params["to"] = cleaned["email_to"]
        elif kind == "webhook":
            params["secret"] = cleaned["secret"] or self.kept_secret
        return params

    @staticmethod
    def _person(spec: str, cleaned: Mapping[str, Any]) -> str:
        return f"{spec}:{cleaned[spec]}" if spec in ("user", "queue") else spec


class ActionFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    shown_for = json.dumps({name: [[kind, *(when or ())] for kind, when in shown] for name, shown in SHOWN_FOR.items()})

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["ORDER"].label = capfirst(_("order"))
        form.fields["ORDER"].widget.attrs.update({"min": 1, "class": "vSmallField"})
        form.fields["DELETE"].label = capfirst(_("remove this action"))

    def rows(self) -> list[tuple[int, ActionForm]]:
        """The rows numbered in their chosen order, as they are shown (and named in error messages)."""

        def position(pair: tuple[int, forms.Form]) -> tuple[int, int]:
            index, form = pair
            try:
                return int(form["ORDER"].value()), index
            except (TypeError, ValueError):
                return MAX_ACTIONS * 1000, index

        ordered = sorted(enumerate(self.forms), key=position)
        return [(number, form) for number, (_index, form) in enumerate(ordered, start=1)]  # type: ignore[misc]

    def actions(self) -> list[dict[str, Any]]:
        """The rows' parameters in order, for ``clean_actions``; only once the formset is valid."""
        return [form.params for form in self.ordered_forms if form.params is not None]  # type: ignore[attr-defined]


RuleActionFormSet = cast(
    type[ActionFormSet],
    forms.formset_factory(ActionForm, formset=ActionFormSet, extra=0, max_num=MAX_ACTIONS, can_order=True, can_delete=True),
)


# --- the rule -----------------------------------------------------------------------------------


class RuleForm(forms.ModelForm):  # type: ignore[type-arg]
    condition_pipeline = _references("pipeline")
    condition_stage = _references("stage", filtered=True)
    condition_source = _references("source")
    condition_owner = _references("owner", filtered=True)
    condition_client_category = _references("client_category")
    condition_client_segment = _references("client_segment")
    condition_amount_min = _amount("amount_min")
    condition_amount_max = _amount("amount_max")
    condition_task_kind = _values("task_kind", TaskKind.choices)

    class Meta:
        model = Rule
        fields = RULE_FIELDS

    class Media:
        css = {"all": ["css/rule_actions.css"]}
        js = ["js/rule_actions.js"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule = self.instance
        self.saved_conditions: dict[str, Any] = dict(rule.conditions or {})
        self.saved_actions: list[dict[str, Any]] = list(rule.actions or [])
        self.incomplete = False  # the fields cannot show the whole saved rule (it names deleted rows…)
        if "stage" in self.fields:  # the trigger's stage, named with its pipeline like the conditions' stages
            self.fields["stage"].label_from_instance = _reference_label  # type: ignore[attr-defined]
            self.fields["stage"].queryset = self.fields["stage"].queryset.select_related("pipeline")  # type: ignore[attr-defined]
        self._load_conditions()
        choices = self._action_choices()
        rows = []
        for action in self.saved_actions:
            try:
                rows.append(row_initial(action))
            except (AttributeError, TypeError, ValueError):
                self.incomplete = True
        self.actions_formset = RuleActionFormSet(
            self.data if self.is_bound else None,
            initial=rows,
            prefix="actions",
            form_kwargs={"choices": choices},
        )
        self.actions_formset.extra = 0 if rows else 1

    def _load_conditions(self) -> None:
        for key, name in CONDITION_FIELDS.items():
            saved = self.saved_conditions.get(key)
            if CONDITIONS[key].kind == "ids":
                ids = saved if isinstance(saved, list) else []
                offered = _offered(CONDITION_MODELS[key], [pk for pk in ids if isinstance(pk, int)])
                self.fields[name].queryset = offered  # type: ignore[attr-defined]
                if ids:
                    self.incomplete |= offered.filter(pk__in=ids).count() != len(set(ids))
            if saved is not None:
                self.initial.setdefault(name, saved)
        self.incomplete |= bool(set(self.saved_conditions) - set(CONDITIONS))

    def _action_choices(self) -> ActionChoices:
        kept = saved_references(self.saved_actions)
        users = [(row.pk, str(row)) for row in _offered(User, kept["user"])]
        queues = [(row.pk, str(row)) for row in AssignmentQueue.objects.order_by("name")]
        stages = [(row.pk, _reference_label(row)) for row in _offered(Stage, kept["stage"])]
        for name, offered in (("user", users), ("queue", queues), ("stage", stages)):
            self.incomplete |= not kept[name] <= {pk for pk, _label in offered}
        return ActionChoices(users=[BLANK, *users], queues=[BLANK, *queues], stages=[BLANK, *stages])

    @property
    def saved_json(self) -> str:
        """The saved conditions and actions as JSON, webhook secrets masked."""
        actions = [{key: ("•••" if key == "secret" else value) for key, value in action.items()} for action in self.saved_actions]
        return json.dumps({"conditions": self.saved_conditions, "actions": actions}, ensure_ascii=False, indent=2)

    @property
    def changed_data(self) -> list[str]:  # type: ignore[override]
        changed = list(super().changed_data)
        return [*changed, "actions"] if self.instance.actions != self.saved_actions else changed

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        conditions = self._clean_conditions(cleaned)
        actions = self._clean_actions()
        if self.errors or actions is None:
            return cleaned
        rule = self.instance
        for name in RULE_FIELDS:
            if name in cleaned:
                setattr(rule, name, cleaned[name])
        rule.conditions, rule.actions = conditions, actions
        try:
            rule_clean(rule)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        # rule_clean clears the details the trigger does not use: keep that when the instance is built.
        cleaned.update({name: getattr(rule, name) for name in RULE_FIELDS if name in cleaned})
        return cleaned

    def _clean_conditions(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        conditions: dict[str, Any] = {}
        for key, name in CONDITION_FIELDS.items():
            value = cleaned.get(name)
            if value is None or value == "" or (CONDITIONS[key].kind != "amount" and not value):
                continue
            if CONDITIONS[key].kind == "ids":
                value = [row.pk for row in value]
            elif CONDITIONS[key].kind == "choices":
                value = list(value)
            try:
                conditions.update(clean_conditions({key: value}))
            except ValidationError as error:
                self.add_error(name, error.message_dict["conditions"])
        return conditions

    def _clean_actions(self) -> list[dict[str, Any]] | None:
        formset = self.actions_formset
        if formset.is_valid():
            return formset.actions()
        # Each row shows its own errors; the summary at the top says which row and field to look at.
        for number, form in formset.rows():
            if not form.errors or (form.cleaned_data or {}).get("DELETE"):
                continue
            for name, messages in form.errors.items():
                for message in messages:
                    if name == NON_FIELD_ERRORS:
                        summary = gettext("Action %(number)d: %(message)s") % {"number": number, "message": message}
                    else:
                        summary = gettext("Action %(number)d, %(field)s: %(message)s") % {
                            "number": number,
                            "field": form.fields[name].label,
                            "message": message,
                        }
                    self.add_error(None, summary)
        for message in formset.non_form_errors():
            self.add_error(None, message)
        return None
