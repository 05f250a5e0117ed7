"""Contacts, phones and emails on the client card: forms, click-to-act links, moving to another company, access."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.contacts import services
from kartoteka.contacts.models import Contact, ContactJob, ContactPoint, ContactRole
from kartoteka.testing.factories import ClientFactory, ContactFactory, reference

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def manager(world):
    return world.users["mgr_north1"]


@pytest.fixture
def romashka(manager):
    return ClientFactory(responsible=manager, name="Ромашка")


@pytest.fixture
def ivanov(romashka):
    return ContactFactory(
        client=romashka,
        last_name="Иванов",
        first_name="Пётр",
        position="Директор",
        roles=[reference(ContactRole, "decision-maker")],
        points=[{"kind": "phone", "value": "+7 916 123-45-67", "label": "mobile"}, {"kind": "telegram", "value": "@ivanov_petr"}],
    )


def test_a_contact_is_added_with_two_roles_a_phone_in_any_format_and_an_email(manager, romashka, client_for):
    http = client_for(manager)
    url = reverse("contacts:add", args=[romashka.pk])
    form = http.get(url, **HTMX).content.decode()
    assert 'name="roles"' in form
    assert 'name="phone"' in form
    decision_maker, influencer = reference(ContactRole, "decision-maker"), reference(ContactRole, "influencer")
    response = http.post(
        url,
        {"last_name": "Иванов", "first_name": "Пётр", "position": "Директор", "roles": [decision_maker.pk, influencer.pk],
         "phone": "8 (495) 123-45-67", "email": "Petr@Romashka.RU", "email_consent": "on", "email_consent_source": "web form"},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 200, response.content.decode()[:2000]
    contact = Contact.objects.get(client=romashka)
    assert set(contact.roles.all()) == {decision_maker, influencer}
    assert set(contact.contact_points.values_list("kind", "value")) == {("phone", "+74951234567"), ("email", "petr@romashka.ru")}
    assert contact.email_consent_at is not None
    html = response.content.decode()
    assert html.count('data-testid="role-mark"') == 2
    assert 'href="tel:+74951234567"' in html
    assert "+7 495 123-45-67" in html
    assert 'href="mailto:petr@romashka.ru"' in html
    assert "web form" in html


def test_a_wrong_phone_or_a_missing_name_is_refused_next_to_the_field(manager, romashka, client_for):
    response = client_for(manager).post(
        reverse("contacts:add", args=[romashka.pk]), {"position": "Директор", "phone": "звоните"}, **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field-error="phone"' in html
    assert "A phone number may contain only digits" in html
    assert not Contact.objects.filter(client=romashka).exists()
    response = client_for(manager).post(reverse("contacts:add", args=[romashka.pk]), {"position": "Директор"}, **HTMX)
    assert response.status_code == 422
    assert "Enter a last name or a first name." in response.content.decode()


def test_the_contacts_panel_shows_roles_points_as_links_birthday_and_consent(manager, romashka, ivanov, client_for):
    services.contact_update(
        actor=None, contact=ivanov, changes={"birthday": "1980-05-17", "sms_consent": True, "sms_consent_source": "звонок"}
    )
    html = client_for(manager).get(reverse("clients:card", args=[romashka.pk])).content.decode()
    assert "Иванов Пётр" in html
    assert 'title="Decision maker"' in html
    assert 'href="tel:+79161234567"' in html
    assert 'href="https://t.me/ivanov_petr"' in html
    assert "17.05.1980" in html or "05/17/1980" in html
    assert "звонок" in html


def test_a_contact_is_edited_roles_replaced_and_consent_withdrawn(manager, romashka, ivanov, client_for):
    services.contact_update(actor=None, contact=ivanov, changes={"email_consent": True})
    user_role = reference(ContactRole, "user")
    response = client_for(manager).post(
        reverse("contacts:edit", args=[ivanov.pk]),
        {"last_name": "Иванов", "first_name": "Пётр", "position": "Генеральный директор", "roles": [user_role.pk]},
        **HTMX,
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    ivanov.refresh_from_db()
    assert ivanov.position == "Генеральный директор"
    assert list(ivanov.roles.all()) == [user_role]
    assert (ivanov.email_consent, ivanov.email_consent_at) == (False, None)


def test_a_contact_is_deleted_with_its_phones(manager, romashka, ivanov, client_for):
    http = client_for(manager)
    assert http.get(reverse("contacts:delete", args=[ivanov.pk])).status_code == 200  # the confirmation page
    response = http.post(reverse("contacts:delete", args=[ivanov.pk]))
    assert response.status_code == 302
    assert response.url.endswith("#panel-contacts")
    assert not Contact.objects.filter(pk=ivanov.pk).exists()
    assert not ContactPoint.objects.filter(client=romashka).exists()


def test_moving_to_another_company_offers_only_clients_the_user_may_change(world, manager, romashka, ivanov, client_for):
    vasilek = ClientFactory(responsible=manager, name="Василёк")
    foreign = ClientFactory(responsible=world.users["mgr_south"], name="Василёк Юг")
    http = client_for(manager)
    url = reverse("contacts:move", args=[ivanov.pk])
    choices = http.get(url, {"q": "васил"}, **HTMX).content.decode()
    assert "Василёк" in choices
    assert "Василёк Юг" not in choices
    assert f'value="{romashka.pk}"' not in choices

    refused = http.post(url, {"to_client": foreign.pk, "position": "Директор"}, **HTMX)
    assert refused.status_code == 422
    ivanov.refresh_from_db()
    assert ivanov.client == romashka

    moved = http.post(url, {"to_client": vasilek.pk, "position": "Коммерческий директор"}, **HTMX)
    assert moved.status_code == 200
    ivanov.refresh_from_db()
    assert (ivanov.client, ivanov.position) == (vasilek, "Коммерческий директор")
    assert ContactJob.objects.get(contact=ivanov).client_name == "Ромашка"
    assert ivanov.contact_points.filter(client=vasilek).count() == 2  # personal phones go along
    card = http.get(reverse("clients:card", args=[vasilek.pk])).content.decode()
    assert "Иванов Пётр" in card
    assert "«Ромашка», Директор" in card  # the former job


def test_move_without_javascript_searches_then_moves_and_redirects(manager, romashka, ivanov, client_for):
    vasilek = ClientFactory(responsible=manager, name="Василёк")
    http = client_for(manager)
    url = reverse("contacts:move", args=[ivanov.pk])
    page = http.get(url, {"q": "Василёк"}).content.decode()
    assert "<html" in page
    assert f'value="{vasilek.pk}"' in page
    response = http.post(url, {"to_client": vasilek.pk})
    assert response.status_code == 302
    assert response.url == reverse("clients:card", args=[romashka.pk]) + "#panel-contacts"


def test_company_phone_in_any_format_is_stored_in_e164_and_shown_formatted(manager, romashka, client_for):
    http = client_for(manager)
    url = reverse("contacts:point_add", args=[romashka.pk])
    response = http.post(
        url, {"kind": "phone", "label": "work", "value": "8 (495) 123-45-67", "extension": "12", "is_primary": "on"}, **HTMX
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    point = ContactPoint.objects.get(client=romashka)
    assert (point.value, point.contact) == ("+74951234567", None)
    html = response.content.decode()
    assert "+7 495 123-45-67 (12)" in html
    assert 'href="tel:+74951234567,12"' in html
    header = http.get(reverse("clients:card_header", args=[romashka.pk]), **HTMX).content.decode()
    assert 'data-testid="header-phone"' in header

    bad = http.post(url, {"kind": "email", "label": "work", "value": "info@"}, **HTMX)
    assert bad.status_code == 422
    assert 'data-field-error="value"' in bad.content.decode()
    assert "is not a valid email address" in bad.content.decode()

    edit = http.post(
        reverse("contacts:point_edit", args=[point.pk]), {"kind": "phone", "label": "fax", "value": "+7 495 765-43-21"}, **HTMX
    )
    assert edit.status_code == 200
    point.refresh_from_db()
    assert (point.value, point.label) == ("+74957654321", "fax")
    assert http.post(reverse("contacts:point_delete", args=[point.pk]), **HTMX).status_code == 200
    assert not ContactPoint.objects.filter(pk=point.pk).exists()


def test_a_phone_is_added_to_a_contact(manager, romashka, ivanov, client_for):
    response = client_for(manager).post(
        reverse("contacts:point_add", args=[romashka.pk]),
        {"contact": ivanov.pk, "kind": "email", "label": "work", "value": "ivanov@romashka.ru"},
        **HTMX,
    )
    assert response.status_code == 200
    assert ivanov.contact_points.filter(kind="email", value="ivanov@romashka.ru").exists()
    assert b'data-testid="panel-contacts"' in response.content


def test_another_managers_contacts_and_phones_are_missing(world, manager, romashka, client_for):
    other = ClientFactory(responsible=world.users["mgr_south"], name="Чужой")
    stranger = ContactFactory(client=other, last_name="Чужой", points=[{"kind": "phone", "value": "+7 495 000-00-01"}])
    point = stranger.contact_points.get()
    http = client_for(manager)
    for url in (
        reverse("contacts:add", args=[other.pk]),
        reverse("contacts:edit", args=[stranger.pk]),
        reverse("contacts:delete", args=[stranger.pk]),
        reverse("contacts:move", args=[stranger.pk]),
        reverse("contacts:point_add", args=[other.pk]),
        reverse("contacts:point_edit", args=[point.pk]),
        reverse("contacts:point_delete", args=[point.pk]),
    ):
        assert http.get(url, **HTMX).status_code == 404, url
        assert http.post(url, {"last_name": "X", "kind": "phone", "value": "+74950000002"}, **HTMX).status_code == 404, url
    # A guessed contact id of another client, sent to my own client's form, is missing too.
    guessed = http.post(
        reverse("contacts:point_add", args=[romashka.pk]), {"contact": stranger.pk, "kind": "phone", "value": "+74950000003"}
    )
    assert guessed.status_code == 404
    stranger.refresh_from_db()
    assert stranger.last_name == "Чужой"
    assert ContactPoint.objects.filter(pk=point.pk).exists()


def test_a_read_only_role_sees_contacts_but_cannot_change_them(world, romashka, ivanov, client_for):
    http = client_for(world.users["marketer"])
    html = http.get(reverse("clients:card", args=[romashka.pk])).content.decode()
    assert "Иванов Пётр" in html
    assert 'data-testid="contact-edit"' not in html
    assert 'data-testid="add-phone"' not in html
    point = ivanov.contact_points.first()
    for url in (
        reverse("contacts:add", args=[romashka.pk]),
        reverse("contacts:edit", args=[ivanov.pk]),
        reverse("contacts:delete", args=[ivanov.pk]),
        reverse("contacts:move", args=[ivanov.pk]),
        reverse("contacts:point_add", args=[romashka.pk]),
        reverse("contacts:point_delete", args=[point.pk]),
    ):
        assert http.post(url, {"last_name": "X"}, **HTMX).status_code == 403, url
    assert Contact.objects.filter(pk=ivanov.pk, last_name="Иванов").exists()
