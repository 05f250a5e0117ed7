"""Forms of the deal screens: they parse input into what the deal services take, nothing more.

The services validate (a stage of the deal's pipeline, the fields a stage requires, whom a deal may be
given to, contacts of the deal's client); :meth:`DealFormMixin.add_deal_errors` puts their errors next to
the fields that caused them, and a stage's missing fields are named in the form's own message.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kartoteka.activities.forms_tasks import combine
from kartoteka.activities.models import TaskKind
from kartoteka.clients.forms import CardFormMixin
from kartoteka.clients.models import ClientSource
from kartoteka.contacts.models import Contact, ContactRole
from kartoteka.deals.models import DEFAULT_CURRENCY, Deal, DealLine, LostReason, Pipeline, Stage, StageKind
from kartoteka.deals.services import MAX_CONTACTS, MAX_LINES, StageRequirementsError
from kartoteka.users import access

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.users.models import User

# The currencies offered first; a deal's own (set through the API, say) is always kept in the list.
CURRENCIES = ("RUB", "UAH", "MDL", "RON", "KZT", "BYN", "EUR", "USD", "GBP", "CNY")


def normalize_number(value: Any) -> Any:
    """Spaces, commas or points grouping thousands, either mark before the cents: "12 500,50" is "12,500.50"."""
    if not isinstance(value, str):
        return value
    text = value.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if "," in text and "." in text:
        text = text.replace(",", "")  # a comma grouping thousands, a point before the kopecks
    return text.replace(",", ".")


class AmountField(forms.DecimalField):
    """A decimal typed with spaces, commas or points grouping the thousands and either mark before the cents."""

    def to_python(self, value: Any) -> Any:
        return super().to_python(normalize_number(value))


def amount_field(label: Any, *, required: bool = False) -> forms.DecimalField:
    """An amount as people type it ("126 000", "12 500,50"): not negative, to the kopeck."""
    return AmountField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_digits=18,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _date_field(label: Any, *, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def active_or_current[T: Model](queryset: QuerySet[T], current: int | None) -> QuerySet[T]:
    """Entries in use, plus the one the deal has now (a deactivated entry stays selectable where it is set)."""
    wanted = Q(is_active=True)
    if current is not None:
        wanted |= Q(pk=current)
    return queryset.filter(wanted)


class DealFormMixin(CardFormMixin):
    """A service's errors on the right fields; a stage's missing fields named on top and marked below."""

    def add_deal_errors(self, error: Exception, aliases: dict[str, str] | None = None) -> None:
        form: Any = self
        if isinstance(error, StageRequirementsError):
            form.add_error(None, error.message)
            for name in error.missing:
                if name in self.fields:
                    form.add_error(name, _("The stage needs this."))
            return
        if isinstance(error, ValidationError):
            self.add_service_errors(error, aliases)
            return
        form.add_error(None, str(getattr(error, "message", error)))


class StageSelect(forms.Select):
    """Each stage's option names its pipeline and default probability (deals.js filters and hints with them)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        stage = getattr(value, "instance", None)
        if stage is not None:
            option["attrs"]["data-pipeline"] = str(stage.pipeline_id)
            option["attrs"]["data-probability"] = str(stage.probability)
        return option


class StageChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class DealForm(DealFormMixin, forms.Form):
    """Open or change a deal. ``client`` and ``owner`` arrive as ids from the pickers; the view resolves
    them through the access policy. An empty stage means the pipeline's first open stage (new deals)."""

    title = forms.CharField(label=_("Title"), max_length=255)
    client = forms.CharField(label=_("Client"), required=False)
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), queryset=Pipeline.objects.none())
    stage = StageChoiceField(label=_("Stage"), queryset=Stage.objects.none(), required=False, widget=StageSelect)
    amount = amount_field(_("Amount"))
    currency = forms.ChoiceField(label=_("Currency"), choices=())
    expected_close_on = _date_field(_("Expected close date"))
    probability = forms.IntegerField(label=_("Probability, %"), required=False, min_value=0, max_value=100)
    source = forms.ModelChoiceField(label=_("Source"), queryset=ClientSource.objects.none(), required=False)
    owner = forms.CharField(label=_("Owner"), required=False)
    description = forms.CharField(label=_("Description"), required=False, max_length=10_000, widget=forms.Textarea)

    def __init__(self, *args: Any, viewer: User | AnonymousUser, deal: Deal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deal = deal
        pipelines = access.visible(viewer, Pipeline).filter(Q(is_active=True) | Q(pk=getattr(deal, "pipeline_id", None)))
        pipeline_field: Any = self.fields["pipeline"]
        pipeline_field.queryset = pipelines.order_by("order", "id")
        pipeline_field.empty_label = None
        stages = Stage.objects.filter(pipeline__in=pipelines, is_active=True)
        if deal is not None:
            stages = Stage.objects.filter(Q(pk__in=stages.values("pk")) | Q(pk=deal.stage_id))
        stage_field: Any = self.fields["stage"]
        stage_field.queryset = stages.order_by("pipeline__order", "pipeline_id", "order", "id")
        stage_field.empty_label = _("— the first stage")
        source_field: Any = self.fields["source"]
        source_field.queryset = active_or_current(ClientSource.objects.all(), getattr(deal, "source_id", None))
        currency = getattr(deal, "currency", "") or DEFAULT_CURRENCY
        codes = list(CURRENCIES) if currency in CURRENCIES else [currency, *CURRENCIES]
        self.fields["currency"].choices = [(code, code) for code in codes]  # type: ignore[attr-defined]
        self.style()
        self.fields["title"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        self.fields["description"].widget.attrs["rows"] = 3
        self.fields["probability"].widget.attrs["data-probability-input"] = ""
        self.fields["stage"].widget.attrs["data-stage-select"] = ""
        self.fields["pipeline"].widget.attrs["data-pipeline-select"] = ""
        if deal is not None:
            self.fields["probability"].widget.attrs["placeholder"] = str(deal.stage.probability)

    @staticmethod
    def initial_for(deal: Deal) -> dict[str, Any]:
        return {
            "title": deal.title,
            "client": str(deal.client_id),
            "pipeline": deal.pipeline_id,
            "stage": deal.stage_id,
            "amount": deal.amount,
            "currency": deal.currency,
            "expected_close_on": deal.expected_close_on,
            "probability": deal.probability,
            "source": deal.source_id,
            "owner": str(deal.owner_id or ""),
            "description": deal.description,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pipeline, stage = data.get("pipeline"), data.get("stage")
        if pipeline is not None and stage is not None and stage.pipeline_id != pipeline.pk:
            self.add_error("stage", _("Choose a stage of the chosen pipeline."))
        return data

    def values(self) -> dict[str, Any]:
        """The deal's own fields for ``deal_create`` / ``deal_update`` (client and owner are added by the view)."""
        data = self.cleaned_data
        return {
            "title": data["title"].strip(),
            "amount": data.get("amount"),
            "currency": data["currency"],
            "expected_close_on": data.get("expected_close_on"),
            "probability": data.get("probability"),
            "source": data.get("source"),
            "description": data.get("description", "").strip(),
        }


# --- Contacts, line items, price proposals ---------------------------------------------------------


class ContactChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name}, {obj.position}" if obj.position else str(obj)


class RoleChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class DealContactRow(CardFormMixin, forms.Form):
    contact = ContactChoiceField(label=_("Contact person"), queryset=Contact.objects.none(), required=False)
    role = RoleChoiceField(label=_("Role in the deal"), queryset=ContactRole.objects.none(), required=False)

    def __init__(self, *args: Any, contacts: QuerySet[Contact], roles: QuerySet[ContactRole], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contact_field: Any = self.fields["contact"]
        contact_field.queryset = contacts
        role_field: Any = self.fields["role"]
        role_field.queryset = roles
        self.style()


class BaseRowFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """Rows left empty are ignored; a formset of rows is one list for the service."""

    def filled(self) -> list[forms.Form]:
        return [form for form in self.forms if form.has_changed() and not (self.can_delete and form.cleaned_data.get("DELETE"))]

    def report(self, problems: list[str]) -> None:
        """A service's refusal shown above the rows (after validation, which set the formset's own errors)."""
        self._non_form_errors = self.error_class(problems)  # type: ignore[attr-defined]


class BaseContactFormSet(BaseRowFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[int] = set()
        for form in self.filled():
            contact = form.cleaned_data.get("contact")
            if contact is None:
                if form.cleaned_data.get("role") is not None:
                    form.add_error("contact", _("Choose the contact person, or clear the role."))
                continue
            if contact.pk in seen:
                form.add_error("contact", _("This person is listed twice."))
            seen.add(contact.pk)

    def rows(self) -> list[tuple[Contact, ContactRole | None]]:
        return [
            (form.cleaned_data["contact"], form.cleaned_data.get("role"))
            for form in self.filled()
            if form.cleaned_data.get("contact") is not None
        ]


ContactFormSet = forms.formset_factory(
    DealContactRow, formset=BaseContactFormSet, extra=2, max_num=MAX_CONTACTS, validate_max=True, absolute_max=MAX_CONTACTS
)


def contact_formset(
    viewer: User | AnonymousUser, deal: Deal, data: Any = None, *, current: list[Any] | None = None
) -> BaseContactFormSet:
    """The deal's contact persons as rows (and two empty ones), offering the client's visible contacts."""
    contacts = access.visible(viewer, Contact).filter(client_id=deal.client_id)
    chosen = [row.contact_id for row in current or []]
    contacts = contacts.filter(Q(is_active=True) | Q(pk__in=chosen)).order_by("last_name", "first_name", "id")
    roles = active_or_current(ContactRole.objects.all(), None)
    roles = roles | ContactRole.objects.filter(pk__in=[row.role_id for row in current or [] if row.role_id])
    initial = [{"contact": row.contact_id, "role": row.role_id} for row in current or []]
    formset = ContactFormSet(
        data,
        initial=None if data is not None else initial,
        prefix="contacts",
        form_kwargs={"contacts": contacts, "roles": roles.distinct().order_by("order", "name_en")},
    )
    return formset  # type: ignore[return-value]


class DealLineRow(CardFormMixin, forms.Form):
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    quantity = AmountField(label=_("Quantity"), required=False, min_value=Decimal("0.001"), max_digits=18, decimal_places=3)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    price = amount_field(_("Price"))
    discount = AmountField(
        label=_("Discount, %"), required=False, min_value=Decimal(0), max_value=Decimal(100), max_digits=5, decimal_places=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
        for name in ("quantity", "price", "discount"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "data-line-number": name})
        self.fields["quantity"].widget.attrs["placeholder"] = "1"
        self.fields["discount"].widget.attrs["placeholder"] = "0"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        described = bool((data.get("description") or "").strip())
        if self.has_changed() and not described and not self.cleaned_data.get("DELETE"):
            self.add_error("description", _("Describe the item, or clear the row."))
        if described and data.get("price") is None:
            self.add_error("price", _("Give the price."))
        return data

    def line(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "description": data["description"].strip(),
            "quantity": data.get("quantity") or Decimal(1),
            "unit": (data.get("unit") or "").strip(),
            "price": data["price"],
            "discount": data.get("discount") or Decimal(0),
        }


class BaseLineFormSet(BaseRowFormSet):
    def lines(self) -> list[dict[str, Any]]:
        return [form.line() for form in self.filled()]  # type: ignore[attr-defined]


LineFormSet = forms.formset_factory(
    DealLineRow, formset=BaseLineFormSet, extra=2, can_delete=True, max_num=MAX_LINES, validate_max=True, absolute_max=MAX_LINES
)


def line_formset(data: Any = None, *, current: list[DealLine] | None = None) -> BaseLineFormSet:
    initial = [
        {
            "description": line.description,
            "quantity": line.quantity,
            "unit": line.unit,
            "price": line.price,
            "discount": line.discount,
        }
        for line in current or []
    ]
    return LineFormSet(data, initial=None if data is not None else initial, prefix="lines")  # type: ignore[return-value]


class ProposalForm(DealFormMixin, forms.Form):
    amount = amount_field(_("Price"), required=True)
    proposed_on = _date_field(_("Date"), required=True)
    by_client = forms.BooleanField(label=_("client's counter-offer"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"proposed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.style()


# --- Outcomes and moves -----------------------------------------------------------------------------


class ReasonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class LoseForm(DealFormMixin, forms.Form):
    lost_reason = ReasonChoiceField(label=_("Reason"), queryset=LostReason.objects.none())
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reason_field: Any = self.fields["lost_reason"]
        reason_field.queryset = LostReason.objects.filter(is_active=True).order_by("order", "name_en")
        reason_field.error_messages["required"] = _("Say why the deal was lost.")
        self.style()
        reason_field.empty_label = _("— choose the reason")


class WinForm(DealFormMixin, forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


def open_stages(deal: Deal) -> QuerySet[Stage]:
    return Stage.objects.filter(pipeline_id=deal.pipeline_id, is_active=True, kind=StageKind.OPEN).order_by("order", "id")


# --- A task for the deal ----------------------------------------------------------------------------


class DealTaskForm(DealFormMixin, forms.Form):
    """Plan the next step on the deal for oneself: a call, a meeting, a to-do, with a day and a time."""

    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices, initial=TaskKind.CALL)
    title = forms.CharField(label=_("What to do"), max_length=255, required=False)
    due_date = _date_field(_("Due date"), required=True)
    due_time = forms.TimeField(
        label=_("Time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("empty: all day"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"due_date": timezone.localdate() + datetime.timedelta(days=1), "kind": TaskKind.CALL})
        super().__init__(*args, **kwargs)
        self.style()
        self.fields["title"].widget.attrs["placeholder"] = _("e.g. send the offer")

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        moment = data.get("due_time")
        return {
            "kind": data["kind"],
            "title": data.get("title", "").strip(),
            "due_at": combine(data["due_date"], moment),
            "all_day": moment is None,
        }
