"""Access to clients and to everything that hangs on a client card.

A client is "own" for its responsible manager and "team" for the team subtree it is assigned to.
Records that belong to a client (requisites, bank accounts, addresses, contacts, attachments, and
later activities and documents) follow the client: :class:`FollowsClientPolicy` reuses the client's
scope, so a role is configured once for the whole card.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kartoteka.clients.models import Address, BankAccount, Client, ClientMerge, Requisites
from kartoteka.users import access
from kartoteka.users.models import User

CLIENT = "client"


class ClientPolicy(access.EntityPolicy):
    def team_q(self, user: User, team_ids: frozenset[int]) -> Q:
        q = self.own_q(user)
        if team_ids:
            q |= Q(team_id__in=sorted(team_ids))
        return q


class FollowsClientPolicy(access.EntityPolicy):
    """A record visible and changeable exactly when its client is (``client_field`` points to it)."""

    def __init__(self, *, model: type[models.Model], client_field: str = "client") -> None:
        super().__init__(key=CLIENT, label=_("Clients"), model=model, owner_field=None, team_field=None)
        self.client_field = client_field

    def own_q(self, user: User) -> Q:
        return Q(**{f"{self.client_field}__responsible_id": user.pk})

    def team_q(self, user: User, team_ids: frozenset[int]) -> Q:
        q = self.own_q(user)
        if team_ids:
            q |= Q(**{f"{self.client_field}__team_id__in": sorted(team_ids)})
        return q

    def _client(self, obj: models.Model) -> Client | None:
        target: object = obj
        for name in self.client_field.split("__"):
            target = getattr(target, name, None)
            if target is None:
                return None
        return target  # type: ignore[return-value]

    def is_own(self, user: User, obj: models.Model) -> bool:
        client = self._client(obj)
        return client is not None and client.responsible_id == user.pk

    def in_team(self, user: User, obj: models.Model, team_ids: frozenset[int]) -> bool:
        client = self._client(obj)
        return client is not None and (client.responsible_id == user.pk or client.team_id in team_ids)


client_policy = access.register(
    ClientPolicy(key=CLIENT, label=_("Clients"), model=Client, owner_field="responsible", team_field="team")
)
for model in (Requisites, BankAccount, Address):
    access.register(FollowsClientPolicy(model=model))
access.register(FollowsClientPolicy(model=ClientMerge, client_field="survivor"))
