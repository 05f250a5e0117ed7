"""My day in a real browser: a manager's day with tasks, a meeting, a tail, a birthday and a renewal;
congratulating from the keyboard and completing a task in one click."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kartoteka.activities.models import Activity, Task
from kartoteka.clients.services import address_save
from kartoteka.testing.browser import midday_zone, sign_in
from kartoteka.testing.factories import ClientFactory, ContactFactory, TaskFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_works_through_my_day(live_server, page, console_errors, screenshot):
    zone = midday_zone()  # "in an hour" is still today, whenever the test runs
    manager = UserFactory(
        email="anna@example.test", last_name="Petrova", first_name="Anna", language="en", time_zone=zone, roles="manager"
    )
    now = timezone.localtime(timezone=zoneinfo.ZoneInfo(zone))
    today = now.date()
    romashka = ClientFactory(name="Romashka", responsible=manager, contract_valid_until=today + datetime.timedelta(days=12))
    vostok = ClientFactory(name="Vostok Trading", responsible=manager)
    address_save(actor=None, client=vostok, values={"kind": "actual", "city": "Kazan", "street": "Baumana 12"})
    ContactFactory(client=romashka, last_name="Ivanova", first_name="Maria", birthday=today.replace(year=1985))
    ContactFactory(
        client=vostok, last_name="Sidorov", first_name="Petr", birthday=(today + datetime.timedelta(days=3)).replace(year=1979)
    )
    TaskFactory(
        assignee=manager,
        client=romashka,
        kind="call",
        title="Call back about the price list",
        due_at=now - datetime.timedelta(days=5),
    )
    TaskFactory(assignee=manager, client=vostok, kind="email", title="Send the offer", due_at=now - datetime.timedelta(hours=1))
    later = now + datetime.timedelta(hours=1)
    TaskFactory(assignee=manager, client=vostok, kind="meeting", title="Meet the buyer", due_at=later)

    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "anna@example.test")
    page.goto(f"{live_server.url}/work/my-day/")
    expect(page.get_by_test_id("myday-overdue")).to_contain_text("Call back about the price list")
    expect(page.get_by_test_id("myday-today")).to_contain_text("Meet the buyer")
    expect(page.get_by_test_id("myday-tail")).to_contain_text("Romashka")
    expect(page.get_by_test_id("myday-meeting-address")).to_contain_text("Kazan, Baumana 12")
    expect(page.get_by_test_id("myday-birthday")).to_have_count(2)
    expect(page.get_by_test_id("myday-renewal")).to_contain_text("Romashka")
    expect(page.get_by_test_id("myday-new-client")).to_have_count(2)
    screenshot("myday-manager")

    # Congratulate from the keyboard: htmx swaps the button for the mark.
    page.get_by_test_id("birthday-congratulate").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("birthday-congratulated")).to_have_count(1)
    assert Activity.objects.filter(kind="greeting", contact__last_name="Ivanova").exists()

    # One click: done.
    row = page.get_by_test_id("myday-task").filter(has_text="Send the offer")
    row.get_by_test_id("myday-done").click()
    expect(page.locator(".alert-success")).to_contain_text("Done")
    expect(page.get_by_test_id("myday-overdue")).not_to_contain_text("Send the offer")
    assert Task.objects.get(title="Send the offer").status == "done"

    # Tomorrow's My day with the "]" key.
    page.locator("body").press("]")
    expect(page).to_have_url(f"{live_server.url}/work/my-day/?day={(today + datetime.timedelta(days=1)).isoformat()}")
    expect(page.get_by_test_id("myday-overdue")).to_contain_text("Call back about the price list")
    screenshot("myday-tomorrow")
    assert console_errors == []


def test_a_supervisor_sees_the_teams_counts(live_server, page, console_errors, screenshot):
    from kartoteka.testing.factories import TeamFactory

    north = TeamFactory(name="North")
    group = TeamFactory(name="North-1", parent=north)
    UserFactory(email="sup@example.test", last_name="Supervisorova", team=north, language="en", roles="supervisor")
    slow = UserFactory(email="slow@example.test", last_name="Medlennov", first_name="Ivan", team=group, roles="manager")
    client = ClientFactory(name="Vostok Trading", responsible=slow)
    TaskFactory(
        assignee=slow, client=client, kind="call", title="Old promise", due_at=timezone.now() - datetime.timedelta(days=4)
    )

    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "sup@example.test")
    page.goto(f"{live_server.url}/work/my-day/")
    counts = page.get_by_test_id("myday-count-row").filter(has_text="Medlennov")
    expect(counts).to_contain_text("1")
    screenshot("myday-team")
    page.get_by_label("Whose day").select_option(label="Medlennov Ivan")
    expect(page.get_by_test_id("myday-person")).to_contain_text("Medlennov")
    expect(page.get_by_test_id("myday-overdue")).to_contain_text("Old promise")
    assert console_errors == []
