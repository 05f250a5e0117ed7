"""The client card page: header, registered panels, editing in place (htmx and plain POST), access, query count."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from kartoteka.clients import panels, services
from kartoteka.clients.models import (
    Address,
    BankAccount,
    Client,
    ClientCategory,
    ClientPriority,
    ClientType,
    Requisites,
    Segment,
)
from kartoteka.contacts import services as contact_services
from kartoteka.contacts.models import ContactRole
from kartoteka.testing.factories import ClientFactory, ContactFactory, reference

HTMX = {"HTTP_HX_REQUEST": "true"}
SBERBANK = {"bank_name": "ПАО Сбербанк", "bik": "044525225", "account": "40702810938000000001", "currency": "RUB"}
SBERBANK_CORRESPONDENT = "30101810400000000225"


@pytest.fixture
def manager(world):
    return world.users["mgr_north1"]


@pytest.fixture
def card(manager):
    """A client of mgr_north1 with a category, a phone, an email and a website."""
    client = ClientFactory(
        responsible=manager,
        name="Ромашка",
        category=reference(ClientCategory, "vip"),
        priority=reference(ClientPriority, "a"),
        client_type=reference(ClientType, "active"),
        website="https://romashka.example",
        requisites={"inn": "7707083893"},
    )
    contact_services.contact_point_save(actor=None, client=client, values={"kind": "phone", "value": "8 (495) 123-45-67"})
    contact_services.contact_point_save(actor=None, client=client, values={"kind": "email", "value": "Info@Romashka.example"})
    return client


def triggers(response) -> set[str]:
    header = response.headers.get("HX-Trigger", "")
    return set(json.loads(header)) if header.startswith("{") else {name.strip() for name in header.split(",") if name.strip()}


# --- The page ----------------------------------------------------------------------------------------


def test_header_shows_name_badges_responsible_and_click_to_act_links(world, manager, card, client_for):
    manager.team.name  # noqa: B018 - the team is part of the header
    response = client_for(manager).get(reverse("clients:card", args=[card.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ромашка" in html
    assert 'class="badge text-bg-danger"' in html  # VIP's colour from the reference list
    assert "A — strategic" in html
    assert "Active" in html
    assert manager.get_full_name() in html
    assert "North-1" in html
    assert 'href="tel:+74951234567"' in html
    assert "+7 495 123-45-67" in html
    assert 'href="mailto:info@romashka.example"' in html
    assert 'href="https://romashka.example"' in html
    assert f'href="/clients/{card.pk}/merge/"' in html
    assert reverse("clients:card_delete", args=[card.pk]) in html
    assert 'href="#panel-attachments"' in html or "attachments" not in {p.key for p in panels.panels_for(manager)}


def test_the_card_renders_every_registered_panel_in_order_with_its_own_context(manager, card, client_for):
    probe = panels.Panel(
        key="probe",
        label="Probe panel",
        template="clients/card/values.html",
        context=lambda request, client: {"rows": [("Probe label", f"probe value {client.pk}")]},
        order=35,
    )
    panels.register(probe)
    try:
        html = client_for(manager).get(reverse("clients:card", args=[card.pk])).content.decode()
    finally:
        panels._panels.pop("probe")
    assert f"probe value {card.pk}" in html
    order = [
        html.index(f'id="panel-{key}"') for key in ("general", "categorisation", "contacts", "probe", "phones", "requisites")
    ]
    assert order == sorted(order)
    assert html.index('id="panel-history"') > html.index('class="col-lg-4')  # the timeline is the side column
    assert 'id="panel-additional"' not in html  # no additional fields defined: the panel stays out


def test_each_panel_body_can_be_fetched_alone_for_htmx(manager, card, client_for):
    http = client_for(manager)
    for key in ("general", "categorisation", "requisites", "contacts", "phones", "history"):
        response = http.get(reverse("clients:card_panel", args=[card.pk, key]), **HTMX)
        assert response.status_code == 200, key
        assert b"<html" not in response.content
    assert http.get(reverse("clients:card_panel", args=[card.pk, "nonexistent"]), **HTMX).status_code == 404
    plain = http.get(reverse("clients:card_panel", args=[card.pk, "general"]))
    assert plain.status_code == 302
    assert plain.url.endswith("#panel-general")


def test_the_header_alone_for_htmx(manager, card, client_for):
    response = client_for(manager).get(reverse("clients:card_header", args=[card.pk]), **HTMX)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<header id="card-header"')


# --- Editing sections -------------------------------------------------------------------------------


def test_general_section_edit_form_then_save_with_htmx_returns_the_panel_and_tells_the_page(manager, card, client_for):
    http = client_for(manager)
    url = reverse("clients:card_edit", args=[card.pk, "general"])
    form = http.get(url, **HTMX)
    assert form.status_code == 200
    assert b'data-testid="form-general"' in form.content
    assert b"data-cancel" in form.content
    response = http.post(
        url,
        {"name": "Ромашка-Плюс", "kind": "company", "country": "RU", "staff_count": "120", "annual_turnover": "1 500 000,50",
         "turnover_currency": "RUB", "business_description": "Поставки цветов"},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 200, response.content.decode()[:2000]
    assert b'data-testid="panel-general"' in response.content
    assert {"client-header-changed", "client-history-changed"} <= triggers(response)
    card.refresh_from_db()
    assert card.name == "Ромашка-Плюс"
    assert card.staff_count == 120
    assert card.annual_turnover == Decimal("1500000.50")
    # Reassignment is not a manager's decision: the disabled fields kept their values.
    assert card.responsible == manager


def test_general_section_without_javascript_renders_the_card_in_edit_mode_and_redirects_after_saving(manager, card, client_for):
    http = client_for(manager)
    url = reverse("clients:card_edit", args=[card.pk, "general"])
    page = http.get(url)
    html = page.content.decode()
    assert "<html" in html
    assert 'data-testid="form-general"' in html
    assert 'data-testid="panel-categorisation"' in html  # the rest of the card is there
    response = http.post(url, {"name": "Ромашка", "kind": "company", "country": "RU", "website": "romashka.example"})
    assert response.status_code == 302
    assert response.url == reverse("clients:card", args=[card.pk]) + "#panel-general"


def test_invalid_input_comes_back_with_the_message_next_to_the_field(manager, card, client_for):
    http = client_for(manager)
    url = reverse("clients:card_edit", args=[card.pk, "categorisation"])
    response = http.post(url, {"wallet_share": "150", "loyalty": "3"}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field-error="wallet_share"' in html
    assert 'aria-invalid="true"' in html
    card.refresh_from_db()
    assert card.wallet_share is None


def test_categorisation_saves_fields_and_tags(manager, card, client_for):
    segment = Segment.objects.filter(is_active=True).first()
    response = client_for(manager).post(
        reverse("clients:card_edit", args=[card.pk, "categorisation"]),
        {"segment": segment.pk, "category": reference(ClientCategory, "a").pk, "sales_mode": "active", "loyalty": "4",
         "wallet_share": "35,5", "potential_amount": "2000000", "potential_currency": "RUB", "tags": "опт, Москва, опт"},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 200, response.content.decode()[:2000]
    card.refresh_from_db()
    assert card.segment == segment
    assert card.category.code == "a"
    assert card.loyalty == 4
    assert card.wallet_share == Decimal("35.5")
    assert sorted(card.tags.values_list("name", flat=True)) == ["Москва", "опт"]
    html = response.content.decode()
    assert "4 / 5" in html
    assert "Москва" in html


def test_requisites_show_the_codes_of_the_clients_country(manager, client_for):
    ukrainian = ClientFactory(responsible=manager, name="Ромашка Україна", country="UA", requisites={"edrpou": "32855961"})
    html = client_for(manager).get(reverse("clients:card", args=[ukrainian.pk])).content.decode()
    assert "EDRPOU" in html
    assert "32855961" in html
    assert 'data-requisite="inn"' not in html
    form = client_for(manager).get(reverse("clients:card_edit", args=[ukrainian.pk, "requisites"]), **HTMX).content.decode()
    assert 'name="edrpou"' in form
    assert 'name="inn"' not in form


def test_wrong_requisites_are_refused_with_the_field_and_the_rule_named(manager, card, client_for):
    url = reverse("clients:card_edit", args=[card.pk, "requisites"])
    response = client_for(manager).post(url, {"inn": "7707083894", "kpp": "77070108", "ogrn": "", "okpo": ""}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "INN check digit is wrong." in html
    assert "KPP must have 9 characters, not 8." in html
    assert 'data-field-error="inn"' in html
    assert Requisites.objects.get(client=card).inn == "7707083893"


def test_valid_requisites_are_saved_and_the_tax_id_follows(manager, card, client_for):
    url = reverse("clients:card_edit", args=[card.pk, "requisites"])
    response = client_for(manager).post(
        url, {"full_name": "ООО «Ромашка»", "inn": "7736207543", "kpp": "773601001", "ogrn": "1027700229193", "okpo": ""}, **HTMX
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    card.refresh_from_db()
    assert card.tax_id == "7736207543"
    assert "1027700229193" in response.content.decode()


def test_bank_account_and_address_are_added_edited_and_deleted(manager, card, client_for):
    http = client_for(manager)
    response = http.post(
        reverse("clients:card_record_add", args=[card.pk, "bank-account"]),
        {**SBERBANK, "correspondent_account": SBERBANK_CORRESPONDENT, "is_primary": "on"},
        **HTMX,
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    account = BankAccount.objects.get(client=card)
    assert account.correspondent_account == SBERBANK_CORRESPONDENT
    response = http.post(
        reverse("clients:card_record_edit", args=[card.pk, "bank-account", account.pk]),
        {**SBERBANK, "bik": "04452522"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "BIK must have 9 digits, not 8." in response.content.decode()
    response = http.post(reverse("clients:card_record_delete", args=[card.pk, "bank-account", account.pk]), **HTMX)
    assert response.status_code == 200
    assert not BankAccount.objects.filter(client=card).exists()

    response = http.post(
        reverse("clients:card_record_add", args=[card.pk, "address"]),
        {"kind": "legal", "country": "RU", "postal_code": "101000", "city": "Москва", "street": "ул. Мясницкая, 1"},
    )
    assert response.status_code == 302
    address = Address.objects.get(client=card)
    http.post(reverse("clients:card_record_edit", args=[card.pk, "address", address.pk]),
              {"kind": "actual", "country": "RU", "city": "Москва", "street": "ул. Мясницкая, 2"})  # fmt: skip
    address.refresh_from_db()
    assert (address.kind, address.street) == ("actual", "ул. Мясницкая, 2")
    assert "ул. Мясницкая, 2" in http.get(reverse("clients:card", args=[card.pk])).content.decode()


def test_category_changes_inline_and_the_header_comes_back(manager, card, client_for):
    response = client_for(manager).post(
        reverse("clients:card_field", args=[card.pk, "category"]), {"value": reference(ClientCategory, "c").pk}, **HTMX
    )
    assert response.status_code == 200
    assert 'data-testid="badge-category">C<' in response.content.decode()
    assert {"client-fields-changed", "client-history-changed"} <= triggers(response)
    card.refresh_from_db()
    assert card.category.code == "c"


def test_inline_change_without_javascript_redirects_back(manager, card, client_for):
    response = client_for(manager).post(
        reverse("clients:card_field", args=[card.pk, "priority"]), {"value": reference(ClientPriority, "c").pk}
    )
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.priority.code == "c"


def test_a_manager_cannot_reassign_inline_but_a_supervisor_can(world, manager, card, client_for):
    url = reverse("clients:card_field", args=[card.pk, "responsible"])
    assert client_for(manager).post(url, {"value": world.users["sup_north"].pk}, **HTMX).status_code == 403
    supervisor = world.users["sup_north"]
    assert b'data-testid="quick-responsible"' in client_for(supervisor).get(reverse("clients:card", args=[card.pk])).content
    response = client_for(supervisor).post(url, {"value": supervisor.pk}, **HTMX)
    assert response.status_code == 200
    card.refresh_from_db()
    assert card.responsible == supervisor


def test_an_invalid_inline_value_is_refused_in_the_header(manager, card, client_for):
    response = client_for(manager).post(reverse("clients:card_field", args=[card.pk, "category"]), {"value": "999999"}, **HTMX)
    assert response.status_code == 422
    assert b"invalid-feedback" in response.content
    assert client_for(manager).post(reverse("clients:card_field", args=[card.pk, "name"]), {"value": "x"}).status_code == 404


def test_delete_asks_first_then_deletes_through_the_service(manager, card, client_for):
    http = client_for(manager)
    url = reverse("clients:card_delete", args=[card.pk])
    confirm = http.get(url)
    assert confirm.status_code == 200
    assert b'data-testid="confirm-delete"' in confirm.content
    assert Client.objects.filter(pk=card.pk).exists()
    response = http.post(url)
    assert response.status_code == 302
    assert response.url == reverse("clients:list")
    assert not Client.objects.filter(pk=card.pk).exists()


# --- Duplicates ---------------------------------------------------------------------------------------


def test_renaming_to_an_existing_clients_name_warns_before_saving(manager, card, client_for):
    ClientFactory(responsible=manager, name="Василёк")
    http = client_for(manager)
    url = reverse("clients:card_edit", args=[card.pk, "general"])
    data = {"name": "ООО «Василёк»", "kind": "company", "country": "RU"}
    warning = http.post(url, data, **HTMX)
    assert warning.status_code == 200
    html = warning.content.decode()
    assert 'data-testid="duplicates-warning"' in html
    assert "Василёк" in html
    assert "Save anyway" in html
    card.refresh_from_db()
    assert card.name == "Ромашка"
    saved = http.post(url, {**data, "confirm_duplicates": "1"}, **HTMX)
    assert saved.status_code == 200
    card.refresh_from_db()
    assert card.name == "ООО «Василёк»"


def test_a_tax_id_another_client_has_warns_before_saving(manager, card, client_for):
    ClientFactory(responsible=manager, name="Другая", requisites={"inn": "7736207543"})
    url = reverse("clients:card_edit", args=[card.pk, "requisites"])
    warning = client_for(manager).post(url, {"inn": "7736207543"}, **HTMX)
    assert b'data-testid="duplicates-warning"' in warning.content
    assert Requisites.objects.get(client=card).inn == "7707083893"
    client_for(manager).post(url, {"inn": "7736207543", "confirm_duplicates": "1"}, **HTMX)
    assert Requisites.objects.get(client=card).inn == "7736207543"


# --- Custom fields ------------------------------------------------------------------------------------


def test_custom_fields_show_in_their_section_and_are_edited_in_its_form(manager, card, client_for):
    from kartoteka.customfields.models import CustomField

    CustomField.objects.create(entity="client", code="contract_no", name_en="Contract number", kind="text", section="general")
    CustomField.objects.create(entity="client", code="hobby", name_en="Founders' hobby", kind="text", section="additional")
    http = client_for(manager)
    form = http.get(reverse("clients:card_edit", args=[card.pk, "general"]), **HTMX).content.decode()
    assert 'name="cf_contract_no"' in form
    assert 'name="cf_hobby"' not in form
    response = http.post(
        reverse("clients:card_edit", args=[card.pk, "general"]),
        {"name": card.name, "kind": "company", "country": "RU", "cf_contract_no": "Д-17/2026"},
        **HTMX,
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    card.refresh_from_db()
    assert card.custom_fields == {"contract_no": "Д-17/2026"}
    html = http.get(reverse("clients:card", args=[card.pk])).content.decode()
    assert "Contract number" in html
    assert "Д-17/2026" in html
    assert 'id="panel-additional"' in html  # a field outside the standard sections brings its panel


# --- Access -------------------------------------------------------------------------------------------


def _foreign_records(world):
    """A client of mgr_south with one of everything, and the URLs that must not reach them."""
    other = ClientFactory(responsible=world.users["mgr_south"], name="Чужой клиент")
    account = services.bank_account_save(actor=None, client=other, values=SBERBANK)
    address = services.address_save(actor=None, client=other, values={"street": "ул. Южная, 1"})
    return other, account, address


def test_another_managers_client_is_missing_on_every_card_path(world, manager, client_for):
    other, account, address = _foreign_records(world)
    http = client_for(manager)
    pk = other.pk
    gets = [
        reverse("clients:card", args=[pk]),
        reverse("clients:card_header", args=[pk]),
        reverse("clients:card_history", args=[pk]),
        *(reverse("clients:card_panel", args=[pk, key]) for key in ("general", "requisites", "contacts", "history")),
        *(reverse("clients:card_edit", args=[pk, section]) for section in ("general", "categorisation", "requisites")),
        reverse("clients:card_record_edit", args=[pk, "bank-account", account.pk]),
        reverse("clients:card_record_edit", args=[pk, "address", address.pk]),
        reverse("clients:card_delete", args=[pk]),
    ]
    for url in gets:
        assert http.get(url, **HTMX).status_code == 404, url
    posts = [
        reverse("clients:card_edit", args=[pk, "general"]),
        reverse("clients:card_field", args=[pk, "category"]),
        reverse("clients:card_delete", args=[pk]),
        reverse("clients:card_record_add", args=[pk, "bank-account"]),
        reverse("clients:card_record_delete", args=[pk, "bank-account", account.pk]),
        reverse("clients:card_record_delete", args=[pk, "address", address.pk]),
    ]
    for url in posts:
        assert http.post(url, {"name": "Взлом", "value": "1"}, **HTMX).status_code == 404, url
    other.refresh_from_db()
    assert other.name == "Чужой клиент"
    assert BankAccount.objects.filter(pk=account.pk).exists()


def test_a_guessed_record_id_of_another_client_is_missing_on_my_own_card(world, manager, card, client_for):
    _other, account, address = _foreign_records(world)
    http = client_for(manager)
    assert http.post(reverse("clients:card_record_delete", args=[card.pk, "bank-account", account.pk])).status_code == 404
    assert (
        http.post(reverse("clients:card_record_edit", args=[card.pk, "address", address.pk]), {"street": "x"}).status_code == 404
    )
    assert BankAccount.objects.filter(pk=account.pk).exists()


def test_a_read_only_role_sees_the_card_without_edit_controls_and_cannot_write(world, card, client_for):
    marketer = world.users["marketer"]
    http = client_for(marketer)
    html = http.get(reverse("clients:card", args=[card.pk])).content.decode()
    assert "Ромашка" in html
    for marker in ('data-testid="action-edit"', 'data-testid="edit-general"', 'data-testid="quick-category"',
                   'data-testid="action-delete"', 'data-testid="add-contact"', 'data-testid="action-merge"'):  # fmt: skip
        assert marker not in html, marker
    assert http.get(reverse("clients:card_edit", args=[card.pk, "general"])).status_code == 403
    for url, data in [
        (reverse("clients:card_edit", args=[card.pk, "general"]), {"name": "x", "kind": "company", "country": "RU"}),
        (reverse("clients:card_field", args=[card.pk, "category"]), {"value": reference(ClientCategory, "c").pk}),
        (reverse("clients:card_delete", args=[card.pk]), {}),
        (reverse("clients:card_record_add", args=[card.pk, "address"]), {"street": "x"}),
    ]:
        assert http.post(url, data, **HTMX).status_code == 403, url
    card.refresh_from_db()
    assert (card.name, card.category.code) == ("Ромашка", "vip")


# --- Query count -----------------------------------------------------------------------------------------


def _fill(client, actor, size: int) -> None:
    roles = list(ContactRole.objects.all()[:2])
    for number in range(size):
        ContactFactory(
            client=client,
            actor=actor,
            last_name=f"Контакт{number}",
            roles=roles,
            points=[
                {"kind": "phone", "value": f"+7 495 100-{number:02d}-{number:02d}"},
                {"kind": "email", "value": f"c{number}@x.example"},
            ],
        )
        services.bank_account_save(actor=actor, client=client, values=SBERBANK)
        services.address_save(actor=actor, client=client, values={"street": f"ул. Ленина, {number}"})
    services.client_set_tags(actor=actor, client=client, tags=[f"tag{n}" for n in range(size)])


@pytest.mark.parametrize("size", [1, 8])
def test_the_card_opens_with_the_same_number_of_queries_however_much_the_client_has(
    manager, card, client_for, django_assert_num_queries, size
):
    _fill(card, manager, size)
    http = client_for(manager)
    http.get(reverse("clients:card", args=[card.pk]))  # warm the session and the template cache
    # The request: 1 the signed-in user, 2 their roles and scopes (the access context).
    # The card: 3 the client with every reference it shows (one join), 4 custom field definitions (clients),
    # 5 tags, 6 requisites, 7 bank accounts, 8 addresses, 9 contacts, 10 their roles, 11 all phones and emails
    # (header, contacts and the company's own), 12 former jobs, 13 custom field definitions (contacts), 14 files,
    # 15-17 the header's quick selects: categories, priorities, client types.
    # The history (first page): 18-24 one per audited table (client, requisites, bank accounts, addresses,
    # contacts, phones, files), 25-26 the previous versions of changed clients and contacts, 27 tag snapshots,
    # 28 role snapshots, 29 names of who changed what, 30 tag names, 31 role names, 32 contact names.
    # Activities (issue 4): 33-34 contact frequency (counts, productive share), 35 open tasks (Planned),
    # 36 the timeline's activities page, 37 its closed tasks page, 38 contacts and 39 results for the quick-log box.
    # Automation (issue 5): 40 the service level of the client's category, for the header's prompt.
    # Deals (issue 5): 41 the deals the viewer has an open task on (the deal access policy), 42 the client's
    # deals for the Deals panel (one more, their next tasks' deadlines, when some are open: none here),
    # 43 the rules that fired on the client (the timeline's automation source).
    with django_assert_num_queries(EXPECTED_CARD_QUERIES):
        response = http.get(reverse("clients:card", args=[card.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="contact"') == size


EXPECTED_CARD_QUERIES = 43
