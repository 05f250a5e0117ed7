"""The API framework, exercised through the users and teams endpoints."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from kartoteka.integrations.services import api_token_create, api_token_revoke


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_me_with_a_token_returns_cyrillic_unescaped(world):
    _, secret = api_token_create(actor=world.users["mgr_north1"], name="1С", scopes=["account:read"])
    world.users["mgr_north1"].last_name = "Иванов"
    world.users["mgr_north1"].save(update_fields=["last_name"])
    response = bearer(secret).get("/api/v1/me")
    assert response.status_code == 200
    assert "Иванов" in response.content.decode("utf-8")
    assert "\\u0418" not in response.content.decode("utf-8")
    body = response.json()
    assert body["email"] == "mgr_north1@example.test"
    assert {"entity": "user", "read": "team", "write": "own"} in body["scopes"]


def test_read_only_token_cannot_write(world):
    admin = world.users["admin"]
    _, secret = api_token_create(actor=admin, name="reader", scopes=["account:read", "users:read"])
    client = bearer(secret)
    assert client.get("/api/v1/teams").status_code == 200

    response = client.post("/api/v1/teams", data={"name": "New"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"

    response = client.patch("/api/v1/me", data={"language": "en"}, content_type="application/json")
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.language == "en"  # unchanged: the factory's default


def test_write_token_can_write_within_the_access_policy(world):
    _, admin_secret = api_token_create(actor=world.users["admin"], name="w", scopes=["users:write"])
    response = bearer(admin_secret).post(
        "/api/v1/teams", data={"name": "Восток", "parent_id": world.teams["sales"].pk}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["name"] == "Восток"
    assert response.json()["depth"] == 1

    # A manager's write token does not widen what the manager's role allows.
    _, manager_secret = api_token_create(actor=world.users["mgr_north1"], name="w", scopes=["users:write"])
    response = bearer(manager_secret).patch(
        f"/api/v1/teams/{world.teams['north1'].pk}", data={"name": "Renamed"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ktk_wrong", "Token abc", ""])
def test_bad_credentials_answer_401_with_the_error_schema(db, header):
    headers = {"Accept-Language": "en", **({"Authorization": header} if header else {})}
    response = Client(headers=headers).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "unauthenticated",
            "message": "Send a valid personal token as “Authorization: Bearer …” or sign in.",
            "details": [],
        }
    }


def test_error_messages_speak_the_token_owners_language(world):
    world.users["mgr_south"].language = "ru"
    world.users["mgr_south"].save(update_fields=["language"])
    _, secret = api_token_create(actor=world.users["mgr_south"], name="ru", scopes=["account:read"])
    response = bearer(secret).get("/api/v1/users")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert "users:read" in response.json()["error"]["message"]
    assert "токен" in response.json()["error"]["message"].lower()


def test_revoked_token_stops_working(world):
    token, secret = api_token_create(actor=world.users["head"], name="t", scopes=["account:read"])
    assert bearer(secret).get("/api/v1/me").status_code == 200
    api_token_revoke(actor=world.users["head"], token=token)
    assert bearer(secret).get("/api/v1/me").status_code == 401


def test_validation_errors_are_422_with_field_details(world, client_for):
    client = client_for(world.users["admin"])
    response = client.patch("/api/v1/me", data={"time_zone": "Mars/Olympus"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"field": "time_zone", "message": "Unknown time zone.", "code": "invalid"}]

    response = client.get("/api/v1/users?limit=100000")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "limit"


@pytest.mark.parametrize("body", ["[]", "5", '"text"', "null"])
def test_a_body_that_is_not_a_json_object_is_400(world, client_for, body):
    client = client_for(world.users["admin"])
    response = client.patch("/api/v1/me", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "bad_request",
        "message": "The request body must be a JSON object.",
        "details": [],
    }


@pytest.mark.parametrize("body", ["{not json", b"\xff\xfe", "{'single': 'quotes'}"])
def test_a_body_that_is_not_json_is_400(world, client_for, body):
    client = client_for(world.users["admin"])
    response = client.patch("/api/v1/me", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "bad_request", "message": "The request body is not valid JSON.", "details": []}


def test_conflicts_are_409(world, client_for):
    client = client_for(world.users["admin"])
    response = client.post(
        "/api/v1/teams", data={"name": "north", "parent_id": world.teams["sales"].pk}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "team_name_taken"
    response = client.delete(f"/api/v1/teams/{world.teams['north'].pk}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "team_has_subteams"


def test_cursor_pagination_walks_every_row_once(world, client_for, user_factory):
    user_factory.create_batch(7, team=world.teams["north1"])
    client = client_for(world.users["admin"])
    seen: list[int] = []
    url = "/api/v1/users?limit=3"
    while url:
        body = client.get(url).json()
        seen += [item["id"] for item in body["items"]]
        url = f"/api/v1/users?limit=3&cursor={body['next_cursor']}" if body["next_cursor"] else ""
    assert len(seen) == len(set(seen)) == 13


def test_a_tampered_cursor_is_a_clear_400(world, client_for):
    response = client_for(world.users["admin"]).get("/api/v1/users?cursor=%%%not-base64")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_users_list_runs_a_fixed_number_of_queries(world, client_for, user_factory, django_assert_num_queries):
    user_factory.create_batch(30, team=world.teams["north1"], roles="manager")
    client = client_for(world.users["sup_north"])
    # 1 the signed-in user, 2 their roles and scopes, 3 their team subtree (a "team" scope),
    # 4 the page of users, 5 the roles of everyone on the page. The session comes from the cache.
    with django_assert_num_queries(5):
        assert len(client.get("/api/v1/users?limit=50").json()["items"]) == 32


def test_openapi_is_3_1_and_declares_the_error_schema(db):
    schema = Client().get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert "ErrorOut" in schema["components"]["schemas"]
    responses = schema["paths"]["/api/v1/teams"]["post"]["responses"]
    assert {"201", "401", "403", "409", "422"} <= set(responses)


def test_api_docs_are_served_locally(db):
    html = Client().get("/api/docs").content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn." not in html
    assert "unpkg" not in html


def test_decimals_are_serialised_as_strings():
    from decimal import Decimal

    from pydantic import TypeAdapter

    from kartoteka.api import DecimalString

    adapter = TypeAdapter(DecimalString)
    assert adapter.dump_python(Decimal("1234.50"), mode="json") == "1234.50"
    assert adapter.json_schema(mode="serialization")["type"] == "string"
    assert json.loads(adapter.dump_json(Decimal("0.10"))) == "0.10"


def test_session_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["admin"])
    response = client.patch("/api/v1/me", data={"language": "ru"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    client.get("/profile/")  # sets the CSRF cookie, as a page view does
    token = client.cookies["csrftoken"].value
    response = client.patch(
        "/api/v1/me", data={"language": "ru"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200


def test_a_repeated_single_valued_parameter_is_refused(world, client_for):
    response = client_for(world.users["admin"]).get("/api/v1/users?q=a&q=b")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "repeated_parameter"


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/v1/teams", {"name": "Sales\u0000"}),
        ("post", "/api/v1/teams", {"name": "Sales", "\u0000": True}),
        ("get", "/api/v1/users?q=a%00b", None),
    ],
)
def test_nul_characters_are_refused_everywhere(world, client_for, method, url, body):
    client = client_for(world.users["admin"])
    response = client.get(url) if method == "get" else client.post(url, data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "null_character"
