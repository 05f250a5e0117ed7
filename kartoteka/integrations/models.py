"""Personal API tokens: a secret shown once, stored as a SHA-256 digest, limited by scopes."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Areas a token can be scoped to; later issues add theirs ("clients", "deals", ...).
API_AREAS: dict[str, object] = {
    "account": _("Own account"),
    "users": _("Users and teams"),
    "clients": _("Clients, contacts and reference lists"),
    "activities": _("Activities and tasks"),
    "deals": _("Deals, pipelines and reasons for losing"),
    "leads": _("Leads from web forms and other systems"),
}


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, help_text=_("The first characters, to recognise the token."))
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, help_text=_('Strings like "users:read" or "users:write".'))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def allows(self, area: str, access: str) -> bool:
        """``users:write`` implies ``users:read``."""
        if access == "read":
            return f"{area}:read" in self.scopes or f"{area}:write" in self.scopes
        return f"{area}:{access}" in self.scopes

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
