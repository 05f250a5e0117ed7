"""Notices to people: kept in-app (the bell) and sent by email, as each person chose per kind."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", _("A task is assigned to me")
    TASK_DUE_SOON = "task_due_soon", _("A task of mine is due soon")
    TASK_OVERDUE = "task_overdue", _("A task of mine is overdue")
    CLIENT_ASSIGNED = "client_assigned", _("A client is assigned to me")
    CLIENT_TAKEN = "client_taken", _("A client is taken away from me")
    DIGEST = "digest", _("Morning digest: my day's plan")
    DEAL_ASSIGNED = "deal_assigned", _("A deal is assigned to me")
    DEAL_TAKEN = "deal_taken", _("A deal is taken away from me")
    AUTOMATION = "automation", _("An automation rule asks for my attention")


# What a person gets until they change it: everything in-app; by email the things that need action.
DEFAULT_CHANNELS: dict[str, tuple[bool, bool]] = {
    # kind: (in_app, email)
    NotificationKind.TASK_ASSIGNED: (True, True),
    NotificationKind.TASK_DUE_SOON: (True, False),
    NotificationKind.TASK_OVERDUE: (True, True),
    NotificationKind.CLIENT_ASSIGNED: (True, True),
    NotificationKind.CLIENT_TAKEN: (True, True),
    NotificationKind.DIGEST: (False, True),
    NotificationKind.DEAL_ASSIGNED: (True, True),
    NotificationKind.DEAL_TAKEN: (True, False),
    NotificationKind.AUTOMATION: (True, True),
}


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    # Stored already translated into the recipient's language at the time it was made.
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey("activities.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Makes a notice idempotent: the same key for the same person is stored once (e.g. "overdue:task 12:<deadline>").
    dedupe_key = models.CharField(max_length=200, blank=True)
    show_in_app = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True, show_in_app=True), name="notification_unread_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_dedupe_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A person's choice of channels for one kind; a missing row means :data:`DEFAULT_CHANNELS`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by email"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"
