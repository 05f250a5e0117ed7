"""Automation rules as data (DESIGN §8): *when* something happens, *if* the object fits, *then* do these things.

Administrators edit rules in the UI. A :class:`Rule` has one trigger, a set of conditions and an
ordered list of actions (JSON validated by :mod:`kartoteka.automation.rules`). Every time a rule
fires for an event there is one :class:`RuleFiring` row — the unique ``(rule, event_key)`` makes a
rule fire once per event however often the event is delivered — and the deal's timeline shows it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    DEAL_CREATED = "deal_created", _("a deal is created")
    STAGE_ENTERED = "stage_entered", _("a deal enters a stage")
    STAGE_LEFT = "stage_left", _("a deal leaves a stage")
    FIELD_CHANGED = "field_changed", _("a deal's field changes")
    TASK_OVERDUE = "task_overdue", _("a deal's task is overdue")
    NO_ACTIVITY = "no_activity", _("no activity on an open deal for some days")
    DATE_REACHED = "date_reached", _("a date is reached")
    CLIENT_CLASS_CHANGED = "client_class_changed", _("a client's category changes")


# Triggers that are timers: a deferred job fires them at a computed moment and re-checks the state.
TIMER_TRIGGERS = frozenset({Trigger.TASK_OVERDUE, Trigger.NO_ACTIVITY, Trigger.DATE_REACHED})


class DateField(models.TextChoices):
    EXPECTED_CLOSE = "deal.expected_close_on", _("deal: expected close date")
    CONTRACT_END = "client.contract_valid_until", _("client: contract valid until")


class Rule(models.Model):
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100, help_text=_("Rules for the same event run in this order."))
    trigger = models.CharField(_("when"), max_length=30, choices=Trigger.choices)
    # Trigger details; which apply depends on the trigger (validated in rules.rule_clean).
    stage = models.ForeignKey(
        "deals.Stage",
        verbose_name=_("stage"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("For “enters” / “leaves a stage”."),
    )
    field_name = models.CharField(_("field"), max_length=50, blank=True, help_text=_("For “a deal's field changes”."))
    delay_minutes = models.PositiveIntegerField(
        _("after, minutes"),
        default=0,
        validators=[MaxValueValidator(60 * 24 * 366)],
        help_text=_("For “task overdue”: how long past the deadline; for “no activity”: how long without one."),
    )
    working_time = models.BooleanField(
        _("count working time only"),
        default=False,
        help_text=_("Count delays in the working-time calendar of the person concerned."),
    )
    date_field = models.CharField(_("date"), max_length=40, choices=DateField.choices, blank=True)
    offset_days = models.IntegerField(
        _("days from the date"), default=0, help_text=_("Negative: before the date (−30: a month before the contract ends).")
    )
    conditions = models.JSONField(_("if"), default=dict, blank=True)
    actions = models.JSONField(_("then"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        indexes = [models.Index(fields=["trigger", "is_active"], name="rule_trigger_idx")]

    def __str__(self) -> str:
        return self.name


class FiringStatus(models.TextChoices):
    DONE = "done", _("done")
    SKIPPED = "skipped", _("conditions not met")
    FAILED = "failed", _("failed")


class RuleFiring(models.Model):
    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="firings")
    event_key = models.CharField(max_length=200)
    fired_at = models.DateTimeField(_("when"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=FiringStatus.choices, default=FiringStatus.DONE)
    deal = models.ForeignKey("deals.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="rule_firings")
    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey("activities.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What the actions did, one readable line each ("created task «Call the client» for Petrova, due 14:15").
    outcome = models.JSONField(_("outcome"), default=list, blank=True)

    class Meta:
        ordering = ["-fired_at", "-id"]
        verbose_name = _("rule firing")
        verbose_name_plural = _("rule firings")
        constraints = [models.UniqueConstraint(fields=["rule", "event_key"], name="rule_fires_once_per_event")]
        indexes = [
            models.Index(fields=["deal", "-fired_at"], name="rulefiring_deal_idx"),
            models.Index(fields=["client", "-fired_at"], name="rulefiring_client_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.event_key}"
