"""The main navigation: groups fold rarely used sections into drop-downs so the bar stays on one line."""

from __future__ import annotations

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from kartoteka.core import navigation


def section(key: str, order: int, group: str | None = None) -> navigation.Section:
    return navigation.Section(key=key, label=key, url_name="home", order=order, group=group, allowed=lambda user: True)


def describe(bar: list[navigation.Section | navigation.Menu]) -> list[str]:
    return [
        f"{entry.group.key}: {', '.join(entry.section_keys)}" if isinstance(entry, navigation.Menu) else entry.key
        for entry in bar
    ]


def test_a_group_with_several_visible_sections_is_one_menu_in_the_groups_place():
    bar = navigation.arrange(
        [
            section("admin", 1000, "more"),
            section("home", 0),
            section("overview", 790, "more"),
            section("people", 800, "staff"),
            section("teams", 810, "staff"),
            section("clients", 10),
        ]
    )
    assert describe(bar) == ["home", "clients", "staff: people, teams", "more: overview, admin"]


def test_a_group_with_one_visible_section_is_a_plain_link_in_the_sections_own_place():
    bar = navigation.arrange([section("home", 0), section("people", 800, "staff"), section("overview", 790, "more")])
    assert describe(bar) == ["home", "overview", "people"]


def test_a_section_cannot_name_a_group_nobody_registered():
    with pytest.raises(LookupError):
        navigation.register(section("reports", 500, "reports"))


def test_a_manager_sees_staff_as_a_menu_and_overview_as_a_plain_link(world, client_for):
    response = client_for(world.users["mgr_north1"]).get("/")
    assertContains(
        response,
        '<button class="nav-link dropdown-toggle" type="button" data-bs-toggle="dropdown" aria-expanded="false"'
        ' data-section-group="staff">Staff</button>',
        html=True,
    )
    assertContains(response, '<a class="nav-link" href="/overview/" data-section="overview">Overview</a>', html=True)
    assertNotContains(response, 'data-section-group="more"')


def test_the_group_of_the_current_section_is_highlighted_with_the_section(world, client_for):
    response = client_for(world.users["mgr_north1"]).get("/people/")
    assertContains(
        response,
        '<button class="nav-link dropdown-toggle active" type="button" data-bs-toggle="dropdown" aria-expanded="false"'
        ' data-section-group="staff">Staff</button>',
        html=True,
    )
    assertContains(
        response,
        '<a class="dropdown-item active" href="/people/" data-section="people" aria-current="page">People</a>',
        html=True,
    )
    assertContains(response, '<a class="dropdown-item" href="/teams/" data-section="teams">Teams</a>', html=True)


def test_an_administrator_finds_overview_jobs_and_administration_under_more(world, client_for):
    response = client_for(world.users["admin"]).get("/jobs/")
    assertContains(
        response,
        '<button class="nav-link dropdown-toggle active" type="button" data-bs-toggle="dropdown" aria-expanded="false"'
        ' data-section-group="more">More</button>',
        html=True,
    )
    assertContains(response, '<a class="dropdown-item" href="/overview/" data-section="overview">Overview</a>', html=True)
    assertContains(
        response, '<a class="dropdown-item active" href="/jobs/" data-section="jobs" aria-current="page">Jobs</a>', html=True
    )
    assertContains(response, '<a class="dropdown-item" href="/admin/" data-section="admin">Administration</a>', html=True)
    assertContains(
        response,
        '<button class="nav-link dropdown-toggle" type="button" data-bs-toggle="dropdown" aria-expanded="false"'
        ' data-section-group="staff">Staff</button>',
        html=True,
    )
