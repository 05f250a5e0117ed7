"""Who may reach which client, through every path that exists: list, card, search, export, files,
merge, bulk actions and the API — with guessed ids answering 404 like missing ones."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client as HttpClient
from django.urls import reverse

from kartoteka.attachments import services as attachment_services
from kartoteka.attachments.tests import samples
from kartoteka.clients.models import Client, ClientCategory
from kartoteka.testing.access_matrix import AccessPath, api_list_contains, api_write, format_mismatches, run_matrix, status_ok
from kartoteka.testing.factories import ClientFactory, ContactFactory, reference

EVERYONE = {"c_north1", "c_sup_north", "c_south"}


def _in_list(client: HttpClient, obj: models.Model) -> bool:
    response = client.get("/clients/?reset=1&sort=name")
    assert response.status_code in (200, 403)
    return response.status_code == 200 and f"/clients/{obj.pk}/" in response.content.decode()


def _in_search_page(client: HttpClient, obj: models.Model) -> bool:
    response = client.get("/search/", {"q": obj.name})  # type: ignore[attr-defined]
    assert response.status_code == 200
    return f"/clients/{obj.pk}/" in response.content.decode()


def _in_list_search(client: HttpClient, obj: models.Model) -> bool:
    response = client.get("/clients/", {"q": obj.tax_id, "reset": "1"})  # type: ignore[attr-defined]
    assert response.status_code in (200, 403)
    return response.status_code == 200 and f"/clients/{obj.pk}/" in response.content.decode()


def _in_export(client: HttpClient, obj: models.Model) -> bool:
    response = client.get("/clients/export/", {"format": "csv", "reset": "1"})
    assert response.status_code in (200, 403)
    if response.status_code != 200:
        return False
    text = b"".join(response.streaming_content).decode("utf-8-sig") if response.streaming else response.content.decode()  # type: ignore[attr-defined]
    return any(obj.name in row for row in csv.reader(io.StringIO(text)))  # type: ignore[attr-defined]


def _file_download(client: HttpClient, obj: models.Model) -> bool:
    attachment = obj.attachments.get()  # type: ignore[attr-defined]
    response = client.get(reverse("attachments:download", args=[attachment.pk]))
    assert response.status_code in (200, 404)
    return response.status_code == 200


def _contact_api(client: HttpClient, obj: models.Model) -> bool:
    contact = obj.contacts.get()  # type: ignore[attr-defined]
    response = client.get(f"/api/v1/contacts/{contact.pk}")
    assert response.status_code in (200, 404)
    return response.status_code == 200


def _merge_screen(client: HttpClient, obj: models.Model) -> bool:
    response = client.get(reverse("clients:merge", args=[obj.pk]))
    # Visible but read-only answers 403; invisible answers 404, exactly like a missing client.
    assert response.status_code in (200, 403, 404)
    return response.status_code == 200


def _bulk_tag(client: HttpClient, obj: models.Model) -> bool:
    client.post(reverse("clients:bulk"), {"ids": [obj.pk], "action": "tag", "tag": "matrix", "confirm": "1"})
    tagged = Client.objects.get(pk=obj.pk)
    reached = tagged.tags.filter(name="matrix").exists()
    tagged.tags.clear()  # reset for the next actor
    return reached


def _card_edit(client: HttpClient, obj: models.Model) -> bool:
    vip = reference(ClientCategory, "vip")
    response = client.post(reverse("clients:card_field", args=[obj.pk, "category"]), {"value": vip.pk})
    assert response.status_code in (200, 204, 302, 403, 404), response.status_code
    reached = Client.objects.get(pk=obj.pk).category_id == vip.pk
    Client.objects.filter(pk=obj.pk).update(category=None)  # reset for the next actor (test only)
    return reached


READ_PATHS = [
    AccessPath("list", _in_list),
    AccessPath("list_search_by_inn", _in_list_search),
    AccessPath("card", status_ok(lambda c: reverse("clients:card", args=[c.pk]))),
    AccessPath("card_history", status_ok(lambda c: reverse("clients:card_history", args=[c.pk]))),
    AccessPath("global_search", _in_search_page),
    AccessPath("export_csv", _in_export),
    AccessPath("attachment_download", _file_download),
    AccessPath("api_list", api_list_contains("/api/v1/clients?limit=200")),
    AccessPath("api_get", status_ok(lambda c: f"/api/v1/clients/{c.pk}")),
    AccessPath("api_contact", _contact_api),
]

WRITE_PATHS = [
    AccessPath("card_inline_edit", _card_edit),
    AccessPath("merge_screen", _merge_screen),
    AccessPath("bulk_add_tag", _bulk_tag),
    AccessPath("api_patch", api_write("PATCH", lambda c: f"/api/v1/clients/{c.pk}", lambda c: {"notes": "API"})),
]

INNS = {"c_north1": "7707083893", "c_sup_north": "7736207543", "c_south": "7736050003"}


@pytest.fixture
def clients(world, django_capture_on_commit_callbacks, settings, tmp_path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    owners = {"c_north1": "mgr_north1", "c_sup_north": "sup_north", "c_south": "mgr_south"}
    result = {}
    with django_capture_on_commit_callbacks(execute=True):  # the search index is written after commit
        for key, owner in owners.items():
            client = ClientFactory(responsible=world.users[owner], name=f"Матрица {key}", requisites={"inn": INNS[key]})
            ContactFactory(client=client, last_name=f"Контакт-{key}")
            attachment_services.attachment_upload(
                actor=None, client=client, file=SimpleUploadedFile(f"договор-{key}.pdf", samples.pdf(), "application/pdf")
            )
            result[key] = client
    return result


def test_clients_are_visible_by_role_scope_on_every_read_path(world, clients):
    allowed = {
        "admin": EVERYONE,
        "head": EVERYONE,
        "marketer": EVERYONE,
        "sup_north": {"c_north1", "c_sup_north"},
        "mgr_north1": {"c_north1"},
        "mgr_south": {"c_south"},
    }
    mismatches = run_matrix(actors=world.users, objects=clients, paths=READ_PATHS, allowed=allowed)
    assert not mismatches, format_mismatches(mismatches)


def test_clients_are_changeable_by_role_scope_on_every_write_path(world, clients):
    allowed = {
        "admin": EVERYONE,
        "head": EVERYONE,
        "sup_north": {"c_north1", "c_sup_north"},
        "mgr_north1": {"c_north1"},
        "mgr_south": {"c_south"},
        # The marketer reads every client and changes none.
    }
    mismatches = run_matrix(actors=world.users, objects=clients, paths=WRITE_PATHS, allowed=allowed)
    assert not mismatches, format_mismatches(mismatches)


def test_guessed_ids_answer_404_like_missing_ones(world, clients, client_for):
    manager = client_for(world.users["mgr_south"])
    hidden = clients["c_north1"]
    missing = Client.objects.order_by("-pk").first().pk + 1000
    contact = hidden.contacts.get()
    attachment = hidden.attachments.get()
    for url in (
        f"/clients/{hidden.pk}/",
        f"/clients/{missing}/",
        f"/clients/{hidden.pk}/history/",
        f"/clients/{hidden.pk}/merge/",
        f"/clients/{missing}/merge/",
        f"/contacts/{contact.pk}/edit/",
        f"/attachments/{attachment.pk}/download/",
        f"/attachments/{attachment.pk + 1000}/download/",
        f"/api/v1/clients/{hidden.pk}",
        f"/api/v1/clients/{missing}",
        f"/api/v1/contacts/{contact.pk}",
        f"/api/v1/attachments/{attachment.pk}/download",
    ):
        assert manager.get(url).status_code == 404, url
    response = manager.post(f"/clients/{hidden.pk}/delete/")
    assert response.status_code == 404
    assert Client.objects.filter(pk=hidden.pk).exists()
