"""The bell in a real browser: it shows the unread count; the list opens a notice (marking it read) and
marks the rest read."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kartoteka.notifications import services
from kartoteka.notifications.models import Notification, NotificationKind
from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import TaskFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_counts_unread_notices_and_the_list_marks_them_read(live_server, page, console_errors, screenshot):
    boss = UserFactory(email="boss@example.test", last_name="Nachalova", roles="head_of_sales")
    me = UserFactory(email="me@example.test", last_name="Ivanova", language="en", roles="manager")
    task = TaskFactory(actor=me, assignee=me, title="Call Romashka about the offer")
    with_link = services.notify(
        recipient=me,
        kind=NotificationKind.TASK_ASSIGNED,
        title=f"New task from {boss}: Call Romashka about the offer",
        body="Due tomorrow 10:00.",
        url=reverse("activities:task", args=[task.pk]),
        actor=boss,
        task=task,
    )
    for title in ("Overdue: Send the price list", "Client Vostok Trading is now yours"):
        services.notify(recipient=me, kind=NotificationKind.TASK_OVERDUE, title=title, body="The deadline was yesterday.")
    assert with_link is not None

    sign_in(page, live_server, me.email)
    expect(page.get_by_test_id("bell-badge").locator(".badge")).to_have_text("3")
    screenshot("notifications-bell")

    page.get_by_test_id("bell").click()
    page.wait_for_url(f"{live_server.url}{reverse('notifications:list')}")
    expect(page.get_by_test_id("notification")).to_have_count(3)
    expect(page.locator(".notification-unread")).to_have_count(3)
    screenshot("notifications-list")

    page.locator(f"[data-notification-id='{with_link.pk}'] button").click()
    page.wait_for_url(f"{live_server.url}{reverse('activities:task', args=[task.pk])}")
    expect(page.get_by_test_id("bell-badge").locator(".badge")).to_have_text("2")
    with_link.refresh_from_db()
    assert with_link.is_read

    page.goto(f"{live_server.url}{reverse('notifications:list')}")
    expect(page.locator(".notification-unread")).to_have_count(2)
    page.get_by_test_id("mark-all-read").click()
    expect(page.locator(".notification-unread")).to_have_count(0)
    expect(page.get_by_test_id("mark-all-read")).to_have_count(0)
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()

    page.goto(f"{live_server.url}{reverse('notifications:preferences')}")
    page.locator(f"#pref-{NotificationKind.TASK_DUE_SOON}-email").check()
    page.get_by_test_id("save-preferences").click()
    expect(page.locator(f"#pref-{NotificationKind.TASK_DUE_SOON}-email")).to_be_checked()
    assert services.channels_for(me, NotificationKind.TASK_DUE_SOON).email
    screenshot("notifications-preferences")
    assert console_errors == []
