"""Forms for contact persons and for phones, emails and messengers. They parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from kartoteka.clients.forms import CardFormMixin, add_custom_fields, custom_values_from
from kartoteka.contacts.models import Contact, ContactPoint, ContactPointKind, ContactRole, ManagementLevel
from kartoteka.contacts.normalize import DEFAULT_REGION, normalize_email, normalize_phone
from kartoteka.contacts.services import POINT_FIELDS

CONTACT_FIELDS = (
    "last_name", "first_name", "patronymic", "position", "management_level", "birthday", "family_status",
    "motivations", "hobbies", "notes", "email_consent", "email_consent_source", "sms_consent", "sms_consent_source",
    "is_primary",
)  # fmt: skip


class RoleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.abbreviation})" if obj.abbreviation else obj.name


class ContactForm(CardFormMixin, forms.Form):
    """A contact person; a new one may come with a phone and an email in the same step."""

    def __init__(self, *args: Any, contact: Contact | None = None, region: str = DEFAULT_REGION, **kwargs: Any) -> None:
        self.contact = contact
        self.region = region
        if contact is not None:
            initial = {name: getattr(contact, name) for name in CONTACT_FIELDS if name != "management_level"}
            initial["management_level"] = contact.management_level_id
            initial["roles"] = [role.pk for role in contact.roles.all()]
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Contact, fields=CONTACT_FIELDS))
        current_roles = list(self.initial.get("roles") or [])
        self.fields["roles"] = RoleChoiceField(
            label=_("Roles"),
            queryset=ContactRole.objects.filter(Q(is_active=True) | Q(pk__in=current_roles)),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("The person's part in the client's decisions."),
        )
        level = self.initial.get("management_level")
        levels = ManagementLevel.objects.filter(Q(is_active=True) | Q(pk=level) if level else Q(is_active=True))
        self.fields["management_level"].queryset = levels  # type: ignore[attr-defined]
        self.fields["birthday"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["birthday"].input_formats = ["%Y-%m-%d", "%d.%m.%Y"]  # type: ignore[attr-defined]
        if contact is None:
            self.fields["phone"] = forms.CharField(label=_("Phone"), required=False, max_length=40)
            self.fields["phone"].widget.attrs.update({"type": "tel", "autocomplete": "off", "inputmode": "tel"})
            self.fields["email"] = forms.CharField(label=_("Email"), required=False, max_length=254)
            self.fields["email"].widget.attrs.update({"type": "email", "autocomplete": "off"})
        self.order_fields(["last_name", "first_name", "patronymic", "position", "management_level", "roles", "phone", "email"])
        self.fields["last_name"].widget.attrs["autofocus"] = True
        self.custom_field_names = add_custom_fields(self, "contact", None, contact.custom_fields if contact else None)
        self.style()

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")
        return normalize_phone(raw, region=self.region) if raw.strip() else ""

    def clean_email(self) -> str:
        raw = self.cleaned_data.get("email", "")
        return normalize_email(raw) if raw.strip() else ""

    def changes(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in CONTACT_FIELDS}
        for kind in ("email", "sms"):
            if not values[f"{kind}_consent"]:
                values[f"{kind}_consent_at"] = None  # consent withdrawn: its date goes with it
        return values

    def roles(self) -> list[ContactRole]:
        return list(self.cleaned_data.get("roles") or [])

    def points(self) -> list[dict[str, str]]:
        points = []
        if self.cleaned_data.get("phone"):
            points.append({"kind": ContactPointKind.PHONE, "value": self.cleaned_data["phone"], "label": "mobile"})
        if self.cleaned_data.get("email"):
            points.append({"kind": ContactPointKind.EMAIL, "value": self.cleaned_data["email"]})
        return points

    def custom_values(self) -> dict[str, Any] | None:
        if not self.custom_field_names:
            return None
        return custom_values_from(self, "contact", None)


class ContactPointForm(CardFormMixin, forms.Form):
    """A phone (any format: stored as E.164), an email or a messenger of the company or of a contact."""

    def __init__(self, *args: Any, point: ContactPoint | None = None, **kwargs: Any) -> None:
        if point is not None:
            kwargs.setdefault("initial", {name: getattr(point, name) for name in POINT_FIELDS})
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(ContactPoint, fields=POINT_FIELDS))
        self.fields["value"].help_text = _("A phone in any format (8 495 123-45-67), an email, or @username for Telegram.")
        self.fields["value"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        self.style()

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in POINT_FIELDS}


class ContactMoveForm(CardFormMixin, forms.Form):
    """The person now works at another client: which one (searched among those the user may change)."""

    q = forms.CharField(label=_("Find the new company"), required=False, max_length=100)
    to_client = forms.IntegerField(label=_("New company"), required=False, widget=forms.RadioSelect)
    position = forms.CharField(label=_("Position there"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"type": "search", "autofocus": True, "autocomplete": "off"})
        self.style()
