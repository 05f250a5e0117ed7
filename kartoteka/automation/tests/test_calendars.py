"""Which calendar applies to whom, the one default, and the team-to-calendar rule."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from kartoteka.automation import services
from kartoteka.automation.defaults import DEFAULT_CALENDAR_NAME
from kartoteka.automation.models import CalendarTeam, WorkCalendar
from kartoteka.automation.tests.factories import at, make_calendar
from kartoteka.automation.worktime import NoCalendarError, add_working_time, calendar_for

pytestmark = pytest.mark.django_db


def _default() -> WorkCalendar:
    return WorkCalendar.objects.get(is_default=True)


def test_the_installed_default_calendar_is_monday_to_friday_nine_to_six_in_the_sites_time_zone():
    calendar = _default()
    assert calendar.name == DEFAULT_CALENDAR_NAME
    assert calendar.time_zone == settings.TIME_ZONE
    assert sorted(calendar.hours.values_list("weekday", "start_time", "end_time")) == [
        (weekday, datetime.time(9), datetime.time(18)) for weekday in range(5)
    ]
    assert not calendar.holidays.exists()
    assert add_working_time(calendar, at("2026-03-13 17:30", settings.TIME_ZONE), datetime.timedelta(hours=1)) == at(
        "2026-03-16 09:30", settings.TIME_ZONE
    )


def test_a_team_uses_its_own_calendar(world):
    kyiv = make_calendar(name="Kyiv", time_zone="Europe/Kyiv")
    services.work_calendar_set_teams(actor=None, calendar=kyiv, teams=[world.teams["south"]])
    assert calendar_for(team=world.teams["south"]) == kyiv


def test_a_sub_team_without_a_calendar_follows_the_nearest_parent_with_one(world):
    sales = make_calendar(name="Sales")
    north = make_calendar(name="North")
    services.work_calendar_set_teams(actor=None, calendar=sales, teams=[world.teams["sales"]])
    assert calendar_for(team=world.teams["north1"]) == sales
    services.work_calendar_set_teams(actor=None, calendar=north, teams=[world.teams["north"]])
    assert calendar_for(team=world.teams["north1"]) == north
    assert calendar_for(team=world.teams["south"]) == sales


def test_a_person_follows_their_teams_calendar_and_without_a_team_the_default(world):
    north = make_calendar(name="North")
    services.work_calendar_set_teams(actor=None, calendar=north, teams=[world.teams["north"]])
    assert calendar_for(user=world.users["mgr_north1"]) == north
    assert calendar_for(user=world.users["admin"]) == _default()
    assert calendar_for(team=world.teams["marketing"]) == _default()
    assert calendar_for() == _default()


def test_finding_a_teams_calendar_takes_one_query_for_the_whole_tree(world, django_assert_num_queries):
    sales = make_calendar(name="Sales")
    services.work_calendar_set_teams(actor=None, calendar=sales, teams=[world.teams["sales"]])
    # 1 the calendar links of North-1, North and Sales (ids read from the team's path), with their calendars.
    with django_assert_num_queries(1):
        assert calendar_for(team=world.teams["north1"]) == sales


def test_without_a_default_calendar_the_error_says_what_to_do(world):
    WorkCalendar.objects.filter(is_default=True).delete()
    with pytest.raises(NoCalendarError, match="default"):
        calendar_for(team=world.teams["north"])


def test_a_team_already_on_another_calendar_is_refused_with_that_calendars_name(world):
    kyiv = make_calendar(name="Kyiv")
    chisinau = make_calendar(name="Chișinău")
    services.work_calendar_set_teams(actor=None, calendar=kyiv, teams=[world.teams["south"]])
    with pytest.raises(ValidationError) as error:
        services.work_calendar_set_teams(actor=None, calendar=chisinau, teams=[world.teams["south"], world.teams["north"]])
    assert error.value.message_dict == {"teams": ["“South” already follows “Kyiv”."]}
    assert not CalendarTeam.objects.filter(calendar=chisinau).exists()


def test_setting_teams_replaces_the_previous_set(world):
    kyiv = make_calendar(name="Kyiv")
    services.work_calendar_set_teams(actor=None, calendar=kyiv, teams=[world.teams["south"], world.teams["north"]])
    services.work_calendar_set_teams(actor=None, calendar=kyiv, teams=[world.teams["north"], world.teams["marketing"]])
    assert set(kyiv.teams.values_list("name", flat=True)) == {"North", "Marketing"}


def test_the_database_keeps_a_team_on_one_calendar(world):
    kyiv, chisinau = make_calendar(name="Kyiv"), make_calendar(name="Chișinău")
    CalendarTeam.objects.create(calendar=kyiv, team=world.teams["south"])
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarTeam.objects.create(calendar=chisinau, team=world.teams["south"])


def test_making_a_calendar_the_default_unmarks_the_previous_one(world):
    previous = _default()
    kyiv = make_calendar(name="Kyiv")
    services.work_calendar_make_default(actor=world.users["admin"], calendar=kyiv)
    assert list(WorkCalendar.objects.filter(is_default=True)) == [kyiv]
    previous.refresh_from_db()
    assert not previous.is_default


def test_the_database_allows_one_default_only(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkCalendar.objects.create(name="Second", is_default=True)


def test_only_administrators_configure_calendars(world):
    kyiv = make_calendar(name="Kyiv")
    with pytest.raises(PermissionDenied):
        services.work_calendar_make_default(actor=world.users["head"], calendar=kyiv)
    with pytest.raises(PermissionDenied):
        services.work_calendar_set_teams(actor=world.users["head"], calendar=kyiv, teams=[world.teams["sales"]])
    assert _default() != kyiv
