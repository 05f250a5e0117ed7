"""The upload form of the card's Files panel: it parses input; the service decides what is accepted."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kartoteka.attachments.services import DESCRIPTION_MAX_LENGTH


class AttachmentForm(forms.Form):
    # Empty files and wrong types are refused by the service, with the same messages as in the API.
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        help_text=_("Optional: what it is, e.g. “Signed contract No. 12, 2026”."),
    )
