"""The clients API: CRUD round trips, requisites errors, the access policy, scopes, query counts and paging."""

from __future__ import annotations

import datetime
from typing import Any, get_args

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from kartoteka.clients.api import common, schemas
from kartoteka.clients.api.references import ReferenceName
from kartoteka.clients.models import (
    Address,
    AddressKind,
    BankAccount,
    Client,
    ClientCategory,
    ClientKind,
    FirstContactReason,
    PlanningMethod,
    SalesKind,
    SalesMode,
)
from kartoteka.contacts import services as contact_services
from kartoteka.contacts.models import ContactPointKind, ContactPointLabel
from kartoteka.core.models import Territory
from kartoteka.customfields.models import CustomField
from kartoteka.testing.api import bearer, error_fields, patch, post, send
from kartoteka.testing.factories import ClientFactory, ContactFactory, reference

SBERBANK = {"inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195", "okpo": "00032537"}
SBERBANK_ACCOUNT = {"bank_name": "ПАО Сбербанк", "bik": "044525225", "account": "40702810938000000001"}
SBERBANK_CORRESPONDENT = "30101810400000000225"


# --- Round trips ----------------------------------------------------------------------------------------


def test_a_manager_creates_reads_changes_and_deletes_a_client(world):
    manager = world.users["mgr_north1"]
    http = bearer(manager, "clients:write")
    created = post(
        http,
        "/api/v1/clients",
        {
            "name": "Ромашка",
            "legal_form": "ru-ooo",
            "category": "vip",
            "annual_turnover": "125000000.50",
            "requisites": {**SBERBANK, "inn": "7707 083 893"},
            "tags": ["опт", "Опт "],
            "contact_points": [{"kind": "phone", "value": "8 (495) 123-45-67", "is_primary": True}],
            "bank_accounts": [{**SBERBANK_ACCOUNT, "correspondent_account": SBERBANK_CORRESPONDENT}],
            "addresses": [{"kind": "legal", "city": "Москва", "street": "ул. Вавилова, 19"}],
        },
    )
    assert created.status_code == 201, created.content
    card = created.json()
    client_id = card["id"]
    assert card["display_name"] == "ООО «Ромашка»"
    assert card["responsible"]["id"] == manager.pk
    assert card["team"] == {"id": world.teams["north1"].pk, "name": "North-1"}
    assert card["category"]["code"] == "vip"
    assert card["annual_turnover"] == "125000000.50"
    assert card["tax_id"] == "7707083893"
    assert card["requisites"]["kpp"] == "773601001"
    assert card["tags"] == ["опт"]
    assert card["phone"] == "+74951234567"
    assert card["contact_points"][0]["display"] == "+7 495 123-45-67"
    assert card["bank_accounts"][0]["is_primary"] is True
    assert card["addresses"][0]["country"] == "RU"  # the client's country by default
    assert card["warnings"] == []

    assert http.get(f"/api/v1/clients/{client_id}").json()["name"] == "Ромашка"

    changed = patch(
        http,
        f"/api/v1/clients/{client_id}",
        {
            "category": None,
            "priority": "a",
            "loyalty": 4,
            "requisites": {"kpp": ""},
            "tags": ["розница"],
            "notes": "Звонить утром",
        },
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["category"] is None
    assert body["priority"]["code"] == "a"
    assert body["loyalty"] == 4
    assert body["requisites"]["kpp"] == ""
    assert body["requisites"]["inn"] == "7707083893"  # untouched: only the codes sent change
    assert body["tags"] == ["розница"]
    assert body["legal_form"]["code"] == "ru-ooo"  # absent from the body, so unchanged

    assert http.delete(f"/api/v1/clients/{client_id}").status_code == 204
    assert http.get(f"/api/v1/clients/{client_id}").status_code == 404
    assert not Client.objects.filter(pk=client_id).exists()


def test_bank_accounts_and_addresses_round_trip(world):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    http = bearer(manager, "clients:write")

    first = post(http, f"/api/v1/clients/{client.pk}/bank-accounts", SBERBANK_ACCOUNT)
    assert first.status_code == 201, first.content
    second = post(
        http, f"/api/v1/clients/{client.pk}/bank-accounts", {"bank_name": "Revolut", "iban": "gb33 bukb 2020 1555 5555 55"}
    )
    assert second.status_code == 201
    assert second.json()["iban"] == "GB33BUKB20201555555555"
    promoted = patch(http, f"/api/v1/bank-accounts/{second.json()['id']}", {"is_primary": True})
    assert promoted.json()["is_primary"] is True
    listed = http.get(f"/api/v1/clients/{client.pk}/bank-accounts").json()["items"]
    assert [(item["bank_name"], item["is_primary"]) for item in listed] == [("Revolut", True), ("ПАО Сбербанк", False)]
    assert http.delete(f"/api/v1/bank-accounts/{first.json()['id']}").status_code == 204

    address = post(
        http, f"/api/v1/clients/{client.pk}/addresses", {"kind": "postal", "postal_code": "117312", "street": "а/я 15"}
    )
    assert address.status_code == 201
    assert address.json()["text"] == "117312, а/я 15"
    moved = patch(http, f"/api/v1/addresses/{address.json()['id']}", {"city": "Москва"})
    assert moved.json()["text"] == "117312, Москва, а/я 15"
    assert [item["kind"] for item in http.get(f"/api/v1/clients/{client.pk}/addresses").json()["items"]] == ["postal"]
    assert http.delete(f"/api/v1/addresses/{address.json()['id']}").status_code == 204
    assert not Address.objects.filter(client=client).exists()


def test_custom_field_values_are_validated_and_stored(world):
    CustomField.objects.create(entity="client", code="budget", kind="money", currency="RUB", name_en="Budget")
    http = bearer(world.users["mgr_north1"], "clients:write")

    refused = post(http, "/api/v1/clients", {"name": "Бюджет", "custom_fields": {"budget": "много", "nonexistent": "x"}})
    assert refused.status_code == 422
    assert error_fields(refused) == {"custom_fields.budget": "invalid", "custom_fields.nonexistent": "unknown_field"}
    assert not Client.objects.filter(name="Бюджет").exists()

    created = post(http, "/api/v1/clients", {"name": "Бюджет", "custom_fields": {"budget": "1 500 000,5"}})
    assert created.status_code == 201, created.content
    assert created.json()["custom_fields"] == {"budget": "1500000.50"}
    client_id = created.json()["id"]
    cleared = patch(http, f"/api/v1/clients/{client_id}", {"custom_fields": {"budget": None}})
    assert cleared.json()["custom_fields"] == {}


# --- Validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requisites", "field", "rule"),
    [
        ({"inn": "7707083894"}, "requisites.inn", "checksum"),
        ({"inn": "77070838"}, "requisites.inn", "length"),
        ({"inn": "77O7083893"}, "requisites.inn", "digits"),
        ({"ogrn": "1027700132194"}, "requisites.ogrn", "checksum"),
        ({"kpp": "7736010"}, "requisites.kpp", "length"),
        ({"okpo": "00032538"}, "requisites.okpo", "checksum"),
    ],
)
def test_invalid_requisites_are_refused_naming_the_field_and_the_rule(world, requisites, field, rule):
    http = bearer(world.users["mgr_north1"], "clients:write")
    response = post(http, "/api/v1/clients", {"name": "Ошибка", "requisites": requisites})
    assert response.status_code == 422
    assert error_fields(response) == {field: rule}
    assert not Client.objects.filter(name="Ошибка").exists()


def test_a_bank_account_with_a_wrong_key_is_refused_and_the_whole_create_rolls_back(world):
    http = bearer(world.users["mgr_north1"], "clients:write")
    body = {"name": "Банк", "bank_accounts": [{**SBERBANK_ACCOUNT, "account": "40702810938000000002"}]}
    response = post(http, "/api/v1/clients", body)
    assert response.status_code == 422
    assert error_fields(response) == {"bank_accounts.0.account": "checksum"}
    assert not Client.objects.filter(name="Банк").exists()


def test_unknown_codes_and_invisible_people_in_a_body_are_422_naming_the_input(world):
    http = bearer(world.users["mgr_north1"], "clients:write")
    response = post(
        http, "/api/v1/clients", {"name": "Икс", "category": "platinum", "responsible_id": world.users["mgr_south"].pk}
    )
    assert response.status_code == 422
    assert error_fields(response) == {"category": "unknown", "responsible_id": "not_found"}


def test_an_inactive_reference_entry_is_not_offered_for_new_records(world):
    ClientCategory.objects.filter(code="c").update(is_active=False)
    http = bearer(world.users["head"], "clients:write")
    response = post(http, "/api/v1/clients", {"name": "Старый", "category": "c"})
    assert error_fields(response) == {"category": "inactive"}


def test_decimals_are_strings_and_a_json_number_is_refused(world):
    http = bearer(world.users["mgr_north1"], "clients:write")
    response = post(http, "/api/v1/clients", {"name": "Деньги", "potential_amount": 1000.1})
    assert response.status_code == 422
    assert error_fields(response) == {"potential_amount": "value_error"}


# --- Duplicates -----------------------------------------------------------------------------------------


def test_a_duplicate_is_a_warning_unless_strict(world):
    ClientFactory(responsible=world.users["mgr_north1"], name="Сбербанк", requisites={"inn": SBERBANK["inn"]})
    http = bearer(world.users["mgr_north1"], "clients:write")

    strict = post(http, "/api/v1/clients?strict_duplicates=true", {"name": "Сбер", "requisites": {"inn": SBERBANK["inn"]}})
    assert strict.status_code == 409
    assert strict.json()["error"]["code"] == "duplicate"
    assert strict.json()["error"]["details"][0]["field"] == "requisites"
    assert Client.objects.filter(tax_id=SBERBANK["inn"]).count() == 1

    created = post(http, "/api/v1/clients", {"name": "Сбер", "requisites": {"inn": SBERBANK["inn"]}})
    assert created.status_code == 201
    [warning] = created.json()["warnings"]
    assert warning["name"] == "Сбербанк"
    assert "tax_id" in warning["rules"]


def test_a_duplicate_the_caller_cannot_see_is_named_without_id_or_name(world):
    ClientFactory(responsible=world.users["mgr_south"], name="Южный", requisites={"inn": SBERBANK["inn"]})
    http = bearer(world.users["mgr_north1"], "clients:write")
    created = post(http, "/api/v1/clients", {"name": "Северный", "requisites": {"inn": SBERBANK["inn"]}})
    [warning] = created.json()["warnings"]
    assert warning["client_id"] is None
    assert warning["name"] is None
    assert "Южный" not in created.content.decode()


# --- Access policy --------------------------------------------------------------------------------------


@pytest.fixture
def foreign(world, django_capture_on_commit_callbacks):
    """Another manager's client with one of each record hanging on it (indexed for search: callbacks run)."""
    south = world.users["mgr_south"]
    with django_capture_on_commit_callbacks(execute=True):
        client = ClientFactory(responsible=south, name="Чужой")
        account = BankAccount.objects.create(client=client, bank_name="Банк", account="40702810938000000001")
        address = Address.objects.create(client=client, street="Чужая улица, 1")
        point = contact_services.contact_point_save(
            actor=south, client=client, values={"kind": "email", "value": "boss@south.test"}
        )
        contact = ContactFactory(client=client, last_name="Чужаков")
    return {"client": client, "account": account, "address": address, "point": point, "contact": contact}


FOREIGN_REQUESTS = [
    ("get", "/api/v1/clients/{client}", None),
    ("patch", "/api/v1/clients/{client}", {"name": "Мой"}),
    ("delete", "/api/v1/clients/{client}", None),
    ("get", "/api/v1/clients/{client}/bank-accounts", None),
    ("post", "/api/v1/clients/{client}/bank-accounts", {"bank_name": "Мой", "iban": "GB33BUKB20201555555555"}),
    ("patch", "/api/v1/bank-accounts/{account}", {"bank_name": "Мой"}),
    ("delete", "/api/v1/bank-accounts/{account}", None),
    ("get", "/api/v1/clients/{client}/addresses", None),
    ("post", "/api/v1/clients/{client}/addresses", {"street": "Моя"}),
    ("patch", "/api/v1/addresses/{address}", {"street": "Моя"}),
    ("delete", "/api/v1/addresses/{address}", None),
    ("get", "/api/v1/clients/{client}/contact-points", None),
    ("post", "/api/v1/clients/{client}/contact-points", {"kind": "phone", "value": "+74951234567"}),
    ("patch", "/api/v1/contact-points/{point}", {"label": "home"}),
    ("delete", "/api/v1/contact-points/{point}", None),
    ("get", "/api/v1/contacts/{contact}", None),
    ("patch", "/api/v1/contacts/{contact}", {"position": "Мой"}),
    ("delete", "/api/v1/contacts/{contact}", None),
    ("post", "/api/v1/contacts/{contact}/move", {"client_id": 1}),
]


@pytest.mark.parametrize(("method", "url", "body"), FOREIGN_REQUESTS)
def test_a_manager_gets_404_for_another_managers_records(world, foreign, method, url, body):
    http = bearer(world.users["mgr_north1"], "clients:write")
    ids = {name: obj.pk for name, obj in foreign.items()}
    response = send(http, method, url.format(**ids), body)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Client.objects.filter(pk=foreign["client"].pk, name="Чужой").exists()


def test_a_manager_never_sees_another_managers_records_in_lists(world, foreign, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        own = ClientFactory(responsible=world.users["mgr_north1"], name="Свой")
    http = bearer(world.users["mgr_north1"], "clients:read")
    assert [item["id"] for item in http.get("/api/v1/clients").json()["items"]] == [own.pk]
    assert [item["id"] for item in http.get("/api/v1/clients?q=свой").json()["items"]] == [own.pk]
    assert http.get("/api/v1/clients?q=Чужой").json()["items"] == []
    assert http.get("/api/v1/clients?q=boss@south.test").json()["items"] == []
    assert http.get(f"/api/v1/clients?responsible={world.users['mgr_south'].pk}").json()["items"] == []
    assert http.get("/api/v1/contacts").json()["items"] == []
    assert http.get(f"/api/v1/contacts?client={foreign['client'].pk}").json()["items"] == []


def test_a_body_cannot_point_at_an_invisible_client(world, foreign):
    own = ClientFactory(responsible=world.users["mgr_north1"])
    contact = ContactFactory(client=own)
    http = bearer(world.users["mgr_north1"], "clients:write")
    moved = post(http, f"/api/v1/contacts/{contact.pk}/move", {"client_id": foreign["client"].pk})
    assert moved.status_code == 422
    assert error_fields(moved) == {"client_id": "not_found"}
    created = post(http, "/api/v1/contacts", {"client_id": foreign["client"].pk, "last_name": "Шпион"})
    assert error_fields(created) == {"client_id": "not_found"}


def test_a_marketer_reads_every_client_but_changes_none(world, foreign):
    http = bearer(world.users["marketer"], "clients:write")
    client_id = foreign["client"].pk
    assert http.get(f"/api/v1/clients/{client_id}").status_code == 200
    for response in (
        patch(http, f"/api/v1/clients/{client_id}", {}),
        http.delete(f"/api/v1/clients/{client_id}"),
        patch(http, f"/api/v1/bank-accounts/{foreign['account'].pk}", {"bank_name": "x"}),
        post(http, "/api/v1/clients", {"name": "Маркетинг"}),
        patch(http, f"/api/v1/contacts/{foreign['contact'].pk}", {}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


WRITES = [
    ("post", "/api/v1/clients", {"name": "Новый"}),
    ("patch", "/api/v1/clients/{client}", {"name": "Другой"}),
    ("delete", "/api/v1/clients/{client}", None),
    ("post", "/api/v1/clients/{client}/bank-accounts", SBERBANK_ACCOUNT),
    ("post", "/api/v1/clients/{client}/addresses", {"street": "Новая"}),
    ("post", "/api/v1/clients/{client}/contact-points", {"kind": "phone", "value": "+74951234567"}),
    ("post", "/api/v1/contacts", {"client_id": "{client}", "last_name": "Новиков"}),
]


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_a_read_only_token_cannot_write(world, method, url, body):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    http = bearer(manager, "clients:read")
    if body and body.get("client_id") == "{client}":
        body = {**body, "client_id": client.pk}
    response = send(http, method, url.format(client=client.pk), body)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_a_token_without_the_clients_scope_cannot_even_read(world):
    response = bearer(world.users["mgr_north1"], "users:read").get("/api/v1/clients")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


# --- The list -------------------------------------------------------------------------------------------


def _list_queries(django_assert_num_queries, http: HttpClient) -> list[dict[str, Any]]:
    # 1 the signed-in user (the session itself is cached), 2 the user's roles and scopes (the access policy),
    # 3 the page of clients with the team and the responsible joined and the primary phone and email
    # (subqueries), 4 every reference entry and territory the page points at, in one UNION (joining them
    # made PostgreSQL plan for ~80 ms), 5 the tags of the page.
    with django_assert_num_queries(5):
        response = http.get("/api/v1/clients?limit=100")
    assert response.status_code == 200
    return response.json()["items"]


def test_the_list_runs_the_same_queries_for_5_and_50_clients(world, client_for, django_assert_num_queries):
    manager = world.users["mgr_north1"]
    http = client_for(manager)

    def add(count: int) -> None:
        for number in range(count):
            client = ClientFactory(responsible=manager, category=reference(ClientCategory, "vip"), tags=["опт", f"тег {number}"])
            contact_services.contact_point_save(
                actor=manager, client=client, values={"kind": "phone", "value": f"+7495123{number:04d}"}
            )

    add(5)
    assert len(_list_queries(django_assert_num_queries, http)) == 5
    add(45)
    items = _list_queries(django_assert_num_queries, http)
    assert len(items) == 50
    assert all(item["phone"] and item["category"]["code"] == "vip" and "опт" in item["tags"] for item in items)


def test_cyrillic_is_sent_unescaped(world):
    ClientFactory(responsible=world.users["mgr_north1"], name="Ёлки-Палки")
    response = bearer(world.users["mgr_north1"], "clients:read").get("/api/v1/clients")
    text = response.content.decode("utf-8")
    assert "Ёлки-Палки" in text
    assert "\\u" not in text


@pytest.mark.parametrize("sort", ["name", "-name", "updated_at", "-updated_at", "created_at", "-created_at"])
def test_cursor_pages_cover_every_client_once_in_order(world, sort):
    manager = world.users["mgr_north1"]
    for name in ["Бета", "Альфа", "Бета", "Гамма", "Альфа", "Дельта", "Бета"]:
        ClientFactory(responsible=manager, name=name)
    http = bearer(manager, "clients:read")
    whole = [item["id"] for item in http.get(f"/api/v1/clients?sort={sort}&limit=200").json()["items"]]
    assert len(whole) == 7

    seen: list[int] = []
    url = f"/api/v1/clients?sort={sort}&limit=3"
    while True:
        page = http.get(url).json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        if len(seen) == 3:
            ClientFactory(responsible=manager, name="Аааа")  # sorts before the cursor by name: not repeated, nothing skipped
        url = f"/api/v1/clients?sort={sort}&limit=3&cursor={page['next_cursor']}"
    assert [pk for pk in seen if pk in whole] == whole
    assert len(seen) == len(set(seen))


def test_a_cursor_from_another_sort_or_a_tampered_one_is_400(world):
    manager = world.users["mgr_north1"]
    for name in ["А", "Б", "В"]:
        ClientFactory(responsible=manager, name=name)
    http = bearer(manager, "clients:read")
    cursor = http.get("/api/v1/clients?sort=name&limit=1").json()["next_cursor"]
    for url in (
        f"/api/v1/clients?sort=-updated_at&cursor={cursor}",
        "/api/v1/clients?cursor=name.garbage",
        "/api/v1/clients?cursor=x",
    ):
        response = http.get(url)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_cursor"


def _three_clients(manager: Any, moscow: Territory) -> tuple[Client, Client, Client]:
    vip = ClientFactory(
        responsible=manager, name="ВИП", category=reference(ClientCategory, "vip"), territory=moscow, tags=["Опт"]
    )
    plain = ClientFactory(responsible=manager, name="Простой", category=reference(ClientCategory, "b"), requisites=SBERBANK)
    individual = ClientFactory(responsible=manager, name="Иванов", kind=ClientKind.INDIVIDUAL, country="UA")
    return vip, plain, individual


def test_the_list_filters_combine(world, django_capture_on_commit_callbacks):
    manager = world.users["mgr_north1"]
    moscow = Territory.objects.get(name_en="Moscow")
    russia = moscow.parent
    with django_capture_on_commit_callbacks(execute=True):  # the search index follows commits
        vip, plain, individual = _three_clients(manager, moscow)
    http = bearer(manager, "clients:read")

    def ids(query: str) -> set[int]:
        response = http.get(f"/api/v1/clients?{query}")
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    assert ids("category=vip,b") == {vip.pk, plain.pk}
    assert ids("category=vip") == {vip.pk}
    assert ids(f"territory={russia.pk}") == {vip.pk}  # the subtree: Moscow is in Russia
    assert ids("tag=опт") == {vip.pk}  # case-insensitive, Cyrillic included
    assert ids("tax_id=7707 083 893") == {plain.pk}
    assert ids("kind=individual") == ids("country=UA") == {individual.pk}
    assert ids("q=прост") == {plain.pk}
    assert ids(f"responsible={manager.pk}&category=b") == {plain.pk}
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert ids(f"updated_since={later.replace('+', '%2B')}") == set()


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "category=no spaces", "country=rus", "updated_since=0.5", "sort=rank"])
def test_bad_list_parameters_are_422(world, query):
    response = bearer(world.users["mgr_north1"], "clients:read").get(f"/api/v1/clients?{query}")
    assert response.status_code == 422


# --- Reference lists ------------------------------------------------------------------------------------


def test_reference_lists_are_listed_and_read_with_names_per_language(world):
    user = world.users["mgr_north1"]
    user.language = "ru"
    user.save(update_fields=["language"])
    http = bearer(user, "clients:read")
    names = [item["name"] for item in http.get("/api/v1/references").json()["items"]]
    assert names == list(get_args(ReferenceName))

    roles = http.get("/api/v1/references/contact-roles").json()["items"]
    decision_maker = next(item for item in roles if item["code"] == "decision-maker")
    assert decision_maker["name"] == decision_maker["names"]["ru"]
    assert decision_maker["names"]["en"] == "Decision maker"

    territories = http.get("/api/v1/references/territories").json()["items"]
    moscow = next(item for item in territories if item["names"]["en"] == "Moscow")
    russia = next(item for item in territories if item["id"] == moscow["parent_id"])
    assert (russia["kind"], russia["country_code"], moscow["kind"]) == ("country", "RU", "city")

    packages = http.get("/api/v1/references/terms-packages").json()["items"]
    assert all(isinstance(item["discount_percent"], str) for item in packages)


def test_inactive_entries_can_be_left_out(world):
    ClientCategory.objects.filter(code="c").update(is_active=False)
    http = bearer(world.users["mgr_north1"], "clients:read")
    everything = {item["code"] for item in http.get("/api/v1/references/categories").json()["items"]}
    active = {item["code"] for item in http.get("/api/v1/references/categories?active=true").json()["items"]}
    assert everything - active == {"c"}
    assert http.get("/api/v1/references/colours").status_code == 422


# --- The API's enums agree with the models -------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_values", "choices"),
    [
        (schemas.AddressKindName, AddressKind),
        (common.PointKindName, ContactPointKind),
        (common.PointLabelName, ContactPointLabel),
        (schemas.SalesModeName, SalesMode),
        (schemas.SalesKindName, SalesKind),
        (schemas.PlanningMethodName, PlanningMethod),
        (schemas.FirstContactName, FirstContactReason),
    ],
)
def test_api_choices_match_the_models(api_values, choices):
    assert set(get_args(api_values)) - {""} == set(choices.values)
