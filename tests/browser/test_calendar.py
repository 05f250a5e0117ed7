"""The calendar in a real browser: a task dragged to another day stays there; the keyboard moves it too."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kartoteka.activities import calendar_services
from kartoteka.activities.models import Task
from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import ClientFactory, TaskFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VLADIVOSTOK = zoneinfo.ZoneInfo("Asia/Vladivostok")


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=VLADIVOSTOK)


def test_manager_drags_a_task_to_another_day_and_it_stays_moved(live_server, page, console_errors, screenshot):
    manager = UserFactory(
        email="manager@example.test", first_name="Anna", last_name="Petrova", language="en",
        time_zone="Asia/Vladivostok", roles="manager",
    )  # fmt: skip
    client = ClientFactory(name="Romashka", responsible=manager)
    task = TaskFactory(assignee=manager, client=client, due_at=at(10, 10, 30), title="Call Romashka back")
    TaskFactory(
        assignee=manager, client=client, due_at=at(11, 14), duration_minutes=60, kind="meeting",
        title="Meet the director", place="Lenina 5, office 12",
    )  # fmt: skip
    with timezone.override(VLADIVOSTOK):
        TaskFactory(assignee=manager, due_at=at(13, 9), all_day=True, title="Send the offer")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "manager@example.test")

    page.goto(f"{live_server.url}/work/calendar/?date=2026-03-10")
    event = page.get_by_test_id("calendar-event").filter(has_text="Call Romashka back")
    expect(page.get_by_test_id("calendar-slot-2026-03-10-10")).to_contain_text("Call Romashka back")
    expect(event).to_contain_text("10:30")
    expect(page.get_by_test_id("calendar-slot-2026-03-11-14")).to_contain_text("Lenina 5, office 12")
    expect(page.get_by_test_id("calendar-all-day-2026-03-13")).to_contain_text("Send the offer")
    screenshot("calendar-week")

    # Thursday, 15:00: the hour changes, the minutes stay.
    event.drag_to(page.get_by_test_id("calendar-slot-2026-03-12-15"))
    expect(page.get_by_test_id("calendar-message")).to_contain_text("moved to 12 March, 15:30")
    expect(page.get_by_test_id("calendar-slot-2026-03-12-15")).to_contain_text("15:30")
    page.reload()
    expect(page.get_by_test_id("calendar-slot-2026-03-12-15")).to_contain_text("Call Romashka back")
    expect(page.get_by_test_id("calendar-slot-2026-03-10-10")).not_to_contain_text("Call Romashka back")
    assert Task.objects.get(pk=task.pk).due_at == at(12, 15, 30)

    # From the keyboard: Shift+→ a day later, Shift+↓ an hour later.
    moved = page.get_by_test_id("calendar-event").filter(has_text="Call Romashka back")
    moved.focus()
    page.keyboard.press("Shift+ArrowRight")
    expect(page.get_by_test_id("calendar-slot-2026-03-13-15")).to_contain_text("Call Romashka back")
    expect(moved).to_be_focused()
    page.keyboard.press("Shift+ArrowDown")
    expect(page.get_by_test_id("calendar-slot-2026-03-13-16")).to_contain_text("16:30")
    expect(page.get_by_test_id("calendar-message")).to_contain_text("13 March, 16:30")
    assert Task.objects.get(pk=task.pk).due_at == at(13, 16, 30)

    # The month: drag to another day keeps the time.
    page.get_by_test_id("calendar-month").click()
    expect(page.get_by_test_id("calendar-period")).to_have_text("March 2026")
    month_event = page.get_by_test_id("calendar-event").filter(has_text="Call Romashka back")
    month_event.drag_to(page.get_by_test_id("calendar-day-2026-03-24"))
    expect(page.get_by_test_id("calendar-message")).to_contain_text("24 March, 16:30")
    page.reload()
    expect(page.get_by_test_id("calendar-day-2026-03-24")).to_contain_text("Call Romashka back")
    screenshot("calendar-month")
    assert console_errors == []


def test_a_refused_move_goes_back_with_the_reason(live_server, page, console_errors):
    manager = UserFactory(email="manager@example.test", language="en", time_zone="Asia/Vladivostok", roles="manager")
    task = TaskFactory(assignee=manager, due_at=at(10, 10), title="Closing soon")
    sign_in(page, live_server, "manager@example.test")
    page.goto(f"{live_server.url}/work/calendar/?date=2026-03-10")
    expect(page.get_by_test_id("calendar-slot-2026-03-10-10")).to_contain_text("Closing soon")

    # Closed meanwhile, in another tab.
    from kartoteka.activities import services

    services.task_complete(actor=manager, task=task)
    page.get_by_test_id("calendar-event").filter(has_text="Closing soon").drag_to(
        page.get_by_test_id("calendar-slot-2026-03-11-10")
    )

    expect(page.get_by_test_id("calendar-error")).to_have_text("This task is already closed.")
    expect(page.get_by_test_id("calendar-slot-2026-03-10-10")).to_contain_text("Closing soon")
    expect(page.get_by_test_id("calendar-slot-2026-03-11-10")).not_to_contain_text("Closing soon")
    # The refused request shows in the console as a failed resource; nothing else may.
    assert all("409" in error for error in console_errors)


def test_a_supervisor_creates_a_team_calendar_address(live_server, page, console_errors, screenshot):
    from kartoteka.testing.factories import TeamFactory

    north = TeamFactory(name="North")
    UserFactory(email="sup@example.test", language="en", roles="supervisor", team=north)
    sign_in(page, live_server, "sup@example.test")
    page.goto(f"{live_server.url}/work/calendar/")
    expect(page.get_by_test_id("calendar-empty")).to_be_visible()
    page.get_by_test_id("calendar-subscribe").click()
    page.get_by_label("Include my team's tasks").check()
    page.get_by_role("button", name="Create a calendar address").click()
    url = page.get_by_test_id("new-feed-url").inner_text()
    assert url.startswith(f"{live_server.url}/work/calendar/feed/")
    expect(page.get_by_test_id("feed")).to_contain_text("mine and my team's")
    screenshot("calendar-feeds")

    feed_page = page.context.request.get(url)
    assert feed_page.status == 200
    assert feed_page.headers["content-type"] == "text/calendar; charset=utf-8"
    assert calendar_services.calendar_feed_authenticate(url.rsplit("/", 1)[1].removesuffix(".ics")) is not None
    page.reload()
    expect(page.get_by_test_id("new-feed-url")).to_have_count(0)
    assert console_errors == []
