"""Who sees activities and tasks.

Both follow the client's visibility (the "client" scope of a role): whoever sees a client sees its
history and its planned work, whoever may change the client may log and plan on it.

A task is also always its assignee's and its creator's. Someone asked to call a client they cannot
otherwise see (a colleague's client while she is away) sees that task — its title, deadline,
description, and the client's name so they know whom to call — and may complete, reschedule or
cancel it. Nothing else of the client opens to them: the card, its contacts, its history and its
other tasks stay out of reach, and completing the task does not log an activity on a card they
cannot change. A task without a client is a personal to-do: its assignee's and creator's (who may also delete
it), and the team's for a supervisor of the assignee's team.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from kartoteka.activities.models import Activity, Task
from kartoteka.clients.access_rules import FollowsClientPolicy
from kartoteka.users import access
from kartoteka.users.models import User


class TaskPolicy(FollowsClientPolicy):
    def personal_q(self, user: User, action: access.Action = "view") -> Q | None:
        mine = Q(assignee_id=user.pk) | Q(created_by_id=user.pk)
        if action in ("view", "change"):
            return mine
        if action == "delete":  # a personal to-do is theirs to delete; a client's task is the client's
            return mine & Q(client__isnull=True)
        return None

    def is_personal(self, user: User, obj: models.Model, action: access.Action = "view") -> bool:
        mine = user.pk in (getattr(obj, "assignee_id", None), getattr(obj, "created_by_id", None))
        if action in ("view", "change"):
            return mine
        return action == "delete" and mine and getattr(obj, "client_id", None) is None

    def team_q(self, user: User, team_ids: frozenset[int]) -> Q:
        q = super().team_q(user, team_ids)
        if team_ids:
            q |= Q(client__isnull=True, assignee__team_id__in=sorted(team_ids))
        return q

    def in_team(self, user: User, obj: models.Model, team_ids: frozenset[int]) -> bool:
        if getattr(obj, "client_id", None) is None:
            assignee = getattr(obj, "assignee", None)
            return assignee is not None and assignee.team_id in team_ids
        return super().in_team(user, obj, team_ids)


access.register(FollowsClientPolicy(model=Activity))
task_policy = access.register(TaskPolicy(model=Task))
