"""Background jobs of automation: firing a rule, the timers, and calling webhooks (docs/jobs.md)."""

from __future__ import annotations

import urllib.error
import urllib.request

from kartoteka.automation import engine
from kartoteka.automation.rule_models import Rule
from kartoteka.jobs.registry import job

WEBHOOK_TIMEOUT = 10  # seconds for the other side to answer


@job(max_attempts=5, timeout=120, backoff=30)
def fire_rule(
    rule_id: int, event_key: str, deal_id: int | None = None, client_id: int | None = None, task_id: int | None = None
) -> str:
    rule = Rule.objects.filter(pk=rule_id, is_active=True).first()
    if rule is None:
        return "inactive"
    firing = engine.fire(rule, event_key, deal_id=deal_id, client_id=client_id, task_id=task_id)
    return "already" if firing is None else firing.status


@job(max_attempts=5, timeout=120, backoff=30)
def task_overdue_timer(rule_id: int, task_id: int, due_stamp: str) -> str:
    return engine.task_overdue_fire(rule_id, task_id, due_stamp)


@job(max_attempts=5, timeout=120, backoff=30)
def no_activity_timer(rule_id: int, deal_id: int, since_stamp: str) -> str:
    return engine.no_activity_fire(rule_id, deal_id, since_stamp)


@job(max_attempts=5, timeout=120, backoff=30)
def date_timer(rule_id: int, kind: str, object_id: int, day: str) -> str:
    return engine.date_fire(rule_id, kind, object_id, day)


@job(max_attempts=8, timeout=60, backoff=60, atomic=False)
def call_webhook(url: str, body: str, secret: str) -> str:
    """POST the firing's JSON, signed with HMAC-SHA256 of the body; anything but 2xx is retried with backoff."""
    from kartoteka.automation.actions import signature

    request = urllib.request.Request(  # noqa: S310 - administrators configure http(s) addresses only (validated)
        url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Kartoteka-Webhook/1",
            "X-Kartoteka-Signature": signature(secret, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{url} answered HTTP {error.code}") from None
