"""Writes for users, teams, roles and absences. Views, admin, API and commands call these."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kartoteka.core import events
from kartoteka.core.errors import ConflictError
from kartoteka.users import access
from kartoteka.users.models import Absence, AbsenceKind, Role, Team, TeamKind, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Actor = User | AnonymousUser | None


def _check(actor: Actor, action: access.Action, obj: Team | User) -> None:
    # actor=None is the system itself (migrations, demo data, scheduled jobs).
    if actor is not None:
        access.require(actor, action, obj)


def _team_path(team: Team) -> tuple[str, int]:
    own = f"{team.pk:0{Team.PATH_STEP - 1}d}."
    if team.parent_id is None:
        return own, 0
    parent = Team.objects.only("path", "depth").get(pk=team.parent_id)
    return parent.path + own, parent.depth + 1


def _ensure_unique_name(team: Team) -> None:
    siblings = Team.objects.filter(parent_id=team.parent_id, name__iexact=team.name).exclude(pk=team.pk)
    if siblings.exists():
        raise ConflictError(_("A team with this name already exists at this level."), code="team_name_taken")


@transaction.atomic
def team_create(
    *, actor: Actor, name: str, parent: Team | None = None, kind: str = TeamKind.GROUP, head: User | None = None
) -> Team:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A team needs a name.")})
    team = Team(name=name, parent=parent, kind=kind, head=head)
    _check(actor, "create", team)
    _ensure_unique_name(team)
    team.full_clean(exclude=["path", "depth"])
    team.save()
    team.path, team.depth = _team_path(team)
    team.save(update_fields=["path", "depth"])
    events.publish("team.created", team_id=team.pk, actor_id=getattr(actor, "pk", None))
    return team


@transaction.atomic
def team_update(
    *,
    actor: Actor,
    team: Team,
    name: str | None = None,
    parent: Team | object | None = ...,
    kind: str | None = None,
    head: User | object | None = ...,
) -> Team:
    """Rename, re-parent, re-kind or change the head of a team; moving a team moves its subtree."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    _check(actor, "change", team)
    if name is not None:
        team.name = name.strip()
    if kind is not None:
        team.kind = kind
    if head is not ...:
        team.head = head  # type: ignore[assignment]
    moved = False
    if parent is not ... and getattr(parent, "pk", None) != team.parent_id:
        if isinstance(parent, Team):
            if parent.pk == team.pk or parent.is_descendant_of(team):
                raise ValidationError({"parent": _("A team cannot be placed inside itself or its own subteam.")})
            _check(actor, "change", parent)
        team.parent = parent  # type: ignore[assignment]
        moved = True
    _ensure_unique_name(team)
    team.full_clean(exclude=["path", "depth"])
    if moved:
        old_path, old_depth = team.path, team.depth
        team.path, team.depth = _team_path(team)
        descendants = list(Team.objects.filter(path__startswith=old_path).exclude(pk=team.pk))
        for child in descendants:
            child.path = team.path + child.path[len(old_path) :]
            child.depth = child.depth - old_depth + team.depth
        Team.objects.bulk_update(descendants, ["path", "depth"])
    team.save()
    events.publish("team.updated", team_id=team.pk, moved=moved, actor_id=getattr(actor, "pk", None))
    return team


@transaction.atomic
def team_delete(*, actor: Actor, team: Team) -> None:
    _check(actor, "delete", team)
    if team.children.exists():
        raise ConflictError(_("Move or delete the subteams first."), code="team_has_subteams")
    if team.members.exists():
        raise ConflictError(_("Move the team's members to another team first."), code="team_has_members")
    team_id = team.pk
    team.delete()
    events.publish("team.deleted", team_id=team_id, actor_id=getattr(actor, "pk", None))


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    email: str,
    password: str | None,
    last_name: str = "",
    first_name: str = "",
    patronymic: str = "",
    position: str = "",
    team: Team | None = None,
    roles: Iterable[Role] = (),
    language: str = "ru",
    time_zone: str = "Europe/Moscow",
) -> User:
    user = User(
        email=User.objects.normalize_email(email).strip().lower(),
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
        position=position,
        team=team,
        language=language,
        time_zone=time_zone,
    )
    _check(actor, "create", user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user_set_roles(actor=actor, user=user, roles=roles)
    events.publish("user.created", user_id=user.pk, actor_id=getattr(actor, "pk", None))
    return user


@transaction.atomic
def user_set_roles(*, actor: Actor, user: User, roles: Iterable[Role]) -> User:
    """Replace the user's roles; administrator roles also open the administration site."""
    _check(actor, "change", user)
    role_list = list(roles)
    if actor is not None and not access.is_administrator(actor):
        raise PermissionDenied("only administrators assign roles")
    user.roles.set(role_list)
    is_staff = user.is_superuser or any(role.is_administrator for role in role_list)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    access.forget(user)
    events.publish("user.roles_changed", user_id=user.pk, role_codes=[role.code for role in role_list])
    return user


@transaction.atomic
def user_update_preferences(*, actor: Actor, user: User, language: str | None = None, time_zone: str | None = None) -> User:
    _check(actor, "change", user)
    changed: list[str] = []
    if language is not None and language != user.language:
        user.language = language
        changed.append("language")
    if time_zone is not None and time_zone != user.time_zone:
        user.time_zone = time_zone
        changed.append("time_zone")
    if changed:
        user.full_clean(exclude=["password"])
        user.save(update_fields=changed)
    return user


@transaction.atomic
def absence_create(
    *,
    actor: Actor,
    user: User,
    kind: str = AbsenceKind.VACATION,
    starts_on: datetime.date,
    ends_on: datetime.date,
    note: str = "",
) -> Absence:
    _check(actor, "change", user)
    absence = Absence(user=user, kind=kind, starts_on=starts_on, ends_on=ends_on, note=note)
    absence.full_clean()
    overlapping = user.absences.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists()
    if overlapping:
        raise ValidationError(_("This period overlaps another absence of the same person."))
    absence.save()
    events.publish("user.absence_added", user_id=user.pk, absence_id=absence.pk)
    return absence
