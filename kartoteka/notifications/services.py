"""Writes to notifications: make one (in the recipient's language, by their chosen channels), mark read.

Other contexts never call these directly: they publish domain events and
:mod:`kartoteka.notifications.handlers` turns the events into notices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from kartoteka.notifications.models import DEFAULT_CHANNELS, Notification, NotificationKind, NotificationPreference

if TYPE_CHECKING:
    from kartoteka.activities.models import Task
    from kartoteka.clients.models import Client
    from kartoteka.users.models import User


@dataclass(frozen=True)
class Channels:
    in_app: bool
    email: bool


def channels_for(user: User, kind: str) -> Channels:
    row = NotificationPreference.objects.filter(user=user, kind=kind).values_list("in_app", "email").first()
    if row is None:
        in_app, email = DEFAULT_CHANNELS.get(kind, (True, False))
        return Channels(in_app=in_app, email=email)
    return Channels(in_app=row[0], email=row[1])


def preferences(user: User) -> dict[str, Channels]:
    """Every kind with the user's channels (defaults filled in): one query."""
    rows = NotificationPreference.objects.filter(user=user).values_list("kind", "in_app", "email")
    stored = {kind: Channels(in_app, email) for kind, in_app, email in rows}
    return {kind: stored.get(kind, Channels(*DEFAULT_CHANNELS.get(kind, (True, False)))) for kind in NotificationKind.values}


@transaction.atomic
def preferences_save(*, user: User, choices: dict[str, Channels]) -> None:
    for kind, channels in choices.items():
        if kind not in NotificationKind.values:
            raise ValueError(f"unknown notification kind {kind!r}")
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"in_app": channels.in_app, "email": channels.email}
        )


def notify(
    *,
    recipient: User,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    actor: User | None = None,
    client: Client | None = None,
    task: Task | None = None,
    dedupe_key: str = "",
) -> Notification | None:
    """Store a notice for ``recipient`` and, if they want it by email, send it after commit.

    Returns None when the person wants this kind on no channel, is inactive, or already got the
    notice with the same ``dedupe_key``. Texts must already be in the recipient's language.
    """
    if not recipient.is_active:
        return None
    channels = channels_for(recipient, kind)
    if not (channels.in_app or channels.email):
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title[:255],
                body=body,
                url=url[:500],
                actor=actor,
                client=client,
                task=task,
                dedupe_key=dedupe_key[:200],
                show_in_app=channels.in_app,
            )
    except IntegrityError:
        return None  # the same notice was already made
    if channels.email:
        from kartoteka.jobs.services import job_enqueue
        from kartoteka.notifications.tasks import send_notification_email

        job_enqueue(send_notification_email, notification.pk, idempotency_key=f"notification-email:{notification.pk}")
    return notification


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, show_in_app=True, read_at__isnull=True).count()


def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notices read (all of them without ``ids``); someone else's ids are ignored."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
