"""The UI shell in a real browser: sign in, navigation by role, language, search, laptop and phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import TeamFactory, UserFactory
from kartoteka.users.models import Role

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

    nav = page.get_by_test_id("nav-sections")
    bar = nav.locator(":scope > li > .nav-link")
    expect(bar).to_have_text(["Мой день", "Клиенты", "Сделки", "Задачи", "Календарь", "Хвосты", "Обзор", "Персонал"])
    nav.get_by_role("button", name="Персонал").click()
    expect(nav.locator(".dropdown-menu.show").get_by_role("link")).to_have_text(["Сотрудники", "Команды"])
    page.keyboard.press("Escape")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Мой день")  # the start page is the manager's day
    screenshot("manager-home-ru")

    page.get_by_test_id("language-menu").click()
    page.locator("[data-language=en]").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(bar).to_have_text(["My day", "Clients", "Deals", "Tasks", "Calendar", "Tails", "Overview", "Staff"])
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
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))  # Bootstrap's slide-down has ended
    nav = page.get_by_test_id("nav-sections")
    nav.get_by_role("button", name="More").click()
    expect(nav.get_by_role("link", name="Jobs")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("admin-home-phone")


EVERY_ROLE = [
    Role.ADMINISTRATOR,
    Role.HEAD_OF_SALES,
    Role.SUPERVISOR,
    Role.MANAGER,
    Role.MARKETER,
    Role.SERVICE_ENGINEER,
    Role.ACCOUNTANT,
]


@pytest.mark.parametrize("language", ["en", "ru", "uk", "ro"])
def test_the_bar_stays_on_one_line_at_1366_for_an_administrator_with_every_role(
    live_server, page, console_errors, screenshot, language
):
    UserFactory(email="boss@example.test", first_name="Ivan", roles=EVERY_ROLE, language=language)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "boss@example.test")

    items = page.get_by_test_id("nav-sections").locator(":scope > li")
    expect(items.locator(".dropdown-toggle")).to_have_count(2)  # Staff and More: the user with the most sections
    # The same top and the same height: one row, and no item broken onto a second line inside it.
    boxes = items.evaluate_all("items => items.map(item => [item.offsetTop, item.offsetHeight])")
    assert len(boxes) >= 9
    assert len({tuple(box) for box in boxes}) == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing pushed off the right
    expect(page.get_by_test_id("user-menu")).to_be_in_viewport(ratio=1)
    screenshot(f"admin-every-role-1366-{language}")
    assert console_errors == []


def test_a_section_group_opens_and_closes_from_the_keyboard(live_server, page, console_errors, screenshot):
    UserFactory(email="boss@example.test", roles="administrator", language="en")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "boss@example.test")
    nav = page.get_by_test_id("nav-sections")
    more = nav.get_by_role("button", name="More")
    items = nav.get_by_role("link", name=re.compile("^(Overview|Jobs|Administration)$"))
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(items).to_have_count(0)  # hidden links have no role until the menu opens

    more.focus()
    page.keyboard.press("Enter")
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(items).to_have_text(["Overview", "Jobs", "Administration"])  # shown: the links have their role again
    page.keyboard.press("ArrowDown")
    expect(items.first).to_be_focused()
    screenshot("admin-more-menu-1366")
    page.keyboard.press("Escape")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(more).to_be_focused()
    expect(items).to_have_count(0)

    # Into the menu and through a link from the keyboard: the group shows where one is.
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(nav.get_by_role("link", name="Jobs")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/jobs/")
    expect(nav.get_by_role("button", name="More")).to_have_class(re.compile(r"\bactive\b"))
    expect(nav.locator("[aria-current=page]")).to_have_attribute("data-section", "jobs")
    assert console_errors == []
