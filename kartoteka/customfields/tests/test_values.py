"""Custom field values are validated and normalised the same way for every caller, through the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kartoteka.clients import services as client_services
from kartoteka.contacts import services as contact_services
from kartoteka.customfields.values import clean_values
from kartoteka.testing.factories import ClientFactory, ContactFactory, UserFactory


def problems(entity: str, values: dict[str, Any], **kwargs: Any) -> dict[str, list[str]]:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        clean_values(entity, values, **kwargs)
    return caught.value.message_dict


def codes(entity: str, values: dict[str, Any], **kwargs: Any) -> dict[str, str | None]:
    with pytest.raises(ValidationError) as caught:
        clean_values(entity, values, **kwargs)
    return {key: errors[0].code for key, errors in caught.value.error_dict.items()}


@pytest.mark.parametrize(
    ("kind", "given", "stored"),
    [
        ("text", "  ABC-42  ", "ABC-42"),
        ("number", "1 234,5", "1234.5"),
        ("number", 42, "42"),
        ("number", 2.5, "2.5"),
        ("number", "10.000", "10"),
        ("number", "-0", "0"),
        ("money", "1234.5", "1234.50"),
        ("money", "1,234.50", "1234.50"),
        ("money", "1.234,50", "1234.50"),
        ("money", 100, "100.00"),
        ("date", "2026-03-12", "2026-03-12"),
        ("choice", "gold", "gold"),
        ("multi_choice", ["west", "north", "north"], ["north", "west"]),
        ("boolean", False, False),
        ("link", "https://example.com/a?b=1", "https://example.com/a?b=1"),
        ("link", "example.com/price", "https://example.com/price"),
    ],
)
def test_good_values_are_stored_in_json_native_form(all_kinds, kind, given, stored):
    code = all_kinds[kind].code
    assert clean_values("client", {code: given}) == {code: stored}


def test_a_user_field_takes_an_active_users_id(all_kinds, world):
    person = world.users["mgr_south"]
    assert clean_values("client", {"curator": person.pk}) == {"curator": person.pk}
    assert clean_values("client", {"curator": str(person.pk)}) == {"curator": person.pk}


@pytest.mark.parametrize(
    ("kind", "given", "message"),
    [
        ("text", 5, "“1C code” must be text."),
        ("text", "x" * 1001, "“1C code” must be at most 1000 characters long."),
        ("number", "twelve", "“Staff” must be a number, such as 1234.5."),
        ("number", True, "“Staff” must be a number, such as 1234.5."),
        ("number", "1e5", "“Staff” must be a number, such as 1234.5."),
        ("number", "NaN", "“Staff” must be a number, such as 1234.5."),
        ("number", "-1", "“Staff” must be at least 0."),
        ("number", "100001", "“Staff” must be at most 100,000."),
        ("number", "1.1234567", "“Staff” allows at most 6 digits after the decimal point."),
        ("money", "12.345", "“Budget” allows at most 2 digits after the decimal point."),
        ("money", "1" * 19, "“Budget” allows at most 18 digits before the decimal point."),
        ("money", [1], "“Budget” must be an amount of money, such as 1234.50."),
        ("date", "12.03.2026", "“Contract until” must be a date written as YYYY-MM-DD, such as 2026-03-12."),
        ("date", "2026-02-30", "“Contract until” must be a date written as YYYY-MM-DD, such as 2026-03-12."),
        ("choice", "platinum", "“Tier”: “platinum” is not one of the options: gold (Gold), silver (Silver), bronze (Bronze)."),
        ("choice", ["gold"], "“Tier” must be one option value (text)."),
        ("multi_choice", "north", "“Regions” must be a list of option values."),
        (
            "multi_choice",
            ["north", "east"],
            "“Regions”: “east” is not one of the options: north (North), south (South), west (West).",
        ),
        ("boolean", "yes", "“NDA signed” must be true or false."),
        ("boolean", 1, "“NDA signed” must be true or false."),
        ("user", "Ivanov", "“Curator” must be a user id (a whole number)."),
        ("user", True, "“Curator” must be a user id (a whole number)."),
        ("user", 0, "“Curator” must be a user id (a whole number)."),
        (
            "link",
            "javascript:alert(1)",
            "“Old CRM” must be a web address starting with http:// or https://, such as https://example.com.",
        ),
        (
            "link",
            "ftp://example.com/file",
            "“Old CRM” must be a web address starting with http:// or https://, such as https://example.com.",
        ),
        ("link", "not a link", "“Old CRM” must be a web address starting with http:// or https://, such as https://example.com."),
    ],
)
def test_bad_values_are_refused_with_the_fields_label_and_the_rule(all_kinds, kind, given, message):
    code = all_kinds[kind].code
    assert problems("client", {code: given}) == {code: [message]}


def test_a_user_must_exist_and_be_active(all_kinds, world):
    gone = UserFactory(is_active=False)
    assert problems("client", {"curator": gone.pk}) == {
        "curator": [f"“Curator”: user #{gone.pk} does not exist or is deactivated."]
    }
    assert codes("client", {"curator": 999_999}) == {"curator": "inactive_user"}


def test_every_problem_is_reported_at_once_keyed_by_code(all_kinds):
    assert codes("client", {"staff": "x", "tier": "x", "nobody": 1}) == {
        "staff": "invalid",
        "tier": "invalid_choice",
        "nobody": "unknown_field",
    }


def test_an_unknown_code_is_refused(all_kinds):
    assert problems("client", {"colour": "red"}) == {"colour": ["There is no additional field “colour” on this card."]}
    # Fields are per card: a client field is unknown on a contact.
    assert problems("contact", {"tier": "gold"}) == {"tier": ["There is no additional field “tier” on this card."]}


def test_a_required_field_must_have_a_value(make_field):
    make_field("inn_checked", "boolean", name_en="INN checked", required=True)
    make_field("account", "text", name_en="Account", required=True)
    assert problems("client", {"account": "  "}) == {
        "inn_checked": ["“INN checked” is required."],
        "account": ["“Account” is required."],
    }
    assert clean_values("client", {"inn_checked": False, "account": "A-1"}) == {"inn_checked": False, "account": "A-1"}


def test_empty_values_are_dropped(all_kinds):
    assert clean_values("client", {"code_1c": "", "tier": None, "regions": [], "staff": "7"}) == {"staff": "7"}


def test_values_of_a_deactivated_field_are_kept_untouched(make_field):
    field = make_field("old_rating", "number", required=True)
    field.is_active = False
    field.save()
    assert clean_values("client", {"old_rating": "not even a number"}) == {"old_rating": "not even a number"}
    assert clean_values("client", {}) == {}  # nor is it required any more


def test_values_the_card_already_holds_pass_even_after_the_definitions_moved_on(make_field):
    tier = make_field("tier", "choice")
    make_field("curator", "user")
    person = UserFactory()
    stored = {"tier": "bronze", "curator": person.pk, "deleted_field": "x"}
    tier.choices = tier.choices[:2]  # bronze removed
    tier.save()
    person.is_active = False
    person.save()
    assert clean_values("client", stored, previous=stored) == stored
    # Without the card's values to compare with, the same input is checked against today's definitions.
    assert codes("client", stored) == {
        "tier": "invalid_choice",
        "curator": "inactive_user",
        "deleted_field": "unknown_field",
    }
    # A changed value is checked even when the card had another one.
    assert codes("client", {**stored, "tier": "platinum"}, previous=stored) == {"tier": "invalid_choice"}


def test_the_cleaner_is_installed_in_the_client_services(all_kinds, world):
    assert client_services.custom_fields_cleaner is clean_values
    client = ClientFactory(responsible=world.users["mgr_north1"], name="Ромашка")
    client_services.client_update(
        actor=world.users["mgr_north1"], client=client, changes={}, custom_fields={"budget": "1 500", "tier": "gold"}
    )
    client.refresh_from_db()
    assert client.custom_fields == {"budget": "1500.00", "tier": "gold"}

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        client_services.client_update(
            actor=world.users["mgr_north1"], client=client, changes={}, custom_fields={"budget": "much"}
        )
    assert caught.value.message_dict == {"budget": ["“Budget” must be an amount of money, such as 1234.50."]}
    client.refresh_from_db()
    assert client.custom_fields == {"budget": "1500.00", "tier": "gold"}

    # None removes a value; the others stay.
    client_services.client_update(actor=None, client=client, changes={}, custom_fields={"tier": None})
    client.refresh_from_db()
    assert client.custom_fields == {"budget": "1500.00"}


def test_a_client_is_created_with_custom_values(all_kinds, world):
    client = ClientFactory(responsible=world.users["mgr_north1"], custom_fields={"nda": True, "contract_until": "2027-01-31"})
    client.refresh_from_db()
    assert client.custom_fields == {"nda": True, "contract_until": "2027-01-31"}


def test_contacts_have_their_own_fields(make_field, world):
    make_field("hobby_level", "choice", entity="contact", name_en="Golf level")
    client = ClientFactory(responsible=world.users["mgr_north1"])
    contact = ContactFactory(client=client, custom_fields={"hobby_level": "silver"})
    assert contact.custom_fields == {"hobby_level": "silver"}
    with pytest.raises(ValidationError):
        contact_services.contact_update(actor=None, contact=contact, changes={}, custom_fields={"hobby_level": "tin"})
