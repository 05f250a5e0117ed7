"""The quick-log box in a real browser: a call with a result, logged from the keyboard, with the next call planned."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kartoteka.activities.models import Activity, Task
from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import ClientFactory, ContactFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_logs_a_call_from_the_keyboard_and_plans_the_next_one(live_server, page, console_errors, screenshot):
    manager = UserFactory(
        email="manager@example.test", first_name="Anna", last_name="Petrova", language="en", roles="manager",
        time_zone="Europe/Moscow",
    )  # fmt: skip
    client = ClientFactory(name="Romashka", responsible=manager)
    ContactFactory(client=client, last_name="Ivanov", first_name="Petr", position="Director")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "manager@example.test")
    page.goto(f"{live_server.url}/clients/{client.pk}/")

    # L jumps to the box; everything else is typed.
    page.locator("body").press("l")
    box = page.get_by_test_id("quicklog")
    kind = box.get_by_label("Kind", exact=True)
    expect(kind).to_be_focused()
    kind.select_option("call")
    expect(box.get_by_label("Duration, min")).to_be_visible()
    expect(box.get_by_label("Place")).to_be_hidden()  # a meeting's field
    box.get_by_label("Contact person").select_option(label="Ivanov Petr, Director")
    box.get_by_label("Result").select_option(label="Agreed on the next step")
    expect(box.get_by_label("Productive")).to_be_checked()  # preselected by the result
    box.get_by_label("Duration, min").fill("7")
    moscow_zone = datetime.timezone(datetime.timedelta(hours=3))
    tomorrow = timezone.localtime(timezone.now(), moscow_zone).date() + datetime.timedelta(days=1)
    box.get_by_label("Next contact").select_option("call")
    box.get_by_label("Date", exact=True).fill(tomorrow.isoformat())
    box.get_by_label("Time", exact=True).fill("10:00")
    note = box.get_by_label("Note")
    note.fill("Agreed to send the price list")
    note.press("Control+Enter")

    expect(page.get_by_test_id("quicklog-logged")).to_be_visible()
    entry = page.get_by_test_id("activity-entry").first
    expect(entry).to_contain_text("Agreed to send the price list")
    expect(entry.get_by_test_id("activity-result")).to_have_text("Agreed on the next step")
    expect(entry.get_by_test_id("activity-productive")).to_be_visible()
    expect(entry.get_by_test_id("activity-contact")).to_contain_text("Ivanov Petr")
    expect(page.get_by_test_id("days-since")).to_have_text("today")
    screenshot("quicklog-card")

    activity = Activity.objects.get(client=client)
    assert (activity.kind, activity.duration_minutes, activity.productive) == ("call", 7, True)
    task = Task.objects.get(client=client)
    moscow = timezone.localtime(task.due_at, moscow_zone)
    assert (task.kind, moscow.date(), moscow.hour, moscow.minute) == ("call", tomorrow, 10, 0)
    assert task.assignee == manager
    assert console_errors == []
