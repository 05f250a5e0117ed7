"""Administrators edit the client card's reference lists here; clients themselves are edited on the card."""

from django.contrib import admin

from kartoteka.clients.models import (
    ClientCategory,
    ClientPriority,
    ClientSource,
    ClientType,
    Industry,
    LegalForm,
    Segment,
    SizeClass,
    TermsPackage,
)
from kartoteka.core.admin import ReferenceListAdmin


@admin.register(LegalForm)
class LegalFormAdmin(ReferenceListAdmin):
    list_display = ["name_en", "name_ru", "abbreviation", "country_code", "code", "order", "is_active"]
    list_filter = ["is_active", "country_code"]


@admin.register(ClientCategory)
class ClientCategoryAdmin(ReferenceListAdmin):
    list_display = ["name_en", "name_ru", "code", "color", "order", "is_active"]


@admin.register(TermsPackage)
class TermsPackageAdmin(ReferenceListAdmin):
    list_display = ["name_en", "name_ru", "code", "discount_percent", "payment_terms_days", "order", "is_active"]


for model in (Industry, Segment, ClientPriority, ClientType, SizeClass, ClientSource):
    admin.site.register(model, ReferenceListAdmin)
