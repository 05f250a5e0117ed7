"""The sales funnel: pipelines of stages, the deals that move through them, and the trail they leave.

A :class:`Pipeline` is an ordered list of :class:`Stage` rows; each stage is open, won ("Успех") or
lost ("Отказ"). A :class:`Deal` sits in one stage at a time; every move is a :class:`StageChange`
row with who, when, from, to and the time spent in the stage left — the data conversion and cycle
time reports read. Winning or losing a deal is a move to a won or lost stage; reopening is a move
back to an open stage, so the history is never rewritten.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kartoteka.core.models import LocalizedNameModel, ReferenceList, TimeStampedModel

DEFAULT_CURRENCY = "RUB"
currency_validator = RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 code of three capital letters, such as RUB or EUR."))
colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour such as #3b82f6."))
percent = [MinValueValidator(0), MaxValueValidator(100)]


class LostReason(ReferenceList):
    """Why a deal was lost ("price too high", "chose a competitor"): administrator-editable."""

    class Meta(ReferenceList.Meta):
        verbose_name = _("reason for losing")
        verbose_name_plural = _("reasons for losing")


class Pipeline(LocalizedNameModel):
    """A funnel: for a team or a product line. Deals in it move through its stages in order."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    team = models.ForeignKey(
        "users.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("New deals of this team's people go here by default."),
    )
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY, validators=[currency_validator])
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")


class StageKind(models.TextChoices):
    OPEN = "open", _("in progress")
    WON = "won", _("won")
    LOST = "lost", _("lost")


# Deal fields an administrator may require before a deal enters a stage ("amount before Payment").
REQUIRABLE_FIELDS: dict[str, object] = {
    "amount": _("amount"),
    "expected_close_on": _("expected close date"),
    "source": _("source"),
    "contacts": _("contact persons"),
    "lines": _("line items"),
    "description": _("description"),
}


class Stage(LocalizedNameModel):
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages")
    code = models.SlugField(_("code"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    kind = models.CharField(_("kind"), max_length=10, choices=StageKind.choices, default=StageKind.OPEN)
    probability = models.PositiveSmallIntegerField(_("probability, %"), default=10, validators=percent)
    colour = models.CharField(_("colour"), max_length=7, default="#6c757d", validators=[colour_validator])
    max_minutes = models.PositiveIntegerField(
        _("maximum time in stage, min"),
        null=True,
        blank=True,
        help_text=_("A deal staying longer is marked on the kanban and may trigger automation."),
    )
    required_fields = models.JSONField(
        _("required to enter"),
        default=list,
        blank=True,
        help_text=_("Deal fields that must be filled before a deal enters this stage."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pipeline", "order", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [models.UniqueConstraint(fields=["pipeline", "code"], name="stage_unique_code_in_pipeline")]

    @property
    def is_open(self) -> bool:
        return self.kind == StageKind.OPEN

    @property
    def max_duration(self) -> datetime.timedelta | None:
        return datetime.timedelta(minutes=self.max_minutes) if self.max_minutes else None


class DealStatus(models.TextChoices):
    OPEN = "open", _("open")
    WON = "won", _("won")
    LOST = "lost", _("lost")


class DealQuerySet(models.QuerySet["Deal"]):
    def open(self) -> DealQuerySet:
        return self.filter(status=DealStatus.OPEN)


class Deal(TimeStampedModel):
    title = models.CharField(_("title"), max_length=255)
    client = models.ForeignKey("clients.Client", verbose_name=_("client"), on_delete=models.PROTECT, related_name="deals")
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals")
    stage_entered_at = models.DateTimeField(_("in stage since"))
    status = models.CharField(_("status"), max_length=10, choices=DealStatus.choices, default=DealStatus.OPEN, editable=False)
    amount = models.DecimalField(
        _("amount"), max_digits=18, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY, validators=[currency_validator])
    expected_close_on = models.DateField(_("expected close date"), null=True, blank=True)
    # None: the stage's probability applies.
    probability = models.PositiveSmallIntegerField(_("probability, %"), null=True, blank=True, validators=percent)
    source = models.ForeignKey(
        "clients.ClientSource", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT, related_name="deals"
    )
    team = models.ForeignKey(
        "users.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("description"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    lost_reason = models.ForeignKey(
        LostReason, verbose_name=_("reason for losing"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_comment = models.TextField(_("outcome comment"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["updated_at", "stage_entered_at"])

    objects = DealQuerySet.as_manager()

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-stage_entered_at", "-id"]
        indexes = [
            # Kanban: a column's cards newest first, its count and sum.
            models.Index(fields=["stage", "-stage_entered_at", "-id"], name="deal_stage_idx"),
            models.Index(fields=["pipeline", "status", "stage"], name="deal_pipeline_status_idx"),
            # Lists and scopes: mine, my team's; reports by owner and period.
            models.Index(fields=["owner", "status", "-created_at"], name="deal_owner_idx"),
            models.Index(fields=["team", "status", "-created_at"], name="deal_team_idx"),
            models.Index(fields=["client", "status", "-created_at"], name="deal_client_idx"),
            models.Index(fields=["status", "-closed_at"], name="deal_closed_idx"),
            models.Index(fields=["-created_at", "-id"], name="deal_created_idx"),
            models.Index(fields=["expected_close_on", "id"], name="deal_expected_close_idx"),
            models.Index(fields=["amount", "id"], name="deal_amount_idx"),
            # The deal list's other sorts: by title, by time in the stage.
            models.Index(fields=["title", "id"], name="deal_title_idx"),
            models.Index(fields=["stage_entered_at", "id"], name="deal_stage_entered_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status="open") | Q(closed_at__isnull=False), name="deal_closed_has_closed_at"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == DealStatus.OPEN

    @property
    def effective_probability(self) -> int:
        return self.probability if self.probability is not None else self.stage.probability


class DealContact(models.Model):
    """A contact person's part in this deal (decision maker, influencer…)."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="deal_contacts")
    contact = models.ForeignKey("contacts.Contact", verbose_name=_("contact person"), on_delete=models.CASCADE, related_name="+")
    role = models.ForeignKey(
        "contacts.ContactRole", verbose_name=_("role"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("deal contact")
        verbose_name_plural = _("deal contacts")
        constraints = [models.UniqueConstraint(fields=["deal", "contact"], name="deal_contact_unique")]

    def __str__(self) -> str:
        return f"{self.contact} ({self.role})" if self.role_id else str(self.contact)


class DealLine(models.Model):
    """A line item in free text until the catalog adds products."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(
        _("quantity"), max_digits=18, decimal_places=3, default=Decimal(1), validators=[MinValueValidator(Decimal("0.001"))]
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    price = models.DecimalField(_("price"), max_digits=18, decimal_places=2, validators=[MinValueValidator(Decimal(0))])
    discount = models.DecimalField(_("discount, %"), max_digits=5, decimal_places=2, default=Decimal(0), validators=percent)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("line item")
        verbose_name_plural = _("line items")

    def __str__(self) -> str:
        return self.description

    @property
    def total(self) -> Decimal:
        gross = self.quantity * self.price
        return (gross * (Decimal(100) - self.discount) / Decimal(100)).quantize(Decimal("0.01"))


class PriceProposal(models.Model):
    """One price put on the table during negotiation, ours or the client's counter-offer."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="proposals")
    proposed_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, validators=[MinValueValidator(Decimal(0))])
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    by_client = models.BooleanField(_("client's counter-offer"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-proposed_on", "-id"]
        verbose_name = _("price proposal")
        verbose_name_plural = _("price proposals")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.proposed_on})"


class StageChange(models.Model):
    """One move of a deal: the funnel's memory (conversion, cycle time, who handed what to whom)."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="stage_changes")
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="+")
    from_stage = models.ForeignKey(
        Stage, verbose_name=_("from"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("when"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Seconds the deal spent in ``from_stage`` (None for the first entry).
    seconds_in_stage = models.PositiveBigIntegerField(_("time in stage, s"), null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["deal", "-changed_at", "-id"], name="stagechange_deal_idx"),
            # Conversion and cycle-time reports: entries into a stage over a period.
            models.Index(fields=["to_stage", "changed_at"], name="stagechange_to_idx"),
            models.Index(fields=["pipeline", "changed_at"], name="stagechange_pipeline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"

    @property
    def time_in_stage(self) -> datetime.timedelta | None:
        return datetime.timedelta(seconds=self.seconds_in_stage) if self.seconds_in_stage is not None else None
