"""What a rule does when it fires. Each action gets the firing's context and returns one readable line for the history.

Actions act as the system (``actor=None``) through the same services people use, so history,
events and notifications follow as usual; the history reason names the rule.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from kartoteka.automation.rules import render
from kartoteka.users.models import User

if TYPE_CHECKING:
    from kartoteka.activities.models import Task
    from kartoteka.automation.rule_models import Rule, RuleFiring
    from kartoteka.clients.models import Client
    from kartoteka.deals.models import Deal

MAX_AUTOMATIC_MOVES_PER_HOUR = 20  # rules moving a deal back and forth stop here instead of looping


class ActionSkipped(Exception):
    """The action could not apply to this object; its message goes into the history, the others still run."""


@dataclass
class Context:
    rule: Rule
    firing: RuleFiring
    deal: Deal | None
    client: Client | None
    task: Task | None
    now: datetime.datetime
    created_task_ids: list[int] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return _("Rule «%(rule)s»") % {"rule": self.rule.name}

    def placeholders(self) -> dict[str, str]:
        deal, client = self.deal, self.client
        owner = (deal.owner if deal is not None else None) or (client.responsible if client is not None else None)
        amount = ""
        if deal is not None and deal.amount is not None:
            amount = f"{deal.amount:,.2f}".replace(",", "\u00a0") + f"\u00a0{deal.currency}"
        return {
            "deal": deal.title if deal is not None else "",
            "client": client.name if client is not None else "",
            "stage": deal.stage.name if deal is not None else "",
            "owner": owner.get_full_name() if owner is not None else "",
            "amount": amount,
            "task": self.task.title if self.task is not None else "",
            "rule": self.rule.name,
            "due": "",
        }

    @property
    def owner(self) -> User | None:
        if self.deal is not None and self.deal.owner is not None:
            return self.deal.owner
        return self.client.responsible if self.client is not None else None


def supervisor_of(user: User | None) -> User | None:
    """The closest head of the person's team or a team above it; else the closest supervisor by role."""
    if user is None or user.team_id is None:
        return None
    from kartoteka.users.models import Team

    path = Team.objects.filter(pk=user.team_id).values_list("path", flat=True).first() or ""
    step = Team.PATH_STEP
    ancestor_ids = [int(path[i : i + step - 1]) for i in range(0, len(path), step) if path[i : i + step - 1].isdigit()]
    closest_first = list(reversed(ancestor_ids))
    heads = dict(
        Team.objects.filter(pk__in=closest_first, head__isnull=False, head__is_active=True)
        .exclude(head=user)
        .values_list("pk", "head_id")
    )
    for team_id in closest_first:
        if team_id in heads:
            return User.objects.get(pk=heads[team_id])
    candidates = {
        person.team_id: person
        for person in User.objects.filter(team_id__in=closest_first, is_active=True, roles__code="supervisor").exclude(pk=user.pk)
    }
    for team_id in closest_first:
        if team_id in candidates:
            return candidates[team_id]
    return None


def _person(spec: str, ctx: Context) -> User | None:
    from kartoteka.automation.models import AssignmentQueue
    from kartoteka.automation.services import queue_pick

    if spec == "owner":
        return ctx.owner
    if spec == "assignee":
        return ctx.task.assignee if ctx.task is not None else None
    if spec == "supervisor":
        return supervisor_of(ctx.owner)
    kind, _sep, raw_id = spec.partition(":")
    if kind == "user":
        return User.objects.filter(pk=int(raw_id), is_active=True).first()
    if kind == "queue":
        queue = AssignmentQueue.objects.filter(pk=int(raw_id)).first()
        return queue_pick(queue=queue) if queue is not None else None
    return None


def _deadline(ctx: Context, params: Mapping[str, Any], assignee: User) -> datetime.datetime:
    from kartoteka.automation.selectors import service_level_for
    from kartoteka.automation.worktime import add_working_time, calendar_for

    working = params["working_time"]
    minutes = params["minutes"]
    if params["deadline"] in ("sla_response", "sla_callback"):
        level = service_level_for(ctx.client) if ctx.client is not None else None
        if level is None:
            raise ActionSkipped(_("the client's category has no service level: no deadline to take"))
        minutes = level.response_minutes if params["deadline"] == "sla_response" else level.callback_minutes
        working = True
    duration = datetime.timedelta(minutes=minutes)
    if working:
        return add_working_time(calendar_for(user=assignee), ctx.now, duration)
    return ctx.now + duration


def create_task(ctx: Context, params: Mapping[str, Any]) -> str:
    from kartoteka.activities import services as activity_services

    assignee = _person(params["assignee"], ctx)
    if assignee is None:
        raise ActionSkipped(_("nobody to give the task to"))
    due = _deadline(ctx, params, assignee)
    values = ctx.placeholders()
    description = render(params["description"], values)
    description = "\n\n".join(part for part in (description, ctx.reason) if part)
    task = activity_services.task_create(
        actor=None,
        values={
            "title": render(params["title"], values)[:255],
            "kind": params["kind"],
            "due_at": due,
            "assignee": assignee,
            "priority": params["priority"],
            "client": ctx.client,
            "deal": ctx.deal,
            "description": description,
        },
    )
    ctx.created_task_ids.append(task.pk)
    local = timezone.localtime(due, timezone=_zone(assignee))
    return _("created task «%(title)s» for %(who)s, due %(when)s") % {
        "title": task.title,
        "who": assignee.get_full_name(),
        "when": local.strftime("%d.%m.%Y %H:%M"),
    }


def _zone(user: User) -> datetime.tzinfo:
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def notify(ctx: Context, params: Mapping[str, Any]) -> str:
    from kartoteka.notifications import services as notification_services
    from kartoteka.notifications.models import NotificationKind
    from kartoteka.users import access

    recipient = _person(params["to"], ctx)
    if recipient is None:
        raise ActionSkipped(_("nobody to notify"))
    # A notice never carries what the recipient may not see: names and the link only for those who may.
    sees_deal = ctx.deal is not None and access.can(recipient, "view", ctx.deal)
    sees_client = ctx.client is not None and access.can(recipient, "view", ctx.client)
    values = ctx.placeholders()
    if not sees_deal:
        values.update(deal=_("a deal"), stage="", amount="")
    if not sees_client:
        values.update(client=_("a client"))
    if ctx.created_task_ids:  # "… by {due}": the task this rule has just given someone, in the reader's time
        from kartoteka.activities.models import Task

        created = Task.objects.filter(pk=ctx.created_task_ids[-1]).values_list("due_at", flat=True).first()
        if created is not None:
            with translation.override(recipient.language):
                values["due"] = formats.date_format(timezone.localtime(created, _zone(recipient)), "SHORT_DATETIME_FORMAT")
    url = ""
    if sees_deal and ctx.deal is not None:
        url = reverse("deals:card", args=[ctx.deal.pk])
    elif sees_client and ctx.client is not None:
        url = reverse("clients:card", args=[ctx.client.pk])
    with translation.override(recipient.language):
        notification_services.notify(
            recipient=recipient,
            kind=NotificationKind.AUTOMATION,
            title=render(params["message"], values)[:255],
            body=_("Rule «%(rule)s».") % {"rule": ctx.rule.name},
            url=url,
            client=ctx.client if sees_client else None,
            task=ctx.task if ctx.task is not None and access.can(recipient, "view", ctx.task) else None,
            dedupe_key=f"rule:{ctx.firing.pk}:{recipient.pk}",
        )
    return _("notified %(who)s") % {"who": recipient.get_full_name()}


def reassign(ctx: Context, params: Mapping[str, Any]) -> str:
    from kartoteka.activities import services as activity_services
    from kartoteka.activities.models import Task, TaskStatus
    from kartoteka.automation.models import AssignmentQueue
    from kartoteka.automation.services import queue_pick
    from kartoteka.clients import services as client_services
    from kartoteka.deals import services as deal_services

    queue = AssignmentQueue.objects.filter(pk=params["queue"]).first()
    if queue is None:
        raise ActionSkipped(_("the queue no longer exists"))
    previous = ctx.owner
    chosen = queue_pick(queue=queue)
    if chosen is not None and previous is not None and chosen.pk == previous.pk:
        chosen = queue_pick(queue=queue)  # the next in turn: the work is leaving this person
    if chosen is None or (previous is not None and chosen.pk == previous.pk):
        raise ActionSkipped(_("nobody else available in queue «%(queue)s»") % {"queue": queue.name})
    if ctx.deal is not None:
        deal_services.deal_update(actor=None, deal=ctx.deal, changes={"owner": chosen}, reason=ctx.reason)
        ctx.deal.refresh_from_db()
    if ctx.client is not None and (ctx.deal is None or ctx.client.responsible_id in (None, getattr(previous, "pk", None))):
        client_services.client_update(actor=None, client=ctx.client, changes={"responsible": chosen}, reason=ctx.reason)
        ctx.client.refresh_from_db()
    # The previous person's open tasks on this deal (or this client, for a client's task) go along.
    moving = Task.objects.filter(status=TaskStatus.OPEN, assignee=previous) if previous is not None else Task.objects.none()
    moving = moving.filter(deal=ctx.deal) if ctx.deal is not None else moving.filter(client=ctx.client)
    if ctx.task is not None and ctx.task.is_open:
        moving = moving | Task.objects.filter(pk=ctx.task.pk)
    for task in moving.distinct():
        activity_services.task_update(actor=None, task=task, changes={"assignee": chosen})
    return _("reassigned from %(old)s to %(new)s") % {
        "old": previous.get_full_name() if previous is not None else _("nobody"),
        "new": chosen.get_full_name(),
    }


def change_field(ctx: Context, params: Mapping[str, Any]) -> str:
    from kartoteka.deals import services as deal_services

    if ctx.deal is None:
        raise ActionSkipped(_("there is no deal to change"))
    name, value = params["field"], params["value"]
    if name == "expected_close_in_days":
        name, value = "expected_close_on", timezone.localdate(ctx.now) + datetime.timedelta(days=value)
    elif name == "title":
        value = render(value, ctx.placeholders())[:255]
    changed = deal_services.deal_update(actor=None, deal=ctx.deal, changes={name: value}, reason=ctx.reason)
    ctx.deal.refresh_from_db()
    if not changed:
        return _("%(field)s already as wanted") % {"field": name}
    return _("set %(field)s to %(value)s") % {
        "field": getattr(ctx.deal._meta.get_field(name), "verbose_name", name),
        "value": value,
    }


def move_stage(ctx: Context, params: Mapping[str, Any]) -> str:
    from kartoteka.deals import services as deal_services
    from kartoteka.deals.models import Stage, StageChange

    if ctx.deal is None:
        raise ActionSkipped(_("there is no deal to move"))
    stage = Stage.objects.filter(pk=params["stage"], is_active=True).first()
    if stage is None:
        raise ActionSkipped(_("the stage is no longer in use"))
    recent = StageChange.objects.filter(
        deal=ctx.deal, changed_by__isnull=True, changed_at__gte=ctx.now - datetime.timedelta(hours=1)
    ).count()
    if recent >= MAX_AUTOMATIC_MOVES_PER_HOUR:
        raise ActionSkipped(_("stopped: the deal was moved automatically too often in the last hour"))
    change = deal_services.deal_move_stage(actor=None, deal=ctx.deal, stage=stage, reason=ctx.reason)
    ctx.deal.refresh_from_db()
    if change is None:
        return _("already in «%(stage)s»") % {"stage": stage.name}
    return _("moved to «%(stage)s»") % {"stage": stage.name}


def _contact_email(ctx: Context) -> tuple[str, str] | None:
    """(name, address) of the deal's first contact (else the client's primary one) who agreed to email."""
    from kartoteka.contacts.models import Contact, ContactPoint, ContactPointKind

    contacts = Contact.objects.none()
    if ctx.deal is not None:
        contacts = Contact.objects.filter(pk__in=ctx.deal.deal_contacts.values("contact_id"))
    if not contacts.exists() and ctx.client is not None:
        contacts = Contact.objects.filter(client=ctx.client)
    for contact in contacts.filter(email_consent=True, is_active=True).order_by("-is_primary", "pk"):
        point = ContactPoint.objects.filter(contact=contact, kind=ContactPointKind.EMAIL).order_by("-is_primary", "pk").first()
        if point is not None:
            return contact.full_name, point.value
    return None


def send_email(ctx: Context, params: Mapping[str, Any]) -> str:
    from django.conf import settings

    if params["to"] == "owner":
        owner = ctx.owner
        if owner is None:
            raise ActionSkipped(_("the deal has no owner"))
        name, address = owner.get_full_name(), owner.email
    else:
        found = _contact_email(ctx)
        if found is None:
            raise ActionSkipped(_("no contact with an email who agreed to receive mail"))
        name, address = found
    values = ctx.placeholders()
    message = EmailMessage(
        subject=render(params["subject"], values)[:200],
        body=render(params["body"], values),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    )
    transaction.on_commit(lambda: message.send(fail_silently=False))
    return _("emailed %(who)s <%(address)s>") % {"who": name, "address": address}


def webhook(ctx: Context, params: Mapping[str, Any]) -> str:
    from kartoteka.automation.tasks import call_webhook
    from kartoteka.jobs.services import job_enqueue

    deal, client = ctx.deal, ctx.client
    payload = {
        "rule": {"id": ctx.rule.pk, "name": ctx.rule.name, "trigger": ctx.rule.trigger},
        "event": ctx.firing.event_key,
        "fired_at": ctx.now.isoformat(),
        "deal": None
        if deal is None
        else {
            "id": deal.pk,
            "title": deal.title,
            "stage": deal.stage.code,
            "status": deal.status,
            "amount": None if deal.amount is None else str(deal.amount),
            "currency": deal.currency,
            "owner_id": deal.owner_id,
        },
        "client": None if client is None else {"id": client.pk, "name": client.name, "tax_id": client.tax_id},
        "task": None if ctx.task is None else {"id": ctx.task.pk, "title": ctx.task.title, "due_at": ctx.task.due_at.isoformat()},
    }
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    job_enqueue(call_webhook, params["url"], body, params["secret"], idempotency_key=f"webhook:{ctx.firing.pk}:{params['url']}")
    return _("webhook queued for %(url)s") % {"url": params["url"]}


def signature(secret: str, body: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def generate_document(ctx: Context, params: Mapping[str, Any]) -> str:
    # Documents come with the documents module (templates, numbering, PDF); until it is installed the
    # rule records what it would generate so the funnel's step is visible and nothing is silently lost.
    return _("document from template «%(template)s» to be generated (documents module not installed yet)") % {
        "template": params["template"]
    }


ACTIONS: dict[str, Callable[[Context, Mapping[str, Any]], str]] = {
    "create_task": create_task,
    "notify": notify,
    "reassign": reassign,
    "change_field": change_field,
    "move_stage": move_stage,
    "send_email": send_email,
    "webhook": webhook,
    "generate_document": generate_document,
}
