"""Model permissions for the administration site come from the administrator role, not per-model grants."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from kartoteka.users import access


class AdministratorRoleBackend(BaseBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return bool(user_obj.is_active and user_obj.is_staff and access.is_administrator(user_obj))

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return self.has_perm(user_obj, app_label)
