from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kartoteka.integrations.models import API_AREAS
from kartoteka.users.models import language_choices, timezone_choices


class PreferencesForm(forms.Form):
    """Not a ModelForm on purpose: validation must not touch the user before the service saves."""

    language = forms.ChoiceField(
        label=_("Language"), choices=language_choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=timezone_choices, widget=forms.Select(attrs={"class": "form-select"})
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What will use it, e.g. “1C exchange”."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}), choices=()
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for no expiry."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        for area, label in API_AREAS.items():
            choices.append((f"{area}:read", _("%(area)s — read") % {"area": label}))
            choices.append((f"{area}:write", _("%(area)s — read and write") % {"area": label}))
        self.fields["scopes"].choices = choices  # type: ignore[attr-defined]

    def clean_expires_on(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("expires_on")
        if value is not None and value <= timezone.localdate():
            raise forms.ValidationError(_("Pick a date in the future."))
        return value

    def expires_at(self) -> datetime.datetime | None:
        value = self.cleaned_data.get("expires_on")
        if value is None:
            return None
        return timezone.make_aware(datetime.datetime.combine(value, datetime.time.max.replace(microsecond=0)))
