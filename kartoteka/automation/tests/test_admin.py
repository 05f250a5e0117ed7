"""Administrators configure calendars, service levels and queues; mistakes come back as form errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kartoteka.automation.models import AssignmentQueue, CalendarTeam, ServiceLevel, WorkCalendar
from kartoteka.automation.tests.factories import make_calendar, make_queue
from kartoteka.clients.models import ClientCategory
from kartoteka.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

INLINES = ("hours", "holidays", "team_links")


def inline(prefix: str, rows: list[dict[str, Any]], *, initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def calendar_form(name: str = "Kyiv office", **rows: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "time_zone": "Europe/Kyiv"}
    for prefix in INLINES:
        data.update(inline(prefix, rows.get(prefix, [])))
    return data


@pytest.fixture
def admin(world, client_for):
    return client_for(world.users["admin"])


ADD_CALENDAR = reverse("admin:automation_workcalendar_add")


def test_every_automation_screen_opens_for_an_administrator(admin):
    calendar = WorkCalendar.objects.get(is_default=True)
    queue = make_queue([UserFactory()])
    level = ServiceLevel.objects.first()
    assert level is not None
    for url in (
        reverse("admin:automation_workcalendar_changelist"),
        ADD_CALENDAR,
        reverse("admin:automation_workcalendar_change", args=[calendar.pk]),
        reverse("admin:automation_servicelevel_changelist"),
        reverse("admin:automation_servicelevel_change", args=[level.pk]),
        reverse("admin:automation_assignmentqueue_changelist"),
        reverse("admin:automation_assignmentqueue_change", args=[queue.pk]),
    ):
        assert admin.get(url).status_code == 200, url


def test_a_calendar_with_a_lunch_break_a_holiday_and_a_team_is_saved(admin, world):
    data = calendar_form(
        hours=[
            {"weekday": "0", "start_time": "09:00", "end_time": "13:00"},
            {"weekday": "0", "start_time": "14:00", "end_time": "18:00"},
        ],
        holidays=[
            {"date": "2026-05-01", "name": "Labour day", "start_time": "", "end_time": ""},
            {"date": "2026-05-02", "name": "Worked", "is_working_day": "on", "start_time": "10:00", "end_time": "15:00"},
        ],
        team_links=[{"team": world.teams["south"].pk}],
    )
    response = admin.post(ADD_CALENDAR, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    calendar = WorkCalendar.objects.get(name="Kyiv office")
    assert calendar.hours.count() == 2
    assert calendar.holidays.count() == 2
    assert list(calendar.teams.all()) == [world.teams["south"]]
    assert not calendar.is_default


def test_overlapping_hours_on_one_day_are_a_form_error(admin):
    data = calendar_form(
        hours=[
            {"weekday": "2", "start_time": "09:00", "end_time": "13:00"},
            {"weekday": "2", "start_time": "12:00", "end_time": "18:00"},
        ]
    )
    response = admin.post(ADD_CALENDAR, data)
    assert response.status_code == 200
    assert "Wednesday: 09:00–13:00 overlaps 12:00–18:00." in response.content.decode()
    assert not WorkCalendar.objects.filter(name="Kyiv office").exists()


def test_hours_ending_before_they_start_are_a_form_error(admin):
    response = admin.post(ADD_CALENDAR, calendar_form(hours=[{"weekday": "0", "start_time": "18:00", "end_time": "09:00"}]))
    assert response.status_code == 200
    assert "The end must be later than the start" in response.content.decode()


def test_a_working_day_without_hours_is_a_form_error(admin):
    data = calendar_form(
        holidays=[{"date": "2026-05-02", "name": "Worked", "is_working_day": "on", "start_time": "", "end_time": ""}]
    )
    response = admin.post(ADD_CALENDAR, data)
    assert response.status_code == 200
    assert "A working day needs its hours." in response.content.decode()


def test_an_invalid_time_zone_is_a_form_error(admin):
    response = admin.post(ADD_CALENDAR, {**calendar_form(), "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert not WorkCalendar.objects.filter(name="Kyiv office").exists()


def test_a_team_already_on_another_calendar_is_a_form_error_naming_it(admin, world):
    moscow = make_calendar(name="Moscow office")
    CalendarTeam.objects.create(calendar=moscow, team=world.teams["south"])
    response = admin.post(ADD_CALENDAR, calendar_form(team_links=[{"team": world.teams["south"].pk}]))
    assert response.status_code == 200
    assert "The team “South” already follows the calendar “Moscow office”." in response.content.decode()
    assert not WorkCalendar.objects.filter(name="Kyiv office").exists()


def test_the_make_default_action_moves_the_default(admin):
    previous = WorkCalendar.objects.get(is_default=True)
    kyiv = make_calendar(name="Kyiv")
    response = admin.post(
        reverse("admin:automation_workcalendar_changelist"), {"action": "make_default", "_selected_action": [kyiv.pk]}
    )
    assert response.status_code == 302
    assert list(WorkCalendar.objects.filter(is_default=True)) == [kyiv]
    assert previous.pk != kyiv.pk


def test_the_default_calendar_cannot_be_deleted(admin):
    default = WorkCalendar.objects.get(is_default=True)
    assert admin.post(reverse("admin:automation_workcalendar_delete", args=[default.pk]), {"post": "yes"}).status_code == 403
    assert WorkCalendar.objects.filter(pk=default.pk).exists()


def test_deleting_calendars_in_bulk_cannot_take_the_default_with_them(admin):
    default = WorkCalendar.objects.get(is_default=True)
    other = make_calendar(name="Kyiv")
    admin.post(
        reverse("admin:automation_workcalendar_changelist"),
        {"action": "delete_selected", "_selected_action": [default.pk, other.pk], "post": "yes"},
    )
    assert set(WorkCalendar.objects.values_list("name", flat=True)) == {default.name, "Kyiv"}


def test_a_second_service_level_for_a_category_and_a_zero_time_are_form_errors(admin):
    vip = ClientCategory.objects.get(code="vip")
    response = admin.post(
        reverse("admin:automation_servicelevel_add"),
        {"category": vip.pk, "response_minutes": "0", "callback_minutes": "60", "offer_en": "x"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This category already has a service level." in html
    assert "Ensure this value is greater than or equal to 1." in html


def test_a_queue_is_configured_with_its_members_and_a_person_appears_once(admin, world):
    anna, boris = world.users["mgr_north1"], world.users["mgr_south"]
    base = {"name": "Web leads", "strategy": "least_loaded", "team": world.teams["sales"].pk}
    duplicate = inline(
        "members",
        [{"position": "1", "user": anna.pk, "is_active": "on"}, {"position": "2", "user": anna.pk, "is_active": "on"}],
    )
    response = admin.post(reverse("admin:automation_assignmentqueue_add"), {**base, **duplicate})
    assert response.status_code == 200
    assert not AssignmentQueue.objects.filter(name="Web leads").exists()

    members = inline(
        "members",
        [{"position": "1", "user": anna.pk, "is_active": "on"}, {"position": "2", "user": boris.pk, "is_active": "on"}],
    )
    response = admin.post(reverse("admin:automation_assignmentqueue_add"), {**base, **members})
    assert response.status_code == 302, response.content.decode()[:3000]
    queue = AssignmentQueue.objects.get(name="Web leads")
    assert list(queue.members.values_list("user_id", flat=True)) == [anna.pk, boris.pk]


def test_automation_settings_are_for_administrators_only(world, client_for):
    response = client_for(world.users["head"]).get(reverse("admin:automation_workcalendar_changelist"))
    assert response.status_code == 302
