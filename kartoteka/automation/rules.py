"""What a rule may say, checked before it is saved: its trigger's details, its conditions and its actions.

Conditions and actions are JSON on the :class:`~kartoteka.automation.rule_models.Rule` row, so an
administrator edits them without a programmer; this module is the schema. Anything unknown or
malformed is a validation error naming the part — a rule that cannot run is never saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.automation.rule_models import Rule, Trigger

if TYPE_CHECKING:
    from kartoteka.activities.models import Task
    from kartoteka.clients.models import Client
    from kartoteka.deals.models import Deal


# --- conditions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    label: Any
    kind: str  # "ids" (any of), "amount" (a bound), "choices" (any of the values)
    test: Callable[[Deal | None, Client | None, Task | None, Any], bool]


def _deal_attr(name: str) -> Callable[[Deal | None, Client | None, Task | None, Any], bool]:
    return lambda deal, client, task, ids: deal is not None and getattr(deal, name) in ids


def _client_attr(name: str) -> Callable[[Deal | None, Client | None, Task | None, Any], bool]:
    return lambda deal, client, task, ids: client is not None and getattr(client, name) in ids


CONDITIONS: dict[str, Condition] = {
    "pipeline": Condition(gettext_lazy("pipeline"), "ids", _deal_attr("pipeline_id")),
    "stage": Condition(gettext_lazy("stage"), "ids", _deal_attr("stage_id")),
    "source": Condition(gettext_lazy("source"), "ids", _deal_attr("source_id")),
    "owner": Condition(gettext_lazy("owner"), "ids", _deal_attr("owner_id")),
    "client_category": Condition(gettext_lazy("client category"), "ids", _client_attr("category_id")),
    "client_segment": Condition(gettext_lazy("client segment"), "ids", _client_attr("segment_id")),
    "amount_min": Condition(
        gettext_lazy("amount at least"),
        "amount",
        lambda deal, client, task, bound: deal is not None and deal.amount is not None and deal.amount >= bound,
    ),
    "amount_max": Condition(
        gettext_lazy("amount at most"),
        "amount",
        lambda deal, client, task, bound: deal is not None and deal.amount is not None and deal.amount <= bound,
    ),
    "task_kind": Condition(
        gettext_lazy("task kind"), "choices", lambda deal, client, task, kinds: task is not None and task.kind in kinds
    ),
}


def clean_conditions(raw: Any) -> dict[str, Any]:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, Mapping):
        raise ValidationError({"conditions": _("Conditions are a set of “name: values” pairs.")})
    cleaned: dict[str, Any] = {}
    for key, value in raw.items():
        condition = CONDITIONS.get(key)
        if condition is None:
            raise ValidationError({"conditions": _("Unknown condition “%(name)s”.") % {"name": key}})
        if condition.kind == "amount":
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                number = Decimal("NaN")
            if not number.is_finite() or number < 0:
                raise ValidationError({"conditions": _("“%(name)s” needs an amount.") % {"name": condition.label}})
            cleaned[key] = str(number)
        elif condition.kind == "ids":
            values = value if isinstance(value, list) else [value]
            if not values or not all(isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in values):
                raise ValidationError({"conditions": _("“%(name)s” needs a list of ids.") % {"name": condition.label}})
            cleaned[key] = sorted(set(values))
        else:
            values = value if isinstance(value, list) else [value]
            if not values or not all(isinstance(item, str) and item for item in values):
                raise ValidationError({"conditions": _("“%(name)s” needs a list of values.") % {"name": condition.label}})
            cleaned[key] = sorted(set(values))
    return cleaned


def conditions_met(conditions: Mapping[str, Any], *, deal: Deal | None, client: Client | None, task: Task | None) -> bool:
    for key, value in conditions.items():
        condition = CONDITIONS.get(key)
        if condition is None:
            return False  # a condition this version cannot check never lets a rule act blindly
        bound = Decimal(value) if condition.kind == "amount" else value
        if not condition.test(deal, client, task, bound):
            return False
    return True


# --- templates ----------------------------------------------------------------------------------

# {due}: the deadline of the task an earlier action of the same rule created (for a notice of it).
PLACEHOLDERS = ("deal", "client", "stage", "owner", "amount", "task", "rule", "due")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{deal}``, ``{client}``… — plain replacement, no attribute access, unknown names left as written."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template)


# --- actions ------------------------------------------------------------------------------------

ASSIGNEE_FORMS = re.compile(r"^(owner|assignee|supervisor|user:\d+|queue:\d+)$")
RECIPIENT_FORMS = re.compile(r"^(owner|assignee|supervisor|user:\d+)$")
DEADLINE_FORMS = ("minutes", "sla_response", "sla_callback")
CHANGEABLE_FIELDS = ("probability", "expected_close_in_days", "title")
MAX_ACTIONS = 10
MAX_MINUTES = 60 * 24 * 366  # a task's deadline: at most a year (and a leap day) ahead


def _text(params: Mapping[str, Any], name: str, *, limit: int, required: bool = True) -> str:
    value = params.get(name, "")
    if not isinstance(value, str):
        raise ValidationError({"actions": _("“%(name)s” must be text.") % {"name": name}})
    value = value.strip()
    if required and not value:
        raise ValidationError({"actions": _("Fill in “%(name)s”.") % {"name": name}})
    if len(value) > limit:
        raise ValidationError({"actions": _("“%(name)s” is too long.") % {"name": name}})
    return value


def _int(params: Mapping[str, Any], name: str, *, minimum: int = 0, maximum: int = 10**7) -> int:
    value = params.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise ValidationError({"actions": _("“%(name)s” must be a whole number.") % {"name": name}})
    return value


def _clean_create_task(params: Mapping[str, Any]) -> dict[str, Any]:
    from kartoteka.activities.models import TaskKind, TaskPriority

    kind = params.get("kind", TaskKind.CALL)
    if kind not in TaskKind.values:
        raise ValidationError({"actions": _("Unknown task kind “%(kind)s”.") % {"kind": kind}})
    deadline = params.get("deadline", "minutes")
    if deadline not in DEADLINE_FORMS:
        raise ValidationError({"actions": _("Unknown deadline “%(value)s”.") % {"value": deadline}})
    assignee = params.get("assignee", "owner")
    if not isinstance(assignee, str) or not ASSIGNEE_FORMS.match(assignee):
        raise ValidationError({"actions": _("Unknown assignee “%(value)s”.") % {"value": assignee}})
    priority = params.get("priority", TaskPriority.NORMAL)
    if priority not in TaskPriority.values:
        raise ValidationError({"actions": _("Unknown priority.")})
    return {
        "title": _text(params, "title", limit=255),
        "description": _text(params, "description", limit=2000, required=False),
        "kind": kind,
        "deadline": deadline,
        "minutes": _int(params, "minutes", maximum=MAX_MINUTES) if deadline == "minutes" else 0,
        "working_time": bool(params.get("working_time", False)),
        "assignee": assignee,
        "priority": priority,
    }


def _clean_notify(params: Mapping[str, Any]) -> dict[str, Any]:
    recipient = params.get("to", "owner")
    if not isinstance(recipient, str) or not RECIPIENT_FORMS.match(recipient):
        raise ValidationError({"actions": _("Unknown recipient “%(value)s”.") % {"value": recipient}})
    return {"to": recipient, "message": _text(params, "message", limit=500)}


def _clean_reassign(params: Mapping[str, Any]) -> dict[str, Any]:
    return {"queue": _int(params, "queue", minimum=1)}


def _clean_change_field(params: Mapping[str, Any]) -> dict[str, Any]:
    field = params.get("field")
    if field not in CHANGEABLE_FIELDS:
        raise ValidationError({"actions": _("This field cannot be changed by a rule.")})
    if field == "probability":
        value: Any = _int(params, "value", maximum=100)
    elif field == "expected_close_in_days":
        value = _int(params, "value", maximum=3650)
    else:
        value = _text(params, "value", limit=255)
    return {"field": field, "value": value}


def _clean_move_stage(params: Mapping[str, Any]) -> dict[str, Any]:
    return {"stage": _int(params, "stage", minimum=1)}


def _clean_send_email(params: Mapping[str, Any]) -> dict[str, Any]:
    recipient = params.get("to", "contact")
    if recipient not in ("contact", "owner"):
        raise ValidationError({"actions": _("An email goes to the deal's contact or its owner.")})
    return {"to": recipient, "subject": _text(params, "subject", limit=200), "body": _text(params, "body", limit=10_000)}


def _clean_webhook(params: Mapping[str, Any]) -> dict[str, Any]:
    url = _text(params, "url", limit=500)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError({"actions": _("A webhook needs an http(s) address.")})
    return {"url": url, "secret": _text(params, "secret", limit=200)}


def _clean_generate_document(params: Mapping[str, Any]) -> dict[str, Any]:
    return {"template": _text(params, "template", limit=200)}


ACTION_CLEANERS: dict[str, tuple[Any, Callable[[Mapping[str, Any]], dict[str, Any]]]] = {
    "create_task": (gettext_lazy("create a task"), _clean_create_task),
    "notify": (gettext_lazy("notify"), _clean_notify),
    "reassign": (gettext_lazy("reassign to the next in a queue"), _clean_reassign),
    "change_field": (gettext_lazy("change a field"), _clean_change_field),
    "move_stage": (gettext_lazy("move to a stage"), _clean_move_stage),
    "send_email": (gettext_lazy("send an email"), _clean_send_email),
    "webhook": (gettext_lazy("call a webhook"), _clean_webhook),
    "generate_document": (gettext_lazy("generate a document"), _clean_generate_document),
}


def clean_actions(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise ValidationError({"actions": _("A rule needs at least one action.")})
    if len(raw) > MAX_ACTIONS:
        raise ValidationError({"actions": _("At most %(count)d actions per rule.") % {"count": MAX_ACTIONS}})
    cleaned = []
    for item in raw:
        kind = item.get("type") if isinstance(item, Mapping) else item
        if kind not in ACTION_CLEANERS:
            raise ValidationError({"actions": _("Unknown action “%(type)s”.") % {"type": kind}})
        _label, cleaner = ACTION_CLEANERS[item["type"]]
        cleaned.append({"type": item["type"], **cleaner(item)})
    return cleaned


DEAL_FIELDS_WATCHED = (
    "title",
    "amount",
    "currency",
    "expected_close_on",
    "probability",
    "source",
    "owner",
    "team",
    "client",
    "description",
)


def rule_clean(rule: Rule) -> None:
    """Validate and normalise a rule in place; raises ValidationError naming the part that is wrong."""
    rule.conditions = clean_conditions(rule.conditions)
    rule.actions = clean_actions(rule.actions)
    trigger = rule.trigger
    if trigger not in Trigger.values:
        raise ValidationError({"trigger": _("Choose when the rule runs.")})
    if trigger not in (Trigger.STAGE_ENTERED, Trigger.STAGE_LEFT):
        rule.stage = None
    if trigger == Trigger.FIELD_CHANGED:
        if rule.field_name not in DEAL_FIELDS_WATCHED:
            raise ValidationError({"field_name": _("Choose a deal field to watch.")})
    else:
        rule.field_name = ""
    if trigger == Trigger.DATE_REACHED:
        if not rule.date_field:
            raise ValidationError({"date_field": _("Choose the date.")})
    else:
        rule.date_field, rule.offset_days = "", 0
    if trigger == Trigger.NO_ACTIVITY and rule.delay_minutes < 60:
        raise ValidationError({"delay_minutes": _("Give at least an hour without activity.")})
    if trigger not in (Trigger.TASK_OVERDUE, Trigger.NO_ACTIVITY):
        rule.delay_minutes, rule.working_time = 0, False
    if trigger == Trigger.CLIENT_CLASS_CHANGED:
        deal_only = {"pipeline", "stage", "source", "owner", "amount_min", "amount_max"} & set(rule.conditions)
        if deal_only:
            raise ValidationError({"conditions": _("A client's category change has no deal: remove the deal conditions.")})
        if any(action["type"] in ("move_stage", "change_field") for action in rule.actions):
            raise ValidationError({"actions": _("A client's category change has no deal to move or change.")})
    rule.full_clean(exclude=["stage", "created_by"])
