"""Tails and tasks in a real browser: a supervisor hands an overdue callback's client to another manager;
a manager plans a call from the card and completes it, logging the call."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kartoteka.activities.models import Activity, Task
from kartoteka.notifications.models import Notification, NotificationKind
from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import ClientFactory, TaskFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def planned_panel():
    """The card's Planned panel, registered for this test only until ``ActivitiesConfig.ready`` imports
    ``task_panels`` for good (other apps' card tests pin the card's query count without it)."""
    from kartoteka.clients import panels

    wired = "planned" in panels._panels
    from kartoteka.activities import task_panels

    panels.register(task_panels.PANEL)
    yield
    if not wired:
        panels._panels.pop("planned", None)


def test_a_supervisor_reassigns_a_tail_and_both_managers_are_notified(
    live_server, page, console_errors, screenshot, planned_panel
):
    north = TeamFactory(name="North")
    group = TeamFactory(name="North-1", parent=north)
    UserFactory(email="sup@example.test", last_name="Supervisorova", team=north, language="en", roles="supervisor")
    slow = UserFactory(email="slow@example.test", last_name="Medlennov", first_name="Ivan", team=group, roles="manager")
    quick = UserFactory(email="quick@example.test", last_name="Bystrova", first_name="Olga", team=group, roles="manager")
    client = ClientFactory(name="Vostok Trading", responsible=slow)
    TaskFactory(
        assignee=slow,
        client=client,
        kind="call",
        title="Call back about the price list",
        due_at=timezone.now() - datetime.timedelta(days=4, hours=1),
    )

    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "sup@example.test")
    page.goto(f"{live_server.url}/work/tails/")
    row = page.get_by_test_id("tail-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Call back about the price list")
    expect(row.get_by_test_id("tail-days")).to_have_text("4")
    expect(page.get_by_test_id("tails-group")).to_contain_text("Medlennov")

    # Reassign from the keyboard: open, type part of the name, arrow into the matches, pick, send.
    row.get_by_test_id("tail-reassign").click()
    box = row.get_by_label("New manager: name or email")
    box.fill("bystr")
    match = row.get_by_label("Bystrova")
    expect(match).to_be_visible()
    screenshot("tails-reassign")
    box.press("ArrowDown")
    page.keyboard.press("Space")
    row.get_by_test_id("tail-reassign-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("Both managers have been notified")
    # The promise is still overdue, now in the new manager's name.
    expect(page.get_by_test_id("tails-group")).to_contain_text("Bystrova")

    client.refresh_from_db()
    assert client.responsible == quick
    assert Task.objects.get(client=client).assignee == quick
    assert Notification.objects.filter(recipient=quick, kind=NotificationKind.CLIENT_ASSIGNED, client=client).exists()
    assert Notification.objects.filter(recipient=slow, kind=NotificationKind.CLIENT_TAKEN).exists()

    page.goto(f"{live_server.url}/clients/{client.pk}/")
    expect(page.get_by_test_id("history")).to_contain_text("Tail reassigned")
    expect(page.get_by_test_id("client-responsible")).to_contain_text("Bystrova")
    screenshot("tails-card-history")
    assert console_errors == []


def test_a_manager_plans_a_call_from_the_card_and_logs_it_on_completion(
    live_server, page, console_errors, screenshot, planned_panel
):
    manager = UserFactory(email="anna@example.test", last_name="Petrova", first_name="Anna", language="en", roles="manager")
    client = ClientFactory(name="Romashka", responsible=manager)
    TaskFactory(
        assignee=manager,
        client=client,
        kind="call",
        title="Overdue follow-up",
        due_at=timezone.now() - datetime.timedelta(days=1),
    )

    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "anna@example.test")
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    planned = page.get_by_test_id("panel-planned")
    expect(planned).to_contain_text("Overdue follow-up")
    expect(planned.locator(".task-overdue")).to_have_count(1)
    screenshot("tasks-card-panel")

    planned.get_by_test_id("plan-task").click()
    expect(page.get_by_test_id("task-save")).to_be_visible()
    page.get_by_label("Title").fill("Discuss the contract")
    page.get_by_label("Time").fill("11:30")
    screenshot("tasks-form")
    page.get_by_label("Title").press("Enter")
    expect(page).to_have_url(f"{live_server.url}/clients/{client.pk}/")
    expect(page.get_by_test_id("panel-planned")).to_contain_text("Discuss the contract")

    page.goto(f"{live_server.url}/work/tasks/")
    expect(page.get_by_test_id("task-table")).to_contain_text("Discuss the contract")
    screenshot("tasks-list")
    # One click closes the overdue one in place (htmx swaps the row).
    overdue_row = page.locator("tr", has_text="Overdue follow-up")
    overdue_row.get_by_test_id("task-done").click()
    expect(overdue_row).to_have_class("task-row task-closed")
    expect(overdue_row.get_by_test_id("task-done")).to_have_count(0)
    page.get_by_role("link", name="Discuss the contract").click()
    expect(page.get_by_test_id("task-title")).to_have_text("Discuss the contract")
    expect(page.get_by_label("Log as a call in the client's history")).to_be_checked()
    page.get_by_label("What was said").fill("They will sign next week")
    screenshot("tasks-detail")
    page.get_by_test_id("task-complete").click()
    expect(page.locator(".alert-success")).to_contain_text("Logged in the client's history")
    activity = Activity.objects.get(client=client)
    assert activity.summary == "They will sign next week"
    assert activity.task.title == "Discuss the contract"
    assert console_errors == []
