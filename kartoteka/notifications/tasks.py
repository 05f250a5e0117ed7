"""Background work of notifications: sending a notice by email."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.utils import timezone, translation

from kartoteka.jobs.registry import job
from kartoteka.notifications.models import Notification


@job(max_attempts=5, timeout=120, backoff=60)
def send_notification_email(notification_id: int) -> str:
    """Send one notice by email in the recipient's language; sent once even if the job runs twice."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None:
        return "skipped"
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        return "skipped"
    with translation.override(recipient.language):
        body = notification.body or notification.title
        message = EmailMultiAlternatives(subject=notification.title, body=body, to=[recipient.email])
        message.send()
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return "sent"
