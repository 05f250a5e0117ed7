"""Writes for calendar feeds: a person's secret iCalendar address, created and revoked by its owner.

The token is shown once, when the feed is created; only its SHA-256 is stored, so a leaked
database does not leak working addresses. A feed is strictly its owner's: nobody else, not even an
administrator, creates, sees or revokes it here.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.activities.models import CalendarFeed, Task
from kartoteka.core import events
from kartoteka.users import access
from kartoteka.users.models import Scope

if TYPE_CHECKING:
    from kartoteka.users.models import User

MAX_FEEDS_PER_USER = 10
# Feeds are polled every few minutes by calendar servers: record use at most this often.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def can_follow_team(user: User) -> bool:
    """A team calendar makes sense for someone whose task read scope reaches a team subtree."""
    return access.scope(user, access.policy_for(Task).key) >= Scope.TEAM and access.context(user).team_id is not None


@transaction.atomic
def calendar_feed_create(*, user: User, include_team: bool = False) -> tuple[CalendarFeed, str]:
    """Create a feed for ``user``; returns it with its token, which is never stored or shown again."""
    if not user.is_active:
        raise PermissionDenied("an inactive user has no calendar")
    if include_team and not can_follow_team(user):
        raise ValidationError({"include_team": _("Your role does not let you see a team's tasks.")})
    if CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_FEEDS_PER_USER:
        raise ValidationError({"include_team": _("You have too many calendar addresses; revoke some first.")})
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=user, token_digest=hash_feed_token(token), include_team=include_team)
    events.publish("calendar_feed.created", feed_id=feed.pk, user_id=user.pk)
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, user: User, feed: CalendarFeed) -> CalendarFeed:
    if feed.user_id != user.pk:
        raise PermissionDenied("a calendar feed can only be revoked by its owner")
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        events.publish("calendar_feed.revoked", feed_id=feed.pk, user_id=user.pk)
    return feed


def calendar_feed_authenticate(token: str) -> CalendarFeed | None:
    """The live feed for ``token`` with its owner loaded, or None (unknown, revoked, owner inactive).

    Records when it was last used, at most once a minute: a write per poll would serialise SQLite.
    """
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("user").filter(token_digest=hash_feed_token(token), revoked_at__isnull=True).first()
    )
    if feed is None or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at >= LAST_USED_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now
    return feed
