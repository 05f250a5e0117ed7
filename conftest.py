"""Fixtures shared by every app's tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from kartoteka.testing.smtp import smtp_server  # noqa: F401  (a fixture: a real SMTP server on loopback)


@dataclass
class World:
    """A small organisation for access tests.

    Sales (department) → North (group) → North-1 (group); Sales → South (group); Marketing.
    """

    teams: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _repeatable_fake_data() -> None:
    """Factories draw names from Faker: the same names in every run, whatever the test order."""
    import factory.random

    factory.random.reseed_random("kartoteka")


@pytest.fixture(autouse=True)
def _migration_data(request: pytest.FixtureRequest) -> None:
    """Give every database test the rows the data migrations install (roles, reference lists).

    A transactional test (browser tests, live server) ends by flushing every table, data migrations'
    rows included; the next test would otherwise find no roles and no reference lists. Checking
    costs one query; reinstalling happens only after a flush.
    """
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool({"transactional_db", "live_server"} & names)
    if not (marker or transactional or "db" in names):
        return
    request.getfixturevalue("transactional_db" if transactional else "db")

    from django.apps import apps

    from kartoteka.testing.factories import ensure_reference_data
    from kartoteka.users.defaults import install_default_roles

    role, role_scope = apps.get_model("users", "Role"), apps.get_model("users", "RoleScope")
    if not role.objects.exists():
        install_default_roles(role, role_scope)
    ensure_reference_data()


@pytest.fixture
def world(db: None) -> World:
    from kartoteka.testing.factories import TeamFactory, UserFactory
    from kartoteka.users.models import TeamKind

    w = World()
    w.teams["sales"] = TeamFactory(name="Sales", kind=TeamKind.DEPARTMENT)
    w.teams["north"] = TeamFactory(name="North", parent=w.teams["sales"])
    w.teams["north1"] = TeamFactory(name="North-1", parent=w.teams["north"])
    w.teams["south"] = TeamFactory(name="South", parent=w.teams["sales"])
    w.teams["marketing"] = TeamFactory(name="Marketing", kind=TeamKind.DEPARTMENT)
    people = {
        "admin": (None, "administrator"),
        "head": ("sales", "head_of_sales"),
        "sup_north": ("north", "supervisor"),
        "mgr_north1": ("north1", "manager"),
        "mgr_south": ("south", "manager"),
        "marketer": ("marketing", "marketer"),
    }
    for key, (team, role) in people.items():
        w.users[key] = UserFactory(
            email=f"{key}@example.test", last_name=f"Last-{key}", team=w.teams.get(team) if team else None, roles=role
        )
    return w


@pytest.fixture
def user_factory(db: None) -> Any:
    from kartoteka.testing.factories import UserFactory

    return UserFactory


@pytest.fixture
def team_factory(db: None) -> Any:
    from kartoteka.testing.factories import TeamFactory

    return TeamFactory


@pytest.fixture
def manager(world: World) -> Any:
    return world.users["mgr_north1"]


@pytest.fixture
def admin_user(world: World) -> Any:
    return world.users["admin"]


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for() -> Any:
    """client_for(user) → a Django test client signed in as that user."""
    return login


@pytest.fixture
def admin_client_factory(db: None) -> Any:
    """Builds a signed-in client for a fresh administrator (usable in transactional tests too)."""

    def make() -> Client:
        from kartoteka.testing.factories import UserFactory

        return login(UserFactory(roles="administrator"))

    return make
