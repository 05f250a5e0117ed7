"""Contact persons, their role in the client's decision structure, and every way to reach a client.

A ``ContactPoint`` (phone, email, messenger) always belongs to a client and optionally to one of its
contacts, so access follows the client and "search by phone" is one indexed lookup.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kartoteka.clients.models import Client
from kartoteka.core.models import ReferenceList, TimeStampedModel


class ContactRole(ReferenceList):
    """Role in the client's decision structure: decision maker, influencer, user, gatekeeper…"""

    abbreviation = models.CharField(_("mark"), max_length=10, blank=True, help_text=_("A short mark shown on the card."))

    class Meta(ReferenceList.Meta):
        verbose_name = _("contact role")
        verbose_name_plural = _("contact roles")


class ManagementLevel(ReferenceList):
    class Meta(ReferenceList.Meta):
        verbose_name = _("management level")
        verbose_name_plural = _("management levels")


class Contact(TimeStampedModel):
    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="contacts")
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    management_level = models.ForeignKey(
        ManagementLevel, verbose_name=_("management level"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    roles = models.ManyToManyField(ContactRole, verbose_name=_("roles"), blank=True, related_name="contacts")
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    family_status = models.CharField(_("family status"), max_length=200, blank=True)
    motivations = models.TextField(_("motivations"), blank=True)
    hobbies = models.TextField(_("hobbies"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    email_consent = models.BooleanField(_("agrees to email mailings"), default=False)
    email_consent_at = models.DateTimeField(_("email consent given"), null=True, blank=True)
    email_consent_source = models.CharField(_("email consent source"), max_length=200, blank=True)
    sms_consent = models.BooleanField(_("agrees to SMS mailings"), default=False)
    sms_consent_at = models.DateTimeField(_("SMS consent given"), null=True, blank=True)
    sms_consent_source = models.CharField(_("SMS consent source"), max_length=200, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    is_active = models.BooleanField(_("works at the client"), default=True)
    custom_fields = models.JSONField(_("additional fields"), default=dict, blank=True)

    history = HistoricalRecords(m2m_fields=[roles], excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-is_primary", "last_name", "first_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["client", "is_primary"], name="contact_client_idx"),
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name_idx"),
            models.Index(fields=["birthday"], name="contact_birthday_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or str(_("(no name)"))

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)


class ContactJob(models.Model):
    """A place a contact worked: kept when the person moves to another client."""

    contact = models.ForeignKey(Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="jobs")
    client = models.ForeignKey(
        Client, verbose_name=_("client"), null=True, blank=True, on_delete=models.SET_NULL, related_name="former_contacts"
    )
    client_name = models.CharField(_("company"), max_length=255)
    position = models.CharField(_("position"), max_length=200, blank=True)
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("to"), null=True, blank=True)
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-ended_on", "-id"]
        verbose_name = _("former job")
        verbose_name_plural = _("job history")

    def __str__(self) -> str:
        return f"{self.client_name}: {self.position}"


class ContactPointKind(models.TextChoices):
    PHONE = "phone", _("phone")
    EMAIL = "email", _("email")
    TELEGRAM = "telegram", "Telegram"
    WHATSAPP = "whatsapp", "WhatsApp"
    VIBER = "viber", "Viber"


class ContactPointLabel(models.TextChoices):
    WORK = "work", _("work")
    MOBILE = "mobile", _("mobile")
    HOME = "home", _("home")
    FAX = "fax", _("fax")
    OTHER = "other", _("other")


class ContactPoint(models.Model):
    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="contact_points")
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.CASCADE, related_name="contact_points"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ContactPointKind.choices)
    label = models.CharField(_("type"), max_length=20, choices=ContactPointLabel.choices, default=ContactPointLabel.WORK)
    # E.164 for phones ("+74951234567"), lower-case address for email, "@handle" or E.164 for messengers.
    value = models.CharField(_("value"), max_length=255)
    extension = models.CharField(_("extension"), max_length=10, blank=True)
    # Last ten digits of a phone number: one indexed equality finds "8 (495) 123-45-67" and "+7 495 1234567".
    search_key = models.CharField(max_length=255, editable=False, default="")
    is_primary = models.BooleanField(_("primary"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "kind", "id"]
        verbose_name = _("phone or address")
        verbose_name_plural = _("phones and addresses")
        indexes = [
            models.Index(fields=["search_key"], name="contact_point_search_idx"),
            models.Index(fields=["client", "kind"], name="contact_point_client_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(value=""), name="contact_point_value_not_empty"),
        ]

    def __str__(self) -> str:
        return self.value + (f" ({self.extension})" if self.extension else "")
