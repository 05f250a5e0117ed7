"""Automation rules: validation, triggers, conditions, actions, idempotency, timers and escalation."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kartoteka.activities import services as activity_services
from kartoteka.activities.models import Task, TaskStatus
from kartoteka.automation import engine
from kartoteka.automation.models import Rule, RuleFiring, Trigger
from kartoteka.automation.rules import rule_clean
from kartoteka.automation.tests.factories import make_queue
from kartoteka.deals import services as deal_services
from kartoteka.deals.models import Deal, Stage
from kartoteka.jobs.models import Job
from kartoteka.jobs.services import job_run
from kartoteka.notifications.models import Notification, NotificationKind
from kartoteka.testing.factories import ClientFactory, DealFactory, TaskFactory, UserFactory
from kartoteka.users import services as user_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _commits_happen(monkeypatch):
    """Each test runs inside one transaction that never commits: let after-commit work (events, job
    dispatch) run at once, as it would when each service's transaction committed."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


def stage(code: str) -> Stage:
    return Stage.objects.get(pipeline__code="sales", code=code)


def make_rule(**fields) -> Rule:
    rule = Rule(**{"name": "Rule", "trigger": Trigger.DEAL_CREATED, **fields})
    rule_clean(rule)
    rule.save()
    return rule


def run_due_jobs(now: datetime.datetime | None = None) -> list[str]:
    """Run queued jobs whose moment has come (timers included), in order, until none is left."""
    results = []
    for _round in range(5):
        moment = now or timezone.now()
        due = Job.objects.filter(status="queued").exclude(run_after__gt=moment).order_by("id")
        if not due.exists():
            break
        for job in due:
            results.append(job_run(job.pk))
    return results


CALL_IN_15 = {
    "type": "create_task",
    "title": "Call {client} within 15 minutes",
    "kind": "call",
    "minutes": 15,
    "assignee": "owner",
}


def test_a_rule_with_unknown_parts_is_refused_naming_them():
    with pytest.raises(ValidationError) as error:
        make_rule(actions=[{"type": "launch_rocket"}])
    assert "actions" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_rule(actions=[CALL_IN_15], conditions={"colour": [1]})
    assert "conditions" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_rule(trigger=Trigger.FIELD_CHANGED, actions=[CALL_IN_15], field_name="password")
    assert "field_name" in error.value.message_dict
    with pytest.raises(ValidationError):
        make_rule(actions=[{**CALL_IN_15, "assignee": "the boss"}])


def test_a_new_deal_gets_the_rules_task_and_the_firing_is_recorded(world):
    manager = world.users["mgr_north1"]
    rule = make_rule(name="Call within 15 minutes", actions=[CALL_IN_15])
    before = timezone.now()
    deal = DealFactory(client=ClientFactory(responsible=manager, name="Okna"), owner=manager)
    run_due_jobs()
    task = Task.objects.get(deal=deal)
    assert task.title == "Call Okna within 15 minutes"
    assert task.assignee == manager
    assert before + datetime.timedelta(minutes=14) < task.due_at < timezone.now() + datetime.timedelta(minutes=16)
    firing = RuleFiring.objects.get(rule=rule)
    assert firing.deal == deal
    assert "created task «Call Okna within 15 minutes»" in firing.outcome[0]


def test_a_rule_fired_twice_for_the_same_event_creates_one_task(world):
    manager = world.users["mgr_north1"]
    rule = make_rule(actions=[CALL_IN_15])
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    key = f"deal:{deal.pk}:created"
    assert engine.fire(rule, key, deal_id=deal.pk) is not None
    assert engine.fire(rule, key, deal_id=deal.pk) is None  # the event again (a redelivery)
    engine.enqueue_fire(rule, key, deal_id=deal.pk)  # and once more through the job layer
    run_due_jobs()
    assert Task.objects.filter(deal=deal).count() == 1
    assert RuleFiring.objects.filter(rule=rule).count() == 1


def test_a_notice_names_the_deadline_of_the_task_the_rule_just_created_in_the_readers_time(world):
    manager = world.users["mgr_north1"]
    manager.time_zone, manager.language = "Asia/Yekaterinburg", "ru"
    manager.save(update_fields=["time_zone", "language"])
    make_rule(actions=[CALL_IN_15, {"type": "notify", "to": "owner", "message": "Позвонить {client} до {due}"}])
    deal = DealFactory(client=ClientFactory(responsible=manager, name="Okna"), owner=manager)
    run_due_jobs()
    task = Task.objects.get(deal=deal)
    notice = Notification.objects.get(recipient=manager, kind=NotificationKind.AUTOMATION)
    local = timezone.localtime(task.due_at, ZoneInfo("Asia/Yekaterinburg"))
    assert notice.title == f"Позвонить Okna до {local:%d.%m.%Y %H:%M}"


def test_conditions_decide_whether_the_rule_acts(world):
    manager = world.users["mgr_north1"]
    rule = make_rule(actions=[CALL_IN_15], conditions={"amount_min": "100000"})
    small = DealFactory(client=ClientFactory(responsible=manager), owner=manager, amount=Decimal(5000))
    big = DealFactory(client=ClientFactory(responsible=manager), owner=manager, amount=Decimal(250000))
    run_due_jobs()
    assert not Task.objects.filter(deal=small).exists()
    assert Task.objects.filter(deal=big).exists()
    assert set(RuleFiring.objects.filter(rule=rule).values_list("status", flat=True)) == {"skipped", "done"}


def test_entering_a_stage_creates_the_next_persons_task_in_working_time(world):
    manager, measurer = world.users["mgr_north1"], UserFactory(team=world.teams["north1"], roles="manager")
    make_rule(
        trigger=Trigger.STAGE_ENTERED,
        stage=stage("meeting"),
        actions=[
            {
                "type": "create_task",
                "title": "Measure at {client}",
                "kind": "visit",
                "minutes": 120,
                "working_time": True,
                "assignee": f"user:{measurer.pk}",
            }
        ],
    )
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    deal_services.deal_move_stage(actor=manager, deal=deal, stage=stage("qualification"))
    run_due_jobs()
    assert not Task.objects.filter(deal=deal).exists()
    deal_services.deal_move_stage(actor=manager, deal=deal, stage=stage("meeting"))
    run_due_jobs()
    task = Task.objects.get(deal=deal)
    assert (task.assignee, task.kind) == (measurer, "visit")
    moscow = task.due_at.astimezone(datetime.timezone(datetime.timedelta(hours=3)))
    assert moscow.weekday() < 5  # office days
    assert datetime.time(9) <= moscow.time() <= datetime.time(18)  # and hours


def test_an_overdue_task_notifies_the_owner_then_reassigns_through_the_queue_skipping_a_vacation(world):
    manager, supervisor = world.users["mgr_north1"], world.users["sup_north"]
    away = UserFactory(team=world.teams["north1"], roles="manager", last_name="Away")
    ready = UserFactory(team=world.teams["north1"], roles="manager", last_name="Ready")
    today = timezone.localdate()
    user_services.absence_create(
        actor=None, user=away, starts_on=today - datetime.timedelta(days=1), ends_on=today + datetime.timedelta(days=1)
    )
    queue = make_queue([manager, away, ready])
    make_rule(
        name="Late by 10 minutes",
        trigger=Trigger.TASK_OVERDUE,
        delay_minutes=10,
        actions=[{"type": "notify", "to": "supervisor", "message": "{owner} is late with {deal}"}],
    )
    make_rule(
        name="Late by an hour", trigger=Trigger.TASK_OVERDUE, delay_minutes=60, actions=[{"type": "reassign", "queue": queue.pk}]
    )
    client = ClientFactory(responsible=manager)
    deal = DealFactory(client=client, owner=manager)
    soon = TaskFactory(
        assignee=manager, client=client, deal=deal, title="Call later", due_at=timezone.now() + datetime.timedelta(hours=2)
    )
    run_due_jobs()
    assert not RuleFiring.objects.exists()  # timers wait for their moment
    assert Job.objects.filter(name__endswith="task_overdue_timer", run_after__gt=soon.due_at).count() == 2
    task = TaskFactory(
        assignee=manager, client=client, deal=deal, title="Call back", due_at=timezone.now() - datetime.timedelta(minutes=61)
    )
    run_due_jobs()
    notice = Notification.objects.get(kind=NotificationKind.AUTOMATION)
    assert notice.recipient == supervisor
    assert deal.title in notice.title
    deal.refresh_from_db()
    task.refresh_from_db()
    assert deal.owner == ready  # the manager on vacation was skipped
    assert task.assignee == ready
    client.refresh_from_db()
    assert client.responsible == ready
    history = deal.history.latest()
    assert history.history_change_reason == "Rule «Late by an hour»"


def test_a_done_task_does_not_fire_its_overdue_rule(world):
    manager = world.users["mgr_north1"]
    make_rule(trigger=Trigger.TASK_OVERDUE, delay_minutes=0, actions=[{"type": "notify", "to": "owner", "message": "late"}])
    client = ClientFactory(responsible=manager)
    task = TaskFactory(assignee=manager, client=client, due_at=timezone.now() + datetime.timedelta(minutes=1))
    activity_services.task_complete(actor=manager, task=task)
    run_due_jobs(now=timezone.now() + datetime.timedelta(hours=1))
    assert not RuleFiring.objects.exists()


def test_a_notice_about_a_deal_the_recipient_cannot_see_names_nothing(world):
    south = world.users["mgr_south"]
    manager = world.users["mgr_north1"]
    make_rule(actions=[{"type": "notify", "to": f"user:{south.pk}", "message": "New deal {deal} from {client}"}])
    DealFactory(client=ClientFactory(responsible=manager, name="Secret Ltd"), owner=manager, title="Secret order")
    run_due_jobs()
    notice = Notification.objects.get(recipient=south, kind=NotificationKind.AUTOMATION)
    assert "Secret" not in notice.title
    assert notice.url == ""


def test_moving_and_changing_fields_write_history_and_loops_stop(world):
    manager = world.users["mgr_north1"]
    make_rule(
        trigger=Trigger.STAGE_ENTERED,
        stage=stage("qualification"),
        actions=[
            {"type": "move_stage", "stage": stage("meeting").pk},
            {"type": "change_field", "field": "probability", "value": 55},
        ],
    )
    make_rule(
        trigger=Trigger.STAGE_ENTERED,
        stage=stage("meeting"),
        actions=[{"type": "move_stage", "stage": stage("qualification").pk}],
    )
    deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    deal_services.deal_move_stage(actor=manager, deal=deal, stage=stage("qualification"))
    for _n in range(30):
        if not run_due_jobs():
            break
    deal.refresh_from_db()
    assert deal.probability == 55
    automatic = deal.stage_changes.filter(changed_by__isnull=True).count()
    assert automatic == 20  # the loop guard stopped the ping-pong
    assert any("too often" in line for firing in RuleFiring.objects.all() for line in firing.outcome)


def test_no_activity_fires_after_the_quiet_period_and_an_activity_rearms_it(world):
    manager = world.users["mgr_north1"]
    make_rule(
        trigger=Trigger.NO_ACTIVITY,
        delay_minutes=3 * 24 * 60,
        actions=[{"type": "notify", "to": "owner", "message": "{deal}: quiet for 3 days"}],
    )
    client = ClientFactory(responsible=manager)
    deal = DealFactory(client=client, owner=manager)
    activity_services.activity_log(actor=manager, client=client, values={"kind": "call", "deal": deal})
    run_due_jobs(now=timezone.now() + datetime.timedelta(days=3, hours=1))
    firings = RuleFiring.objects.all()
    # The first timer (since the deal's creation) is stale after the call; the call's own timer fires.
    assert firings.count() == 1
    assert Notification.objects.filter(kind=NotificationKind.AUTOMATION, recipient=manager).count() == 1


def test_a_client_category_change_fires_client_rules(world):
    from kartoteka.clients import services as client_services
    from kartoteka.clients.models import ClientCategory

    manager = world.users["mgr_north1"]
    vip = ClientCategory.objects.get(code="vip")
    make_rule(
        trigger=Trigger.CLIENT_CLASS_CHANGED,
        conditions={"client_category": [vip.pk]},
        actions=[
            {
                "type": "create_task",
                "title": "Welcome {client} to VIP service",
                "kind": "call",
                "minutes": 60,
                "assignee": "owner",
            }
        ],
    )
    client = ClientFactory(responsible=manager)
    client_services.client_update(actor=manager, client=client, changes={"category": vip})
    run_due_jobs()
    assert Task.objects.get(client=client).title.startswith("Welcome")


def test_generate_document_says_what_it_would_do(world):
    manager = world.users["mgr_north1"]
    make_rule(actions=[{"type": "generate_document", "template": "Invoice"}])
    DealFactory(client=ClientFactory(responsible=manager), owner=manager)
    run_due_jobs()
    assert "Invoice" in RuleFiring.objects.get().outcome[0]
    assert Deal.objects.count() == 1
    assert Task.objects.filter(status=TaskStatus.OPEN).count() == 0


def test_rules_are_readable_over_the_api_without_their_secrets(world, client_for):
    make_rule(
        name="Tell the ERP",
        actions=[{"type": "webhook", "url": "https://erp.example.test/hook", "secret": "s3cret"}],
    )
    head = client_for(world.users["head"]).get("/api/v1/automation/rules")
    assert head.status_code == 200
    assert head.json()[0]["actions"][0]["secret"] == "•••"
    assert "s3cret" not in head.content.decode()
    assert client_for(world.users["mgr_north1"]).get("/api/v1/automation/rules").status_code == 403


def test_a_webhook_is_signed_and_delivered(world):
    import http.server
    import json
    import threading

    from kartoteka.automation.actions import signature

    received: list[tuple[str, bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["X-Kartoteka-Signature"], body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        make_rule(actions=[{"type": "webhook", "url": url, "secret": "s3cret"}])
        manager = world.users["mgr_north1"]
        deal = DealFactory(client=ClientFactory(responsible=manager), owner=manager, title="Signed")
        run_due_jobs()
    finally:
        server.shutdown()
    assert len(received) == 1
    header, body = received[0]
    assert header == signature("s3cret", body.decode())
    assert json.loads(body)["deal"]["id"] == deal.pk
