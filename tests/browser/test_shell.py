"""The UI shell in a real browser: sign in, navigation by role, language, search, phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.browser_context_args(locale="ru-RU")
def test_manager_signs_in_in_russian_sees_only_allowed_sections_and_switches_to_english(
    live_server, page, console_errors, screenshot
):
    team = TeamFactory(name="Группа «Москва»")
    UserFactory(email="manager@example.test", first_name="Сергей", language="ru", team=team, roles="manager")

    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", name="Войти")).to_be_visible()
    sign_in(page, live_server, "manager@example.test")

    nav = page.get_by_test_id("nav-sections").get_by_role("link")
    expect(nav).to_have_text(["Мой день", "Клиенты", "Сделки", "Задачи", "Календарь", "Хвосты", "Обзор", "Сотрудники", "Команды"])
    expect(page.get_by_role("heading", level=1)).to_contain_text("Мой день")  # the start page is the manager's day
    screenshot("manager-home-ru")

    page.get_by_test_id("language-menu").click()
    page.locator("[data-language=en]").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav).to_have_text(["My day", "Clients", "Deals", "Tasks", "Calendar", "Tails", "Overview", "People", "Teams"])
    screenshot("manager-home-en")

    assert console_errors == []  # no CSP violations, no failed assets
    # Sections outside the role are not just hidden: they refuse.
    assert page.goto(f"{live_server.url}/jobs/").status == 403


def test_people_search_filters_as_you_type(live_server, page, console_errors):
    UserFactory(email="boss@example.test", first_name="Ivan", last_name="Boss", roles="administrator", language="en")
    UserFactory(email="petrova@example.test", first_name="Анна", last_name="Петрова")
    UserFactory(email="sidorov@example.test", first_name="Олег", last_name="Сидоров")
    sign_in(page, live_server, "boss@example.test")

    page.goto(f"{live_server.url}/people/")
    page.keyboard.press("/")  # focuses the search box
    page.keyboard.type("Петр")
    expect(page.locator("#list-results tbody tr")).to_have_count(1)
    expect(page.locator("#list-results")).to_contain_text("petrova@example.test")
    expect(page).to_have_url(re.compile(r"q=%D0%9F%D0%B5%D1%82%D1%80|q=Петр"))
    page.locator("#list-results tbody tr").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Петрова")
    assert console_errors == []


def test_the_shell_fits_a_phone(live_server, page, screenshot):
    UserFactory(email="boss@example.test", roles="administrator", language="en")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "boss@example.test")
    toggler = page.get_by_role("button", name="Menu")
    expect(toggler).to_be_visible()
    toggler.click()
    expect(page.get_by_test_id("nav-sections").get_by_role("link", name="Jobs")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("admin-home-phone")
