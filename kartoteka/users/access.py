"""The access policy: the one place that decides who may see or change what.

Every list, card, search, API endpoint, export, report, feed and job starts its queryset from
:func:`visible` and checks single objects with :func:`can`. Each entity type registers an
:class:`EntityPolicy` that says how "own" and "team" translate into a filter for that model.

Scopes come from the user's roles (EspoCRM-style): per entity a read scope and a write scope,
``none < own < team < all``; a user with several roles gets the widest scope of any of them.
"team" means the subtree of the team the user belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from kartoteka.users.models import Role, Scope, Team

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.users.models import User

Action = Literal["view", "create", "change", "delete"]


class EntityPolicy:
    """How one model answers "is this the user's own?" and "is this in the user's team subtree?".

    The default reads an owner FK (``owner_field``) and a team FK (``team_field``); models whose
    ownership is different (users, teams) override the four methods.
    """

    def __init__(self, *, key: str, label: Any, model: type[models.Model], owner_field: str | None, team_field: str | None):
        self.key = key
        self.label = label
        self.model = model
        self.owner_field = owner_field
        self.team_field = team_field

    def own_q(self, user: User) -> Q:
        if self.owner_field is None:
            return Q(pk__in=[])
        return Q(**{f"{self.owner_field}_id": user.pk})

    def team_q(self, user: User, team_ids: frozenset[int]) -> Q:
        q = self.own_q(user)
        if self.team_field is not None and team_ids:
            q |= Q(**{f"{self.team_field}_id__in": sorted(team_ids)})
        return q

    def is_own(self, user: User, obj: models.Model) -> bool:
        return self.owner_field is not None and getattr(obj, f"{self.owner_field}_id") == user.pk

    def in_team(self, user: User, obj: models.Model, team_ids: frozenset[int]) -> bool:
        if self.is_own(user, obj):
            return True
        return self.team_field is not None and getattr(obj, f"{self.team_field}_id") in team_ids

    def personal_q(self, user: User, action: Action = "view") -> Q | None:
        """Rows that are the user's for ``action`` whatever their scope (a task assigned to them); None: none."""
        return None

    def is_personal(self, user: User, obj: models.Model, action: Action = "view") -> bool:
        return False


_registry: dict[type[models.Model], EntityPolicy] = {}


def register(policy: EntityPolicy) -> EntityPolicy:
    if policy.model in _registry and _registry[policy.model].key != policy.key:
        raise ValueError(f"{policy.model.__name__} is already registered as {_registry[policy.model].key!r}")
    _registry[policy.model] = policy
    return policy


def policy_for(model: type[models.Model]) -> EntityPolicy:
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(
            f"{model.__name__} has no access policy: register an EntityPolicy before exposing it to users."
        ) from None


def entity_choices() -> list[tuple[str, str]]:
    # Records that follow another entity (a client's contacts) share its key: list each key once.
    return sorted({policy.key: str(policy.label) for policy in _registry.values()}.items())


@dataclass
class AccessContext:
    """What the policy needs to know about one user, loaded once per user object.

    Roles and scopes cost one query; the team subtree one more, and only when a "team" scope needs it.
    """

    is_administrator: bool
    read: dict[str, Scope] = field(default_factory=dict)
    write: dict[str, Scope] = field(default_factory=dict)
    team_id: int | None = None
    _team_ids: frozenset[int] | None = None

    @property
    def team_ids(self) -> frozenset[int]:
        """Ids of the user's team and every team below it."""
        if self._team_ids is None:
            if self.team_id is None:
                self._team_ids = frozenset()
            else:
                prefix = Team.objects.filter(pk=self.team_id).values_list("path", flat=True)
                self._team_ids = frozenset(
                    Team.objects.filter(path__startswith=models.Subquery(prefix)).values_list("pk", flat=True)
                )
        return self._team_ids


def context(user: User | AnonymousUser) -> AccessContext:
    if not user.is_authenticated or not user.is_active:
        return AccessContext(is_administrator=False)
    cached = getattr(user, "_access", None)
    if cached is not None:
        return cached
    ctx = AccessContext(is_administrator=user.is_superuser, team_id=user.team_id)
    # One query: each role the user holds, joined to its scope rows (a role without scopes gives one row of NULLs).
    rows = Role.objects.filter(users=user).values_list(
        "is_administrator", "scopes__entity", "scopes__read_scope", "scopes__write_scope"
    )
    for role_is_administrator, entity, read_scope, write_scope in rows:
        ctx.is_administrator = ctx.is_administrator or role_is_administrator
        if entity is not None:
            ctx.read[entity] = max(ctx.read.get(entity, Scope.NONE), Scope(read_scope))
            ctx.write[entity] = max(ctx.write.get(entity, Scope.NONE), Scope(write_scope))
    user._access = ctx  # type: ignore[union-attr]
    return ctx


def forget(user: User) -> None:
    """Drop the cached context (after the user's roles or team changed)."""
    user._access = None


def scope(user: User | AnonymousUser, entity: str, action: Action = "view") -> Scope:
    ctx = context(user)
    if ctx.is_administrator:
        return Scope.ALL
    scopes = ctx.read if action == "view" else ctx.write
    return scopes.get(entity, Scope.NONE)


def is_administrator(user: User | AnonymousUser) -> bool:
    return context(user).is_administrator


def visible[ModelT: models.Model](
    user: User | AnonymousUser, queryset: models.QuerySet[ModelT] | type[ModelT], *, action: Action = "view"
) -> models.QuerySet[ModelT]:
    """The rows of ``queryset`` that ``user`` may see (or, with ``action``, change or delete)."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    policy = policy_for(qs.model)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    granted = scope(user, policy.key, action)
    if granted == Scope.ALL:
        return qs
    personal = policy.personal_q(user, action)  # type: ignore[arg-type]
    if granted == Scope.TEAM:
        q = policy.team_q(user, context(user).team_ids)  # type: ignore[arg-type]
    elif granted == Scope.OWN:
        q = policy.own_q(user)  # type: ignore[arg-type]
    elif personal is not None:
        return qs.filter(personal)
    else:
        return qs.none()
    return qs.filter(q | personal if personal is not None else q)


def can(user: User | AnonymousUser, action: Action, obj: models.Model) -> bool:
    """May ``user`` perform ``action`` on ``obj`` (which may be unsaved, for "create")?"""
    if not user.is_authenticated or not user.is_active:
        return False
    policy = policy_for(obj.__class__)  # __class__ sees through lazy wrappers such as request.user
    granted = scope(user, policy.key, action)
    if granted == Scope.ALL:
        return True
    if granted == Scope.TEAM and policy.in_team(user, obj, context(user).team_ids):  # type: ignore[arg-type]
        return True
    if granted == Scope.OWN and policy.is_own(user, obj):  # type: ignore[arg-type]
        return True
    # Last: a personal grant may cost a query (an open task on a deal), and the scope usually decides.
    return policy.is_personal(user, obj, action)  # type: ignore[arg-type]


def require(user: User | AnonymousUser, action: Action, obj: models.Model) -> None:
    """Raise PermissionDenied unless ``can(user, action, obj)``; services call this before writing."""
    if not can(user, action, obj):
        raise PermissionDenied(f"{action} {obj.__class__.__name__} is not allowed")


def get_visible_or_404[ModelT: models.Model](
    user: User | AnonymousUser, queryset: models.QuerySet[ModelT] | type[ModelT], **lookup: Any
) -> ModelT:
    """Fetch one object by a user-supplied key. Invisible and missing look the same: 404, never 403."""
    try:
        return visible(user, queryset).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_use(user: User | AnonymousUser, entities: Iterable[str]) -> bool:
    """True when any of ``entities`` is readable at all: drives what the navigation shows."""
    return any(scope(user, entity) > Scope.NONE for entity in entities)
