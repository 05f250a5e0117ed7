"""Custom fields in the client list: filters per kind, sorting by value, columns without N+1, export."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from kartoteka.clients.models import Client
from kartoteka.customfields.lists import export_columns, list_columns, list_filters, list_sorts, order_by, parse_range
from kartoteka.customfields.schema import fields_for
from kartoteka.testing.factories import ClientFactory


@pytest.fixture
def clients(all_kinds: Any, world: Any) -> dict[str, Client]:
    manager = world.users["mgr_north1"]
    curator = world.users["mgr_south"]

    def make(name: str, **values: Any) -> Client:
        return ClientFactory(responsible=manager, name=name, custom_fields=values)

    return {
        "alpha": make(
            "Alpha",
            code_1c="A-1",
            staff="2",
            budget="1500.50",
            contract_until="2026-01-15",
            tier="gold",
            regions=["north", "south"],
            nda=True,
            curator=curator.pk,
            crm_link="https://old.example.com/1",
        ),
        "beta": make(
            "Beta",
            code_1c="B-2",
            staff="10",
            budget="99.99",
            contract_until="2026-06-30",
            tier="silver",
            regions=["south"],
            nda=False,
        ),
        "gamma": make(
            "Gamma", staff="100", budget="100000", contract_until="2027-03-01", tier="bronze", regions=["north", "west"]
        ),
        "empty": make("Empty"),
    }


def filtered(key: str, raw: str) -> set[str]:
    flt = next(f for f in list_filters("client") if f.key == key)
    return set(flt.apply(Client.objects.all(), raw).values_list("name", flat=True))


@pytest.mark.parametrize(
    ("key", "raw", "names"),
    [
        ("cf_code_1c", "A-1", {"Alpha"}),
        ("cf_code_1c", "a-1", set()),  # text matches the exact value
        ("cf_crm_link", "https://old.example.com/1", {"Alpha"}),
        ("cf_tier", "silver", {"Beta"}),
        ("cf_regions", "north", {"Alpha", "Gamma"}),
        ("cf_regions", "south", {"Alpha", "Beta"}),
        ("cf_regions", "north,south", {"Alpha"}),
        ("cf_nda", "1", {"Alpha"}),
        ("cf_nda", "0", {"Beta", "Gamma", "Empty"}),  # not set counts as no
        ("cf_staff", "10", {"Beta"}),
        ("cf_staff", "3..100", {"Beta", "Gamma"}),
        ("cf_staff", "..10", {"Alpha", "Beta"}),
        ("cf_staff", "11..", {"Gamma"}),
        ("cf_budget", "100..2000", {"Alpha"}),
        ("cf_budget", "99,99..100", {"Beta"}),
        ("cf_budget", "1 000..", {"Alpha", "Gamma"}),
        ("cf_contract_until", "2026-01-01..2026-12-31", {"Alpha", "Beta"}),
        ("cf_contract_until", "01.03.2026..", {"Beta", "Gamma"}),
        ("cf_contract_until", "2026-06-30", {"Beta"}),
    ],
)
def test_each_kind_filters_by_its_value(clients, key, raw, names):
    assert filtered(key, raw) == names


def test_a_user_field_filters_by_user_id(clients, world):
    assert filtered("cf_curator", str(world.users["mgr_south"].pk)) == {"Alpha"}
    assert filtered("cf_curator", str(world.users["head"].pk)) == set()


EVERYONE = {"Alpha", "Beta", "Gamma", "Empty"}


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("cf_tier", "platinum"),
        ("cf_regions", "north,east"),
        ("cf_regions", ","),
        ("cf_nda", "maybe"),
        ("cf_staff", "lots"),
        ("cf_staff", "1..x"),
        ("cf_staff", ".."),
        ("cf_contract_until", "2026-13-45"),
        ("cf_curator", "Ivanov"),
        ("cf_curator", "99999999999999999999"),
        ("cf_code_1c", "   "),
    ],
)
def test_malformed_filter_input_is_ignored(clients, key, raw):
    assert filtered(key, raw) == EVERYONE


def test_filters_offer_choices_for_option_yes_no_and_user_fields(all_kinds, world):
    with translation.override("ru"):
        filters = {f.key: f for f in list_filters("client")}
    assert filters["cf_tier"].choices == [("gold", "Золото"), ("silver", "Серебро"), ("bronze", "Бронза")]
    assert filters["cf_regions"].kind == "multi_choice"
    assert filters["cf_nda"].choices == [("1", "Да"), ("0", "Нет")]
    assert (str(world.users["mgr_south"].pk), world.users["mgr_south"].get_full_name()) in filters["cf_curator"].choices
    assert filters["cf_staff"].choices == []
    assert filters["cf_staff"].label == "Штат"


def test_inactive_fields_are_neither_filters_nor_columns(make_field):
    make_field("kept", "text", show_in_list=True)
    make_field("retired", "text", show_in_list=True, is_active=False)
    assert [f.key for f in list_filters("client")] == ["cf_kept"]
    assert [c.key for c in list_columns("client")] == ["cf_kept"]


def sorted_names(field_code: str, *, descending: bool = False) -> list[str]:
    field = next(f for f in fields_for("client") if f.code == field_code)
    return list(Client.objects.order_by(order_by(field, descending=descending), "pk").values_list("name", flat=True))


def test_numbers_sort_as_numbers_and_empty_values_go_last(clients):
    assert sorted_names("staff") == ["Alpha", "Beta", "Gamma", "Empty"]  # 2 < 10 < 100
    assert sorted_names("staff", descending=True) == ["Gamma", "Beta", "Alpha", "Empty"]
    assert sorted_names("budget") == ["Beta", "Alpha", "Gamma", "Empty"]


def test_other_kinds_sort_by_meaning(clients):
    assert sorted_names("contract_until") == ["Alpha", "Beta", "Gamma", "Empty"]
    assert sorted_names("tier") == ["Alpha", "Beta", "Gamma", "Empty"]  # the administrator's option order
    assert sorted_names("nda") == ["Beta", "Alpha", "Gamma", "Empty"]  # no before yes
    assert sorted_names("code_1c", descending=True) == ["Beta", "Alpha", "Gamma", "Empty"]
    assert sorted_names("curator")[0] == "Alpha"


def test_every_active_field_is_sortable_by_alias(clients):
    sorts = list_sorts("client")
    assert set(sorts) == {f"cf_{f.code}" for f in fields_for("client")}
    names = Client.objects.alias(**sorts).filter(cf_staff__isnull=False).order_by("cf_staff")
    assert list(names.values_list("name", flat=True)) == ["Alpha", "Beta", "Gamma"]


def test_columns_are_the_fields_shown_in_the_list_and_cost_one_query_per_page(make_field, world, django_assert_num_queries):
    make_field("budget", "money", show_in_list=True, name_ru="Бюджет")
    make_field("curator", "user", show_in_list=True)
    make_field("backup", "user", show_in_list=True)
    make_field("hidden", "text")
    people = [world.users[key] for key in ("mgr_south", "head", "sup_north")]
    for index in range(6):
        ClientFactory(
            responsible=world.users["mgr_north1"],
            custom_fields={"budget": f"{index}000", "curator": people[index % 3].pk, "backup": people[(index + 1) % 3].pk},
        )
    fields = fields_for("client")
    columns = list_columns("client", fields=fields)
    assert [c.key for c in columns] == ["cf_budget", "cf_curator", "cf_backup"]
    objects = list(Client.objects.order_by("pk"))
    with translation.override("ru"), django_assert_num_queries(1):  # the names of every user on the page
        columns[0].prepare(objects)
        cells = [[column.value(obj) for column in columns] for obj in objects]
    assert cells[1] == ["1\xa0000,00\xa0RUB", people[1].get_full_name(), people[2].get_full_name()]
    assert columns[0].css == "text-end text-nowrap"


def test_export_columns_give_typed_values(clients, world):
    with translation.override("en"):
        columns = export_columns("client")
        headers = [header for header, _getter in columns]
        rows = {obj.name: [getter(obj) for _header, getter in columns] for obj in Client.objects.all()}
    assert headers == [
        "1C code", "Staff", "Budget, RUB", "Contract until", "Tier", "Regions", "NDA signed", "Curator", "Old CRM",
    ]  # fmt: skip
    assert rows["Alpha"] == [
        "A-1",
        Decimal("2"),
        Decimal("1500.50"),
        datetime.date(2026, 1, 15),
        "Gold",
        "North, South",
        True,
        world.users["mgr_south"].get_full_name(),
        "https://old.example.com/1",
    ]
    assert rows["Empty"] == ["", None, None, None, "", "", None, "", ""]


def test_export_reads_users_once_for_all_rows(clients, django_assert_num_queries):
    columns = export_columns("client", fields=fields_for("client"))
    objects = list(Client.objects.all())
    with django_assert_num_queries(1):  # every user's name, once
        for obj in objects:
            [getter(obj) for _header, getter in columns]


@pytest.mark.parametrize(
    ("kind", "raw", "bounds"),
    [
        ("number", "5", (Decimal(5), Decimal(5))),
        ("number", "-5..5", (Decimal(-5), Decimal(5))),
        ("money", "1 000,50..", (Decimal("1000.50"), None)),
        ("date", "..2026-02-01", (None, datetime.date(2026, 2, 1))),
        ("number", "5..x", None),
        ("date", "..", None),
    ],
)
def test_ranges_are_parsed_leniently_and_refused_when_malformed(kind, raw, bounds):
    assert parse_range(kind, raw) == bounds


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN indexes are PostgreSQL's")
def test_on_postgresql_equality_filters_use_containment_served_by_a_gin_index(clients):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Client._meta.db_table)
    assert constraints["client_custom_fields_gin"]["type"] == "gin"
    assert constraints["client_custom_fields_gin"]["columns"] == ["custom_fields"]
    flt = next(f for f in list_filters("client") if f.key == "cf_tier")
    assert "@>" in str(flt.apply(Client.objects.all(), "gold").query)
