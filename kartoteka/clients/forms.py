"""Forms of the client card's sections. They parse input; the services validate, write and audit.

Plain forms (not ModelForms) on purpose: validating must not change the client before the service
saves it. Fields, labels and validators still come from the model (``fields_for_model``), so a
field's name on the form is its name on the card and in the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.forms.models import fields_for_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kartoteka.clients import requisites as rules
from kartoteka.clients.models import Address, BankAccount, Client, Requisites
from kartoteka.core.models import Territory, TerritoryKind
from kartoteka.users import access
from kartoteka.users.models import Scope, Team

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.users.models import User

# In form order: short fields in a grid first, long text last (a text area takes a whole row).
GENERAL_FIELDS = (
    "name", "kind", "legal_form", "industry", "size", "annual_turnover", "turnover_currency", "market_share",
    "staff_count", "branch_count", "coverage", "export_countries", "website", "country", "territory", "team",
    "supervisor", "responsible", "contract_number", "contract_signed_on", "contract_valid_until",
    "business_description", "notes",
)  # fmt: skip
CATEGORISATION_FIELDS = (
    "segment", "priority", "client_type", "category", "sales_mode", "sales_kind", "planning_method", "terms_package",
    "individual_discount", "potential_amount", "potential_currency", "potential_quantity", "potential_unit",
    "wallet_share", "loyalty", "first_contact_reason", "source", "individual_terms",
)  # fmt: skip
# Fields that can be changed right in the card's header with a small select.
INLINE_FIELDS = ("category", "priority", "client_type", "responsible")


_GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009'")


def normalize_number(text: str) -> str:
    """ "1 500 000,50", "1,500,000.50" and "35,5" as Python reads numbers; whatever else stays for the field to refuse."""
    text = text.strip().translate(_GROUPING)
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        return text.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
    if text.count(",") == 1:
        return text.replace(",", ".")  # the decimal comma of Russian, Ukrainian and Romanian
    return text.replace(",", "")


class FlexibleDecimalField(forms.DecimalField):
    """An amount typed the way people type it in any of the interface languages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["localize"] = False
        kwargs["widget"] = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = normalize_number(value)
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {}  # no min/max/step: they belong to <input type=number>


def model_form_fields(model: type[models.Model], names: Iterable[str]) -> dict[str, forms.Field]:
    """Form fields with the model's labels and rules; amounts accept any usual spelling."""

    def formfield(model_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
        if isinstance(model_field, models.DecimalField):
            kwargs["form_class"] = FlexibleDecimalField
        return model_field.formfield(**kwargs)

    return fields_for_model(model, fields=list(names), formfield_callback=formfield)  # type: ignore[return-value]


def user_label(user: Any) -> str:
    return user.get_full_name() or user.email


class CardFormMixin:
    """Bootstrap classes on every widget, and a service's ValidationError shown on the right fields."""

    fields: dict[str, forms.Field]

    def style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            existing = widget.attrs.get("class", "")
            if css.split()[0] not in existing:
                widget.attrs["class"] = f"{existing} {css}".strip()
            if isinstance(widget, forms.Textarea):
                widget.attrs["rows"] = 2  # dense: the box grows as the text does (card.css)
            if isinstance(field, forms.ModelChoiceField):
                if field.empty_label is not None:
                    field.empty_label = "—"
            elif isinstance(field, forms.ChoiceField):
                choices = list(field.choices)  # type: ignore[arg-type]
                if choices and choices[0][0] == "":
                    field.choices = [("", "—"), *choices[1:]]

    def add_service_errors(self, error: ValidationError, aliases: Mapping[str, str] | None = None) -> None:
        """Put each of the service's messages next to its field (custom fields on their ``cf_`` field)."""
        form: Any = self
        if not hasattr(error, "error_dict"):
            form.add_error(None, error)
            return
        for key, problems in error.error_dict.items():
            name = (aliases or {}).get(key, key)
            if name not in self.fields and f"cf_{name}" in self.fields:
                name = f"cf_{name}"
            form.add_error(name if name in self.fields else None, problems)


class TerritoryChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return obj.label


class UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return user_label(obj)


def _reference_queryset(model: type[models.Model], current: int | None) -> models.QuerySet[Any]:
    # Deactivated entries are no longer offered, but the one the client has stays selectable.
    wanted = Q(is_active=True)
    if current is not None:
        wanted |= Q(pk=current)
    return model._default_manager.filter(wanted)


def assignable_users(viewer: User | AnonymousUser, current: Iterable[int | None] = ()) -> models.QuerySet[Any]:
    """Active people the viewer may see, plus whoever the client names now."""
    wanted = Q(pk__in=access.visible(viewer, get_user_model()).filter(is_active=True).values("pk"))
    for pk in current:
        if pk is not None:
            wanted |= Q(pk=pk)
    return get_user_model()._default_manager.filter(wanted).order_by("last_name", "first_name", "id")


def can_reassign(viewer: User | AnonymousUser) -> bool:
    """A manager who may change only their own clients cannot hand one over (the service would refuse)."""
    return access.scope(viewer, "client", "change") >= Scope.TEAM


def country_choices(current: str) -> list[tuple[str, str]]:
    choices = [(t.country_code, t.name) for t in Territory.objects.filter(kind=TerritoryKind.COUNTRY).exclude(country_code="")]
    codes = {code for code, _name in choices}
    for code in rules.COUNTRY_REQUISITES:
        if code not in codes:
            choices.append((code, code))
            codes.add(code)
    if current and current not in codes:
        choices.append((current, current))
    return sorted(choices, key=lambda pair: pair[1])


def loose_digits(field: forms.Field, *, numeric: bool = True) -> None:
    """A code as people paste it ("7707 083 893"): no length limit here, the service normalises and checks it
    (length and check digits) and names the rule broken. A phone's digit keyboard where only digits count."""
    char_field = cast(forms.CharField, field)
    char_field.max_length = None
    char_field.validators = []
    field.widget.attrs.pop("maxlength", None)
    field.widget.attrs["inputmode"] = "numeric" if numeric else "text"


class ClientSectionForm(CardFormMixin, forms.Form):
    """A section of the client card: its model fields plus the administrator's custom fields."""

    field_names: tuple[str, ...] = ()
    section = ""

    def __init__(self, *args: Any, client: Client, viewer: User | AnonymousUser, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {name: getattr(client, _attname(name)) for name in self.field_names})
        super().__init__(*args, **kwargs)
        self.client = client
        self.viewer = viewer
        for name, field in model_form_fields(Client, self.field_names).items():
            self.fields[name] = field
        for name in self.field_names:
            field = self.fields[name]
            model_field = Client._meta.get_field(name)
            if isinstance(field, forms.ModelChoiceField) and model_field.related_model is not None:
                self._limit_choices(name, field, model_field.related_model)
        self.custom_field_names = add_custom_fields(self, "client", self.section, client.custom_fields) if self.section else []
        self.style()

    def _limit_choices(self, name: str, field: forms.ModelChoiceField, model: Any) -> None:  # type: ignore[type-arg]
        current = getattr(self.client, f"{name}_id")
        if model is get_user_model():
            self.fields[name] = UserChoiceField(
                queryset=assignable_users(self.viewer, [current]), required=False, label=field.label, empty_label="—"
            )
        elif model is Team:
            wanted = Q(pk__in=access.visible(self.viewer, Team).values("pk"))
            if current is not None:
                wanted |= Q(pk=current)
            field.queryset = Team.objects.filter(wanted).order_by("path")
        elif model is Territory:
            self.fields[name] = TerritoryChoiceField(
                queryset=Territory.objects.order_by("path"), required=False, label=field.label, empty_label="—"
            )
        elif hasattr(model, "is_active"):
            field.queryset = _reference_queryset(model, current)

    def changes(self) -> dict[str, Any]:
        """Model fields as the service takes them (the service itself skips those that did not change)."""
        return {name: self.cleaned_data[name] for name in self.field_names if name in self.cleaned_data}

    def custom_values(self) -> dict[str, Any] | None:
        if not self.custom_field_names:
            return None
        return custom_values_from(self, "client", self.section)


def _attname(name: str) -> str:
    field = Client._meta.get_field(name)
    return field.attname if field.is_relation else name  # type: ignore[union-attr]


class GeneralForm(ClientSectionForm):
    field_names = GENERAL_FIELDS
    section = "general"
    confirm_duplicates = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"] = forms.ChoiceField(
            label=self.fields["country"].label,
            choices=country_choices(self.client.country),
            help_text=Client._meta.get_field("country").help_text,
        )
        if not can_reassign(self.viewer):
            # Handing a client over is a supervisor's decision; a manager sees who, but cannot change it.
            for name in ("team", "supervisor", "responsible"):
                self.fields[name].disabled = True
        for name in ("contract_signed_on", "contract_valid_until"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["name"].widget.attrs["autofocus"] = True
        self.style()


class CategorisationForm(ClientSectionForm):
    field_names = CATEGORISATION_FIELDS
    section = "categorisation"
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000, help_text=_("Separate tags with commas."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("tags", ", ".join(tag.name for tag in self.client.tags.all()))
        self.fields["loyalty"].widget = forms.Select(
            choices=[("", "—"), *((str(n), str(n)) for n in range(1, 6))], attrs={"class": "form-select form-select-sm"}
        )
        self.fields["segment"].widget.attrs["autofocus"] = True
        self.order_fields([*(name for name in self.field_names if name != "individual_terms"), "tags", "individual_terms"])

    def tag_names(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data.get("tags", "").split(",") if name.strip()]


class AdditionalForm(ClientSectionForm):
    """Custom fields placed outside the standard sections ("relationship", "additional")."""

    sections = ("relationship", "additional")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for section in self.sections:
            self.custom_field_names += add_custom_fields(self, "client", section, self.client.custom_fields)
        self.style()

    def custom_values(self) -> dict[str, Any] | None:
        if not self.custom_field_names:
            return None
        return custom_values_from(self, "client", None)


class RequisitesForm(CardFormMixin, forms.Form):
    """The codes that apply in the client's country; the service checks each (check digits included)."""

    def __init__(self, *args: Any, client: Client, requisites: Requisites | None, **kwargs: Any) -> None:
        self.codes = list(rules.COUNTRY_REQUISITES.get(client.country, []))
        names = ["full_name", *self.codes, "director"]
        kwargs.setdefault("initial", {name: getattr(requisites, name, "") for name in names})
        super().__init__(*args, **kwargs)
        self.client = client
        for name, field in model_form_fields(Requisites, names).items():
            if name in rules.FIELD_LABELS:
                field.label = rules.FIELD_LABELS[name]
            self.fields[name] = field
        self.order_fields(names)
        self.fields["full_name"].widget.attrs["autofocus"] = True
        for name in self.codes:
            loose_digits(self.fields[name], numeric=name not in ("kpp", "reg_com"))
        self.custom_field_names = add_custom_fields(self, "client", "requisites", client.custom_fields)
        self.style()

    def values(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in ["full_name", *self.codes, "director"]}

    def custom_values(self) -> dict[str, Any] | None:
        if not self.custom_field_names:
            return None
        return custom_values_from(self, "client", "requisites")


class BankAccountForm(CardFormMixin, forms.Form):
    def __init__(self, *args: Any, account: BankAccount | None = None, **kwargs: Any) -> None:
        from kartoteka.clients.services import BANK_ACCOUNT_FIELDS

        self.field_names = BANK_ACCOUNT_FIELDS
        if account is not None:
            kwargs.setdefault("initial", {name: getattr(account, name) for name in BANK_ACCOUNT_FIELDS})
        super().__init__(*args, **kwargs)
        self.fields.update(model_form_fields(BankAccount, BANK_ACCOUNT_FIELDS))
        for name in ("bik", "account", "correspondent_account"):
            loose_digits(self.fields[name])
        self.fields["bank_name"].widget.attrs["autofocus"] = True
        self.style()

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.field_names}


class AddressForm(CardFormMixin, forms.Form):
    def __init__(self, *args: Any, address: Address | None = None, client: Client | None = None, **kwargs: Any) -> None:
        from kartoteka.clients.services import ADDRESS_FIELDS

        self.field_names = ADDRESS_FIELDS
        if address is not None:
            kwargs.setdefault("initial", {name: getattr(address, name) for name in ADDRESS_FIELDS})
        elif client is not None:
            kwargs.setdefault("initial", {"country": client.country})
        super().__init__(*args, **kwargs)
        self.fields.update(model_form_fields(Address, ADDRESS_FIELDS))
        current = (self.initial.get("country") or "") if address is not None else ""
        self.fields["country"] = forms.ChoiceField(label=self.fields["country"].label, choices=country_choices(current))
        self.fields["kind"].widget.attrs["autofocus"] = True
        self.style()

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.field_names}


class InlineFieldForm(CardFormMixin, forms.Form):
    """One field changed right in the card's header (category, priority, type, responsible)."""

    def __init__(self, *args: Any, client: Client, name: str, viewer: User | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = name
        model_field = Client._meta.get_field(name)
        current = getattr(client, f"{name}_id")
        model = model_field.related_model
        field: forms.Field
        if model is get_user_model():
            field = UserChoiceField(queryset=assignable_users(viewer, [current]), required=False, empty_label="—")
        else:
            field = forms.ModelChoiceField(queryset=_reference_queryset(model, current), required=False, empty_label="—")  # type: ignore[arg-type]
        field.label = capfirst(str(model_field.verbose_name))  # type: ignore[union-attr]
        self.fields["value"] = field
        self.initial.setdefault("value", current)
        self.style()


# --- Custom fields (kartoteka.customfields, imported lazily: it depends on clients, not the other way) ---


def add_custom_fields(form: forms.BaseForm, entity: str, section: str | None, initial: Mapping[str, Any] | None) -> list[str]:
    try:
        from kartoteka.customfields.forms import add_fields
    except ImportError:  # pragma: no cover - the app ships with the project
        return []
    return add_fields(form, entity, section=section, initial=initial)


def custom_values_from(form: forms.BaseForm, entity: str, section: str | None) -> dict[str, Any]:
    from kartoteka.customfields.forms import values_from

    return values_from(form, entity, section=section)
