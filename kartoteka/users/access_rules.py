"""Access policies for users and teams."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kartoteka.users import access
from kartoteka.users.models import Team, User


class UserPolicy(access.EntityPolicy):
    """ "Own" is the user themself; "team" is everyone in the user's team subtree."""

    def own_q(self, user: User) -> Q:
        return Q(pk=user.pk)

    def team_q(self, user: User, team_ids: frozenset[int]) -> Q:
        return Q(pk=user.pk) | Q(team_id__in=sorted(team_ids))

    def is_own(self, user: User, obj: models.Model) -> bool:
        return obj.pk is not None and obj.pk == user.pk

    def in_team(self, user: User, obj: models.Model, team_ids: frozenset[int]) -> bool:
        return self.is_own(user, obj) or getattr(obj, "team_id", None) in team_ids


class TeamPolicy(access.EntityPolicy):
    """ "Own" is the user's own team; "team" is that team and everything below it."""

    def own_q(self, user: User) -> Q:
        return Q(pk=user.team_id) if user.team_id else Q(pk__in=[])

    def team_q(self, user: User, team_ids: frozenset[int]) -> Q:
        return Q(pk__in=sorted(team_ids))

    def is_own(self, user: User, obj: models.Model) -> bool:
        return obj.pk is not None and obj.pk == user.team_id

    def in_team(self, user: User, obj: models.Model, team_ids: frozenset[int]) -> bool:
        # An unsaved team (being created) belongs to the subtree of its parent.
        if obj.pk is None:
            return getattr(obj, "parent_id", None) in team_ids
        return obj.pk in team_ids


access.register(UserPolicy(key="user", label=_("Users"), model=User, owner_field=None, team_field="team"))
access.register(TeamPolicy(key="team", label=_("Teams"), model=Team, owner_field=None, team_field=None))
