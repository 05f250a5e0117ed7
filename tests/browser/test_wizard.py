"""The new-client wizard in a real browser: a valid INN creates a card, the same INN again warns of a duplicate.

Expected texts are the catalog's translations for the user's language, so the test follows the .po files
and still proves the page speaks the language of the user (the html lang and the words in it).
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from kartoteka.clients.models import Client
from kartoteka.clients.requisites import FIELD_LABELS
from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SBERBANK_INN = "7707083893"
CARD_URL = re.compile(r"/clients/\d+/$")


def texts(language: str) -> dict[str, str]:
    with translation.override(language):
        inn = str(FIELD_LABELS["inn"])
        return {
            "inn_valid": translation.gettext("%(field)s is valid.") % {"field": inn},
            "exists": translation.gettext(
                "A client with this %(field)s already exists: %(name)s (responsible: %(responsible)s)."
            ).split("%(field)s")[0],
            "open": translation.gettext("Open the existing card"),
            "confirm": translation.gettext("Create anyway: I have checked that this is a different client"),
            "check_digit": translation.gettext("%(field)s check digit is wrong.") % {"field": inn},
        }


def create_twice(page, live_server, screenshot, language: str) -> None:
    words = texts(language)
    page.goto(f"{live_server.url}/clients/new/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#id_name")).to_be_focused()  # the keyboard starts where the typing does
    page.keyboard.type("Ромашка")
    page.keyboard.press("Tab")  # legal form
    page.keyboard.press("Tab")  # tax id
    expect(page.locator("#id_tax_id")).to_be_focused()
    page.keyboard.type("7707083894")
    expect(page.locator("#tax_id-feedback")).to_have_text(words["check_digit"])
    expect(page.locator("#id_tax_id")).to_have_class(re.compile(r"\bis-invalid\b"))
    page.keyboard.press("Backspace")
    page.keyboard.type("3")
    expect(page.locator("#tax_id-feedback")).to_have_text(words["inn_valid"])
    screenshot(f"wizard-valid-inn-{language}")
    page.keyboard.press("Enter")  # Enter creates the client from any field
    page.wait_for_url(CARD_URL)
    first = Client.objects.get()
    assert page.url.endswith(f"/clients/{first.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ромашка")

    # A second client with the same INN: the warning comes as the INN is typed, and again before creating.
    page.goto(f"{live_server.url}/clients/new/")
    page.keyboard.type("Ромашка Север")
    page.locator("#id_tax_id").focus()
    page.keyboard.type(SBERBANK_INN)
    duplicates = page.get_by_test_id("duplicates")
    expect(duplicates).to_contain_text(words["exists"])
    expect(duplicates.get_by_role("link", name=words["open"])).to_have_attribute("href", f"/clients/{first.pk}/")
    screenshot(f"wizard-duplicate-{language}")
    page.get_by_test_id("create-client").click()
    confirm = page.get_by_label(words["confirm"])
    expect(confirm).to_be_focused()  # the page comes back asking for the confirmation
    assert Client.objects.count() == 1
    page.keyboard.press("Space")
    page.get_by_test_id("create-client").click()
    page.wait_for_url(CARD_URL)
    second = Client.objects.exclude(pk=first.pk).get()
    assert page.url.endswith(f"/clients/{second.pk}/")
    assert second.tax_id == first.tax_id == SBERBANK_INN


@pytest.mark.browser_context_args(locale="ru-RU")
def test_a_manager_creates_a_client_and_is_warned_of_the_duplicate_in_russian(live_server, page, console_errors, screenshot):
    UserFactory(email="manager@example.test", language="ru", team=TeamFactory(name="Москва"), roles="manager")
    sign_in(page, live_server, "manager@example.test")
    create_twice(page, live_server, screenshot, "ru")
    assert console_errors == []


def test_a_manager_creates_a_client_and_is_warned_of_the_duplicate_in_english(live_server, page, console_errors, screenshot):
    UserFactory(email="manager@example.test", language="en", team=TeamFactory(name="Moscow"), roles="manager")
    sign_in(page, live_server, "manager@example.test")
    create_twice(page, live_server, screenshot, "en")
    assert console_errors == []


def test_the_wizard_fits_a_phone(live_server, page, screenshot):
    UserFactory(email="manager@example.test", language="en", roles="manager")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "manager@example.test")
    page.goto(f"{live_server.url}/clients/new/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("wizard-phone")
