"""Global search in a real browser: Ctrl+K and "/" focus the box, results come as you type, arrows + Enter open."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import ClientFactory, ContactFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_only_global_search_opens_a_client_and_a_contact(live_server, page, console_errors, screenshot):
    head = UserFactory(email="head@example.test", roles="head_of_sales", language="en")
    # Real commits here: the index follows the services' events as in production.
    romashka: Any = ClientFactory(responsible=head, name="Ромашка", requisites={"inn": "7707083893"})
    ClientFactory(responsible=head, name="Ромашка-Трейд")
    contact: Any = ContactFactory(client=romashka, last_name="Синицына", first_name="Анна", position="Главный бухгалтер")
    sign_in(page, live_server, "head@example.test")

    box = page.get_by_test_id("global-search")
    results = page.get_by_test_id("global-search-results")
    page.keyboard.press("Control+k")
    expect(box).to_be_focused()
    page.keyboard.type("ромаш")
    expect(results).to_be_visible()
    expect(results.locator(".dropdown-header")).to_have_text(["Clients"])
    options = results.get_by_role("option")
    expect(options).to_have_count(3)  # two clients and "all results"
    screenshot("global-search-dropdown")

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", re.compile("global-search-hit-clients-1"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/clients/{romashka.pk}/")

    # "/" focuses global search on a page without a search box of its own.
    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.type("синиц")
    expect(results.locator(".dropdown-header")).to_have_text(["Clients", "Contacts"])
    page.keyboard.press("Escape")
    expect(results).to_be_hidden()
    page.keyboard.press("ArrowDown")  # opens the same results again, choosing the first
    expect(results).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(results.get_by_role("option", name=re.compile("Синицына Анна"))).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/clients/{romashka.pk}/#contact-{contact.pk}")

    # Enter with nothing chosen opens the full results page.
    page.keyboard.press("Control+k")
    page.keyboard.type("7707083893")
    expect(results.get_by_role("option", name=re.compile("Ромашка"))).to_have_count(1)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=7707083893"))
    expect(page.locator(".search-group[data-kind=clients] .search-hit-title")).to_have_text(["Ромашка"])
    screenshot("global-search-page")
    assert console_errors == []


def test_a_manager_sees_only_own_clients_in_the_drop_down(live_server, page, console_errors):
    manager = UserFactory(email="manager@example.test", roles="manager", language="en")
    colleague = UserFactory(email="colleague@example.test", roles="manager", language="en")
    ClientFactory(responsible=manager, name="Ромашка Моя")
    ClientFactory(responsible=colleague, name="Ромашка Чужая")
    sign_in(page, live_server, "manager@example.test")

    page.keyboard.press("Control+k")
    page.keyboard.type("ромашка")
    results = page.get_by_test_id("global-search-results")
    expect(results.get_by_role("option", name=re.compile("Ромашка Моя"))).to_be_visible()
    expect(results).not_to_contain_text("Чужая")
    assert console_errors == []


def test_global_search_fits_a_phone(live_server, page, screenshot):
    UserFactory(email="head@example.test", roles="head_of_sales", language="en")
    ClientFactory(name="Ромашка")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "head@example.test")
    page.keyboard.press("Control+k")  # unfolds the collapsed menu
    box = page.get_by_test_id("global-search")
    expect(box).to_be_focused()
    page.keyboard.type("ромаш")
    results = page.get_by_test_id("global-search-results")
    expect(results.get_by_role("option", name=re.compile("Ромашка"))).to_be_visible()
    expect(results.get_by_role("option")).to_have_count(2)  # the client and "all results"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("global-search-phone")
