"""The client card's whole story in a real browser, in Russian and in English (issue 3, "Must show").

A manager creates a client through the wizard with a real INN, is warned of the duplicate when
starting a second one with the same INN, adds two contacts with roles, uploads the contract, changes
the category and reads all of it in the card's history.

Expected words come from the translation catalog under the user's language, so the test proves the
screens speak that language without copying the .po files into the test.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.text import capfirst
from playwright.sync_api import expect

from kartoteka.attachments.tests import samples
from kartoteka.clients.models import Client, ClientCategory
from kartoteka.contacts.models import Contact, ContactRole
from kartoteka.testing.browser import htmx_settled, sign_in
from kartoteka.testing.factories import TeamFactory, UserFactory, reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SBERBANK_INN = "7707083893"
CARD_URL = re.compile(r"/clients/\d+/$")


def words(language: str) -> dict[str, str]:
    with translation.override(language):
        gettext = translation.gettext
        return {
            "category": gettext("Category"),
            "category_field": str(capfirst(Client._meta.get_field("category").verbose_name)),
            "decision_maker": reference(ContactRole, "decision-maker").name,
            "influencer": reference(ContactRole, "influencer").name,
            "user_role": reference(ContactRole, "user").name,
            "vip": reference(ClientCategory, "vip").name,
            "b": reference(ClientCategory, "b").name,
            "contact_added": gettext("Contact added: %(name)s"),
            "file_added": gettext("File added: %(name)s"),
        }


def add_contact(page, w: dict[str, str], *, last: str, first: str, position: str, roles: list[str], phone: str) -> None:
    page.get_by_test_id("action-add-contact").click()
    form = page.get_by_test_id("form-contact")
    expect(form.locator("[name=last_name]")).to_be_focused()
    page.keyboard.type(last)
    form.locator("[name=first_name]").fill(first)
    form.locator("[name=position]").fill(position)
    for role in roles:
        form.get_by_label(role).check()
    form.locator("[name=phone]").fill(phone)
    form.locator("[name=phone]").press("Enter")
    expect(page.get_by_test_id("contact").filter(has_text=f"{last} {first}")).to_be_visible()
    # The save also reloads the header (its buttons are swapped for fresh ones) and the history:
    # a click on a button that is being replaced is lost, as it would be for a person.
    htmx_settled(page)


def story(page, live_server, screenshot, language: str) -> None:
    w = words(language)
    page.set_viewport_size({"width": 1366, "height": 768})

    # 1. The wizard: a real INN, checked as typed, creates the card.
    page.goto(f"{live_server.url}/clients/new/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator("#id_name").fill("Ромашка")
    page.locator("#id_tax_id").fill(SBERBANK_INN)
    page.locator("#id_tax_id").press("Enter")
    page.wait_for_url(CARD_URL)
    client = Client.objects.get(tax_id=SBERBANK_INN)

    # 2. A second client with the same INN is flagged before anything is saved.
    page.goto(f"{live_server.url}/clients/new/")
    page.locator("#id_name").fill("Ромашка Север")
    page.locator("#id_tax_id").fill(SBERBANK_INN)
    duplicates = page.get_by_test_id("duplicates")
    expect(duplicates).to_be_visible()
    expect(duplicates.get_by_role("link")).to_have_attribute("href", f"/clients/{client.pk}/")
    screenshot(f"story-duplicate-{language}")
    duplicates.get_by_role("link").click()
    page.wait_for_url(f"{live_server.url}/clients/{client.pk}/")
    assert Client.objects.count() == 1

    # 3. Two contacts with their roles in the client's decision structure.
    add_contact(
        page,
        w,
        last="Иванов",
        first="Пётр",
        position="Директор",
        roles=[w["decision_maker"], w["influencer"]],
        phone="8 (495) 123-45-67",
    )
    add_contact(page, w, last="Сидорова", first="Анна", position="Бухгалтер", roles=[w["user_role"]], phone="+7 812 765 43 21")
    ivanov = Contact.objects.get(last_name="Иванов")
    assert set(ivanov.roles.values_list("code", flat=True)) == {"decision-maker", "influencer"}

    # 4. The signed contract goes to the Files panel.
    files = page.get_by_test_id("attachments-panel")
    files.get_by_test_id("attachment-file").set_input_files(
        {"name": "Договор №12.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()}
    )
    files.get_by_test_id("attachment-upload").click()
    expect(page.get_by_test_id("attachment")).to_contain_text("Договор №12.pdf")

    # 5. The category changes right in the header.
    page.get_by_label(w["category"], exact=True).select_option(label=w["vip"])
    expect(page.get_by_test_id("badge-category")).to_have_text(w["vip"])

    # 6. The history tells all of it in the user's language.
    history = page.get_by_test_id("history")
    expect(history).to_contain_text(f"{w['category_field']}: ")
    expect(history).to_contain_text(w["vip"])
    expect(history).to_contain_text(w["contact_added"] % {"name": "Иванов Пётр"})
    expect(history).to_contain_text(w["contact_added"] % {"name": "Сидорова Анна"})
    expect(history).to_contain_text(w["file_added"] % {"name": "Договор №12.pdf"})
    screenshot(f"story-card-{language}")


@pytest.mark.browser_context_args(locale="ru-RU")
def test_the_client_story_in_russian(live_server, page, console_errors, screenshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    UserFactory(email="manager@example.test", language="ru", team=TeamFactory(name="Москва"), roles="manager")
    sign_in(page, live_server, "manager@example.test")
    story(page, live_server, screenshot, "ru")
    assert console_errors == []


def test_the_client_story_in_english(live_server, page, console_errors, screenshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    UserFactory(email="manager@example.test", language="en", team=TeamFactory(name="Moscow"), roles="manager")
    sign_in(page, live_server, "manager@example.test")
    story(page, live_server, screenshot, "en")
    assert console_errors == []
