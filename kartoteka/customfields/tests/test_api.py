"""The API describes the custom fields so integrations know which keys ``custom_fields`` may carry."""

from __future__ import annotations

from django.test import Client

from kartoteka.integrations.services import api_token_create


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_definitions_are_listed_in_card_order_in_the_callers_language(all_kinds, make_field, world):
    make_field("hobby", "text", entity="contact")
    inactive = make_field("retired", "text")
    inactive.is_active = False
    inactive.save()
    world.users["mgr_north1"].language = "ru"
    world.users["mgr_north1"].save()
    _, secret = api_token_create(actor=world.users["mgr_north1"], name="1С", scopes=["clients:read"])

    response = bearer(secret).get("/api/v1/custom-fields", {"entity": "client"})
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [item["code"] for item in items] == [field.code for field in all_kinds.values()]
    tier = next(item for item in items if item["code"] == "tier")
    assert tier == {
        "code": "tier",
        "label": "Уровень",
        "kind": "choice",
        "value_type": "string (option value)",
        "section": "additional",
        "required": False,
        "help_text": "",
        "choices": [
            {"value": "gold", "label": "Золото"},
            {"value": "silver", "label": "Серебро"},
            {"value": "bronze", "label": "Бронза"},
        ],
        "currency": None,
        "min_value": None,
        "max_value": None,
    }
    staff = next(item for item in items if item["code"] == "staff")
    assert (staff["min_value"], staff["max_value"]) == ("0", "100000")
    assert next(item for item in items if item["code"] == "budget")["currency"] == "RUB"

    contact_items = bearer(secret).get("/api/v1/custom-fields", {"entity": "contact"}).json()["items"]
    assert [item["code"] for item in contact_items] == ["hobby"]


def test_the_clients_read_scope_is_needed(all_kinds, world):
    _, secret = api_token_create(actor=world.users["mgr_north1"], name="me", scopes=["account:read"])
    response = bearer(secret).get("/api/v1/custom-fields")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_a_signed_in_user_may_read_them_and_strangers_may_not(all_kinds, world, client_for):
    assert client_for(world.users["marketer"]).get("/api/v1/custom-fields").status_code == 200
    assert Client().get("/api/v1/custom-fields").status_code == 401


def test_an_unknown_entity_is_a_422(world, client_for):
    response = client_for(world.users["head"]).get("/api/v1/custom-fields", {"entity": "deal"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "entity"
