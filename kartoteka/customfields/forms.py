"""Custom fields in any Django form: add them, read them back, show service errors on them.

    form = ClientForm(request.POST or None)
    names = add_fields(form, "client", section="general", initial=client.custom_fields)
    if form.is_valid():
        try:
            client_update(actor=..., client=client, changes=..., custom_fields=values_from(form, "client", "general"))
        except ValidationError as error:
            add_errors(form, error)

Form fields are named ``cf_<code>``. Free-input kinds (text, link, number, money) are checked by the
same rules as the services (``values.clean_value``), so the form shows the service's messages before
anything is saved. ``templates/customfields/form_fields.html`` renders them with Bootstrap.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q

from kartoteka.customfields.models import CustomField, FieldKind
from kartoteka.customfields.schema import fields_for
from kartoteka.customfields.values import LINK_MAX_LENGTH, TEXT_MAX_LENGTH, clean_value, is_empty, to_python

PREFIX = "cf_"
DEFINITIONS_ATTRIBUTE = "custom_field_definitions"  # form attribute: {form field name: CustomField}


def field_name(code: str) -> str:
    return f"{PREFIX}{code}"


class ValueField(forms.CharField):
    """Free input checked by the services' own rules; ``cleaned_data`` holds the stored (JSON) form."""

    def __init__(self, definition: CustomField, **kwargs: Any) -> None:
        self.definition = definition
        super().__init__(strip=True, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "" if value is None else value

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if is_empty(text):
            return None
        return clean_value(self.definition, text)


class UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


def _attrs(css: str, field: CustomField, **extra: str) -> dict[str, str]:
    # Django adds aria-describedby="<id>_helptext" itself when there is help text; the templates use that id.
    return {"class": css, **extra}


def form_field(field: CustomField, *, current: Any = None) -> forms.Field:
    """The Django form field for one definition. ``current`` is the stored value, kept selectable even
    if its option was removed or its user deactivated, so saving the form does not silently drop it."""
    common: dict[str, Any] = {"label": field.label, "required": field.required, "help_text": field.help_text}
    kind = field.kind
    if kind == FieldKind.TEXT:
        return ValueField(
            field, max_length=TEXT_MAX_LENGTH, widget=forms.TextInput(attrs=_attrs("form-control", field)), **common
        )
    if kind == FieldKind.LINK:
        widget = forms.TextInput(attrs=_attrs("form-control", field, inputmode="url", placeholder="https://"))
        return ValueField(field, max_length=LINK_MAX_LENGTH, widget=widget, **common)
    if kind in (FieldKind.NUMBER, FieldKind.MONEY):
        # A text input rather than type=number: it accepts "1 234,50" as typed in any of our languages,
        # and the wheel cannot change an amount by accident.
        if kind == FieldKind.MONEY and field.currency:
            common["label"] = f"{field.label}, {field.currency}"
        return ValueField(field, widget=forms.TextInput(attrs=_attrs("form-control", field, inputmode="decimal")), **common)
    if kind == FieldKind.DATE:
        widget = forms.DateInput(attrs=_attrs("form-control", field, type="date"), format="%Y-%m-%d")
        return forms.DateField(widget=widget, input_formats=["%Y-%m-%d", "%d.%m.%Y"], **common)
    if kind == FieldKind.CHOICE:
        choices = [("", "—"), *field.option_pairs()]
        if isinstance(current, str) and current and current not in field.option_values:
            choices.append((current, current))
        return forms.ChoiceField(choices=choices, widget=forms.Select(attrs=_attrs("form-select", field)), **common)
    if kind == FieldKind.MULTI_CHOICE:
        choices = field.option_pairs()
        if isinstance(current, list):
            choices += [(value, value) for value in current if isinstance(value, str) and value not in field.option_values]
        checkboxes = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
        return forms.MultipleChoiceField(choices=choices, widget=checkboxes, **common)
    if kind == FieldKind.BOOLEAN:
        # A checkbox always answers yes or no, so "required" cannot mean "must be ticked" here.
        common["required"] = False
        return forms.BooleanField(widget=forms.CheckboxInput(attrs=_attrs("form-check-input", field)), **common)
    if kind == FieldKind.USER:
        wanted = Q(is_active=True)
        if isinstance(current, int) and not isinstance(current, bool):
            wanted |= Q(pk=current)
        queryset = get_user_model().objects.filter(wanted).order_by("last_name", "first_name", "id")
        select = forms.Select(attrs=_attrs("form-select", field))
        return UserChoiceField(queryset=queryset, empty_label="—", widget=select, **common)
    raise ValueError(f"Unknown custom field kind {kind!r}")


def _initial(field: CustomField, raw: Any) -> Any:
    value = to_python(field, raw)
    if field.kind in (FieldKind.NUMBER, FieldKind.MONEY, FieldKind.TEXT, FieldKind.LINK):
        return raw if value is not None else None  # the stored text, as the user will edit it
    return value


def add_fields(
    form: forms.BaseForm, entity: str, *, section: str | None = None, initial: Mapping[str, Any] | None = None
) -> list[str]:
    """Add the entity's active custom fields (of one section, or all) to ``form``; returns their names.

    ``initial`` is the card's stored values (``obj.custom_fields``). One query for the definitions,
    plus one per user field when the form is rendered or validated (its choice of active users).
    """
    definitions: dict[str, CustomField] = getattr(form, DEFINITIONS_ATTRIBUTE, None) or {}
    stored = initial or {}
    names = []
    for field in fields_for(entity, section=section):
        name = field_name(field.code)
        form.fields[name] = form_field(field, current=stored.get(field.code))
        if field.code in stored:
            form.initial[name] = _initial(field, stored[field.code])
        definitions[name] = field
        names.append(name)
    setattr(form, DEFINITIONS_ATTRIBUTE, definitions)
    return names


def _json_native(value: Any) -> Any:
    if is_empty(value):
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, list | tuple):
        return list(value)
    return value


def values_from(form: forms.BaseForm, entity: str, section: str | None = None) -> dict[str, Any]:
    """The custom values of a valid form, JSON-native and keyed by code, ready for the services.

    A cleared field gives None, which the services treat as "remove the value".
    """
    definitions: dict[str, CustomField] | None = getattr(form, DEFINITIONS_ATTRIBUTE, None)
    if definitions is None:
        definitions = {field_name(field.code): field for field in fields_for(entity, section=section)}
    values: dict[str, Any] = {}
    for name, field in definitions.items():
        if field.entity != entity or (section is not None and field.section != section):
            continue
        if name in form.cleaned_data:
            value = _json_native(form.cleaned_data[name])
            if field.kind == FieldKind.MULTI_CHOICE and value:
                order = {option: index for index, option in enumerate(field.option_values)}
                value = sorted(value, key=lambda option: order.get(option, len(order)))
            values[field.code] = value
    return values


def add_errors(form: forms.BaseForm, error: ValidationError) -> bool:
    """Show a service's ValidationError on the form: custom field codes on their ``cf_`` fields.

    Returns True when every error found a custom field of the form; the caller shows the rest
    (errors of ordinary fields stay in ``error``'s other keys).
    """
    if not hasattr(error, "error_dict"):
        return False
    placed_all = True
    for key, problems in error.error_dict.items():
        name = field_name(key)
        if name in form.fields:
            form.add_error(name, problems)
        else:
            placed_all = False
    return placed_all
