"""Who may reach which user and team, through every path that exists so far."""

from __future__ import annotations

from django.urls import reverse

from kartoteka.testing.access_matrix import (
    AccessPath,
    api_list_contains,
    api_write,
    format_mismatches,
    html_contains,
    run_matrix,
    status_ok,
)

USER_PATHS = [
    AccessPath("people_list", html_contains("/people/?sort=name", lambda u: u.email)),
    AccessPath("person_card", status_ok(lambda u: reverse("users:person", args=[u.pk]))),
    AccessPath("api_list", api_list_contains("/api/v1/users?limit=2")),
    AccessPath("api_get", status_ok(lambda u: f"/api/v1/users/{u.pk}")),
]

TEAM_READ_PATHS = [
    AccessPath("teams_page", html_contains("/teams/", lambda t: f"/teams/{t.pk}/")),
    AccessPath("team_card", status_ok(lambda t: reverse("users:team", args=[t.pk]))),
    AccessPath("api_list", api_list_contains("/api/v1/teams?limit=2")),
    AccessPath("api_get", status_ok(lambda t: f"/api/v1/teams/{t.pk}")),
]

TEAM_WRITE_PATHS = [
    AccessPath("api_rename", api_write("PATCH", lambda t: f"/api/v1/teams/{t.pk}", lambda t: {"name": t.name})),
]

EVERYONE = {"admin", "head", "sup_north", "mgr_north1", "mgr_south", "marketer"}
ALL_TEAMS = {"sales", "north", "north1", "south", "marketing"}


def test_users_are_visible_by_role_scope(world):
    allowed = {
        "admin": EVERYONE,
        "head": EVERYONE,
        "marketer": EVERYONE,
        # A supervisor sees their own subtree (North and North-1), never the sibling South.
        "sup_north": {"sup_north", "mgr_north1"},
        # A manager's "team" scope is their own team's subtree: only North-1.
        "mgr_north1": {"mgr_north1"},
        "mgr_south": {"mgr_south"},
    }
    mismatches = run_matrix(actors=world.users, objects=world.users, paths=USER_PATHS, allowed=allowed)
    assert not mismatches, format_mismatches(mismatches)


def test_teams_are_visible_by_role_scope(world):
    allowed = {
        "admin": ALL_TEAMS,
        "head": ALL_TEAMS,
        "marketer": ALL_TEAMS,
        "sup_north": {"north", "north1"},
        "mgr_north1": {"north1"},
        "mgr_south": {"south"},
    }
    mismatches = run_matrix(actors=world.users, objects=world.teams, paths=TEAM_READ_PATHS, allowed=allowed)
    assert not mismatches, format_mismatches(mismatches)


def test_only_administrators_change_teams(world):
    mismatches = run_matrix(actors=world.users, objects=world.teams, paths=TEAM_WRITE_PATHS, allowed={"admin": ALL_TEAMS})
    assert not mismatches, format_mismatches(mismatches)


def test_guessed_ids_answer_404_like_missing_ones(world, client_for):
    client = client_for(world.users["mgr_south"])
    hidden_user = world.users["mgr_north1"]
    missing_id = hidden_user.pk + 10_000
    for url in (
        f"/people/{hidden_user.pk}/",
        f"/people/{missing_id}/",
        f"/api/v1/users/{hidden_user.pk}",
        f"/api/v1/users/{missing_id}",
    ):
        assert client.get(url).status_code == 404, url
    api_hidden = client.get(f"/api/v1/users/{hidden_user.pk}").json()
    api_missing = client.get(f"/api/v1/users/{missing_id}").json()
    assert api_hidden == api_missing


def test_a_team_card_does_not_reveal_a_head_or_parent_outside_the_viewers_reach(world, client_for):
    from kartoteka.users import services

    services.team_update(actor=None, team=world.teams["north1"], head=world.users["sup_north"])
    html = client_for(world.users["mgr_north1"]).get(f"/teams/{world.teams['north1'].pk}/").content.decode()
    assert "Last-sup_north" not in html  # the head is in North, outside a North-1 manager's reach
    assert ">North<" not in html  # nor is the parent team
    html = client_for(world.users["sup_north"]).get(f"/teams/{world.teams['north1'].pk}/").content.decode()
    assert "Last-sup_north" in html
    assert ">North<" in html
