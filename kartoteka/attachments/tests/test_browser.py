"""The Files panel in a real Chromium: htmx upload, a refused file, a Cyrillic download, delete with confirmation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from kartoteka.attachments.models import Attachment
from kartoteka.attachments.tests import samples
from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import ClientFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_attaches_downloads_and_deletes_a_contract(
    live_server: Any, page: Any, console_errors: list[str], screenshot: Any, media_root: Path
) -> None:
    manager = UserFactory(email="manager@example.test", language="en", team=TeamFactory(name="North"), roles="manager")
    client = ClientFactory(responsible=manager, name="ООО «Ромашка»")
    sign_in(page, live_server, "manager@example.test")

    page.goto(f"{live_server.url}/attachments/client/{client.pk}/")
    panel = page.get_by_test_id("attachments-panel")
    expect(panel.get_by_test_id("attachments-empty")).to_be_visible()

    # A web page disguised as a PDF is refused, next to the form.
    panel.get_by_test_id("attachment-file").set_input_files(
        {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": samples.HTML}
    )
    panel.get_by_test_id("attachment-upload").click()
    expect(panel.get_by_test_id("attachment-error")).to_contain_text("looks like a web page")

    panel = page.get_by_test_id("attachments-panel")
    panel.get_by_test_id("attachment-file").set_input_files(
        {"name": "Договор поставки № 12.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()}
    )
    panel.get_by_test_id("attachment-description").fill("Signed by both parties")
    panel.get_by_test_id("attachment-upload").click()
    expect(page.get_by_test_id("attachment")).to_have_count(1)
    expect(page.get_by_test_id("attachment")).to_contain_text("Signed by both parties")
    expect(page.get_by_role("status")).to_contain_text("attached")

    with page.expect_download() as download_info:
        page.get_by_test_id("attachment-download").click()
    download = download_info.value
    assert download.suggested_filename == "Договор поставки № 12.pdf"
    assert Path(download.path()).read_bytes() == samples.pdf()

    stored = Path(Attachment.objects.get().file.path)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("attachment-delete").click()
    expect(page.get_by_test_id("attachments-empty")).to_be_visible()
    assert not stored.exists()
    assert console_errors == []  # no CSP violations, no failed assets

    # Last, because Playwright's screenshots leave style="" attributes that htmx would then copy over.
    page.get_by_test_id("attachment-file").set_input_files({"name": "Скан.png", "mimeType": "image/png", "buffer": samples.png()})
    page.get_by_test_id("attachment-upload").click()
    expect(page.get_by_test_id("attachment")).to_have_count(1)
    screenshot("attachments-panel")
