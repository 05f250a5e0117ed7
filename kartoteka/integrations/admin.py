from django.contrib import admin

from kartoteka.integrations.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Administrators can see and revoke tokens; creating them is each user's own business (profile page)."""

    list_display = ["name", "user", "prefix", "scopes", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__email"]
    readonly_fields = ["user", "name", "prefix", "scopes", "created_at", "last_used_at", "expires_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
