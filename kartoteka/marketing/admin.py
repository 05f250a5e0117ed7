"""Administrators set up web forms here: fields and where they go, pipeline, queue, thank-you text."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kartoteka.marketing.models import LeadSubmission, WebForm, WebFormField


class WebFormFieldInline(admin.TabularInline):  # type: ignore[type-arg]
    model = WebFormField
    extra = 1
    fields = ["order", "key", "label_en", "label_ru", "kind", "target", "required"]


@admin.register(WebForm)
class WebFormAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "pipeline", "stage", "queue", "is_active"]
    list_filter = ["is_active", "pipeline"]
    search_fields = ["name"]
    inlines = [WebFormFieldInline]
    readonly_fields = ["public_address", "snippet"]
    fieldsets = [
        (None, {"fields": ["name", "is_active", "title", "public_address", "snippet"]}),
        (_("Where leads go"), {"fields": ["pipeline", "stage", "queue", "default_owner", "source", "deal_title"]}),
        (_("After sending"), {"fields": ["thank_you_text", "redirect_url"]}),
        (_("Protection"), {"fields": ["consent_required", "consent_text", "rate_limit_per_hour", "key"]}),
    ]

    @admin.display(description=_("public address"))
    def public_address(self, obj: WebForm) -> str:
        if not obj.pk:
            return "—"
        url = settings.SITE_URL + reverse("lead_form", args=[obj.key])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description=_("snippet for a site"))
    def snippet(self, obj: WebForm) -> str:
        if not obj.pk:
            return "—"
        url = settings.SITE_URL + reverse("lead_form", args=[obj.key])
        code = f'<iframe src="{url}" title="{obj.name}" loading="lazy" width="100%" height="560" frameborder="0"></iframe>'
        return format_html("<code>{}</code>", code)


@admin.register(LeadSubmission)
class LeadSubmissionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: submissions are evidence. Retrying is on the Leads page."""

    list_display = ["id", "form", "status", "received_at", "attempts"]
    list_filter = ["status", "form"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
