"""The client card: the client itself, its requisites, bank accounts, addresses and reference lists.

Every field of DESIGN §6 is a real column, a reference list or an administrator's custom field
(``Client.custom_fields``, described by ``kartoteka.customfields``). Writes go through
``clients.services``; each change is recorded by django-simple-history for the card's timeline.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from kartoteka.core.models import ReferenceList, Tag, Territory, TimeStampedModel


class LegalForm(ReferenceList):
    abbreviation = models.CharField(_("abbreviation"), max_length=20, blank=True, help_text=_("ООО, SRL, ТОВ…"))
    country_code = models.CharField(_("country code"), max_length=2, blank=True)

    class Meta(ReferenceList.Meta):
        verbose_name = _("legal form")
        verbose_name_plural = _("legal forms")


class Industry(ReferenceList):
    class Meta(ReferenceList.Meta):
        verbose_name = _("line of business")
        verbose_name_plural = _("lines of business")


class Segment(ReferenceList):
    class Meta(ReferenceList.Meta):
        verbose_name = _("segment")
        verbose_name_plural = _("segments")


class ClientCategory(ReferenceList):
    """VIP / A / B / C: how much the client matters by turnover, margin and share."""

    color = models.CharField(_("colour"), max_length=20, default="secondary")

    class Meta(ReferenceList.Meta):
        verbose_name = _("client category")
        verbose_name_plural = _("client categories")


class ClientPriority(ReferenceList):
    """Strategic priority A / B / C."""

    class Meta(ReferenceList.Meta):
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")


class ClientType(ReferenceList):
    """Potential, tentative, active, passive."""

    class Meta(ReferenceList.Meta):
        verbose_name = _("client type")
        verbose_name_plural = _("client types")


class SizeClass(ReferenceList):
    """Small, medium, large, corporation."""

    class Meta(ReferenceList.Meta):
        verbose_name = _("size")
        verbose_name_plural = _("sizes")


class ClientSource(ReferenceList):
    """Where the client came from: exhibition, website, referral, cold call…"""

    class Meta(ReferenceList.Meta):
        verbose_name = _("source")
        verbose_name_plural = _("sources")


class TermsPackage(ReferenceList):
    """Standard conditions for a group of clients; the catalog issue adds prices and assortments."""

    discount_percent = models.DecimalField(
        _("discount, %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms, days"), default=0)
    description = models.TextField(_("description"), blank=True)

    class Meta(ReferenceList.Meta):
        verbose_name = _("terms package")
        verbose_name_plural = _("terms packages")


class ClientKind(models.TextChoices):
    COMPANY = "company", _("company")
    INDIVIDUAL = "individual", _("individual")


class SalesMode(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("sales mode", "active")
    ACTIVE_PASSIVE = "active_passive", pgettext_lazy("sales mode", "active-passive")
    PASSIVE = "passive", pgettext_lazy("sales mode", "passive")


class SalesKind(models.TextChoices):
    QUALITATIVE = "qualitative", _("qualitative")
    QUANTITATIVE = "quantitative", _("quantitative")


class PlanningMethod(models.TextChoices):
    TARGETED = "targeted", _("targeted")
    STATISTICAL = "statistical", _("statistical")
    BY_CATEGORY = "by_category", _("by category")


class FirstContactReason(models.TextChoices):
    OUR_INITIATIVE = "our_initiative", _("our initiative")
    CLIENT_REQUEST = "client_request", _("client's request")


percent_validators = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class Client(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=20, choices=ClientKind.choices, default=ClientKind.COMPANY)
    name = models.CharField(_("name"), max_length=255)
    legal_form = models.ForeignKey(
        LegalForm, verbose_name=_("legal form"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Lower-cased name without legal form and quotes: what duplicate checks and name search compare.
    name_key = models.CharField(max_length=255, editable=False, default="")

    # Line of business and size
    industry = models.ForeignKey(
        Industry, verbose_name=_("line of business"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    business_description = models.TextField(_("business description"), blank=True)
    size = models.ForeignKey(SizeClass, verbose_name=_("size"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    annual_turnover = models.DecimalField(_("annual turnover"), max_digits=18, decimal_places=2, null=True, blank=True)
    turnover_currency = models.CharField(_("turnover currency"), max_length=3, blank=True)
    market_share = models.DecimalField(
        _("market share, %"), max_digits=5, decimal_places=2, null=True, blank=True, validators=percent_validators
    )
    staff_count = models.PositiveIntegerField(_("staff"), null=True, blank=True)
    branch_count = models.PositiveIntegerField(_("branches"), null=True, blank=True)
    coverage = models.CharField(_("market coverage"), max_length=255, blank=True)
    export_countries = models.CharField(_("export countries"), max_length=255, blank=True)
    website = models.URLField(_("website"), max_length=255, blank=True)

    # Where and who
    country = models.CharField(_("country"), max_length=2, default="RU", help_text=_("Decides which requisites apply."))
    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "users.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsible_for_clients",
    )

    # Categorisation
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    priority = models.ForeignKey(
        ClientPriority, verbose_name=_("priority"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client_type = models.ForeignKey(
        ClientType, verbose_name=_("client type"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        ClientCategory, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sales_mode = models.CharField(_("sales mode"), max_length=20, choices=SalesMode.choices, blank=True)
    sales_kind = models.CharField(_("sales kind"), max_length=20, choices=SalesKind.choices, blank=True)
    planning_method = models.CharField(_("planning method"), max_length=20, choices=PlanningMethod.choices, blank=True)
    terms_package = models.ForeignKey(
        TermsPackage, verbose_name=_("terms package"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    individual_discount = models.DecimalField(
        _("individual discount, %"), max_digits=5, decimal_places=2, null=True, blank=True, validators=percent_validators
    )
    individual_terms = models.TextField(_("individual conditions"), blank=True)

    # Potential and relationship
    potential_amount = models.DecimalField(_("sales potential"), max_digits=18, decimal_places=2, null=True, blank=True)
    potential_currency = models.CharField(_("potential currency"), max_length=3, blank=True)
    potential_quantity = models.DecimalField(_("potential, units"), max_digits=18, decimal_places=3, null=True, blank=True)
    potential_unit = models.CharField(_("unit"), max_length=20, blank=True)
    wallet_share = models.DecimalField(
        _("share of wallet, %"), max_digits=5, decimal_places=2, null=True, blank=True, validators=percent_validators
    )
    loyalty = models.PositiveSmallIntegerField(
        _("loyalty"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    first_contact_reason = models.CharField(
        _("reason of first contact"), max_length=20, choices=FirstContactReason.choices, blank=True
    )
    source = models.ForeignKey(
        ClientSource, verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="clients")
    notes = models.TextField(_("notes"), blank=True)

    # The main contract: its validity drives the renewal reminder on My day.
    contract_number = models.CharField(_("contract number"), max_length=100, blank=True)
    contract_signed_on = models.DateField(_("contract signed"), null=True, blank=True)
    contract_valid_until = models.DateField(_("contract valid until"), null=True, blank=True)

    # Kept by the services: when the current responsible got the client ("newly assigned to me"),
    # and when the last contact with the client happened (frequency, "not contacted for N days").
    responsible_since = models.DateTimeField(_("responsible since"), null=True, blank=True, editable=False)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)

    # The main tax identifier of the client's country (INN, EDRPOU, CUI, IDNO), copied from the
    # requisites by the service so lists, search and duplicate checks need no join.
    tax_id = models.CharField(_("tax ID"), max_length=20, blank=True, default="")
    custom_fields = models.JSONField(_("additional fields"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(
        m2m_fields=[tags], excluded_fields=["name_key", "updated_at", "last_contact_at", "responsible_since"]
    )

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [
            models.Index(fields=["name", "id"], name="client_name_idx"),
            models.Index(fields=["name_key"], name="client_name_key_idx"),
            models.Index(fields=["tax_id"], name="client_tax_id_idx"),
            models.Index(fields=["responsible", "name", "id"], name="client_responsible_idx"),
            models.Index(fields=["responsible", "category", "name", "id"], name="client_resp_category_idx"),
            models.Index(fields=["team", "name", "id"], name="client_team_idx"),
            models.Index(fields=["category", "name", "id"], name="client_category_idx"),
            models.Index(fields=["segment", "name", "id"], name="client_segment_idx"),
            models.Index(fields=["priority", "name", "id"], name="client_priority_idx"),
            models.Index(fields=["client_type", "name", "id"], name="client_type_idx"),
            models.Index(fields=["territory", "name", "id"], name="client_territory_idx"),
            models.Index(fields=["source", "name", "id"], name="client_source_idx"),
            models.Index(fields=["industry", "name", "id"], name="client_industry_idx"),
            # Low-cardinality filters still get (field, name, id): the filter and the default sort in one index.
            models.Index(fields=["kind", "name", "id"], name="client_kind_idx"),
            models.Index(fields=["sales_mode", "name", "id"], name="client_sales_mode_idx"),
            models.Index(fields=["sales_kind", "name", "id"], name="client_sales_kind_idx"),
            models.Index(fields=["planning_method", "name", "id"], name="client_planning_idx"),
            models.Index(fields=["first_contact_reason", "name", "id"], name="client_first_contact_idx"),
            models.Index(fields=["loyalty", "name", "id"], name="client_loyalty_idx"),
            models.Index(fields=["size", "name", "id"], name="client_size_idx"),
            models.Index(fields=["legal_form", "name", "id"], name="client_legal_form_idx"),
            models.Index(fields=["terms_package", "name", "id"], name="client_terms_idx"),
            models.Index(fields=["supervisor", "name", "id"], name="client_supervisor_idx"),
            models.Index(fields=["created_at", "id"], name="client_created_idx"),
            models.Index(fields=["updated_at", "id"], name="client_updated_idx"),
            models.Index(fields=["responsible", "last_contact_at"], name="client_resp_last_contact_idx"),
            models.Index(fields=["last_contact_at", "id"], name="client_last_contact_idx"),
            models.Index(fields=["responsible", "contract_valid_until"], name="client_resp_contract_idx"),
            models.Index(fields=["contract_valid_until", "id"], name="client_contract_idx"),
            models.Index(fields=["responsible", "-responsible_since"], name="client_resp_since_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.legal_form is not None and self.legal_form.abbreviation:
            return f"{self.legal_form.abbreviation} «{self.name}»"
        return self.name


class Requisites(models.Model):
    """Registration and tax codes. Which of them apply depends on ``Client.country``."""

    client = models.OneToOneField(Client, primary_key=True, on_delete=models.CASCADE, related_name="requisites")
    full_name = models.CharField(_("full legal name"), max_length=500, blank=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    ogrn = models.CharField(_("OGRN/OGRNIP"), max_length=15, blank=True)
    okpo = models.CharField(_("OKPO"), max_length=10, blank=True)
    edrpou = models.CharField(_("EDRPOU"), max_length=8, blank=True)
    ipn = models.CharField(_("IPN"), max_length=12, blank=True)
    cui = models.CharField(_("CUI/CIF"), max_length=12, blank=True)
    reg_com = models.CharField(_("Reg. Com."), max_length=30, blank=True)
    idno = models.CharField(_("IDNO"), max_length=13, blank=True)
    director = models.CharField(_("director"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("requisites")
        verbose_name_plural = _("requisites")

    def __str__(self) -> str:
        return str(_("Requisites"))


class BankAccount(models.Model):
    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="bank_accounts")
    bank_name = models.CharField(_("bank"), max_length=255)
    bik = models.CharField(_("BIK"), max_length=9, blank=True)
    account = models.CharField(_("settlement account"), max_length=34, blank=True)
    correspondent_account = models.CharField(_("correspondent account"), max_length=20, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    swift = models.CharField(_("SWIFT/BIC"), max_length=11, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    is_primary = models.BooleanField(_("primary"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account or self.iban}"


class AddressKind(models.TextChoices):
    LEGAL = "legal", _("legal")
    ACTUAL = "actual", _("actual")
    POSTAL = "postal", _("postal")
    DELIVERY = "delivery", _("delivery")


class Address(models.Model):
    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("kind"), max_length=20, choices=AddressKind.choices, default=AddressKind.ACTUAL)
    country = models.CharField(_("country"), max_length=2, default="RU")
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    region = models.CharField(_("region"), max_length=150, blank=True)
    city = models.CharField(_("city"), max_length=150, blank=True)
    street = models.CharField(_("street, building, office"), max_length=500)
    comment = models.CharField(_("comment"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return ", ".join(part for part in (self.postal_code, self.region, self.city, self.street) if part)


class ClientMerge(models.Model):
    """A record that ``absorbed`` was merged into ``survivor``: what it was and what moved."""

    survivor = models.ForeignKey(Client, verbose_name=_("kept client"), on_delete=models.CASCADE, related_name="merges")
    absorbed_id = models.PositiveBigIntegerField(_("merged client id"))
    absorbed_name = models.CharField(_("merged client"), max_length=255)
    snapshot = models.JSONField(_("merged client's data"), default=dict)
    moved = models.JSONField(_("moved records"), default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("merged by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("client merge")
        verbose_name_plural = _("client merges")

    def __str__(self) -> str:
        return f"{self.absorbed_name} → {self.survivor_id}"


# --- Duplicate scan -------------------------------------------------------------------------------


class DuplicateScanStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    FINISHED = "finished", _("finished")
    FAILED = "failed", _("failed")


class DuplicateScan(models.Model):
    """One run of the batch duplicate scan (``clients.tasks.scan_duplicates``); the report shows the latest."""

    status = models.CharField(_("status"), max_length=20, choices=DuplicateScanStatus.choices, default=DuplicateScanStatus.QUEUED)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    total = models.PositiveIntegerField(_("clients to scan"), default=0)
    processed = models.PositiveIntegerField(_("clients scanned"), default=0)
    group_count = models.PositiveIntegerField(_("groups found"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("duplicate scan")
        verbose_name_plural = _("duplicate scans")
        indexes = [models.Index(fields=["status", "-created_at"], name="duplicate_scan_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.processed / self.total)) if self.total else 0


class DuplicateGroup(models.Model):
    """Clients that one rule of the scan says are probably the same company."""

    scan = models.ForeignKey(DuplicateScan, on_delete=models.CASCADE, related_name="groups")
    # Rule codes ("tax_id", "phone", "email", "name", "similar_name") and what they matched on.
    reasons = models.JSONField(default=list)
    key = models.CharField(max_length=255, blank=True)
    score = models.PositiveSmallIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("duplicate group")
        verbose_name_plural = _("duplicate groups")
        indexes = [models.Index(fields=["scan", "-score", "id"], name="duplicate_group_scan_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.size})"


class DuplicateGroupMember(models.Model):
    group = models.ForeignKey(DuplicateGroup, on_delete=models.CASCADE, related_name="members")
    # related_name="+" keeps this out of Client._meta.related_objects, so client_merge does not re-point
    # it to the survivor; the absorbed client's rows go with it when it is deleted.
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]
        verbose_name = _("duplicate group member")
        verbose_name_plural = _("duplicate group members")
        constraints = [models.UniqueConstraint(fields=["group", "client"], name="duplicate_member_unique")]
        indexes = [models.Index(fields=["client"], name="duplicate_member_client_idx")]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.client_id}"
