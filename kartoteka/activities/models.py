"""What people did with a client (activities) and what they plan to do (tasks).

An :class:`Activity` is a fact: a call that happened, a meeting held, a letter sent. A :class:`Task`
is a promise with a deadline: "call back on Tuesday at 10:00". Completing a planned contact logs
the activity that fulfilled it (``Activity.task``); a planned contact left open for more than
``TAILS_AFTER_DAYS`` days past its deadline is a "tail" (seed 002).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kartoteka.core.models import ReferenceList


class ActivityKind(models.TextChoices):
    CALL = "call", _("call")
    MEETING = "meeting", _("meeting")
    EMAIL = "email", _("email")
    LETTER = "letter", _("letter")
    FAX = "fax", _("fax")
    MESSAGE = "message", _("message")
    DEMO = "demo", _("demo / presentation")
    VISIT = "visit", _("visit")
    GREETING = "greeting", _("greeting")
    NOTE = "note", _("note")


# Kinds that are a contact with the client: they count for "days since last contact" and frequency.
# A note is something we wrote down for ourselves, not a contact.
CONTACT_KINDS = frozenset(kind for kind in ActivityKind.values if kind != ActivityKind.NOTE)


class Direction(models.TextChoices):
    OUTBOUND = "outbound", _("outgoing")
    INBOUND = "inbound", _("incoming")


class Initiator(models.TextChoices):
    US = "us", _("our initiative")
    CLIENT = "client", _("client's request")


class Channel(models.TextChoices):
    PHONE = "phone", _("phone")
    IN_PERSON = "in_person", _("in person")
    VIDEO = "video", _("video call")
    EMAIL = "email", _("email")
    POST = "post", _("post")
    FAX = "fax", _("fax")
    TELEGRAM = "telegram", "Telegram"
    WHATSAPP = "whatsapp", "WhatsApp"
    VIBER = "viber", "Viber"
    SMS = "sms", _("SMS")
    OTHER = "other", _("other")


# The channel a kind usually goes through: the quick-log form preselects it.
DEFAULT_CHANNEL = {
    ActivityKind.CALL: Channel.PHONE,
    ActivityKind.MEETING: Channel.IN_PERSON,
    ActivityKind.EMAIL: Channel.EMAIL,
    ActivityKind.LETTER: Channel.POST,
    ActivityKind.FAX: Channel.FAX,
    ActivityKind.MESSAGE: Channel.TELEGRAM,
    ActivityKind.DEMO: Channel.IN_PERSON,
    ActivityKind.VISIT: Channel.IN_PERSON,
    ActivityKind.GREETING: Channel.PHONE,
    ActivityKind.NOTE: Channel.OTHER,
}


class ActivityResult(ReferenceList):
    """How a contact ended ("agreed on a meeting", "no answer", "refused"): administrator-editable."""

    productive = models.BooleanField(
        _("productive"), default=False, help_text=_("Preselects “productive” when this result is chosen.")
    )

    class Meta(ReferenceList.Meta):
        verbose_name = _("activity result")
        verbose_name_plural = _("activity results")


class Activity(models.Model):
    client = models.ForeignKey("clients.Client", verbose_name=_("client"), on_delete=models.CASCADE, related_name="activities")
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, on_delete=models.SET_NULL, related_name="activities"
    )
    initiator = models.CharField(_("initiator"), max_length=10, choices=Initiator.choices, default=Initiator.US)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, blank=True)
    result = models.ForeignKey(
        ActivityResult, verbose_name=_("result"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    productive = models.BooleanField(_("productive"), default=False)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    duration_minutes = models.PositiveIntegerField(
        _("duration, min"), null=True, blank=True, validators=[MaxValueValidator(24 * 60)]
    )
    recording_url = models.URLField(_("recording link"), max_length=500, blank=True)
    place = models.CharField(_("place"), max_length=255, blank=True)
    participants = models.TextField(_("participants"), blank=True)
    product = models.CharField(_("product"), max_length=255, blank=True)
    interest_level = models.PositiveSmallIntegerField(
        _("degree of interest"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    # The planned contact this activity fulfilled, if any.
    task = models.ForeignKey(
        "activities.Task", verbose_name=_("task"), null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # The card's timeline and "days since last contact": newest first per client.
            models.Index(fields=["client", "-occurred_at", "-id"], name="activity_client_idx"),
            models.Index(fields=["client", "kind", "-occurred_at"], name="activity_client_kind_idx"),
            # Reports by manager and period (KPIs: contacts per manager per month).
            models.Index(fields=["author", "-occurred_at"], name="activity_author_idx"),
            models.Index(fields=["-occurred_at", "-id"], name="activity_occurred_idx"),
            models.Index(fields=["task"], name="activity_task_idx"),
            models.Index(fields=["deal", "-occurred_at", "-id"], name="activity_deal_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject or self.summary[:60]}"

    @property
    def title(self) -> str:
        """The subject, or the summary's first line: one line for lists and notifications."""
        if self.subject:
            return self.subject
        lines = self.summary.strip().splitlines()
        return lines[0][:120] if lines else ""


class TaskKind(models.TextChoices):
    CALL = "call", _("call")
    MEETING = "meeting", _("meeting")
    EMAIL = "email", _("email")
    LETTER = "letter", _("letter")
    MESSAGE = "message", _("message")
    DEMO = "demo", _("demo / presentation")
    VISIT = "visit", _("visit")
    TODO = "todo", _("to-do")


# Planned contacts: completing one offers to log the activity of the same kind, and one left open
# too long after its deadline is a tail.
CONTACT_TASK_KINDS = frozenset(kind for kind in TaskKind.values if kind != TaskKind.TODO)
# Tasks that occupy time at a place: My day and the calendar show them as meetings.
MEETING_TASK_KINDS = frozenset({TaskKind.MEETING, TaskKind.VISIT, TaskKind.DEMO})


class TaskStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class TaskPriority(models.IntegerChoices):
    LOW = 1, _("low")
    NORMAL = 2, _("normal")
    HIGH = 3, _("high")


class Recurrence(models.TextChoices):
    NONE = "", _("does not repeat")
    DAILY = "daily", _("every day")
    WEEKLY = "weekly", _("every week")
    MONTHLY = "monthly", _("every month")


class Task(models.Model):
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices, default=TaskKind.CALL)
    description = models.TextField(_("description"), blank=True)
    due_at = models.DateTimeField(_("due"))
    # A task for a day rather than a moment ("send the offer on Friday"): ``due_at`` is the end of that day.
    all_day = models.BooleanField(_("all day"), default=False)
    duration_minutes = models.PositiveIntegerField(
        _("duration, min"), null=True, blank=True, validators=[MaxValueValidator(24 * 60)]
    )
    place = models.CharField(_("place"), max_length=255, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="tasks"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    client = models.ForeignKey(
        "clients.Client", verbose_name=_("client"), null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completion_note = models.TextField(_("completion note"), blank=True)

    recurrence = models.CharField(_("repeats"), max_length=10, choices=Recurrence.choices, blank=True, default="")
    recurrence_interval = models.PositiveSmallIntegerField(
        _("every"), default=1, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    recurrence_until = models.DateField(_("repeat until"), null=True, blank=True)
    # The occurrence this one was created from when its predecessor was completed or cancelled.
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_occurrence", editable=False
    )

    # Notification bookkeeping: each notice is sent once per deadline (reset when the deadline moves).
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "id"]
        indexes = [
            # My day, the calendar, tails: a person's open tasks by deadline.
            models.Index(fields=["assignee", "status", "due_at", "id"], name="task_assignee_idx"),
            # The card's planned contacts and the timeline's completed tasks.
            models.Index(fields=["client", "status", "due_at"], name="task_client_idx"),
            models.Index(fields=["client", "status", "-completed_at"], name="task_client_done_idx"),
            models.Index(fields=["deal", "status", "due_at"], name="task_deal_idx"),
            # Team tails and the overdue / reminder scans: open tasks by deadline.
            models.Index(fields=["due_at", "id"], condition=Q(status="open"), name="task_open_due_idx"),
            models.Index(fields=["remind_at"], condition=Q(status="open", reminded_at__isnull=True), name="task_remind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(completed_at__isnull=False), name="task_closed_has_completed_at"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    @property
    def is_contact(self) -> bool:
        return self.kind in CONTACT_TASK_KINDS

    @property
    def is_meeting(self) -> bool:
        return self.kind in MEETING_TASK_KINDS


class CalendarFeed(models.Model):
    """A person's secret iCalendar address. Only the token's SHA-256 is stored; revoking deletes nothing else."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_digest = models.CharField(max_length=64, unique=True)
    # Whose tasks the feed carries: the person's own, or their team's (for a supervisor).
    include_team = models.BooleanField(_("include my team"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"
