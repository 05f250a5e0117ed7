"""The attachments API with personal tokens: list, upload, download, delete — and 404 for what is not yours."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from kartoteka.attachments import services
from kartoteka.attachments.models import Attachment
from kartoteka.attachments.tests import samples
from kartoteka.integrations.services import api_token_create
from kartoteka.testing.factories import ClientFactory


def _api(user: Any, *scopes: str) -> Client:
    _, secret = api_token_create(actor=user, name="1С", scopes=list(scopes or ["clients:write"]))
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def client_north(world: Any) -> Any:
    return ClientFactory(responsible=world.users["mgr_north1"], name="ООО «Ромашка»")


def _attach(world: Any, client: Any, name: str = "Договор.pdf", data: bytes | None = None) -> Attachment:
    return services.attachment_upload(
        actor=world.users["mgr_north1"], client=client, file=samples.upload(name, data or samples.pdf()), description="подписан"
    )


def test_list_returns_files_newest_first_with_a_download_link(world: Any, client_north: Any) -> None:
    older = _attach(world, client_north)
    newer = _attach(world, client_north, name="скан.png", data=samples.png())

    response = _api(world.users["mgr_north1"], "clients:read").get(f"/api/v1/clients/{client_north.pk}/attachments")

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [newer.pk, older.pk]
    assert body["next_cursor"] is None
    item = body["items"][1]
    assert item["name"] == "Договор.pdf"
    assert item["mime_type"] == "application/pdf"
    assert item["size"] == len(samples.pdf())
    assert item["description"] == "подписан"
    assert item["uploaded_by"]["id"] == world.users["mgr_north1"].pk
    assert item["download_url"] == f"/api/v1/attachments/{older.pk}/download"
    assert "Договор" in response.content.decode()  # Cyrillic is not \u-escaped


def test_list_pages_with_a_cursor(world: Any, client_north: Any) -> None:
    for number in range(3):
        _attach(world, client_north, name=f"{number}.png", data=samples.png(width=number + 1))
    api = _api(world.users["mgr_north1"], "clients:read")

    first = api.get(f"/api/v1/clients/{client_north.pk}/attachments?limit=2").json()
    second = api.get(f"/api/v1/clients/{client_north.pk}/attachments?limit=2&cursor={first['next_cursor']}").json()

    assert [item["name"] for item in first["items"] + second["items"]] == ["2.png", "1.png", "0.png"]
    assert second["next_cursor"] is None


def test_upload_by_multipart_stores_the_file(world: Any, client_north: Any, media_root: Path) -> None:
    response = _api(world.users["mgr_north1"], "clients:write").post(
        f"/api/v1/clients/{client_north.pk}/attachments",
        {"file": samples.upload("Договор.docx", samples.docx()), "description": "редакция 2"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Договор.docx"
    assert body["mime_type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert body["description"] == "редакция 2"
    stored = Attachment.objects.get(pk=body["id"])
    assert Path(stored.file.path).read_bytes() == samples.docx()
    assert Path(stored.file.path).is_relative_to(media_root)


def test_upload_needs_the_write_scope(world: Any, client_north: Any) -> None:
    response = _api(world.users["mgr_north1"], "clients:read").post(
        f"/api/v1/clients/{client_north.pk}/attachments", {"file": samples.upload("Договор.pdf", samples.pdf())}
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert not Attachment.objects.exists()


def test_a_refused_upload_answers_422_naming_the_rule(world: Any, client_north: Any) -> None:
    response = _api(world.users["mgr_north1"]).post(
        f"/api/v1/clients/{client_north.pk}/attachments", {"file": samples.upload("contract.pdf", samples.HTML)}
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == "file"
    assert error["details"][0]["code"] == "dangerous"
    assert "web page" in error["details"][0]["message"]


def test_a_duplicate_upload_answers_409(world: Any, client_north: Any) -> None:
    _attach(world, client_north)

    response = _api(world.users["mgr_north1"]).post(
        f"/api/v1/clients/{client_north.pk}/attachments", {"file": samples.upload("копия.pdf", samples.pdf())}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "attachment_duplicate"


def test_download_sends_the_file_as_an_attachment(world: Any, client_north: Any) -> None:
    attachment = _attach(world, client_north, name="Скан паспорта.png", data=samples.png())

    response = _api(world.users["mgr_north1"], "clients:read").get(f"/api/v1/attachments/{attachment.pk}/download")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.png()
    response.close()
    assert response["Content-Type"] == "image/png"
    assert f"filename*=UTF-8''{quote('Скан паспорта.png', safe='')}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_delete_answers_204_and_removes_the_file(world: Any, client_north: Any, django_capture_on_commit_callbacks: Any) -> None:
    attachment = _attach(world, client_north)
    stored = Path(attachment.file.path)

    with django_capture_on_commit_callbacks(execute=True):
        response = _api(world.users["mgr_north1"]).delete(f"/api/v1/attachments/{attachment.pk}")

    assert response.status_code == 204
    assert not Attachment.objects.exists()
    assert not stored.exists()


def test_a_manager_of_another_team_gets_404_for_every_guessed_id(world: Any, client_north: Any) -> None:
    attachment = _attach(world, client_north)
    stranger = _api(world.users["mgr_south"], "clients:write")

    responses = [
        stranger.get(f"/api/v1/clients/{client_north.pk}/attachments"),
        stranger.post(f"/api/v1/clients/{client_north.pk}/attachments", {"file": samples.upload("x.pdf", b"%PDF-1.4 x")}),
        stranger.get(f"/api/v1/attachments/{attachment.pk}/download"),
        stranger.delete(f"/api/v1/attachments/{attachment.pk}"),
    ]

    assert [response.status_code for response in responses] == [404] * 4
    assert {response.json()["error"]["code"] for response in responses} == {"not_found"}
    assert Attachment.objects.count() == 1
    assert Path(attachment.file.path).exists()


def test_a_reader_who_may_not_change_the_client_gets_403_on_delete(world: Any, client_north: Any) -> None:
    attachment = _attach(world, client_north)

    response = _api(world.users["marketer"], "clients:write").delete(f"/api/v1/attachments/{attachment.pk}")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
