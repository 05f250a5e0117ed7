"""Administration screens for users, teams and roles. Saves go through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kartoteka.users import services
from kartoteka.users.models import Absence, Role, RoleScope, Team, User

# Roles with scopes replace Django's permission groups; showing both would only confuse.
admin.site.unregister(Group)

admin.site.site_header = _("Kartoteka administration")
admin.site.site_title = _("Kartoteka")
admin.site.index_title = _("Settings")


class AbsenceInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Absence
    extra = 0
    fields = ["kind", "starts_on", "ends_on", "note"]


class UserCreationForm(AdminUserCreationForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ["email"]


class UserEditForm(UserChangeForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["last_name", "first_name"]
    list_display = ["email", "last_name", "first_name", "team", "position", "is_active"]
    list_filter = ["is_active", "team", "roles"]
    search_fields = ["email", "last_name", "first_name", "patronymic"]
    list_select_related = ["team"]
    filter_horizontal = ["roles"]
    inlines = [AbsenceInline]
    readonly_fields = ["last_login", "date_joined", "is_staff"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["last_name", "first_name", "patronymic", "position", "phone"]}),
        (_("Organisation"), {"fields": ["team", "roles", "is_active", "is_staff", "is_superuser"]}),
        (_("Preferences"), {"fields": ["language", "time_zone"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]}),
    ]

    def save_related(self, request: HttpRequest, form: forms.ModelForm[Any], formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Re-apply the roles through the service: it keeps administration access in step with them.
        user = form.instance
        services.user_set_roles(actor=request.user, user=user, roles=list(user.roles.all()))  # type: ignore[arg-type]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["indented_name", "kind", "head", "parent"]
    list_select_related = ["head", "parent"]
    search_fields = ["name"]
    autocomplete_fields = ["head"]
    fields = ["name", "kind", "parent", "head"]
    ordering = ["path"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, team: Team) -> str:
        return "— " * team.depth + team.name

    def save_model(self, request: HttpRequest, obj: Team, form: forms.ModelForm[Any], change: bool) -> None:
        if change:
            services.team_update(
                actor=request.user,  # type: ignore[arg-type]
                team=obj,
                name=obj.name,
                kind=obj.kind,
                parent=obj.parent,
                head=obj.head,
            )
        else:
            created = services.team_create(actor=request.user, name=obj.name, parent=obj.parent, kind=obj.kind, head=obj.head)  # type: ignore[arg-type]
            obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Team) -> None:
        services.team_delete(actor=request.user, team=obj)  # type: ignore[arg-type]


class RoleScopeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RoleScope
    extra = 0
    fields = ["entity", "read_scope", "write_scope"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "code", "is_administrator", "is_system"]
    fields = ["code", "name_en", "name_ru", "name_uk", "name_ro", "description", "is_administrator"]
    inlines = [RoleScopeInline]
    search_fields = ["code", "name_en", "name_ru"]

    def get_readonly_fields(self, request: HttpRequest, obj: Role | None = None) -> list[str]:
        return ["code"] if obj is not None and obj.is_system else []

    def has_delete_permission(self, request: HttpRequest, obj: Role | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_system)


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "kind", "starts_on", "ends_on", "note"]
    list_filter = ["kind"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
