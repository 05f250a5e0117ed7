"""Domain events that drive automation rules and arm their timers (subscribed after commit)."""

from __future__ import annotations

from kartoteka.automation import engine
from kartoteka.automation.rule_models import Trigger
from kartoteka.core.events import Event, subscribe


def _deal(deal_id: int):  # type: ignore[no-untyped-def]
    from kartoteka.deals.models import Deal

    return Deal.objects.filter(pk=deal_id).first()


@subscribe("deal.created")
def deal_created(event: Event) -> None:
    deal_id = event.payload["deal_id"]
    for rule in engine.rules_for(Trigger.DEAL_CREATED):
        engine.enqueue_fire(rule, f"deal:{deal_id}:created", deal_id=deal_id)
    deal = _deal(deal_id)
    if deal is not None:
        engine.schedule_no_activity(deal, since=deal.created_at)
        engine.schedule_dates(deal=deal)


@subscribe("deal.stage_changed")
def deal_stage_changed(event: Event) -> None:
    deal_id, change = event.payload["deal_id"], event.payload["stage_change_id"]
    for rule in engine.rules_for(Trigger.STAGE_ENTERED):
        if rule.stage_id in (None, event.payload["to_stage_id"]):
            engine.enqueue_fire(rule, f"deal:{deal_id}:move:{change}:in", deal_id=deal_id)
    for rule in engine.rules_for(Trigger.STAGE_LEFT):
        if rule.stage_id in (None, event.payload["from_stage_id"]):
            engine.enqueue_fire(rule, f"deal:{deal_id}:move:{change}:out", deal_id=deal_id)
    if event.payload.get("status") == "open":
        deal = _deal(deal_id)
        if deal is not None:
            engine.schedule_dates(deal=deal)


@subscribe("deal.updated")
def deal_updated(event: Event) -> None:
    from kartoteka.deals.models import Deal

    deal_id, fields = event.payload["deal_id"], set(event.payload.get("fields") or ())
    rules = [rule for rule in engine.rules_for(Trigger.FIELD_CHANGED) if rule.field_name in fields]
    if rules:
        # The change's own history row makes the event key: one firing per change, whatever the delivery.
        version = Deal.history.filter(id=deal_id).order_by("-history_id").values_list("history_id", flat=True).first()  # type: ignore[attr-defined]
        for rule in rules:
            engine.enqueue_fire(rule, f"deal:{deal_id}:change:{version}:{rule.field_name}", deal_id=deal_id)
    if "expected_close_on" in fields:
        deal = _deal(deal_id)
        if deal is not None:
            engine.schedule_dates(deal=deal)


@subscribe("task.created")
@subscribe("task.updated")
def task_changed(event: Event) -> None:
    from kartoteka.activities.models import Task

    fields = event.payload.get("fields")
    if (
        event.name == "task.updated"
        and fields is not None
        and not {"due_at", "all_day", "status", "deal", "client"} & set(fields)
    ):
        return
    task = Task.objects.filter(pk=event.payload["task_id"]).first()
    if task is not None:
        engine.schedule_task_overdue(task)


@subscribe("activity.logged")
def activity_logged(event: Event) -> None:
    from kartoteka.activities.models import Activity

    activity = Activity.objects.select_related("deal").filter(pk=event.payload["activity_id"]).first()
    if activity is not None and activity.deal is not None:
        engine.schedule_no_activity(activity.deal)


@subscribe("client.updated")
def client_updated(event: Event) -> None:
    from kartoteka.clients.models import Client

    client_id, fields = event.payload["client_id"], set(event.payload.get("fields") or ())
    if "category" in fields:
        version = Client.history.filter(id=client_id).order_by("-history_id").values_list("history_id", flat=True).first()  # type: ignore[attr-defined]
        for rule in engine.rules_for(Trigger.CLIENT_CLASS_CHANGED):
            engine.enqueue_fire(rule, f"client:{client_id}:category:{version}", client_id=client_id)
    if "contract_valid_until" in fields:
        engine.schedule_dates(client_id=client_id)
