"""Domain events that become notices (each written in the recipient's language), and the task timers they arm."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kartoteka.activities.models import Task
from kartoteka.clients.models import Client
from kartoteka.core.events import Event, subscribe
from kartoteka.notifications import services
from kartoteka.notifications.formatting import task_deadline
from kartoteka.notifications.models import NotificationKind
from kartoteka.notifications.tasks import schedule_task_timers
from kartoteka.users.models import User


def _user(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    return User.objects.filter(pk=user_id).first()


@subscribe("task.assigned")
def task_assigned(event: Event) -> None:
    task = Task.objects.select_related("client", "assignee").filter(pk=event.payload["task_id"]).first()
    if task is None or not task.is_open:
        return
    recipient, actor = task.assignee, _user(event.payload.get("actor_id"))
    with translation.override(recipient.language):
        body = _("Due %(when)s.") % {"when": task_deadline(task, recipient)}
        if task.client is not None:
            body = _("Client: %(client)s. ") % {"client": task.client} + body
        services.notify(
            recipient=recipient,
            kind=NotificationKind.TASK_ASSIGNED,
            title=_("New task from %(who)s: %(title)s") % {"who": actor or _("the system"), "title": task.title},
            body=body,
            url=reverse("activities:task", args=[task.pk]),
            actor=actor,
            client=task.client,
            task=task,
            dedupe_key=f"task-assigned:{task.pk}:{recipient.pk}:{event.payload.get('at', task.updated_at.isoformat())}",
        )


@subscribe("client.reassigned")
def client_reassigned(event: Event) -> None:
    client = Client.objects.filter(pk=event.payload["client_id"]).first()
    if client is None:
        return
    actor = _user(event.payload.get("actor_id"))
    new, old = _user(event.payload.get("to_user_id")), _user(event.payload.get("from_user_id"))
    url = reverse("clients:card", args=[client.pk])
    stamp = timezone.now().isoformat()
    if new is not None and new != actor:
        with translation.override(new.language):
            services.notify(
                recipient=new,
                kind=NotificationKind.CLIENT_ASSIGNED,
                title=_("Client %(client)s is now yours") % {"client": client},
                body=_("Handed over by %(who)s from %(previous)s.")
                % {"who": actor or _("the system"), "previous": old or _("nobody")},
                url=url,
                actor=actor,
                client=client,
                dedupe_key=f"client-assigned:{client.pk}:{new.pk}:{stamp}",
            )
    if old is not None and old != actor:
        with translation.override(old.language):
            services.notify(
                recipient=old,
                kind=NotificationKind.CLIENT_TAKEN,
                title=_("Client %(client)s was handed to %(new)s") % {"client": client, "new": new or _("nobody")},
                body=_("Reassigned by %(who)s.") % {"who": actor or _("the system")},
                # The previous manager may no longer see the card; the notice still names the client.
                url="",
                actor=actor,
                client=None,
                dedupe_key=f"client-taken:{client.pk}:{old.pk}:{stamp}",
            )


# A change to any of these can move the "due soon" or "overdue" moment, or reopen the task.
TIMER_FIELDS = frozenset({"due_at", "all_day", "remind_at", "status"})


@subscribe("task.created")
@subscribe("task.updated")
def task_timers(event: Event) -> None:
    fields = event.payload.get("fields")
    if event.name == "task.updated" and not TIMER_FIELDS & set(fields or ()):
        return
    task = Task.objects.filter(pk=event.payload["task_id"]).first()
    if task is None:
        return
    # A reopened task keeps its deadline, but the jobs for it may have fired while it was closed.
    reopened = event.name == "task.updated" and "status" in (fields or ())
    schedule_task_timers(task, rearm=f"reopened:{task.updated_at.timestamp()}" if reopened else "")


def _deal_notice(deal_id: int, recipient: User, *, kind: str, title: str, body: str, dedupe_key: str, actor: User | None) -> None:
    """A notice about a deal: its name and link only for a recipient who may see it."""
    from kartoteka.deals.models import Deal
    from kartoteka.users import access

    deal = Deal.objects.select_related("client").filter(pk=deal_id).first()
    if deal is None:
        return
    visible = access.can(recipient, "view", deal)
    services.notify(
        recipient=recipient,
        kind=kind,
        title=title % {"deal": deal.title if visible else _("a deal")},
        body=body % {"client": deal.client.name if visible else "—"},
        url=reverse("deals:card", args=[deal.pk]) if visible else "",
        actor=actor,
        client=deal.client if visible else None,
        dedupe_key=dedupe_key,
    )


@subscribe("deal.created")
def deal_created(event: Event) -> None:
    owner, actor = _user(event.payload.get("owner_id")), _user(event.payload.get("actor_id"))
    if owner is None or owner == actor:
        return
    with translation.override(owner.language):
        _deal_notice(
            event.payload["deal_id"],
            owner,
            kind=NotificationKind.DEAL_ASSIGNED,
            title=_("New deal for you: %(deal)s"),
            body=_("Client: %(client)s."),
            dedupe_key=f"deal-assigned:{event.payload['deal_id']}:{owner.pk}:created",
            actor=actor,
        )


@subscribe("deal.reassigned")
def deal_reassigned(event: Event) -> None:
    actor = _user(event.payload.get("actor_id"))
    new, old = _user(event.payload.get("owner_id")), _user(event.payload.get("previous_owner_id"))
    stamp = timezone.now().isoformat()
    if new is not None and new != actor:
        with translation.override(new.language):
            _deal_notice(
                event.payload["deal_id"],
                new,
                kind=NotificationKind.DEAL_ASSIGNED,
                title=_("Deal %(deal)s is now yours"),
                body=_("Client: %(client)s."),
                dedupe_key=f"deal-assigned:{event.payload['deal_id']}:{new.pk}:{stamp}",
                actor=actor,
            )
    if old is not None and old != actor:
        with translation.override(old.language):
            _deal_notice(
                event.payload["deal_id"],
                old,
                kind=NotificationKind.DEAL_TAKEN,
                title=_("Deal %(deal)s was handed to someone else"),
                body=_("Client: %(client)s."),
                dedupe_key=f"deal-taken:{event.payload['deal_id']}:{old.pk}:{stamp}",
                actor=actor,
            )
