"""The organisation: a tree of teams (departments → groups) and the people in it.

At scale 1: 200 teams (20 departments of 1 + 9 groups) and 5,000 people, each group led by a
supervisor, plus the fixed personas of :mod:`bench.personas`. Bench rows are recognised by
their marker (team names start with "Bench ", emails end in "@bench.invalid"), which is what makes
the generators idempotent and lets a larger scale top up an existing data set.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from bench import generator
from bench.data import NamePool, insert_in_batches, target
from bench.personas import ADMINISTRATOR, EMAIL_DOMAIN, HEAD, MANAGER, PERSONAS, SUPERVISOR, Persona
from kartoteka.users import services
from kartoteka.users.models import Role, Team, TeamKind, User

TEAM_PREFIX = "Bench "
TEAMS_AT_SCALE_1 = 200
GROUPS_PER_DEPARTMENT = 9
USERS_AT_SCALE_1 = 5_000

# Shared by every bench user, hashed once: hashing per row would take minutes. Published so a person
# can sign in to a bench database and look at the pages being measured.
BENCH_PASSWORD = "bench-pass-2026"  # noqa: S105

INACTIVE_SHARE = 0.03
ROLE_MIX = {Role.MANAGER: 85, Role.MARKETER: 5, Role.SERVICE_ENGINEER: 5, Role.ACCOUNTANT: 5}
POSITIONS = {
    Role.SUPERVISOR: "Руководитель группы",
    Role.MANAGER: "Менеджер по продажам",
    Role.MARKETER: "Маркетолог",
    Role.SERVICE_ENGINEER: "Сервисный инженер",
    Role.ACCOUNTANT: "Бухгалтер",
}

UserRole = User.roles.through


@dataclass(frozen=True)
class TeamSpec:
    name: str
    kind: str
    parent_name: str | None


def department_name(number: int) -> str:
    return f"{TEAM_PREFIX}department {number:03d}"


def group_name(department: int, position: int) -> str:
    return f"{TEAM_PREFIX}group {department:03d}-{position:02d}"


def team_layout(count: int) -> list[TeamSpec]:
    """The first ``count`` teams of the bench tree, parents first.

    Team *k* is the same at every scale, so a larger scale only appends teams and never renames one.
    """
    block = GROUPS_PER_DEPARTMENT + 1
    layout = []
    for index in range(count):
        department, position = divmod(index, block)
        parent = department_name(department + 1)
        if position == 0:
            layout.append(TeamSpec(parent, TeamKind.DEPARTMENT, None))
        else:
            layout.append(TeamSpec(group_name(department + 1, position), TeamKind.GROUP, parent))
    return layout


def user_email(number: int) -> str:
    return f"bench-user-{number:06d}@{EMAIL_DOMAIN}"


@generator("teams", order=10)
def teams(*, scale: float, rng: random.Random) -> int:
    """Teams go through the service one by one: it computes the materialised path the access policy reads."""
    existing = {team.name: team for team in Team.objects.filter(name__startswith=TEAM_PREFIX)}
    created = 0
    for spec in team_layout(target(TEAMS_AT_SCALE_1, scale=scale, minimum=2)):
        if spec.name in existing:
            continue
        parent = existing[spec.parent_name] if spec.parent_name else None
        existing[spec.name] = services.team_create(actor=None, name=spec.name, kind=spec.kind, parent=parent)
        created += 1
    return created


@generator("users", order=20)
def users(*, scale: float, rng: random.Random) -> int:
    """People are bulk-inserted (one shared password hash, roles linked in bulk); group heads go through the service."""
    groups = list(Team.objects.filter(name__startswith=TEAM_PREFIX, kind=TeamKind.GROUP).order_by("name"))
    if not groups:
        raise LookupError("The users generator needs bench teams: run the teams generator first.")
    role_ids = dict(Role.objects.values_list("code", "pk"))
    existing = set(User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").values_list("email", flat=True))
    headless = {group.pk: group for group in groups if group.head_id is None}
    appointed: dict[int, str] = {}  # group id → email of the supervisor who will head it

    def new_people() -> Iterator[tuple[User, int]]:
        for persona in PERSONAS.values():
            if persona.email not in existing:
                yield _persona_user(persona), role_ids[persona.role_code]
        pool = NamePool.from_rng(rng)
        role_codes, weights = list(ROLE_MIX), list(ROLE_MIX.values())
        for number in range(1, target(USERS_AT_SCALE_1, scale=scale) + 1):
            # Draw every value before the skip, so user k gets the same name at every scale and on every run.
            person = pool.person(rng)
            role_code = rng.choices(role_codes, weights)[0]
            is_active = rng.random() >= INACTIVE_SHARE
            phone = f"+7 9{rng.randrange(10**9):09d}"
            email = user_email(number)
            if email in existing:
                continue
            group = groups[(number - 1) % len(groups)]
            if group.pk in headless:
                del headless[group.pk]
                appointed[group.pk] = email
                role_code, is_active = Role.SUPERVISOR, True
            user = User(
                email=email,
                last_name=person.last_name,
                first_name=person.first_name,
                patronymic=person.patronymic,
                position=POSITIONS[role_code],
                phone=phone,
                team=group,
                language=person.language,
                is_active=is_active,
                password=_password_hash(),
            )
            yield user, role_ids[role_code]

    def insert(batch: list[tuple[User, int]]) -> None:
        User.objects.bulk_create([user for user, _role_id in batch])
        UserRole.objects.bulk_create([UserRole(user_id=user.pk, role_id=role_id) for user, role_id in batch])

    created = insert_in_batches(new_people(), insert=insert, label="users")
    _appoint_heads(appointed)
    if created:
        from bench.generators.clients import analyze  # planner statistics: autovacuum may be off

        analyze(User, Team, UserRole)
    return created


@functools.cache
def _password_hash() -> str:
    # Hashing is deliberately slow (~0.5 s); computed only when a row is actually created.
    return make_password(BENCH_PASSWORD)


def _persona_user(persona: Persona) -> User:
    # Head and supervisor both sit on department 001: the supervisor's "team" scope then spans a
    # department's subtree (a page-filling list), while the head's "all" scope spans everyone.
    team_name = {HEAD: department_name(1), SUPERVISOR: department_name(1), MANAGER: group_name(1, 1)}.get(persona.key)
    return User(
        email=persona.email,
        last_name=persona.last_name,
        first_name=persona.first_name,
        position=persona.position,
        team=Team.objects.get(name=team_name) if team_name else None,
        is_staff=persona.key == ADMINISTRATOR,
        password=_password_hash(),
    )


def _appoint_heads(appointed: dict[int, str]) -> None:
    heads = {**appointed}
    department = Team.objects.filter(name=department_name(1), head__isnull=True).first()
    if department is not None:
        heads[department.pk] = PERSONAS[HEAD].email
    people = User.objects.in_bulk(list(heads.values()), field_name="email")
    for team in Team.objects.filter(pk__in=list(heads)):
        services.team_update(actor=None, team=team, head=people[heads[team.pk]])
