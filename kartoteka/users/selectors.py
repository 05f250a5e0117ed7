"""Reads for users and teams. Every queryset starts from the access policy."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from kartoteka.users import access
from kartoteka.users.models import Absence, Role, Scope, Team, User


def people(*, viewer: User) -> QuerySet[User]:
    return (
        access.visible(viewer, User)
        .select_related("team")
        .prefetch_related(Prefetch("roles", queryset=Role.objects.order_by("name_en")))
    )


def person_detail(*, viewer: User, pk: Any) -> User:
    return access.get_visible_or_404(viewer, people(viewer=viewer), pk=pk)


def person_absences(*, viewer: User, person: User, since: datetime.date | None = None) -> QuerySet[Absence]:
    day = since or timezone.localdate()
    return person.absences.filter(ends_on__gte=day - datetime.timedelta(days=90)).order_by("starts_on")


def with_visible_relations(*, viewer: User, teams: Iterable[Team]) -> list[Team]:
    """Set ``visible_head`` and ``visible_parent`` on each team: the related row, or None if the viewer
    may not see it. A team card must not become a back door to a person or team outside the viewer's reach.
    Needs ``head`` and ``parent`` loaded (``teams()`` does); decides in memory, without queries."""
    result = list(teams)
    for team in result:
        team.visible_head = team.head if team.head is not None and access.can(viewer, "view", team.head) else None  # type: ignore[attr-defined]
        team.visible_parent = team.parent if team.parent is not None and access.can(viewer, "view", team.parent) else None  # type: ignore[attr-defined]
    return result


def teams(*, viewer: User) -> QuerySet[Team]:
    """Visible teams in tree order, with their head and the number of active members (one query)."""
    return (
        access.visible(viewer, Team)
        .select_related("head", "parent")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("path")
    )


def team_detail(*, viewer: User, pk: Any) -> Team:
    return access.get_visible_or_404(viewer, teams(viewer=viewer), pk=pk)


def team_members(*, viewer: User, team: Team) -> QuerySet[User]:
    return people(viewer=viewer).filter(team=team)


def current_absences(*, viewer: User, days_ahead: int = 14) -> QuerySet[Absence]:
    """Absences of visible colleagues that are running now or start within ``days_ahead`` days."""
    today = timezone.localdate()
    return (
        Absence.objects.filter(
            user__in=access.visible(viewer, User).filter(is_active=True),
            ends_on__gte=today,
            starts_on__lte=today + datetime.timedelta(days=days_ahead),
        )
        .select_related("user")
        .order_by("starts_on", "user__last_name")
    )


def role_summary(*, user: User) -> list[tuple[str, Scope, Scope]]:
    """(entity label, read scope, write scope) for every registered entity: what the user may reach."""
    rows = []
    for key, label in access.entity_choices():
        rows.append((label, access.scope(user, key, "view"), access.scope(user, key, "change")))
    return rows


def home_overview(*, user: User) -> dict[str, Any]:
    team = teams(viewer=user).filter(pk=user.team_id).first() if user.team_id else None
    return {
        "team": with_visible_relations(viewer=user, teams=[team])[0] if team else None,
        "roles": list(user.roles.order_by("name_en")),
        "scopes": role_summary(user=user),
        "absences": list(current_absences(viewer=user)[:20]),
        "teammates": list(people(viewer=user).filter(team_id=user.team_id, is_active=True).exclude(pk=user.pk)[:30])
        if user.team_id
        else [],
    }
