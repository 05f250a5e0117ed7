"""The client card in a real browser: a quick change in the header, a contact with roles, the history."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kartoteka.clients.models import ClientCategory
from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import ClientFactory, UserFactory, reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_changes_the_category_adds_a_contact_with_two_roles_and_sees_the_history(
    live_server, page, console_errors, screenshot
):
    manager = UserFactory(email="manager@example.test", first_name="Anna", last_name="Petrova", language="en", roles="manager")
    client = ClientFactory(
        name="Romashka", responsible=manager, category=reference(ClientCategory, "b"), requisites={"inn": "7707083893"}
    )
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "manager@example.test")
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    expect(page.get_by_test_id("client-name")).to_have_text("Romashka")
    expect(page.get_by_test_id("badge-category")).to_have_text("B")

    # The category changes right in the header and is saved at once.
    page.get_by_label("Category", exact=True).select_option(label="VIP")
    expect(page.get_by_test_id("badge-category")).to_have_text("VIP")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("Category: B → VIP")
    expect(history).to_contain_text("Petrova A.")

    # A contact with two roles, typed and saved from the keyboard.
    page.get_by_test_id("action-add-contact").click()
    form = page.get_by_test_id("form-contact")
    expect(form.get_by_label("Last name")).to_be_focused()
    page.keyboard.type("Ivanov")
    form.get_by_label("First name").fill("Petr")
    form.get_by_label("Position").fill("Director")
    form.get_by_label("Decision maker").check()
    form.get_by_label("Influencer").check()
    form.get_by_label("Phone").fill("8 (495) 123-45-67")
    form.get_by_label("Phone").press("Enter")

    contact = page.get_by_test_id("contact").filter(has_text="Ivanov Petr")
    expect(contact).to_be_visible()
    expect(contact.get_by_test_id("role-mark")).to_have_count(2)
    expect(contact.get_by_role("link", name="+7 495 123-45-67")).to_have_attribute("href", "tel:+74951234567")
    expect(history).to_contain_text("Contact added: Ivanov Petr")
    expect(history).to_contain_text("Roles: Decision maker, Influencer")
    expect(history).to_contain_text("Phone added: +7 495 123-45-67 (Ivanov Petr)")
    screenshot("client-card")

    # Esc leaves a form without saving.
    page.get_by_test_id("edit-general").click()
    name = page.get_by_test_id("form-general").get_by_label("Name")
    expect(name).to_be_focused()
    name.fill("Something else")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("form-general")).to_have_count(0)
    expect(page.get_by_test_id("client-name")).to_have_text("Romashka")

    assert console_errors == []  # no CSP violations, no failed requests
