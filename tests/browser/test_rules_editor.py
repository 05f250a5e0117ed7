"""The automation rule editor of the administration site in a real browser: an administrator builds a rule's
actions from the keyboard — a row per action, only the chosen type's parameters on show — and saves it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kartoteka.automation.models import Rule
from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_adds_and_orders_actions_from_the_keyboard_and_saves_the_rule(live_server, page, screenshot):
    # Console errors with where they come from: the administration site links no favicon, so Chromium's
    # own request for /favicon.ico fails; anything else (a CSP violation, a missing file) may not.
    errors: list[tuple[str, str]] = []
    page.on("console", lambda note: errors.append((note.text, note.location["url"])) if note.type == "error" else None)
    UserFactory(email="ada@example.test", first_name="Ada", last_name="Lovelace", roles="administrator")
    anna = UserFactory(first_name="Anna", last_name="Petrova", patronymic="", roles="manager")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server, "ada@example.test")
    page.goto(f"{live_server.url}/admin/automation/rule/add/")
    page.locator("#id_name").fill("Call new leads")
    page.locator("#id_trigger").select_option("deal_created")

    rows = page.locator("[data-action-row]")
    first = rows.nth(0)
    expect(first.get_by_label("Task title")).to_be_hidden()  # nothing but the type until one is chosen
    first.get_by_label("What to do").select_option("create_task")
    expect(first.get_by_label("Task title")).to_be_visible()
    expect(first.get_by_label("Message")).to_be_hidden()
    expect(first.get_by_text("Placeholders: {deal}, {client}").first).to_be_visible()
    first.get_by_label("Task title").fill("Call {client} within 15 minutes")
    first.get_by_label("Minutes").fill("15")
    expect(first.get_by_label(re.compile(r"^User:$"))).to_be_hidden()
    first.get_by_label("For whom").select_option("user")
    first.get_by_label(re.compile(r"^User:$")).select_option(label="Petrova Anna")

    # A second row from the keyboard: the button, Enter, then arrows in the type list it focuses.
    page.get_by_role("button", name="Add an action").focus()
    page.keyboard.press("Enter")
    second = rows.nth(1)
    kind = second.get_by_label("What to do")
    expect(kind).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(kind).to_have_value("notify")
    expect(second.get_by_label("Message")).to_be_visible()
    expect(second.get_by_label("Task title")).to_be_hidden()
    expect(second.locator("[data-row-type]")).to_have_text("Notify")
    page.keyboard.press("Tab")
    expect(second.get_by_label("Whom to notify")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("New lead: {deal}")
    expect(second.get_by_label("Message")).to_have_value("New lead: {deal}")

    # The notice goes first: Move up, pressed with the keyboard, keeps the focus on the button.
    move_up = page.locator('[aria-labelledby="actions-1-heading"]').get_by_role("button", name="Move up")
    move_up.focus()
    page.keyboard.press("Enter")
    expect(move_up).to_be_focused()
    expect(rows.nth(0).locator("[data-row-type]")).to_have_text("Notify")
    expect(rows.nth(0).get_by_label("Order:", exact=True)).to_have_value("1")
    expect(rows.nth(1).get_by_label("Order:", exact=True)).to_have_value("2")
    screenshot("rules-editor")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/automation/rule/$"))
    rule = Rule.objects.get(name="Call new leads")
    assert [action["type"] for action in rule.actions] == ["notify", "create_task"]
    assert rule.actions[0] == {"type": "notify", "to": "owner", "message": "New lead: {deal}"}
    assert rule.actions[1]["assignee"] == f"user:{anna.pk}"
    assert rule.actions[1]["minutes"] == 15
    assert [text for text, source in errors if not source.endswith("/favicon.ico")] == []
