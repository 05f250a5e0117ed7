"""The Files panel over HTTP: upload with and without htmx, safe downloads, deletion, and 404 for strangers."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from kartoteka.attachments import services
from kartoteka.attachments.models import Attachment
from kartoteka.attachments.tests import samples
from kartoteka.clients import panels
from kartoteka.testing.factories import ClientFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def client_north(world: Any) -> Any:
    return ClientFactory(responsible=world.users["mgr_north1"], name="ООО «Ромашка»")


def _attach(world: Any, client: Any, name: str = "Договор поставки № 12.pdf", data: bytes | None = None) -> Attachment:
    return services.attachment_upload(
        actor=world.users["mgr_north1"], client=client, file=samples.upload(name, data or samples.pdf())
    )


def _body(response: Any) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def test_the_files_panel_is_registered_for_the_card() -> None:
    panel = next(p for p in panels.panels_for(None, "main") if p.key == "attachments")

    with translation.override("en"):
        assert (panel.template, panel.order, str(panel.label)) == ("attachments/panel.html", 500, "Files")


def test_an_empty_panel_says_what_to_do(world: Any, client_north: Any, client_for: Any) -> None:
    response = client_for(world.users["mgr_north1"]).get(reverse("attachments:panel", args=[client_north.pk]))

    assert response.status_code == 200
    assert "No files yet. Attach the signed contract or a scan." in response.text
    assert 'data-testid="attachment-file"' in response.text


def test_without_htmx_the_panel_is_a_page_of_its_own(world: Any, client_north: Any, client_for: Any) -> None:
    browser = client_for(world.users["mgr_north1"])
    url = reverse("attachments:panel", args=[client_north.pk])

    page = browser.get(url)
    fragment = browser.get(url, headers=HTMX)

    assert "<html" in page.text
    assert 'id="attachments-panel"' in page.text
    assert "<html" not in fragment.text


def test_the_panel_lists_files_with_size_type_and_uploader(world: Any, client_north: Any, client_for: Any) -> None:
    attachment = _attach(world, client_north)

    response = client_for(world.users["mgr_north1"]).get(reverse("attachments:panel", args=[client_north.pk]))

    assert "Договор поставки № 12.pdf" in response.text
    assert ">PDF<" in response.text
    assert f"{attachment.size}\xa0bytes" in response.text
    assert world.users["mgr_north1"].last_name in response.text
    assert reverse("attachments:download", args=[attachment.pk]) in response.text
    assert reverse("attachments:delete", args=[attachment.pk]) in response.text


def test_a_reader_who_may_not_change_the_client_sees_files_but_no_upload_or_delete(
    world: Any, client_north: Any, client_for: Any
) -> None:
    _attach(world, client_north)

    response = client_for(world.users["marketer"]).get(reverse("attachments:panel", args=[client_north.pk]))

    assert "Договор поставки № 12.pdf" in response.text
    assert 'data-testid="attachment-file"' not in response.text
    assert 'data-testid="attachment-delete"' not in response.text


def test_the_panel_costs_the_same_queries_for_one_file_and_for_many(
    world: Any, client_north: Any, client_for: Any, django_assert_num_queries: Any
) -> None:
    browser = client_for(world.users["mgr_north1"])
    url = reverse("attachments:panel", args=[client_north.pk])
    _attach(world, client_north)
    browser.get(url, headers=HTMX)  # warm the session cache
    # 1 the signed-in user, 2 their roles and scopes, 3 the client (through the access policy),
    # 4 its files with their uploaders.
    with django_assert_num_queries(4):
        browser.get(url, headers=HTMX)
    for number in range(10):
        _attach(world, client_north, name=f"скан {number}.png", data=samples.png(width=number + 1))
    with django_assert_num_queries(4):
        response = browser.get(url, headers=HTMX)
    assert response.text.count('data-testid="attachment"') == 11


def test_htmx_upload_returns_the_refreshed_panel(world: Any, client_north: Any, client_for: Any, media_root: Path) -> None:
    response = client_for(world.users["mgr_north1"]).post(
        reverse("attachments:upload", args=[client_north.pk]),
        {"file": samples.upload("Договор.pdf", samples.pdf()), "description": "подписанный"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert 'id="attachments-panel"' in response.text
    assert response["HX-Trigger"] == '{"client-history-changed": {}}'  # the card's timeline reloads
    assert "Договор.pdf" in response.text
    assert "подписанный" in response.text
    attachment = Attachment.objects.get(client=client_north)
    assert Path(attachment.file.path).is_relative_to(media_root)


def test_a_scan_larger_than_the_in_memory_threshold_is_streamed_to_storage(
    world: Any, client_north: Any, client_for: Any, settings: Any
) -> None:
    # Above FILE_UPLOAD_MAX_MEMORY_SIZE Django spools the upload to a temporary file: same checks, same result.
    data = samples.pdf() + b"%" + bytes(range(256)) * ((settings.FILE_UPLOAD_MAX_MEMORY_SIZE // 256) + 10)

    response = client_for(world.users["mgr_north1"]).post(
        reverse("attachments:upload", args=[client_north.pk]), {"file": samples.upload("Скан.pdf", data)}, headers=HTMX
    )

    assert response.status_code == 200
    attachment = Attachment.objects.get(client=client_north)
    assert attachment.size == len(data)
    assert Path(attachment.file.path).read_bytes() == data


def test_upload_without_javascript_goes_back_to_the_card(world: Any, client_north: Any, client_for: Any) -> None:
    response = client_for(world.users["mgr_north1"]).post(
        reverse("attachments:upload", args=[client_north.pk]), {"file": samples.upload("Договор.docx", samples.docx())}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("clients:card", args=[client_north.pk]) + "#panel-attachments"
    assert Attachment.objects.filter(client=client_north, original_name="Договор.docx").exists()


def test_a_refused_upload_shows_the_reason_next_to_the_form(world: Any, client_north: Any, client_for: Any) -> None:
    browser = client_for(world.users["mgr_north1"])
    url = reverse("attachments:upload", args=[client_north.pk])

    with_htmx = browser.post(url, {"file": samples.upload("contract.pdf", samples.HTML), "description": "x"}, headers=HTMX)
    without_js = browser.post(url, {"file": samples.upload("contract.pdf", samples.HTML), "description": "сохранено"})

    assert with_htmx.status_code == 200  # htmx swaps 2xx only: the message must reach the panel
    assert 'data-testid="attachment-error"' in with_htmx.text
    assert without_js.status_code == 422
    assert 'data-testid="attachment-error"' in without_js.text
    assert 'value="сохранено"' in without_js.text  # the description is kept
    assert not Attachment.objects.exists()


@override_settings(ATTACHMENT_MAX_BYTES=1024)
def test_the_upload_form_states_the_limit(world: Any, client_north: Any, client_for: Any) -> None:
    response = client_for(world.users["mgr_north1"]).get(reverse("attachments:panel", args=[client_north.pk]))

    assert 'data-max-bytes="1024"' in response.text
    assert "Up to 1.0\xa0KB." in response.text  # in the user's language (English for test users)


def test_a_duplicate_upload_names_the_file_already_there(world: Any, client_north: Any, client_for: Any) -> None:
    _attach(world, client_north, name="Договор.pdf")

    response = client_for(world.users["mgr_north1"]).post(
        reverse("attachments:upload", args=[client_north.pk]),
        {"file": samples.upload("копия.pdf", samples.pdf())},
        headers=HTMX,
    )

    assert "Договор.pdf" in response.text
    assert 'data-testid="attachment-error"' in response.text
    assert Attachment.objects.count() == 1


def test_download_is_an_attachment_with_the_cyrillic_name_and_safe_headers(
    world: Any, client_north: Any, client_for: Any
) -> None:
    attachment = _attach(world, client_north)

    response = client_for(world.users["mgr_north1"]).get(reverse("attachments:download", args=[attachment.pk]))

    assert response.status_code == 200
    assert _body(response) == samples.pdf()
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Договор поставки № 12.pdf', safe='')}" in disposition
    assert 'filename="' in disposition  # an ASCII fallback for old clients
    assert disposition.isascii()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert "no-store" in response["Cache-Control"]


def test_a_text_file_is_never_served_as_html(world: Any, client_north: Any, client_for: Any) -> None:
    attachment = _attach(world, client_north, name="клиенты.csv", data=samples.csv_cp1251())

    response = client_for(world.users["mgr_north1"]).get(reverse("attachments:download", args=[attachment.pk]))

    assert response["Content-Type"] == "text/csv; charset=windows-1251"
    assert "html" not in response["Content-Type"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert _body(response) == samples.csv_cp1251()


def test_a_manager_of_another_team_gets_404_for_every_guessed_id(world: Any, client_north: Any, client_for: Any) -> None:
    attachment = _attach(world, client_north)
    stranger = client_for(world.users["mgr_south"])

    responses = [
        stranger.get(reverse("attachments:download", args=[attachment.pk])),
        stranger.get(reverse("attachments:delete", args=[attachment.pk])),
        stranger.post(reverse("attachments:delete", args=[attachment.pk])),
        stranger.get(reverse("attachments:panel", args=[client_north.pk])),
        stranger.post(reverse("attachments:upload", args=[client_north.pk]), {"file": samples.upload("x.pdf", samples.pdf())}),
        stranger.get(reverse("attachments:download", args=[attachment.pk + 1000])),
    ]

    assert [response.status_code for response in responses] == [404] * 6
    assert Path(attachment.file.path).exists()
    assert Attachment.objects.count() == 1


def test_a_supervisor_downloads_files_of_the_team_subtree(world: Any, client_north: Any, client_for: Any) -> None:
    attachment = _attach(world, client_north)

    response = client_for(world.users["sup_north"]).get(reverse("attachments:download", args=[attachment.pk]))

    assert response.status_code == 200
    response.close()


def test_a_reader_who_may_not_change_the_client_cannot_upload_or_delete(world: Any, client_north: Any, client_for: Any) -> None:
    attachment = _attach(world, client_north)
    marketer = client_for(world.users["marketer"])

    upload = marketer.post(
        reverse("attachments:upload", args=[client_north.pk]), {"file": samples.upload("x.png", samples.png())}
    )
    delete = marketer.post(reverse("attachments:delete", args=[attachment.pk]))

    assert (upload.status_code, delete.status_code) == (403, 403)
    assert Attachment.objects.count() == 1


def test_stored_files_are_not_reachable_by_url(world: Any, client_north: Any, client_for: Any, settings: Any) -> None:
    attachment = _attach(world, client_north)
    browser = client_for(world.users["mgr_north1"])

    assert not Path(attachment.file.path).is_relative_to(Path(settings.STATIC_ROOT))
    for prefix in ("/media/", settings.MEDIA_URL, settings.STATIC_URL):
        assert browser.get(f"{prefix}{attachment.file.name}").status_code == 404


def test_htmx_delete_refreshes_the_panel_and_removes_the_file(
    world: Any, client_north: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    attachment = _attach(world, client_north)
    stored = Path(attachment.file.path)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.users["mgr_north1"]).post(reverse("attachments:delete", args=[attachment.pk]), headers=HTMX)

    assert response.status_code == 200
    assert "No files yet" in response.text
    assert not stored.exists()


def test_delete_without_javascript_asks_first(world: Any, client_north: Any, client_for: Any) -> None:
    attachment = _attach(world, client_north)
    browser = client_for(world.users["mgr_north1"])
    url = reverse("attachments:delete", args=[attachment.pk])

    confirm = browser.get(url)
    done = browser.post(url)

    assert confirm.status_code == 200
    assert 'data-testid="confirm-delete"' in confirm.text
    assert done.status_code == 302
    assert done["Location"].endswith("#panel-attachments")
    assert not Attachment.objects.exists()
