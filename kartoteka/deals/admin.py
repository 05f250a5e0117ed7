"""Administrators shape the funnel here: pipelines with their stages, and the reasons for losing a deal.

Deals themselves are worked on the kanban and the deal card, never here. A stage's kind cannot change
while deals sit in it, and a stage that ever held a deal is deactivated rather than deleted: the
stage history must keep pointing at it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kartoteka.core.admin import ReferenceListAdmin
from kartoteka.deals.models import REQUIRABLE_FIELDS, LostReason, Pipeline, Stage, StageChange
from kartoteka.deals.services import _clean_required_fields


class StageForm(forms.ModelForm):  # type: ignore[type-arg]
    required_fields = forms.MultipleChoiceField(
        label=_("required to enter"),
        choices=[(name, label) for name, label in REQUIRABLE_FIELDS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Stage
        fields = [
            "order",
            "code",
            "name_en",
            "name_ru",
            "kind",
            "probability",
            "colour",
            "max_minutes",
            "required_fields",
            "is_active",
        ]

    def clean_required_fields(self) -> list[str]:
        return _clean_required_fields(self.cleaned_data.get("required_fields"))

    def clean_kind(self) -> str:
        kind = self.cleaned_data["kind"]
        if self.instance.pk and self.instance.kind != kind and self.instance.deals.exists():
            raise ValidationError(_("Deals sit in this stage: its kind cannot change. Make a new stage instead."))
        return kind


class StageInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Stage
    form = StageForm
    extra = 0
    ordering = ["order", "id"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the stage history points at stages


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name_en", "name_ru", "code", "team", "currency", "order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_en", "name_ru"]
    fields = ["code", "name_en", "name_ru", "name_uk", "name_ro", "team", "currency", "order", "is_active"]
    inlines = [StageInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and (obj.deals.exists() or StageChange.objects.filter(pipeline=obj).exists()):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(LostReason)
class LostReasonAdmin(ReferenceListAdmin):
    pass
