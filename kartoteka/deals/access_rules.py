"""Who sees and changes deals.

A deal is "own" for its owner and "team" for the team subtree it belongs to (the "deal" scope of a
role, configured separately from clients: a service engineer may read every deal and change none).
A deal is also open — to see and to change, not to delete — to whoever has an open task on it: the
measurer asked to measure, the installer asked to install (seed 001 hands a deal from person to
person by stage). They move it on when their step is done; the task closing ends it.
Contacts in a deal, its line items, price proposals and stage history follow the deal. Pipelines
and stages are configuration: whoever may read any deal reads all of them; only administrators
change them (the services check that).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kartoteka.deals.models import Deal, DealContact, DealLine, Pipeline, PriceProposal, Stage, StageChange
from kartoteka.users import access
from kartoteka.users.models import User

DEAL = "deal"


# More open tasks on deals than this and the ids stay a subquery (slower plans, but no huge IN list).
MATERIALISE_LIMIT = 1000


def _open_task_deal_ids(user: User) -> models.QuerySet[Any]:
    from kartoteka.activities.models import Task, TaskStatus

    return Task.objects.filter(assignee_id=user.pk, status=TaskStatus.OPEN, deal__isnull=False).values("deal_id")


def _tasked_deal_ids(user: User) -> list[int] | None:
    """The deals the user has an open task on (one query), or None when there are too many to list.

    A plain list lets PostgreSQL combine it with the owner and team indexes (a BitmapOr); a subquery in
    the same OR would make it read every deal. Not cached: completing a task must close the deal again
    at once, and the query is one indexed read of the person's open tasks.
    """
    tasked = _open_task_deal_ids(user).order_by().values_list("deal_id", flat=True).distinct()
    ids = list(tasked[: MATERIALISE_LIMIT + 1])
    return None if len(ids) > MATERIALISE_LIMIT else ids


class DealPolicy(access.EntityPolicy):
    def personal_q(self, user: User, action: access.Action = "view") -> Q | None:
        if action not in ("view", "change"):
            return None
        ids = _tasked_deal_ids(user)
        if ids is None:
            return Q(pk__in=_open_task_deal_ids(user))
        return Q(pk__in=ids) if ids else None

    def is_personal(self, user: User, obj: models.Model, action: access.Action = "view") -> bool:
        if action not in ("view", "change") or obj.pk is None:
            return False
        return _open_task_deal_ids(user).filter(deal_id=obj.pk).exists()


class FollowsDealPolicy(access.EntityPolicy):
    def __init__(self, *, model: type[models.Model]) -> None:
        super().__init__(key=DEAL, label=_("Deals"), model=model, owner_field=None, team_field=None)

    def own_q(self, user: User) -> Q:
        return Q(deal__owner_id=user.pk)

    def team_q(self, user: User, team_ids: frozenset[int]) -> Q:
        q = self.own_q(user)
        if team_ids:
            q |= Q(deal__team_id__in=sorted(team_ids))
        return q

    def is_own(self, user: User, obj: models.Model) -> bool:
        return getattr(obj, "deal").owner_id == user.pk  # noqa: B009

    def in_team(self, user: User, obj: models.Model, team_ids: frozenset[int]) -> bool:
        deal = getattr(obj, "deal")  # noqa: B009
        return deal.owner_id == user.pk or deal.team_id in team_ids


class ConfigurationPolicy(access.EntityPolicy):
    """Readable by anyone with any deal scope; never "own" or "team" for writing (administrators only)."""

    def __init__(self, *, model: type[models.Model]) -> None:
        super().__init__(key=DEAL, label=_("Deals"), model=model, owner_field=None, team_field=None)

    def own_q(self, user: User) -> Q:
        return Q()

    def team_q(self, user: User, team_ids: frozenset[int]) -> Q:
        return Q()

    def is_own(self, user: User, obj: models.Model) -> bool:
        return True

    def in_team(self, user: User, obj: models.Model, team_ids: frozenset[int]) -> bool:
        return True


deal_policy = access.register(DealPolicy(key=DEAL, label=_("Deals"), model=Deal, owner_field="owner", team_field="team"))
for follower in (DealContact, DealLine, PriceProposal, StageChange):
    access.register(FollowsDealPolicy(model=follower))
for configuration in (Pipeline, Stage):
    access.register(ConfigurationPolicy(model=configuration))
