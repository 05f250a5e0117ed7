"""Administrators define custom fields here: the card, the list, exports and the API pick them up at once.

Nothing may strand stored values: the code and the card are fixed once created, the kind cannot
change while cards hold values, an option in use cannot be removed (rename it instead), and a field
in use cannot be deleted (deactivate it: its values stay on the cards and in the history).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kartoteka.customfields.models import OPTION_LANGUAGES, CustomField
from kartoteka.customfields.schema import values_exist

OPTIONS_HELP = _(
    "One option per line: value | English name | Russian name (a Ukrainian and a Romanian name may follow). "
    "The value is what the API and exports carry: lower-case Latin letters, digits, _ and -; "
    "it cannot be removed while cards use it, but names can be changed at any time. "
    "Example: gold | Gold | Золото"
)


class OptionsField(forms.CharField):
    """The options of a choice field as lines of "value | English | Russian | Ukrainian | Romanian"."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 60, "class": "vLargeTextField"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            lines = []
            for option in value:
                if isinstance(option, dict):
                    parts = [str(option.get("value", ""))] + [str(option.get(f"name_{lang}", "")) for lang in OPTION_LANGUAGES]
                    while len(parts) > 2 and not parts[-1]:
                        parts.pop()
                    lines.append(" | ".join(parts))
            return "\n".join(lines)
        return value

    def to_python(self, value: Any) -> list[dict[str, str]]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        options = []
        for number, line in enumerate(str(value or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) > 1 + len(OPTION_LANGUAGES):
                raise forms.ValidationError(
                    gettext("Line %(number)d has more parts than a value and four names.") % {"number": number}
                )
            value_part, names = parts[0], parts[1:]
            option = {"value": value_part}
            for language, name in zip(OPTION_LANGUAGES, names, strict=False):
                if name:
                    option[f"name_{language}"] = name
            if len(option) == 1:
                option["name_en"] = value_part  # a bare value names itself
            options.append(option)
        return options


class CustomFieldForm(forms.ModelForm):  # type: ignore[type-arg]
    choices = OptionsField(label=_("options"), required=False, help_text=OPTIONS_HELP)

    class Meta:
        model = CustomField
        fields = [
            "entity", "code", "kind", "section", "name_en", "name_ru", "name_uk", "name_ro", "choices", "currency",
            "min_value", "max_value", "required", "help_text", "order", "is_active", "show_in_list",
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        original = self.instance
        if original.pk is None:
            return cleaned
        # The instance still holds the stored definition here (the form's values are applied later).
        kind = cleaned.get("kind")
        if kind and kind != original.kind and values_exist(original):
            self.add_error(
                "kind",
                gettext("Cards already hold values of this field; its kind cannot change. Add a new field instead."),
            )
        if original.has_options and "choices" in cleaned:
            kept = {option.get("value") for option in cleaned["choices"] if isinstance(option, dict)}
            for value in original.option_values:
                if value not in kept and values_exist(original, value=value):
                    self.add_error(
                        "choices",
                        gettext("Option “%(value)s” is used on cards and cannot be removed; rename it instead.")
                        % {"value": value},
                    )
        return cleaned


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = CustomFieldForm
    list_display = ["label", "code", "entity", "section", "kind", "required", "show_in_list", "is_active", "order"]
    list_display_links = ["label", "code"]
    list_editable = ["order", "is_active", "show_in_list"]
    list_filter = ["entity", "section", "kind", "is_active"]
    search_fields = ["code", "name_en", "name_ru", "name_uk", "name_ro"]
    ordering = ["entity", "section", "order", "id"]
    actions = ["deactivate"]
    fieldsets = [
        (None, {"fields": ["entity", "code", "kind", "section", "name_en", "name_ru", "name_uk", "name_ro"]}),
        (_("Options of choice fields"), {"fields": ["choices"]}),
        (_("Numbers and money"), {"fields": ["currency", "min_value", "max_value"]}),
        (_("Behaviour"), {"fields": ["required", "help_text", "order", "is_active", "show_in_list"]}),
    ]

    @admin.display(description=_("name"), ordering="name_en")
    def label(self, obj: CustomField) -> str:
        return obj.label

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Stored values, exports and API clients refer to the field by card and code.
        return ["entity", "code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and values_exist(obj):
            return False  # deactivate instead: the values stay readable in the card's history
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest, action_location: Any = ActionLocation.CHANGE_LIST) -> dict[str, Any]:
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)  # one by one, so each deletion is checked for stored values
        return actions

    @admin.action(description=_("Deactivate selected fields"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[CustomField]) -> None:
        for field in queryset:
            field.is_active = False
            field.save(update_fields=["is_active"])
