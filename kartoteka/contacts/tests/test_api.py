"""The contacts API: round trips with roles and points, moving a person, filters, query counts and access."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from kartoteka.contacts import services
from kartoteka.contacts.models import Contact, ContactJob, ContactPoint, ContactRole
from kartoteka.customfields.models import CustomField
from kartoteka.testing.api import bearer, error_fields, patch, post, send
from kartoteka.testing.factories import ClientFactory, ContactFactory, reference


def test_a_contact_is_created_with_roles_points_and_custom_fields_then_changed_and_deleted(world):
    CustomField.objects.create(entity="contact", code="hobby_club", kind="text", name_en="Club")
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager, name="Ромашка")
    http = bearer(manager, "clients:write")

    created = post(
        http,
        "/api/v1/contacts",
        {
            "client_id": client.pk,
            "last_name": "Петрова",
            "first_name": "Анна",
            "position": "Главный бухгалтер",
            "management_level": "top",
            "roles": ["decision-maker", "buyer"],
            "birthday": "1985-03-08",
            "email_consent": True,
            "points": [
                {"kind": "email", "value": "Anna.Petrova@Romashka.ru"},
                {"kind": "phone", "label": "mobile", "value": "8 916 123-45-67", "is_primary": True},
            ],
            "custom_fields": {"hobby_club": "Шахматы"},
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    contact_id = body["id"]
    assert body["client"] == {"id": client.pk, "name": "Ромашка"}
    assert body["full_name"] == "Петрова Анна"
    assert body["management_level"]["code"] == "top"
    assert [role["code"] for role in body["roles"]] == ["decision-maker", "buyer"]
    assert body["is_primary"] is True  # the client's first contact
    assert body["email_consent_at"] is not None  # consent is evidence: when it was given is recorded
    assert {point["value"] for point in body["points"]} == {"anna.petrova@romashka.ru", "+79161234567"}
    assert body["custom_fields"] == {"hobby_club": "Шахматы"}

    phone = next(point for point in body["points"] if point["kind"] == "phone")
    changed = patch(
        http,
        f"/api/v1/contacts/{contact_id}",
        {
            "position": "Финансовый директор",
            "roles": ["influencer"],
            "management_level": None,
            "points": [
                {"id": phone["id"], "kind": "phone", "label": "work", "value": "+7 916 123 45 67"},
                {"kind": "telegram", "value": "@anna_petrova"},
            ],
        },
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["position"] == "Финансовый директор"
    assert [role["code"] for role in body["roles"]] == ["influencer"]
    assert body["management_level"] is None
    assert body["last_name"] == "Петрова"  # not sent, not changed
    points = {point["kind"]: point for point in body["points"]}
    assert set(points) == {"phone", "telegram"}  # the email was not listed: deleted
    assert points["phone"]["id"] == phone["id"]
    assert points["phone"]["label"] == "work"
    assert points["telegram"]["value"] == "@anna_petrova"

    assert http.get(f"/api/v1/contacts/{contact_id}").json()["roles"][0]["code"] == "influencer"
    assert http.delete(f"/api/v1/contacts/{contact_id}").status_code == 204
    assert http.get(f"/api/v1/contacts/{contact_id}").status_code == 404
    assert not ContactPoint.objects.filter(contact_id=contact_id).exists()


def test_a_contact_without_a_name_or_with_a_bad_phone_names_the_input(world):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    http = bearer(manager, "clients:write")
    nameless = post(http, "/api/v1/contacts", {"client_id": client.pk, "position": "Директор"})
    assert nameless.status_code == 422
    assert set(error_fields(nameless)) == {"last_name"}
    bad_phone = post(
        http,
        "/api/v1/contacts",
        {"client_id": client.pk, "last_name": "Иванов", "points": [{"kind": "phone", "value": "звоните"}]},
    )
    assert bad_phone.status_code == 422
    assert set(error_fields(bad_phone)) == {"points.0.value"}
    unknown_role = post(http, "/api/v1/contacts", {"client_id": client.pk, "last_name": "Иванов", "roles": ["astrologer"]})
    assert error_fields(unknown_role) == {"roles": "unknown"}
    assert not Contact.objects.filter(client=client).exists()


def test_a_person_moves_to_another_client_and_the_old_job_is_kept(world):
    manager = world.users["mgr_north1"]
    old = ClientFactory(responsible=manager, name="Старая")
    new = ClientFactory(responsible=manager, name="Новая")
    contact = ContactFactory(client=old, position="Менеджер")
    services.contact_point_save(actor=manager, client=old, contact=contact, values={"kind": "phone", "value": "+79161234567"})
    http = bearer(manager, "clients:write")

    moved = post(http, f"/api/v1/contacts/{contact.pk}/move", {"client_id": new.pk, "position": "Директор"})
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert body["client"]["id"] == new.pk
    assert body["position"] == "Директор"
    assert body["jobs"] == [
        {
            "client_id": old.pk,
            "client_name": "Старая",
            "position": "Менеджер",
            "started_on": None,
            "ended_on": body["jobs"][0]["ended_on"],
        }
    ]
    assert body["points"][0]["client_id"] == new.pk  # personal phones go along
    again = post(http, f"/api/v1/contacts/{contact.pk}/move", {"client_id": new.pk})
    assert error_fields(again) == {"client_id": None}
    assert ContactJob.objects.filter(contact=contact).count() == 1


def test_the_contact_list_filters_by_client_role_and_birthday(world, django_capture_on_commit_callbacks):
    manager = world.users["mgr_north1"]
    decision_maker = reference(ContactRole, "decision-maker")
    with django_capture_on_commit_callbacks(execute=True):  # the search index follows commits
        client = ClientFactory(responsible=manager)
        other = ClientFactory(responsible=manager)
        new_year = ContactFactory(
            client=client, last_name="Морозов", birthday=datetime.date(1980, 12, 31), roles=[decision_maker]
        )
        january = ContactFactory(client=client, last_name="Январёва", birthday=datetime.date(1990, 1, 5))
        summer = ContactFactory(client=other, last_name="Летний", birthday=datetime.date(1975, 7, 1))
        no_birthday = ContactFactory(client=other, last_name="Безданных")
    http = bearer(manager, "clients:read")

    def ids(query: str) -> list[int]:
        response = http.get(f"/api/v1/contacts?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids("") == [no_birthday.pk, summer.pk, new_year.pk, january.pk]  # by last name
    assert ids(f"client={client.pk}") == [new_year.pk, january.pk]
    assert ids("role=decision-maker,gatekeeper") == [new_year.pk]
    assert ids("birthday_from=12-20&birthday_to=01-10") == [new_year.pk, january.pk]  # wraps over the new year
    assert ids("birthday_from=06-01&birthday_to=08-31") == [summer.pk]
    assert ids("q=мороз") == [new_year.pk]
    assert http.get("/api/v1/contacts?birthday_from=13-01").status_code == 422


def test_the_contact_list_runs_the_same_queries_for_5_and_50_contacts(world, client_for, django_assert_num_queries):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    roles = [reference(ContactRole, "decision-maker"), reference(ContactRole, "user")]
    http = client_for(manager)

    def add(count: int) -> None:
        for number in range(count):
            contact = ContactFactory(client=client, roles=roles)
            services.contact_point_save(
                actor=manager, client=client, contact=contact, values={"kind": "phone", "value": f"+7916123{number:04d}"}
            )

    def page() -> list[dict[str, Any]]:
        # 1 the signed-in user (the session itself is cached), 2 the user's roles and scopes (the access policy),
        # 3 the contacts with their client and level, 4 their roles, 5 their phones and emails.
        with django_assert_num_queries(5):
            response = http.get("/api/v1/contacts?limit=100")
        return response.json()["items"]

    add(5)
    assert len(page()) == 5
    add(45)
    items = page()
    assert len(items) == 50
    assert all(len(item["roles"]) == 2 and len(item["points"]) == 1 for item in items)


def test_contact_points_of_a_client_are_listed_added_changed_and_deleted(world):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    contact = ContactFactory(client=client)
    http = bearer(manager, "clients:write")

    own = post(http, f"/api/v1/clients/{client.pk}/contact-points", {"kind": "email", "value": "Office@Example.com"})
    assert own.status_code == 201
    assert own.json()["value"] == "office@example.com"
    personal = post(
        http,
        f"/api/v1/clients/{client.pk}/contact-points",
        {"kind": "phone", "value": "8 (495) 123-45-67", "contact_id": contact.pk},
    )
    assert personal.json()["contact_id"] == contact.pk
    duplicate = post(http, f"/api/v1/clients/{client.pk}/contact-points", {"kind": "email", "value": "office@example.com"})
    assert error_fields(duplicate) == {"value": None}

    listed = http.get(f"/api/v1/clients/{client.pk}/contact-points").json()["items"]
    assert [point["contact_id"] for point in listed] == [None, contact.pk]  # the client's own first

    changed = patch(http, f"/api/v1/contact-points/{personal.json()['id']}", {"label": "mobile", "extension": "12"})
    assert (changed.json()["label"], changed.json()["extension"]) == ("mobile", "12")
    assert http.delete(f"/api/v1/contact-points/{own.json()['id']}").status_code == 204
    assert [point["id"] for point in http.get(f"/api/v1/clients/{client.pk}/contact-points").json()["items"]] == [
        personal.json()["id"]
    ]


def test_a_point_cannot_be_attached_to_a_contact_of_another_client(world):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    elsewhere = ContactFactory(client=ClientFactory(responsible=manager))
    http = bearer(manager, "clients:write")
    response = post(
        http,
        f"/api/v1/clients/{client.pk}/contact-points",
        {"kind": "phone", "value": "+74951234567", "contact_id": elsewhere.pk},
    )
    assert error_fields(response) == {"contact_id": "not_found"}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/v1/contacts/{contact}/move", {"client_id": "{client}"}),
        ("patch", "/api/v1/contacts/{contact}", {"position": "x"}),
        ("delete", "/api/v1/contacts/{contact}", None),
        ("patch", "/api/v1/contact-points/{point}", {"label": "home"}),
        ("delete", "/api/v1/contact-points/{point}", None),
    ],
)
def test_a_read_only_token_cannot_change_contacts(world, method, url, body):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    contact = ContactFactory(client=client)
    point = services.contact_point_save(
        actor=manager, client=client, contact=contact, values={"kind": "phone", "value": "+79161234567"}
    )
    ids = {"contact": contact.pk, "client": client.pk, "point": point.pk}
    if body and body.get("client_id") == "{client}":
        body = {"client_id": client.pk}
    response = send(bearer(manager, "clients:read"), method, url.format(**ids), body)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
