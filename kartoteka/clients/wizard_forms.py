"""The new-client wizard's form: minimal fields first, requisites checked as typed, duplicates before creation.

The form only parses and validates input; :func:`create_client` hands it to the services
(``clients.services.client_create``, which adds the phone and email in the same transaction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kartoteka.clients import requisites as rules
from kartoteka.clients import services as client_services
from kartoteka.clients.duplicates import DuplicateHit, find_duplicates
from kartoteka.clients.models import (
    Client,
    ClientCategory,
    ClientKind,
    ClientSource,
    FirstContactReason,
    LegalForm,
    Segment,
)
from kartoteka.contacts.normalize import format_phone, normalize_email, normalize_phone
from kartoteka.users import access
from kartoteka.users.models import Scope, User

if TYPE_CHECKING:
    from django.db.models import QuerySet

OTHER_COUNTRY = "other"
COUNTRY_CHOICES = [
    ("RU", _("Russia")),
    ("UA", _("Ukraine")),
    ("RO", _("Romania")),
    ("MD", _("Moldova")),
    (OTHER_COUNTRY, _("Other country")),
]
_ISO_COUNTRY = re.compile(r"[A-Z]{2}")

# Which requisite holds a client's tax id, by country and kind (a Ukrainian person has an IPN, not an EDRPOU).
_TAX_FIELDS: dict[tuple[str, str], str] = {
    ("RU", ClientKind.COMPANY): "inn",
    ("RU", ClientKind.INDIVIDUAL): "inn",
    ("UA", ClientKind.COMPANY): "edrpou",
    ("UA", ClientKind.INDIVIDUAL): "ipn",
    ("RO", ClientKind.COMPANY): "cui",
    ("RO", ClientKind.INDIVIDUAL): "cui",
    ("MD", ClientKind.COMPANY): "idno",
}

# Fields the live check validates as they are typed, in the order they appear.
CHECKED_FIELDS = ("name", "tax_id", "phone", "email")


@dataclass
class FieldState:
    """What the wizard shows under a field while it is typed: nothing, a hint, an error or a confirmation."""

    state: str  # "", "hint", "error", "ok"
    message: str = ""


class NewClientForm(forms.Form):
    # Step 1: the minimum that makes a card, checked as typed.
    kind = forms.ChoiceField(label=_("Kind"), choices=ClientKind.choices, initial=ClientKind.COMPANY, widget=forms.RadioSelect)
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRY_CHOICES, initial="RU")
    other_country = forms.CharField(
        label=_("Country code"), max_length=2, required=False, help_text=_("Two Latin letters (ISO 3166): KZ, DE, US…")
    )
    name = forms.CharField(
        label=pgettext_lazy("client", "Name"), max_length=255, error_messages={"required": _("Enter the client's name.")}
    )
    legal_form = forms.ModelChoiceField(
        label=_("Legal form"), queryset=LegalForm.objects.filter(is_active=True), required=False, empty_label="—"
    )
    tax_id = forms.CharField(label=_("Tax ID"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    # Step 2: optional details.
    responsible = forms.ModelChoiceField(label=_("Responsible"), queryset=User.objects.none(), empty_label=None)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ClientCategory.objects.filter(is_active=True), required=False, empty_label="—"
    )
    segment = forms.ModelChoiceField(
        label=_("Segment"), queryset=Segment.objects.filter(is_active=True), required=False, empty_label="—"
    )
    source = forms.ModelChoiceField(
        label=_("Source"), queryset=ClientSource.objects.filter(is_active=True), required=False, empty_label="—"
    )
    first_contact_reason = forms.ChoiceField(
        label=_("Reason of first contact"), choices=[("", "—"), *FirstContactReason.choices], required=False
    )
    # The duplicate confirmation: valid only for the duplicates the person was shown.
    confirm_duplicates = forms.BooleanField(
        label=_("Create anyway: I have checked that this is a different client"), required=False
    )
    duplicates_seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.duplicates: list[DuplicateHit] = []
        self.duplicates_need_confirmation = False
        country = self._raw("country") or "RU"
        # Any active form validates (so a mismatch gets a clear message); the country's own are offered.
        self.fields["legal_form"].widget.choices = [
            ("", "—"),
            *(
                (form.pk, f"{form.abbreviation} — {form.name}" if form.abbreviation else form.name)
                for form in legal_forms_for(country)
            ),
        ]
        self.fields["tax_id"].label = self.tax_label
        if self.can_assign:
            self.fields["responsible"].queryset = (  # type: ignore[attr-defined]
                access.visible(user, User).filter(is_active=True).select_related("team").order_by("last_name", "first_name", "id")
            )
            self.fields["responsible"].initial = user.pk
        else:
            del self.fields["responsible"]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select) and not isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs.setdefault("class", "form-select")

    def _raw(self, name: str) -> str:
        source = self.data if self.is_bound else self.initial
        value = source.get(name) or self.fields[name].initial or ""
        return str(value)

    @property
    def can_assign(self) -> bool:
        """Supervisors and heads pick who is responsible; a manager's new clients are their own."""
        return access.scope(self.user, "client", "create") > Scope.OWN

    @property
    def country_choice(self) -> str:
        return self._raw("country")

    @property
    def tax_field(self) -> str | None:
        """The requisite the tax id field fills ("inn", "edrpou"…), or None where no rule applies."""
        return _TAX_FIELDS.get((self._raw("country"), self._raw("kind") or ClientKind.COMPANY))

    @property
    def tax_label(self) -> str:
        field = self.tax_field
        return str(rules.FIELD_LABELS[field]) if field else gettext("Tax ID")

    # --- Field by field (also what the live check runs) ---

    def clean_other_country(self) -> str:
        code = self.cleaned_data.get("other_country", "").strip().upper()
        if self.cleaned_data.get("country") != OTHER_COUNTRY:
            return ""
        if not code:
            raise ValidationError(_("Enter the country's two-letter code."), code="required")
        if not _ISO_COUNTRY.fullmatch(code):
            raise ValidationError(_("A country code is two Latin letters, such as KZ or DE."), code="format")
        return code

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data.get("name", "").split())
        if not name:
            raise ValidationError(_("Enter the client's name."), code="required")
        return name

    def clean_tax_id(self) -> str:
        value = self.cleaned_data.get("tax_id", "").strip()
        field = self.tax_field
        if not value or field is None:
            return "" if field is None else value
        return rules.VALIDATORS[field](value)

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "").strip()
        if not value:
            return ""
        region = self._raw("country") if self._raw("country") != OTHER_COUNTRY else self._raw("other_country").upper()
        return normalize_phone(value, region=region or "RU")

    def clean_email(self) -> str:
        value = self.cleaned_data.get("email", "").strip()
        return normalize_email(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        legal_form = data.get("legal_form")
        country = self.client_country(data)
        if legal_form is not None and legal_form.country_code and legal_form.country_code != country:
            self.add_error("legal_form", _("This legal form is not used in the chosen country."))
        return data

    def client_country(self, data: dict[str, Any] | None = None) -> str:
        data = self.cleaned_data if data is None else data
        if data.get("country") == OTHER_COUNTRY:
            return str(data.get("other_country") or "")
        return str(data.get("country") or "RU")

    # --- Duplicates ---

    def check_duplicates(self) -> list[DuplicateHit]:
        """Look for duplicates of what validated so far; also decides whether creating needs a confirmation."""
        data = getattr(self, "cleaned_data", {})
        self.duplicates = find_duplicates(
            viewer=self.user,
            name=data.get("name", "") or self._raw("name"),
            tax_id=data.get("tax_id", ""),
            phones=[data["phone"]] if data.get("phone") else [],
            emails=[data["email"]] if data.get("email") else [],
        )
        return self.duplicates

    @property
    def duplicates_fingerprint(self) -> str:
        """A stamp of the duplicates shown, so a confirmation given for them does not cover new ones.

        A keyed hash: it tells the server which clients were shown without telling the person their ids.
        """
        ids = ",".join(str(pk) for pk in sorted(hit.client_id for hit in self.duplicates))
        return salted_hmac("kartoteka.clients.wizard.duplicates", ids, algorithm="sha256").hexdigest()[:20] if ids else ""

    @property
    def any_visible_duplicate(self) -> bool:
        return any(hit.visible for hit in self.duplicates)

    def duplicates_confirmed(self) -> bool:
        if not self.duplicates:
            return True
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("confirm_duplicates")) and data.get("duplicates_seen") == self.duplicates_fingerprint

    # --- The live check ---

    def field_state(self, name: str, *, typing: bool = True) -> FieldState:
        """Validate one field of a bound form: while ``typing``, an empty field and a short number are not errors."""
        if not self.is_bound or name not in CHECKED_FIELDS or (typing and not self._raw(name).strip()):
            return FieldState("")
        errors = self.errors.as_data().get(name)
        if errors:
            error = errors[0]
            message = " ".join(error.messages)
            params = error.params if isinstance(error.params, dict) else {}
            # While digits are still being typed, "must have 10 digits, not 6" is a hint, not an error.
            if typing and error.code == "length" and int(params.get("count", 0)) < int(params.get("length", 0)):
                return FieldState("hint", message)
            return FieldState("error", message)
        value = self.cleaned_data.get(name, "")
        if name == "tax_id" and self.tax_field and value:
            return FieldState("ok", gettext("%(field)s is valid.") % {"field": self.tax_label})
        if name == "phone" and value:
            return FieldState("ok", format_phone(value))
        if name == "email" and value:
            return FieldState("ok", value)
        return FieldState("")

    @property
    def focus_field(self) -> str:
        """Where the cursor goes when the page opens: the first problem, else the name."""
        if self.is_bound:
            for name in ("name", "other_country", "tax_id", "phone", "email"):
                if name in self.errors:
                    return name
            if self.duplicates_need_confirmation:
                return "confirm_duplicates"
        return "name"

    @property
    def checks(self) -> dict[str, FieldState]:
        """The state of every checked field after a submit (errors for empty required fields too)."""
        return {name: self.field_state(name, typing=False) for name in CHECKED_FIELDS}

    # --- Creating ---

    def step2_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields: dict[str, Any] = {
            "kind": data["kind"],
            "country": self.client_country(),
            "legal_form": data.get("legal_form"),
            "category": data.get("category"),
            "segment": data.get("segment"),
            "source": data.get("source"),
            "first_contact_reason": data.get("first_contact_reason", ""),
        }
        responsible = data.get("responsible")
        if responsible is not None:
            fields["responsible"] = responsible
            fields["team"] = responsible.team
        return fields

    def create_client(self) -> Client:
        """Create the client and its phone and email in one transaction; errors land on the form's fields."""
        data = self.cleaned_data
        requisites = {self.tax_field: data["tax_id"]} if self.tax_field and data.get("tax_id") else {}
        points = [{"kind": kind, "value": data[kind], "is_primary": True} for kind in ("phone", "email") if data.get(kind)]
        try:
            client = client_services.client_create(
                actor=self.user, name=data["name"], requisites=requisites, points=points, **self.step2_fields()
            )
        except PermissionDenied:
            field = "responsible" if "responsible" in self.fields else None
            self.add_error(field, gettext("You may not create a client for this person."))
            raise
        except ValidationError as error:
            self._add_service_errors(error)
            raise
        return client

    def _add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            target = {self.tax_field: "tax_id", "value": None}.get(name, name)
            self.add_error(target if target in self.fields else None, errors)


def legal_forms_for(country: str) -> QuerySet[LegalForm]:
    """Legal forms offered for a country: its own and those without a country; all for "other"."""
    forms_ = LegalForm.objects.filter(is_active=True)
    if country in {code for code, _label in COUNTRY_CHOICES if code != OTHER_COUNTRY}:
        forms_ = forms_.filter(country_code__in=[country, ""])
    return forms_.order_by("order", "name_en")
