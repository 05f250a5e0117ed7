"""The team tree and the access policy's building blocks."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kartoteka.core.errors import ConflictError
from kartoteka.users import access, services
from kartoteka.users.models import Role, Scope, Team, User


def test_moving_a_team_moves_its_whole_subtree(world):
    north, north1, south = world.teams["north"], world.teams["north1"], world.teams["south"]
    services.team_update(actor=world.users["admin"], team=north, parent=south)
    north.refresh_from_db()
    north1.refresh_from_db()
    assert north.path.startswith(south.path)
    assert north.depth == 2
    assert north1.path.startswith(north.path)
    assert north1.depth == 3
    # South's supervisor-like reach now covers the moved subtree.
    assert set(Team.objects.filter(path__startswith=south.path)) == {south, north, north1}


def test_a_team_cannot_be_moved_into_its_own_subtree(world):
    with pytest.raises(ValidationError):
        services.team_update(actor=None, team=world.teams["north"], parent=world.teams["north1"])


def test_sibling_names_are_unique_case_insensitively(world):
    with pytest.raises(ConflictError):
        services.team_create(actor=None, name="SOUTH", parent=world.teams["sales"])
    services.team_create(actor=None, name="South", parent=world.teams["marketing"])  # elsewhere is fine


def test_scopes_are_the_union_of_a_users_roles(world):
    user = world.users["mgr_south"]
    assert access.scope(user, "team") == Scope.OWN
    services.user_set_roles(actor=None, user=user, roles=Role.objects.filter(code__in=["manager", "marketer"]))
    user = User.objects.get(pk=user.pk)
    assert access.scope(user, "team") == Scope.ALL
    assert access.scope(user, "user", "change") == Scope.OWN


def test_an_inactive_user_sees_nothing(world):
    head = world.users["head"]
    head.is_active = False
    assert not access.visible(head, User).exists()
    assert not access.can(head, "view", world.users["mgr_south"])


def test_only_administrators_assign_roles(world):
    with pytest.raises(PermissionDenied):
        services.user_set_roles(
            actor=world.users["head"], user=world.users["mgr_south"], roles=Role.objects.filter(code="head_of_sales")
        )
    services.user_set_roles(
        actor=world.users["admin"], user=world.users["mgr_south"], roles=Role.objects.filter(code="administrator")
    )
    world.users["mgr_south"].refresh_from_db()
    assert world.users["mgr_south"].is_staff  # administrators get the administration site


def test_managers_may_change_only_themselves(world):
    manager = world.users["mgr_north1"]
    assert access.can(manager, "change", manager)
    assert not access.can(manager, "change", world.users["sup_north"])
    with pytest.raises(PermissionDenied):
        services.user_update_preferences(actor=manager, user=world.users["sup_north"], language="ru")


def test_unregistered_models_cannot_be_exposed(world):
    from django.contrib.sessions.models import Session

    with pytest.raises(LookupError, match="no access policy"):
        access.visible(world.users["admin"], Session)


def test_absences_make_a_user_unavailable_and_cannot_overlap(world):
    import datetime

    from django.utils import timezone

    user = world.users["mgr_south"]
    today = timezone.localdate()
    services.absence_create(actor=None, user=user, starts_on=today, ends_on=today + datetime.timedelta(days=6))
    assert user.is_absent()
    assert user not in User.objects.available()
    assert user in User.objects.available(on=today + datetime.timedelta(days=7))
    with pytest.raises(ValidationError):
        services.absence_create(
            actor=None, user=user, starts_on=today + datetime.timedelta(days=5), ends_on=today + datetime.timedelta(days=9)
        )
    with pytest.raises(ValidationError):
        services.absence_create(actor=None, user=user, starts_on=today, ends_on=today - datetime.timedelta(days=1))


def test_a_role_without_scope_rows_can_still_make_an_administrator(world):
    custom = Role.objects.create(code="it", name_en="IT", is_administrator=True)
    user = world.users["mgr_south"]
    services.user_set_roles(actor=None, user=user, roles=[custom, Role.objects.get(code="manager")])
    user = User.objects.get(pk=user.pk)
    assert access.is_administrator(user)
    assert access.visible(user, User).count() == len(world.users)
