"""Contacts and the ways to reach them: normalisation, consent, primary flags, moving to another company."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kartoteka.contacts import services
from kartoteka.contacts.models import Contact, ContactJob, ContactPoint, ContactRole
from kartoteka.contacts.normalize import format_phone, normalize_email, normalize_phone, phone_query_key
from kartoteka.testing.factories import ClientFactory, ContactFactory, reference


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("8 (495) 123-45-67", "RU", "+74951234567"),
        ("+7 495 123 45 67", "RU", "+74951234567"),
        ("84951234567", "RU", "+74951234567"),
        ("4951234567", "RU", "+74951234567"),
        ("0044 20 7946 0958", "RU", "+442079460958"),
        ("044 123 45 67", "UA", "+380441234567"),
        ("0721 234 567", "RO", "+40721234567"),
        ("+373 22 123 456", "RU", "+37322123456"),
    ],
)
def test_phones_in_any_format_become_e164(raw, region, expected):
    assert normalize_phone(raw, region=region) == expected


@pytest.mark.parametrize("raw", ["", "12", "звоните", "+7 495 123 45 67 89 00 11", "<script>"])
def test_what_is_not_a_phone_is_refused_with_a_reason(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


def test_any_spelling_of_a_number_gives_the_same_search_key():
    keys = {phone_query_key(q) for q in ["8 (495) 123-45-67", "+7 495 1234567", "4951234567", "495-123-45-67"]}
    assert keys == {"4951234567"}
    assert phone_query_key("Ромашка") is None
    assert format_phone("+74951234567") == "+7 495 123-45-67"


def test_emails_are_lower_cased_and_checked():
    assert normalize_email("  Ivan.Petrov@Example.RU ") == "ivan.petrov@example.ru"
    with pytest.raises(ValidationError):
        normalize_email("ivan@")


def test_a_contact_gets_roles_points_and_the_first_is_primary(world):
    client = ClientFactory(responsible=world.users["mgr_north1"])
    decision_maker = reference(ContactRole, "decision-maker")
    contact = services.contact_create(
        actor=world.users["mgr_north1"],
        client=client,
        last_name="Иванов",
        first_name="Пётр",
        roles=[decision_maker],
        email_consent=True,
        points=[
            {"kind": "phone", "value": "8 (495) 123-45-67", "label": "mobile"},
            {"kind": "email", "value": "Petr@Romashka.RU"},
            {"kind": "telegram", "value": "https://t.me/Petr_Ivanov"},
        ],
    )
    assert contact.is_primary
    assert contact.email_consent_at is not None
    assert list(contact.roles.all()) == [decision_maker]
    values = set(contact.contact_points.values_list("kind", "value"))
    assert values == {("phone", "+74951234567"), ("email", "petr@romashka.ru"), ("telegram", "@petr_ivanov")}
    second = ContactFactory(client=client, is_primary=True)
    contact.refresh_from_db()
    assert second.is_primary
    assert not contact.is_primary


def test_a_contact_needs_a_name_and_a_point_cannot_repeat(world):
    client = ClientFactory(responsible=world.users["mgr_north1"])
    with pytest.raises(ValidationError) as error:
        services.contact_create(actor=None, client=client, position="Директор")
    assert "last_name" in error.value.message_dict
    services.contact_point_save(actor=None, client=client, values={"kind": "phone", "value": "+7 495 123-45-67"})
    with pytest.raises(ValidationError) as error:
        services.contact_point_save(actor=None, client=client, values={"kind": "phone", "value": "8 495 1234567"})
    assert "value" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.contact_point_save(actor=None, client=client, values={"kind": "phone", "value": "нет"})
    assert "value" in error.value.message_dict


def test_a_manager_cannot_add_contacts_to_a_colleagues_client(world):
    foreign = ClientFactory(responsible=world.users["mgr_south"])
    with pytest.raises(PermissionDenied):
        services.contact_create(actor=world.users["mgr_north1"], client=foreign, last_name="Шпион")
    with pytest.raises(PermissionDenied):
        services.contact_point_save(actor=world.users["mgr_north1"], client=foreign, values={"kind": "email", "value": "a@b.ru"})


def test_a_person_moving_to_another_company_keeps_the_job_history(world):
    manager = world.users["mgr_north1"]
    old = ClientFactory(responsible=manager, name="Ромашка")
    new = ClientFactory(responsible=manager, name="Василёк")
    contact = ContactFactory(client=old, position="Закупщик", points=[{"kind": "phone", "value": "+7 812 123-45-67"}])
    services.contact_move(actor=manager, contact=contact, to_client=new, position="Директор")
    contact.refresh_from_db()
    assert contact.client == new
    assert contact.position == "Директор"
    job = ContactJob.objects.get(contact=contact)
    assert (job.client, job.position) == (old, "Закупщик")
    assert ContactPoint.objects.get(contact=contact).client == new
    assert Contact.history.filter(id=contact.pk, client_id=old.pk).exists()


def test_moving_to_a_client_the_actor_cannot_change_is_refused(world):
    mine = ClientFactory(responsible=world.users["mgr_north1"])
    foreign = ClientFactory(responsible=world.users["mgr_south"])
    contact = ContactFactory(client=mine)
    with pytest.raises(PermissionDenied):
        services.contact_move(actor=world.users["mgr_north1"], contact=contact, to_client=foreign)
