"""Contact roles and management levels are reference lists administrators edit."""

from django.contrib import admin

from kartoteka.contacts.models import ContactRole, ManagementLevel
from kartoteka.core.admin import ReferenceListAdmin


@admin.register(ContactRole)
class ContactRoleAdmin(ReferenceListAdmin):
    list_display = ["name_en", "name_ru", "abbreviation", "code", "order", "is_active"]


admin.site.register(ManagementLevel, ReferenceListAdmin)
