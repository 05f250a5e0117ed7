"""The client list in a real browser: filtering by a responsible person found by typing, from the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import ClientFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_head_filters_the_list_by_a_manager_found_by_typing(live_server, page, console_errors, screenshot):
    team = TeamFactory(name="Sales")
    UserFactory(email="head@example.test", language="en", team=team, roles="head_of_sales")
    north = UserFactory(email="north@example.test", last_name="Northman", first_name="Ivan", team=team, roles="manager")
    south = UserFactory(email="south@example.test", last_name="Southby", first_name="Olga", team=team, roles="manager")
    ClientFactory(name="Northern Lights", responsible=north)
    ClientFactory(name="Southern Cross", responsible=south)

    sign_in(page, live_server, "head@example.test")
    page.goto(f"{live_server.url}/clients/?reset=1")
    results = page.locator("#list-results")
    expect(results).to_contain_text("Northern Lights")
    expect(results).to_contain_text("Southern Cross")

    page.locator("summary", has_text="Responsible").first.click()
    box = page.locator("#lookup-responsible")
    box.fill("north")
    match = page.locator("#lookup-responsible-results").get_by_label("Northman")
    expect(match).to_be_visible()
    match.check()
    expect(results).not_to_contain_text("Southern Cross")
    expect(results).to_contain_text("Northern Lights")
    assert f"responsible={north.pk}" in page.url  # the URL reproduces the view
    screenshot("client-list-people-filter")
    assert console_errors == []
