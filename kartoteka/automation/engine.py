"""Running rules: an event or a timer becomes one idempotent job per rule; the job re-reads, checks and acts.

* Immediate triggers (deal created, stage entered or left, field changed, client category changed)
  enqueue ``fire_rule`` with the idempotency key ``rule:<rule>:<event>``.
* Timers (task overdue, no activity, a date reached) are jobs deferred to their moment
  (``run_after``). When one fires it re-reads the object and does nothing if the moment has moved
  (the deadline was changed, an activity was logged, the date edited): the change scheduled a timer
  of its own. Never a scan of all rows every minute (DESIGN §8).
* :func:`fire` claims the ``(rule, event)`` pair by inserting the :class:`RuleFiring` row first, so a
  rule acts once per event however often the job is delivered or retried.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from kartoteka.automation.actions import ACTIONS, ActionSkipped, Context
from kartoteka.automation.rule_models import DateField, FiringStatus, Rule, RuleFiring, Trigger
from kartoteka.automation.rules import conditions_met

if TYPE_CHECKING:
    from kartoteka.activities.models import Task
    from kartoteka.deals.models import Deal

logger = logging.getLogger(__name__)

DATE_RULE_HOUR = 9  # a "date reached" rule fires at 09:00 in the working calendar's time zone


def stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def rules_for(trigger: str) -> list[Rule]:
    return list(Rule.objects.filter(trigger=trigger, is_active=True).order_by("order", "id"))


# --- firing -------------------------------------------------------------------------------------


def fire(
    rule: Rule, event_key: str, *, deal_id: int | None = None, client_id: int | None = None, task_id: int | None = None
) -> RuleFiring | None:
    """Run ``rule`` for one event, once. Returns the firing, or None when it had fired for this event already."""
    from kartoteka.activities.models import Task
    from kartoteka.clients.models import Client
    from kartoteka.deals.models import Deal

    deal = Deal.objects.select_related("client", "owner", "stage", "pipeline").filter(pk=deal_id).first() if deal_id else None
    task = Task.objects.select_related("assignee", "client", "deal").filter(pk=task_id).first() if task_id else None
    if deal is None and task is not None and task.deal_id is not None:
        deal = Deal.objects.select_related("client", "owner", "stage", "pipeline").get(pk=task.deal_id)
    client = deal.client if deal is not None else None
    if client is None and task is not None:
        client = task.client
    if client is None and client_id:
        client = Client.objects.select_related("responsible").filter(pk=client_id).first()
    if deal is None and client is None:
        return None  # the object is gone: nothing to act on
    try:
        with transaction.atomic():
            firing = RuleFiring.objects.create(rule=rule, event_key=event_key[:200], deal=deal, client=client, task=task)
    except IntegrityError:
        return None  # fired for this event already (a duplicate delivery or a concurrent twin)
    if not conditions_met(rule.conditions, deal=deal, client=client, task=task):
        firing.status = FiringStatus.SKIPPED
        firing.save(update_fields=["status"])
        return firing
    ctx = Context(rule=rule, firing=firing, deal=deal, client=client, task=task, now=timezone.now())
    outcome: list[str] = []
    for action in rule.actions:
        run = ACTIONS.get(action.get("type", ""))
        if run is None:
            outcome.append(f"? {action.get('type')}")
            continue
        try:
            with transaction.atomic():
                outcome.append(run(ctx, action))
        except ActionSkipped as skipped:
            outcome.append(f"— {skipped}")
    firing.outcome = outcome
    firing.save(update_fields=["outcome"])
    logger.info("Rule %s fired for %s: %s", rule.pk, event_key, outcome)
    return firing


def enqueue_fire(
    rule: Rule, event_key: str, *, deal_id: int | None = None, client_id: int | None = None, task_id: int | None = None
) -> None:
    from kartoteka.automation.tasks import fire_rule
    from kartoteka.jobs.services import job_enqueue

    job_enqueue(
        fire_rule,
        rule.pk,
        event_key,
        deal_id=deal_id,
        client_id=client_id,
        task_id=task_id,
        idempotency_key=f"rule:{rule.pk}:{event_key}"[:200],
    )


# --- timers -------------------------------------------------------------------------------------


def _after(rule: Rule, start: datetime.datetime, user_id: int | None) -> datetime.datetime:
    delay = datetime.timedelta(minutes=rule.delay_minutes)
    if not rule.working_time:
        return start + delay
    from kartoteka.automation.worktime import add_working_time, calendar_for
    from kartoteka.users.models import User

    user = User.objects.filter(pk=user_id).first() if user_id else None
    return add_working_time(calendar_for(user=user), start, delay)


def schedule_task_overdue(task: Task) -> None:
    """Arm the "task overdue" rules for an open task with a client or deal; keyed by its current deadline."""
    from kartoteka.automation.tasks import task_overdue_timer
    from kartoteka.jobs.services import job_enqueue

    if not task.is_open or (task.client_id is None and task.deal_id is None):
        return
    for rule in rules_for(Trigger.TASK_OVERDUE):
        moment = _after(rule, task.due_at, task.assignee_id)
        job_enqueue(
            task_overdue_timer,
            rule.pk,
            task.pk,
            stamp(task.due_at),
            run_after=moment,
            idempotency_key=f"timer:overdue:{rule.pk}:{task.pk}:{stamp(task.due_at)}",
        )


def task_overdue_fire(rule_id: int, task_id: int, due_stamp: str) -> str:
    from kartoteka.activities.models import Task, TaskStatus

    rule = Rule.objects.filter(pk=rule_id, is_active=True, trigger=Trigger.TASK_OVERDUE).first()
    task = Task.objects.filter(pk=task_id, status=TaskStatus.OPEN).first()
    if rule is None or task is None or stamp(task.due_at) != due_stamp:
        return "stale"  # done, cancelled, or the deadline moved (its own timer is armed)
    moment = _after(rule, task.due_at, task.assignee_id)
    if timezone.now() < moment:  # delivered early (a clock step, a hand-run job): wait for the moment again
        from kartoteka.automation.tasks import task_overdue_timer
        from kartoteka.jobs.services import job_enqueue

        job_enqueue(
            task_overdue_timer,
            rule.pk,
            task.pk,
            due_stamp,
            run_after=moment,
            idempotency_key=f"timer:overdue:{rule.pk}:{task.pk}:{due_stamp}:again:{stamp(timezone.now())}",
        )
        return "early"
    firing = fire(rule, f"task:{task.pk}:overdue:{due_stamp}", task_id=task.pk, client_id=task.client_id)
    return "fired" if firing is not None else "already"


def last_activity_at(deal: Deal) -> datetime.datetime:
    latest = deal.activities.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    return max(latest, deal.created_at) if latest is not None else deal.created_at


def schedule_no_activity(deal: Deal, since: datetime.datetime | None = None) -> None:
    from kartoteka.automation.tasks import no_activity_timer
    from kartoteka.jobs.services import job_enqueue

    if not deal.is_open:
        return
    since = since or last_activity_at(deal)
    for rule in rules_for(Trigger.NO_ACTIVITY):
        job_enqueue(
            no_activity_timer,
            rule.pk,
            deal.pk,
            stamp(since),
            run_after=_after(rule, since, deal.owner_id),
            idempotency_key=f"timer:quiet:{rule.pk}:{deal.pk}:{stamp(since)}",
        )


def no_activity_fire(rule_id: int, deal_id: int, since_stamp: str) -> str:
    from kartoteka.deals.models import Deal, DealStatus

    rule = Rule.objects.filter(pk=rule_id, is_active=True, trigger=Trigger.NO_ACTIVITY).first()
    deal = Deal.objects.filter(pk=deal_id, status=DealStatus.OPEN).first()
    if rule is None or deal is None or stamp(last_activity_at(deal)) != since_stamp:
        return "stale"
    firing = fire(rule, f"deal:{deal.pk}:quiet-since:{since_stamp}", deal_id=deal.pk)
    return "fired" if firing is not None else "already"


def _date_moment(day: datetime.date, offset_days: int, user_id: int | None) -> datetime.datetime:
    import zoneinfo

    from kartoteka.automation.worktime import calendar_for
    from kartoteka.users.models import User

    user = User.objects.filter(pk=user_id).first() if user_id else None
    zone = zoneinfo.ZoneInfo(calendar_for(user=user).time_zone)
    target = day + datetime.timedelta(days=offset_days)
    return datetime.datetime.combine(target, datetime.time(DATE_RULE_HOUR), tzinfo=zone)


def schedule_dates(*, deal: Deal | None = None, client_id: int | None = None) -> None:
    """Arm the "date reached" rules for a deal's expected close date or a client's contract end."""
    from kartoteka.automation.tasks import date_timer
    from kartoteka.clients.models import Client
    from kartoteka.jobs.services import job_enqueue

    now = timezone.now()
    for rule in rules_for(Trigger.DATE_REACHED):
        if rule.date_field == DateField.EXPECTED_CLOSE and deal is not None and deal.is_open and deal.expected_close_on:
            target, day, user_id = ("deal", deal.pk), deal.expected_close_on, deal.owner_id
        elif rule.date_field == DateField.CONTRACT_END and client_id is not None:
            client = Client.objects.filter(pk=client_id).only("contract_valid_until", "responsible_id").first()
            if client is None or client.contract_valid_until is None:
                continue
            target, day, user_id = ("client", client.pk), client.contract_valid_until, client.responsible_id
        else:
            continue
        moment = _date_moment(day, rule.offset_days, user_id)
        if moment < now:
            continue  # already past when set: not a reminder any more
        job_enqueue(
            date_timer,
            rule.pk,
            target[0],
            target[1],
            day.isoformat(),
            run_after=moment,
            idempotency_key=f"timer:date:{rule.pk}:{target[0]}:{target[1]}:{day.isoformat()}",
        )


def date_fire(rule_id: int, kind: str, object_id: int, day: str) -> str:
    from kartoteka.clients.models import Client
    from kartoteka.deals.models import Deal, DealStatus

    rule = Rule.objects.filter(pk=rule_id, is_active=True, trigger=Trigger.DATE_REACHED).first()
    if rule is None:
        return "stale"
    if kind == "deal":
        deal = Deal.objects.filter(pk=object_id, status=DealStatus.OPEN).first()
        if deal is None or deal.expected_close_on is None or deal.expected_close_on.isoformat() != day:
            return "stale"
        firing = fire(rule, f"deal:{deal.pk}:date:{rule.date_field}:{day}", deal_id=deal.pk)
    else:
        client = Client.objects.filter(pk=object_id).first()
        if client is None or client.contract_valid_until is None or client.contract_valid_until.isoformat() != day:
            return "stale"
        firing = fire(rule, f"client:{client.pk}:date:{rule.date_field}:{day}", client_id=client.pk)
    return "fired" if firing is not None else "already"
