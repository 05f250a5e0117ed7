"""Uploading and deleting files through the services: what is accepted, what is refused, where it goes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import translation

from kartoteka.attachments import services
from kartoteka.attachments.models import Attachment
from kartoteka.attachments.tests import samples
from kartoteka.clients import services as client_services
from kartoteka.core import events
from kartoteka.testing.factories import ClientFactory, ContactFactory


@pytest.fixture(autouse=True)
def _english() -> Any:
    # Messages and history reasons are written in the active language; the default one is Russian.
    with translation.override("en"):
        yield


@pytest.fixture
def client_north(world: Any) -> Any:
    return ClientFactory(responsible=world.users["mgr_north1"], name="ООО «Ромашка»")


def _upload(actor: Any, client: Any, name: str, data: bytes, **kwargs: Any) -> Attachment:
    return services.attachment_upload(actor=actor, client=client, file=samples.upload(name, data), **kwargs)


def _error(excinfo: pytest.ExceptionInfo[ValidationError]) -> tuple[str, str]:
    error = excinfo.value.error_dict["file"][0]
    return error.code or "", " ".join(error.messages)


@pytest.mark.parametrize(
    ("name", "builder", "mime_type"),
    [
        ("Договор поставки № 12.pdf", samples.pdf, "application/pdf"),
        ("скан паспорта.PNG", samples.png, "image/png"),
        ("Договор.docx", samples.docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("Письмо.odt", samples.odt, "application/vnd.oasis.opendocument.text"),
        ("клиенты.csv", samples.csv_cp1251, "text/csv; charset=windows-1251"),
        ("переписка.eml", samples.eml, "message/rfc822"),
        ("из почтового ящика.eml", lambda: b"From mike@example.test\r\nSubject: Hi\r\n\r\nBody\r\n", "message/rfc822"),
    ],
)
def test_real_files_are_stored_outside_the_web_root_with_their_content_type(
    world: Any, client_north: Any, media_root: Path, settings: Any, name: str, builder: Any, mime_type: str
) -> None:
    data = builder()
    attachment = _upload(world.users["mgr_north1"], client_north, name, data, description="  подписан  обеими сторонами ")

    assert attachment.original_name == name
    assert attachment.mime_type == mime_type  # from the content, not from the browser's "application/octet-stream"
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.description == "подписан обеими сторонами"
    assert attachment.uploaded_by == world.users["mgr_north1"]
    stored = Path(attachment.file.path)
    assert stored.read_bytes() == data
    assert stored.is_relative_to(media_root)
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT))
    # The name on disk is the content hash, never the user's name (no "../", no ".html").
    assert attachment.file.name == f"attachments/{client_north.pk}/{attachment.sha256[:2]}/{attachment.sha256}"


def test_file_name_is_cleaned_for_display_and_never_used_as_a_path(world: Any, client_north: Any, media_root: Path) -> None:
    attachment = _upload(world.users["mgr_north1"], client_north, "..\\..\\evil/\u202edoc\x07  скан .pdf", samples.pdf())

    assert attachment.original_name == "doc скан .pdf"
    assert Path(attachment.file.path).is_relative_to(media_root)


@pytest.mark.parametrize(
    ("name", "data", "code", "fragment"),
    [
        ("contract.pdf", samples.HTML, "dangerous", "web page"),
        ("notes.txt", samples.HTML, "dangerous", "web page"),
        ("logo.png", samples.SVG, "dangerous", "SVG"),
        ("logo.svg", samples.SVG, "file_type", "“.svg”"),
        ("page.html", samples.HTML, "file_type", "“.html”"),
        ("setup.exe", samples.EXE, "file_type", "“.exe”"),
        ("setup.pdf", samples.EXE, "dangerous", "program"),
        ("run.txt", b"#!/bin/sh\nrm -rf /\n", "dangerous", "script"),
        ("contract.docx", samples.pdf(), "content_mismatch", "DOCX"),
        ("table.xlsx", samples.docx(), "content_mismatch", "XLSX"),
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 100, "content_mismatch", "DOCX"),
        ("photo.jpg", samples.png(), "content_mismatch", "JPEG"),
        ("data.csv", "Имя,Телефон\n".encode("utf-16"), "content_mismatch", "binary"),
        ("mail.eml", b"Hello, this is not an e-mail message\n", "content_mismatch", "EML"),
        ("README", b"plain text", "file_type", "without an extension"),
        ("empty.pdf", b"", "empty", "empty"),
    ],
)
def test_refused_files_get_a_message_naming_the_rule(
    world: Any, client_north: Any, media_root: Path, name: str, data: bytes, code: str, fragment: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        _upload(world.users["mgr_north1"], client_north, name, data)

    assert _error(excinfo)[0] == code
    assert fragment in _error(excinfo)[1]
    assert not Attachment.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_refusal_of_a_wrong_type_lists_the_accepted_types(world: Any, client_north: Any) -> None:
    with pytest.raises(ValidationError) as excinfo:
        _upload(world.users["mgr_north1"], client_north, "virus.exe", samples.EXE)

    assert "PDF" in _error(excinfo)[1]
    assert "DOCX" in _error(excinfo)[1]


@override_settings(ATTACHMENT_MAX_BYTES=1024)
def test_a_file_over_the_limit_is_refused_with_the_limit_named(world: Any, client_north: Any, media_root: Path) -> None:
    big = samples.pdf() + b"%" + b"x" * 2048

    with pytest.raises(ValidationError) as excinfo:
        _upload(world.users["mgr_north1"], client_north, "big.pdf", big)

    assert _error(excinfo)[0] == "too_large"
    assert "the limit is 1.0\xa0KB" in _error(excinfo)[1]
    assert not any(path.is_file() for path in media_root.rglob("*"))


@override_settings(ATTACHMENT_MAX_BYTES=1024)
def test_the_limit_counts_the_bytes_that_arrive_not_the_declared_size(world: Any, client_north: Any) -> None:
    file = samples.upload("big.pdf", samples.pdf() + b"x" * 4096)
    file.size = 10  # a client that lies about the size

    with pytest.raises(ValidationError) as excinfo:
        services.attachment_upload(actor=world.users["mgr_north1"], client=client_north, file=file)

    assert _error(excinfo)[0] == "too_large"


def test_a_large_scan_is_hashed_in_chunks(world: Any, client_north: Any) -> None:
    # Larger than Django's in-memory upload threshold and than one chunk: the hash must cover every chunk.
    data = samples.pdf() + b"%" + bytes(range(256)) * 20_000
    attachment = _upload(world.users["mgr_north1"], client_north, "scan.pdf", data)

    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.size == len(data)


def test_the_same_file_twice_on_one_client_is_refused_naming_the_first(world: Any, client_north: Any, media_root: Path) -> None:
    manager = world.users["mgr_north1"]
    first = _upload(manager, client_north, "Договор.pdf", samples.pdf())

    with pytest.raises(services.DuplicateAttachment) as excinfo:
        _upload(manager, client_north, "копия договора.pdf", samples.pdf())

    assert excinfo.value.code == "attachment_duplicate"
    assert excinfo.value.existing == first
    assert "Договор.pdf" in excinfo.value.message
    assert Attachment.objects.count() == 1
    assert [path for path in media_root.rglob("*") if path.is_file()] == [Path(first.file.path)]


def test_the_same_file_on_two_clients_is_two_attachments(world: Any, client_north: Any) -> None:
    other = ClientFactory(responsible=world.users["mgr_north1"], name="АО «Вектор»")
    manager = world.users["mgr_north1"]

    first = _upload(manager, client_north, "Устав.pdf", samples.pdf())
    second = _upload(manager, other, "Устав.pdf", samples.pdf())

    assert first.file.name != second.file.name


def test_a_manager_cannot_attach_to_a_client_of_another_team(world: Any, client_north: Any, media_root: Path) -> None:
    with pytest.raises(PermissionDenied):
        _upload(world.users["mgr_south"], client_north, "contract.pdf", samples.pdf())

    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_a_file_can_be_pinned_to_a_contact_of_the_same_client_only(world: Any, client_north: Any) -> None:
    manager = world.users["mgr_north1"]
    contact = ContactFactory(client=client_north)
    stranger = ContactFactory(client=ClientFactory(responsible=manager, name="ИП Петров"))

    attachment = _upload(manager, client_north, "паспорт.png", samples.png(), target=contact)
    with pytest.raises(ValidationError) as excinfo:
        _upload(manager, client_north, "чужой.pdf", samples.pdf(), target=stranger)

    assert attachment.target == contact
    assert "target" in excinfo.value.error_dict


def test_upload_and_delete_are_recorded_in_history_and_announced(
    world: Any, client_north: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = world.users["mgr_north1"]
    seen: list[events.Event] = []
    handler = events.subscribe("*")(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            attachment = _upload(manager, client_north, "Договор.pdf", samples.pdf())
        with django_capture_on_commit_callbacks(execute=True):
            services.attachment_delete(actor=manager, attachment=attachment)
    finally:
        events.unsubscribe("*", handler)

    names = [(event.name, event.payload["name"]) for event in seen if event.name.startswith("attachment.")]
    assert names == [("attachment.added", "Договор.pdf"), ("attachment.deleted", "Договор.pdf")]
    history = list(Attachment.history.filter(client_id=client_north.pk).order_by("history_date"))  # type: ignore[attr-defined]
    assert [(h.history_type, h.original_name, h.history_user) for h in history] == [
        ("+", "Договор.pdf", manager),
        ("-", "Договор.pdf", manager),
    ]
    assert history[0].history_change_reason == "File added: Договор.pdf"


def test_deleting_removes_the_stored_file_after_commit(
    world: Any, client_north: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = world.users["mgr_north1"]
    attachment = _upload(manager, client_north, "Договор.pdf", samples.pdf())
    stored = Path(attachment.file.path)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.attachment_delete(actor=manager, attachment=attachment)
        assert stored.exists()  # until the deletion commits, the file is still there
    for callback in callbacks:
        callback()

    assert not stored.exists()
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_only_someone_who_may_change_the_client_deletes_its_files(world: Any, client_north: Any) -> None:
    attachment = _upload(world.users["mgr_north1"], client_north, "Договор.pdf", samples.pdf())

    with pytest.raises(PermissionDenied):
        services.attachment_delete(actor=world.users["marketer"], attachment=attachment)  # reads all clients, changes none

    assert Path(attachment.file.path).exists()


def test_merging_moves_attachments_to_the_survivor(world: Any, media_root: Path) -> None:
    head = world.users["head"]
    survivor = ClientFactory(responsible=world.users["mgr_north1"], name="ООО «Ромашка»")
    absorbed = ClientFactory(responsible=world.users["mgr_north1"], name="Ромашка ООО")
    kept = _upload(head, survivor, "Устав.pdf", samples.pdf())
    moved = _upload(head, absorbed, "Договор.docx", samples.docx())

    merge = client_services.client_merge(actor=head, survivor=survivor, absorbed=absorbed)

    assert set(Attachment.objects.filter(client=survivor)) == {kept, moved}
    assert merge.moved["attachments"] == 1
    moved.refresh_from_db()
    assert Path(moved.file.path).read_bytes() == samples.docx()
    assert moved.history.latest().history_change_reason == "Moved by merging «Ромашка ООО»"  # type: ignore[attr-defined]


def test_deleting_a_client_removes_its_stored_files(
    world: Any, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    head = world.users["head"]
    doomed = ClientFactory(responsible=world.users["mgr_north1"], name="Закрытое ООО")
    kept_client = ClientFactory(responsible=world.users["mgr_north1"], name="Живое ООО")
    doomed_file = Path(_upload(head, doomed, "Договор.pdf", samples.pdf()).file.path)
    kept_file = Path(_upload(head, kept_client, "Договор.pdf", samples.pdf()).file.path)

    with django_capture_on_commit_callbacks(execute=True):
        client_services.client_delete(actor=head, client=doomed)

    assert not doomed_file.exists()
    assert kept_file.exists()


def test_the_sweep_removes_only_files_no_attachment_refers_to(world: Any, client_north: Any, media_root: Path) -> None:
    attachment = _upload(world.users["mgr_north1"], client_north, "Договор.pdf", samples.pdf())
    orphan = media_root / "attachments" / "999" / "ab" / "abcdef"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left behind by a failed upload")

    assert services.attachment_files_sweep() == 1

    assert not orphan.exists()
    assert Path(attachment.file.path).exists()
