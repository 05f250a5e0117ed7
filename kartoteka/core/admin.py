"""Administration of shared building blocks: reference-list base admin, territories and tags."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kartoteka.core.models import Tag, Territory


class ReferenceListAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """One admin for every reference list: names per language, order, active flag; codes fixed once used."""

    list_display = ["name_en", "name_ru", "code", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_en", "name_ru", "name_uk", "name_ro"]
    ordering = ["order", "name_en"]
    actions = ["deactivate"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Imports, the API and data migrations refer to entries by code: it must not drift.
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Entries are used by cards (PROTECT): deactivate instead, which keeps the history readable.
        return False

    @admin.action(description=_("Deactivate selected entries"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for entry in queryset:
            entry.is_active = False
            entry.save(update_fields=["is_active"])


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["label", "kind", "country_code"]
    list_filter = ["kind", "country_code"]
    search_fields = ["name_en", "name_ru", "name_uk", "name_ro"]
    ordering = ["path"]
    fields = ["kind", "parent", "name_en", "name_ru", "name_uk", "name_ro", "country_code"]
    autocomplete_fields = ["parent"]

    @admin.display(description=_("name"), ordering="path")
    def label(self, obj: Territory) -> str:
        return obj.label


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "color", "usage"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(usage_count=Count("clients"))

    @admin.display(description=_("clients"), ordering="usage_count")
    def usage(self, obj: Any) -> int:
        return obj.usage_count
