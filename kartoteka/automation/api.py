"""Automation rules over the API, read-only: other systems and auditors see what runs, administrators edit it in the UI."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from kartoteka.api import Id, errors, require_scope
from kartoteka.automation.models import Rule
from kartoteka.clients.api.common import actor_of
from kartoteka.users import access
from kartoteka.users.models import Scope

router = Router(tags=["Automation"])
AREA = "deals"


class RuleOut(Schema):
    id: int
    name: str
    is_active: bool
    order: int
    trigger: str = Field(
        description="deal_created, stage_entered, stage_left, field_changed, task_overdue, no_activity, date_reached, "
        "client_class_changed."
    )
    stage_id: int | None
    field_name: str
    delay_minutes: int
    working_time: bool
    date_field: str
    offset_days: int
    conditions: dict[str, Any]
    actions: list[dict[str, Any]] = Field(description="Webhook secrets are not shown.")
    updated_at: datetime.datetime


def _out(rule: Rule) -> RuleOut:
    actions = [{key: ("•••" if key == "secret" else value) for key, value in action.items()} for action in rule.actions]
    return RuleOut(
        id=rule.pk, name=rule.name, is_active=rule.is_active, order=rule.order, trigger=rule.trigger, stage_id=rule.stage_id,
        field_name=rule.field_name, delay_minutes=rule.delay_minutes, working_time=rule.working_time, date_field=rule.date_field,
        offset_days=rule.offset_days, conditions=rule.conditions, actions=actions, updated_at=rule.updated_at,
    )  # fmt: skip


def _allowed(request: HttpRequest) -> None:
    require_scope(request, AREA, "read")
    user = actor_of(request)
    if not (access.is_administrator(user) or access.scope(user, "deal") >= Scope.TEAM):
        raise PermissionDenied


@router.get("/automation/rules", response={200: list[RuleOut], **errors(401, 403)}, summary="Automation rules, in run order")
def rules_list(request: HttpRequest) -> list[RuleOut]:
    _allowed(request)
    return [_out(rule) for rule in Rule.objects.order_by("order", "id")[:500]]


@router.get("/automation/rules/{rule_id}", response={200: RuleOut, **errors(401, 403, 404)}, summary="One automation rule")
def rules_get(request: HttpRequest, rule_id: Id) -> RuleOut:
    _allowed(request)
    return _out(get_object_or_404(Rule, pk=rule_id))
