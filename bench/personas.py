"""The people scenarios act as: fixed bench users the users generator creates at every scale.

A scenario runs as a realistic user rather than a superuser, because the access policy is part of
the path being measured: a supervisor's lists are filtered to the team subtree, a head of sales
sees everything. Only this module knows their addresses; scenarios name a persona by key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kartoteka.users.models import User

EMAIL_DOMAIN = "bench.invalid"  # RFC 2606: can never reach a real mailbox

ADMINISTRATOR = "administrator"
HEAD = "head"
SUPERVISOR = "supervisor"
MANAGER = "manager"


@dataclass(frozen=True)
class Persona:
    key: str
    role_code: str
    last_name: str
    first_name: str
    position: str

    @property
    def email(self) -> str:
        return f"bench-{self.key}@{EMAIL_DOMAIN}"


PERSONAS: dict[str, Persona] = {
    persona.key: persona
    for persona in (
        Persona(ADMINISTRATOR, "administrator", "Бенчев", "Админ", "Системный администратор"),
        Persona(HEAD, "head_of_sales", "Бенчева", "Ольга", "Руководитель отдела продаж"),
        Persona(SUPERVISOR, "supervisor", "Бенчев", "Дмитрий", "Руководитель направления"),
        Persona(MANAGER, "manager", "Бенчев", "Сергей", "Менеджер по продажам"),
    )
}


class MissingBenchData(LookupError):
    """The database has no bench data yet: ``manage.py bench_data`` must run first."""


def persona_user(key: str) -> User:
    """A fresh copy of the persona's user row, so no access context is cached from an earlier scenario."""
    from kartoteka.users.models import User

    email = PERSONAS[key].email
    try:
        return User.objects.get(email=email)
    except User.DoesNotExist:
        raise MissingBenchData(f"No user {email}: run `manage.py bench_data --scale 0.1` first.") from None


def sql_params(viewer: User) -> dict[str, Any]:
    """Named parameters for a scenario's raw SQL: who is asking and the subtree their team scope covers."""
    team = viewer.team
    return {
        "viewer_id": viewer.pk,
        "team_id": viewer.team_id,
        "team_prefix": f"{team.path}%" if team is not None else None,
    }
