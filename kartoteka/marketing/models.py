"""Web lead capture: forms on the company's site and every submission they ever received.

A :class:`LeadSubmission` is written before anything else is done with a request — raw body,
parsed values, where it came from — so a lead survives a bug, a crash or a dead worker: processing
(matching or creating the client and contact, opening the deal) is a retried job that reads the
stored row, and a failure stays visible with its error until someone retries it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kartoteka.core.models import TimeStampedModel


def new_form_key() -> str:
    return secrets.token_urlsafe(12)


class WebForm(TimeStampedModel):
    """A form on a site: which fields it asks, where the lead goes, what the visitor sees after."""

    name = models.CharField(_("name"), max_length=200)
    key = models.CharField(
        _("public key"), max_length=32, unique=True, default=new_form_key, help_text=_("Part of the form's public address.")
    )
    is_active = models.BooleanField(_("accepting submissions"), default=True)
    title = models.CharField(_("heading shown above the form"), max_length=200, blank=True)
    pipeline = models.ForeignKey("deals.Pipeline", verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="+")
    stage = models.ForeignKey(
        "deals.Stage",
        verbose_name=_("stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the pipeline's first stage."),
    )
    queue = models.ForeignKey(
        "automation.AssignmentQueue",
        verbose_name=_("assignment queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("New leads go to the next available person of this queue."),
    )
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner when the queue has nobody"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.ForeignKey(
        "clients.ClientSource", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deal_title = models.CharField(_("deal title"), max_length=200, blank=True, help_text=_("Empty: “<form name>: <client>”."))
    thank_you_text = models.TextField(_("thank-you text"), blank=True)
    redirect_url = models.URLField(_("redirect after sending"), max_length=500, blank=True)
    consent_required = models.BooleanField(_("ask for consent to data processing"), default=False)
    consent_text = models.CharField(_("consent text"), max_length=500, blank=True)
    rate_limit_per_hour = models.PositiveIntegerField(
        _("submissions per hour from one address"), default=20, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        stage = self.stage if self.stage_id is not None else None
        if stage is not None and self.pipeline_id is not None and stage.pipeline_id != self.pipeline_id:
            raise ValidationError({"stage": _("Choose a stage of the form's pipeline.")})
        if stage is not None and not stage.is_open:
            raise ValidationError({"stage": _("New leads start in an open stage.")})


class FieldTarget(models.TextChoices):
    CLIENT_NAME = "client.name", _("client: company name")
    CLIENT_TAX_ID = "client.tax_id", _("client: tax ID (INN, EDRPOU, CUI)")
    CONTACT_NAME = "contact.name", _("contact: full name")
    CONTACT_EMAIL = "contact.email", _("contact: email")
    CONTACT_PHONE = "contact.phone", _("contact: phone")
    CONTACT_POSITION = "contact.position", _("contact: position")
    DEAL_TITLE = "deal.title", _("deal: title")
    DEAL_AMOUNT = "deal.amount", _("deal: amount")
    DEAL_DESCRIPTION = "deal.description", _("deal: message")
    NOTE = "note", _("added to the deal's description")


class FieldKind(models.TextChoices):
    TEXT = "text", _("line of text")
    TEXTAREA = "textarea", _("several lines")
    EMAIL = "email", _("email")
    PHONE = "tel", _("phone")
    NUMBER = "number", _("number")


RESERVED_KEYS = frozenset({"website", "consent", "csrfmiddlewaretoken"})  # the honeypot and the consent box


class WebFormField(models.Model):
    form = models.ForeignKey(WebForm, verbose_name=_("form"), on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(_("field name"), max_length=50, help_text=_("The name the site posts it under."))
    label_en = models.CharField(_("label (English)"), max_length=200)
    label_ru = models.CharField(_("label (Russian)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=FieldKind.choices, default=FieldKind.TEXT)
    target = models.CharField(_("goes to"), max_length=30, choices=FieldTarget.choices)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        constraints = [models.UniqueConstraint(fields=["form", "key"], name="webform_field_unique_key")]

    def __str__(self) -> str:
        return self.key

    def clean(self) -> None:
        super().clean()
        if self.key in RESERVED_KEYS:
            raise ValidationError({"key": _("This name is reserved; choose another.")})

    @property
    def label(self) -> str:
        from django.utils import translation

        language = (translation.get_language() or "en").split("-")[0]
        return self.label_ru if language in ("ru", "uk") and self.label_ru else self.label_en


class SubmissionStatus(models.TextChoices):
    RECEIVED = "received", _("received, waiting to be processed")
    PROCESSED = "processed", _("processed")
    FAILED = "failed", _("processing failed")
    REJECTED = "rejected", _("rejected: invalid")
    SPAM = "spam", _("spam")


class SubmissionChannel(models.TextChoices):
    WEB = "web", _("web form")
    API = "api", _("API")


class LeadSubmission(models.Model):
    form = models.ForeignKey(WebForm, verbose_name=_("form"), on_delete=models.PROTECT, related_name="submissions")
    channel = models.CharField(_("channel"), max_length=10, choices=SubmissionChannel.choices, default=SubmissionChannel.WEB)
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.RECEIVED)
    # Exactly what arrived (decoded text, NUL characters removed) and the values read from it.
    raw_body = models.TextField(_("raw request"), blank=True)
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    encoding = models.CharField(_("encoding"), max_length=40, blank=True)
    values = models.JSONField(_("values"), default=dict, blank=True)
    errors = models.JSONField(_("problems"), default=dict, blank=True)
    remote_ip = models.GenericIPAddressField(_("sender's address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=500, blank=True)
    referer = models.CharField(_("page"), max_length=500, blank=True)
    external_id = models.CharField(_("external ID"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    client = models.ForeignKey(
        "clients.Client", verbose_name=_("client"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "contacts.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_existing_client = models.BooleanField(_("matched an existing client"), default=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("lead submission")
        verbose_name_plural = _("lead submissions")
        indexes = [
            # The per-address rate limit: one form, one address, the last hour.
            models.Index(fields=["form", "remote_ip", "received_at"], name="submission_rate_idx"),
            models.Index(fields=["status", "-received_at"], name="submission_status_idx"),
        ]
        constraints = [
            # Another system resending the same lead (API) is one lead.
            models.UniqueConstraint(
                fields=["form", "external_id"], condition=~Q(external_id=""), name="submission_unique_external_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form} #{self.pk}"
