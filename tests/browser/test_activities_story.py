"""Issue 4's story in a real browser: log a call and plan the next one in one step; tomorrow's My day
and the iCal feed show it; completing it logs the call on the card's timeline."""

from __future__ import annotations

import datetime
import zoneinfo

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kartoteka.activities.calendar_services import calendar_feed_create
from kartoteka.activities.models import Activity, Task, TaskStatus
from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import ClientFactory, ContactFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")


def test_log_a_call_plan_the_next_see_it_tomorrow_and_in_the_feed_then_complete_it(live_server, page, console_errors, screenshot):
    manager = UserFactory(
        email="anna@example.test", first_name="Anna", last_name="Petrova", language="en", roles="manager",
        time_zone="Europe/Moscow",
    )  # fmt: skip
    stranger = UserFactory(email="oleg@example.test", roles="manager", time_zone="Europe/Moscow")
    client = ClientFactory(name="Romashka", responsible=manager)
    hidden = ClientFactory(name="Hidden Client", responsible=stranger)
    ContactFactory(client=client, last_name="Ivanov", first_name="Petr", position="Director")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "anna@example.test")

    # 1. Log the call with a result and plan the next call for tomorrow 10:00 — one submit.
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    page.locator("body").press("l")
    box = page.get_by_test_id("quicklog")
    box.get_by_label("Kind", exact=True).select_option("call")
    box.get_by_label("Result").select_option(label="Agreed on the next step")
    tomorrow = timezone.localtime(timezone.now(), MOSCOW).date() + datetime.timedelta(days=1)
    box.get_by_label("Next contact").select_option("call")
    box.get_by_label("Date", exact=True).fill(tomorrow.isoformat())
    box.get_by_label("Time", exact=True).fill("10:00")
    box.get_by_label("Note").fill("Asked for the price list; call back tomorrow")
    box.get_by_label("Note").press("Control+Enter")
    expect(page.get_by_test_id("quicklog-logged")).to_be_visible()
    task = Task.objects.get(client=client, status=TaskStatus.OPEN)
    assert timezone.localtime(task.due_at, MOSCOW).replace(tzinfo=None) == datetime.datetime.combine(
        tomorrow, datetime.time(10, 0)
    )

    # 2. Tomorrow's My day lists it at 10:00.
    page.goto(f"{live_server.url}/work/my-day/?day={tomorrow.isoformat()}")
    planned = page.get_by_test_id("myday-today").get_by_test_id("myday-task")
    expect(planned).to_have_count(1)
    expect(planned).to_contain_text("10:00")
    expect(planned).to_contain_text("Romashka")
    screenshot("story-my-day-tomorrow")

    # 3. The iCal feed carries it (and nothing of a client Anna cannot see).
    Task.objects.create(title="Secret call", kind="call", due_at=task.due_at, assignee=stranger, client=hidden)
    _, token = calendar_feed_create(user=manager, include_team=False)
    response = page.request.get(f"{live_server.url}/work/calendar/feed/{token}.ics")
    assert response.status == 200
    feed = icalendar.Calendar.from_ical(response.body())
    events = [event for event in feed.walk("VEVENT")]
    assert [str(event["UID"]).split("@")[0] for event in events] == [f"task-{task.pk}"]
    start = events[0].decoded("DTSTART")
    assert start.astimezone(MOSCOW).replace(tzinfo=None) == datetime.datetime.combine(tomorrow, datetime.time(10, 0))
    assert b"Secret call" not in response.body()
    assert b"Hidden Client" not in response.body()
    assert page.request.get(f"{live_server.url}/work/calendar/feed/not-a-token.ics").status == 404

    # 4. Completing it offers to log the call; the call lands on the card's timeline.
    page.goto(f"{live_server.url}/work/tasks/{task.pk}/")
    expect(page.locator("#complete-log")).to_be_checked()  # a planned call: logging is offered
    page.get_by_label("Result", exact=True).select_option(label="Asked for an offer")
    page.get_by_label("What was said").fill("Sent the price list, they will order next week")
    page.get_by_test_id("task-complete").click()
    expect(page.get_by_test_id("task-status")).to_have_text("done")
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    entry = page.get_by_test_id("activity-entry").first
    expect(entry).to_contain_text("Sent the price list, they will order next week")
    expect(entry.get_by_test_id("activity-result")).to_have_text("Asked for an offer")
    screenshot("story-card-after-completion")

    logged = Activity.objects.get(task=task)
    assert (logged.kind, logged.client_id, logged.author_id) == ("call", client.pk, manager.pk)
    assert Activity.objects.filter(client=client).count() == 2
    assert console_errors == []
