"""Glue between django-allauth, django-axes and our user model."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created by administrators; there is no public sign-up.
        return False


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The login that axes counts failures against: allauth passes it as ``email``, forms as ``login``."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("login") or request.POST.get("username") or request.POST.get("email")
    return str(value or "").strip().lower()
