"""The new-client wizard over HTTP: requisites checked as typed, duplicates confirmed before creation."""

from __future__ import annotations

import re

import pytest

from kartoteka.clients.models import Client, ClientCategory, LegalForm
from kartoteka.contacts.models import ContactPoint
from kartoteka.testing.factories import ClientFactory, ensure_reference_data, reference

SBERBANK_INN = "7707083893"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _reference_lists(db):
    """Legal forms and categories come from data migrations; a transactional test elsewhere may have flushed them."""
    ensure_reference_data()


def wizard_data(**overrides: str) -> dict[str, str]:
    return {"kind": "company", "country": "RU", "name": "Ромашка", "tax_id": "", "phone": "", "email": "", **overrides}


def check(browser, field: str, **data: str) -> str:
    """What the live check answers while ``field`` is being typed."""
    response = browser.post("/clients/new/check/", wizard_data(**data), headers={**HTMX, "HX-Trigger-Name": field})
    assert response.status_code == 200
    return response.content.decode()


def fingerprint(page: str) -> str:
    match = re.search(r'name="duplicates_seen" value="([0-9a-f]*)"', page)
    assert match is not None
    return match.group(1)


def test_a_manager_creates_a_client_with_a_real_inn_phone_and_email(world, client_for):
    manager = world.users["mgr_north1"]
    browser = client_for(manager)
    page = browser.get("/clients/new/").content.decode()
    assert 'id="id_name"' in page
    assert "autofocus" in page

    response = browser.post(
        "/clients/new/",
        wizard_data(
            name='ООО "Ромашка"',
            legal_form=str(reference(LegalForm, "ru-ooo").pk),
            tax_id="7707 083 893",
            phone="8 (495) 123-45-67",
            email="Info@Romashka.example",
            category=str(reference(ClientCategory, "b").pk),
        ),
    )
    client = Client.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/clients/{client.pk}/"
    assert (client.name, client.tax_id, client.requisites.inn) == ('ООО "Ромашка"', SBERBANK_INN, SBERBANK_INN)
    assert (client.responsible, client.team, client.category.code) == (manager, world.teams["north1"], "b")
    assert sorted(ContactPoint.objects.filter(client=client).values_list("kind", "value")) == [
        ("email", "info@romashka.example"),
        ("phone", "+74951234567"),
    ]


def test_a_wrong_check_digit_is_refused_with_a_message_naming_inn_and_the_rule(world, client_for):
    browser = client_for(world.users["mgr_north1"])
    response = browser.post("/clients/new/", wizard_data(tax_id="7707083894"))
    assert response.status_code == 200
    assert "INN check digit is wrong." in response.content.decode()
    assert not Client.objects.exists()


def test_requisites_are_checked_as_they_are_typed(world, client_for):
    browser = client_for(world.users["mgr_north1"])
    assert 'data-state="hint"' in check(browser, "tax_id", tax_id="77070")
    assert "INN must have 10 or 12 digits, not 5." in check(browser, "tax_id", tax_id="77070")
    wrong = check(browser, "tax_id", tax_id="7707083894")
    assert 'data-state="error"' in wrong
    assert "INN check digit is wrong." in wrong
    assert "INN may contain only digits." in check(browser, "tax_id", tax_id="77O7083893")
    assert "INN is valid." in check(browser, "tax_id", tax_id=SBERBANK_INN)
    assert "+7 495 123-45-67" in check(browser, "phone", phone="84951234567")
    assert 'data-state="error"' in check(browser, "email", email="not-an-address")


def test_changing_the_country_changes_the_tax_id_rule_and_the_legal_forms(world, client_for):
    browser = client_for(world.users["mgr_north1"])
    ukraine = check(browser, "country", country="UA", tax_id="32855961")
    assert "EDRPOU" in ukraine
    assert "ТОВ — Limited liability company (UA)" in ukraine
    assert "ООО" not in ukraine
    assert "SRL" not in ukraine
    assert "IPN" in check(browser, "kind", country="UA", kind="individual")
    other = check(browser, "country", country="other")
    assert 'name="other_country"' in other
    assert 'name="tax_id"' not in other


def test_a_legal_form_of_another_country_is_refused(world, client_for):
    browser = client_for(world.users["mgr_north1"])
    response = browser.post("/clients/new/", wizard_data(legal_form=str(reference(LegalForm, "ro-srl").pk)))
    assert "This legal form is not used in the chosen country." in response.content.decode()
    assert not Client.objects.exists()


def test_a_duplicate_inn_needs_a_confirmation_before_creating(world, client_for):
    manager = world.users["mgr_north1"]
    existing = ClientFactory(responsible=manager, name="Сбербанк", requisites={"inn": SBERBANK_INN})
    browser = client_for(manager)

    live = check(browser, "tax_id", tax_id=SBERBANK_INN, name="Другое имя")
    assert 'hx-swap-oob="true"' in live
    assert "A client with this INN already exists" in live

    data = wizard_data(name="Другое имя", tax_id=SBERBANK_INN)
    page = browser.post("/clients/new/", data).content.decode()
    assert "This client looks like one that is already in the card index." in page
    assert f'href="/clients/{existing.pk}/">Open the existing card' in page
    assert Client.objects.count() == 1

    # Ticking the box for a different set of duplicates is not enough.
    browser.post("/clients/new/", {**data, "confirm_duplicates": "on", "duplicates_seen": "stale"})
    assert Client.objects.count() == 1

    response = browser.post("/clients/new/", {**data, "confirm_duplicates": "on", "duplicates_seen": fingerprint(page)})
    assert response.status_code == 302
    assert Client.objects.filter(tax_id=SBERBANK_INN).count() == 2


def test_a_colleagues_duplicate_is_announced_without_its_name(world, client_for):
    foreign = ClientFactory(responsible=world.users["mgr_south"], name="Южная Ромашка", requisites={"inn": SBERBANK_INN})
    page = client_for(world.users["mgr_north1"]).post("/clients/new/", wizard_data(tax_id=SBERBANK_INN)).content.decode()
    assert "it belongs to another manager — ask your supervisor before creating a new card." in page
    assert "Южная" not in page
    assert f"/clients/{foreign.pk}/" not in page
    assert "Open the existing card</a>" not in page


def test_a_supervisor_chooses_the_responsible_a_manager_does_not(world, client_for):
    supervisor, manager = world.users["sup_north"], world.users["mgr_north1"]
    page = client_for(supervisor).get("/clients/new/").content.decode()
    assert 'name="responsible"' in page
    assert "Last-mgr_north1" in page
    assert "Last-mgr_south" not in page
    client_for(supervisor).post("/clients/new/", wizard_data(name="Для менеджера", responsible=str(manager.pk)))
    created = Client.objects.get(name="Для менеджера")
    assert (created.responsible, created.team) == (manager, world.teams["north1"])

    assert 'name="responsible"' not in client_for(manager).get("/clients/new/").content.decode()
    client_for(manager).post("/clients/new/", wizard_data(name="Своё", responsible=str(supervisor.pk)))
    assert Client.objects.get(name="Своё").responsible == manager


def test_the_name_is_required_and_nothing_is_lost(world, client_for):
    page = (
        client_for(world.users["mgr_north1"])
        .post("/clients/new/", wizard_data(name=" ", phone="+7 495 111-22-33"))
        .content.decode()
    )
    assert "Enter the client&#x27;s name." in page
    assert 'value="+7 495 111-22-33"' in page
    assert not Client.objects.exists()


@pytest.mark.parametrize("role", ["marketer"])
def test_roles_that_cannot_create_clients_are_refused(world, client_for, role):
    assert client_for(world.users[role]).get("/clients/new/").status_code == 403
    assert client_for(world.users[role]).post("/clients/new/check/", wizard_data()).status_code == 403
