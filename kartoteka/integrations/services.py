"""Writes for API tokens."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.core import events
from kartoteka.integrations.models import API_AREAS, ApiToken, hash_token
from kartoteka.users.models import User

MAX_TOKENS_PER_USER = 50


def valid_scopes() -> set[str]:
    return {f"{area}:{access}" for area in API_AREAS for access in ("read", "write")}


@transaction.atomic
def api_token_create(
    *, actor: User, name: str, scopes: Iterable[str], expires_at: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``actor`` and return it with its secret, which is never stored or shown again."""
    name = name.strip()
    scope_list = sorted(set(scopes))
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the token a name, e.g. the program that will use it.")
    unknown = set(scope_list) - valid_scopes()
    if not scope_list:
        errors["scopes"] = _("Choose at least one scope.")
    elif unknown:
        errors["scopes"] = _("Unknown scopes: %(scopes)s") % {"scopes": ", ".join(sorted(unknown))}
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("The expiry date must be in the future.")
    if ApiToken.objects.filter(user=actor).usable().count() >= MAX_TOKENS_PER_USER:
        errors["name"] = _("You have too many active tokens; revoke some first.")
    if errors:
        raise ValidationError(errors)
    secret = settings.API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=secret[: len(settings.API_TOKEN_PREFIX) + 6],
        digest=hash_token(secret),
        scopes=scope_list,
        expires_at=expires_at,
    )
    events.publish("api_token.created", token_id=token.pk, user_id=actor.pk)
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise PermissionDenied("a token can only be revoked by its owner")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        events.publish("api_token.revoked", token_id=token.pk, user_id=actor.pk)
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The usable token for ``secret``, with its user loaded; records when it was last used."""
    if not secret.startswith(settings.API_TOKEN_PREFIX):
        return None
    token = ApiToken.objects.usable().select_related("user").filter(digest=hash_token(secret)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Write at most once a minute per token: every request writing would serialise API traffic on SQLite.
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
