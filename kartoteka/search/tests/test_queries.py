"""filter_clients / filter_contacts: what each kind of query finds, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import connection

from kartoteka.clients.models import Client, ClientCategory, LegalForm
from kartoteka.contacts.models import Contact
from kartoteka.search.queries import filter_clients, filter_contacts, parse_query
from kartoteka.testing.factories import ClientFactory, ContactFactory, reference

SBERBANK = {"inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195", "okpo": "00032537"}


@pytest.fixture
def data(world, committed):
    manager = world.users["mgr_north1"]
    with committed():
        romashka = ClientFactory(
            responsible=manager,
            name="Ромашка",
            legal_form=reference(LegalForm, "ru-ooo"),
            requisites={**SBERBANK, "full_name": "Общество с ограниченной ответственностью «Ромашка»"},
            website="https://www.romashka-opt.ru/",
        )
        ContactFactory(
            client=romashka,
            last_name="Ёлкина",
            first_name="Анна",
            patronymic="Сергеевна",
            position="Главный бухгалтер",
            points=[
                {"kind": "phone", "value": "8 (495) 123-45-67"},
                {"kind": "email", "value": "Elkina@Romashka-Opt.ru"},
            ],
        )
        technosnab = ClientFactory(responsible=manager, name="Техноснаб-Урал")
        ContactFactory(client=technosnab, last_name="Петров", first_name="Иван", position="Директор")
        kyiv = ClientFactory(responsible=manager, name="Київ Агро", country="UA", requisites={"edrpou": "14360570"})
        cluj = ClientFactory(responsible=manager, name="Șantierul Nord", country="RO", requisites={"cui": "RO18547290"})
        chisinau = ClientFactory(responsible=manager, name="Moldova Vin", country="MD", requisites={"idno": "1002600003778"})
    return {"romashka": romashka, "technosnab": technosnab, "kyiv": kyiv, "cluj": cluj, "chisinau": chisinau}


def names(query: str) -> list[str]:
    return sorted(filter_clients(Client.objects.all(), query).values_list("name", flat=True))


def contact_names(query: str) -> list[str]:
    return sorted(filter_contacts(Contact.objects.all(), query).values_list("last_name", flat=True))


@pytest.mark.parametrize(
    "query",
    ["ромаш", "Ромашка", "РОМАШКА", "рОмАшКа", "ООО Ромашка", "«Ромашка»", "общество ромашка", "romashka-opt.ru"],
)
def test_a_name_fragment_finds_the_client_whatever_the_case(data, query):
    assert names(query) == ["Ромашка"]


def test_a_fragment_inside_a_word_finds_the_client(data):
    assert names("снаб") == ["Техноснаб-Урал"]
    assert names("УРАЛ") == ["Техноснаб-Урал"]


def test_every_word_must_match(data):
    assert names("ромашка урал") == []
    assert names("техноснаб урал") == ["Техноснаб-Урал"]


def test_yo_and_ye_are_the_same_letter(data):
    assert names("елкина") == ["Ромашка"]
    assert names("Ёлкина") == ["Ромашка"]
    assert contact_names("ЕЛКИНА") == ["Ёлкина"]


def test_latin_accents_do_not_matter(data):
    assert names("santierul") == ["Șantierul Nord"]
    assert names("Șantier") == ["Șantierul Nord"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("7707083893", "Ромашка"),  # INN
        ("77 0708 3893", "Ромашка"),
        ("14360570", "Київ Агро"),  # EDRPOU
        ("RO18547290", "Șantierul Nord"),  # CUI with the VAT prefix
        ("18547290", "Șantierul Nord"),
        ("1002600003778", "Moldova Vin"),  # IDNO
        ("773601001", "Ромашка"),  # KPP
        ("1027700132195", "Ромашка"),  # OGRN
    ],
)
def test_a_tax_id_or_another_requisite_code_finds_its_client(data, query, expected):
    assert names(query) == [expected]


@pytest.mark.parametrize(
    "query", ["8 (495) 123-45-67", "+7 495 1234567", "4951234567", "+74951234567", "84951234567", "123-45-67"]
)
def test_a_phone_in_any_format_finds_the_client_and_the_contact(data, query):
    assert names(query) == ["Ромашка"]
    assert contact_names(query) == ["Ёлкина"]


def test_an_email_finds_the_client_and_the_contact(data):
    assert names("elkina@romashka-opt.ru") == ["Ромашка"]
    assert names("ELKINA@ROMASHKA-OPT.RU") == ["Ромашка"]
    assert contact_names("Elkina@Romashka-Opt.ru") == ["Ёлкина"]


def test_a_contact_persons_name_finds_the_client(data):
    assert names("петров") == ["Техноснаб-Урал"]
    assert names("Иван Петров") == ["Техноснаб-Урал"]
    assert names("анна сергеевна") == ["Ромашка"]


def test_contacts_are_found_by_name_position_and_their_own_phone(data):
    assert contact_names("петр") == ["Петров"]
    assert contact_names("бухгалтер") == ["Ёлкина"]
    assert contact_names("главный бухг") == ["Ёлкина"]
    assert contact_names("ромашка") == []  # the company's name is the client's, not the person's


def test_a_blank_query_narrows_nothing_and_punctuation_alone_finds_nothing(data):
    assert len(names("   ")) == 5
    assert names("—") == []
    assert names("!!!") == []
    assert contact_names("  ") == ["Ёлкина", "Петров"]


def test_nothing_matches_a_word_no_client_has(data):
    assert names("ромашка-лютик") == []
    assert names("9999999999") == []


def test_the_result_composes_with_filters_ordering_and_slicing(data):
    vip = reference(ClientCategory, "vip")
    Client.objects.filter(pk=data["technosnab"].pk).update(category=vip)
    found = filter_clients(Client.objects.filter(category=vip), "урал").order_by("-name")[:1]
    assert [client.name for client in found] == ["Техноснаб-Урал"]
    assert filter_clients(Client.objects.filter(category=vip), "ромашка").count() == 0
    assert filter_clients(Client.objects.all(), "а").order_by("name").filter(country="RU").exists()


def test_search_is_one_query_whatever_the_number_of_matches(data, committed, django_assert_num_queries):
    with committed():
        for number in range(20):
            ClientFactory(name=f"Ромашка-{number}")
    # One SELECT: the matching ids are a sub-select, never a list of ids in Python.
    with django_assert_num_queries(1):
        assert len(list(filter_clients(Client.objects.all(), "ромашка").order_by("name")[:50])) == 21
    with django_assert_num_queries(1):
        assert len(list(filter_contacts(Contact.objects.all(), "8 (495) 123-45-67"))) == 1


def test_a_query_is_parsed_into_what_it_can_mean():
    assert parse_query("8 (495) 123-45-67").phone_key == "4951234567"
    assert parse_query("7707083893").tax_id == "7707083893"
    assert parse_query("Ivan@Mail.ru").email == "ivan@mail.ru"
    assert parse_query("ООО «Ромашка-М»").words == ["ооо", "ромашка", "м"]
    assert parse_query("").is_empty
    assert parse_query("x" * 500).words == ["x" * 200]


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


@postgresql_only
def test_on_postgresql_a_word_finds_its_russian_stem(data):
    assert names("ромашки") == ["Ромашка"]
    assert names("ромашкой") == ["Ромашка"]


@postgresql_only
def test_on_postgresql_fuzzy_search_forgives_a_typo_in_the_name(data):
    assert names("ромошка") == []
    found = filter_clients(Client.objects.all(), "ромошка", fuzzy=True)
    assert [client.name for client in found] == ["Ромашка"]
