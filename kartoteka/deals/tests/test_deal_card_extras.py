"""The deal card's Files panel (the measurer attaches the dimensions), the rules that fired on the deal on
its timeline, and the client's service-level prompt in the deal's header."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from kartoteka.attachments.models import Attachment
from kartoteka.attachments.services import attachment_upload
from kartoteka.attachments.tests import samples
from kartoteka.automation.models import FiringStatus, Rule, RuleFiring, ServiceLevel, Trigger
from kartoteka.clients.models import ClientCategory
from kartoteka.deals.models import Deal
from kartoteka.testing.factories import ClientFactory, DealFactory, TaskFactory, reference

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def deal(world: Any) -> Deal:
    owner = world.users["mgr_north1"]
    client = ClientFactory(responsible=owner, name="Vostok Trading")
    return DealFactory(client=client, owner=owner, actor=owner, title="Windows for the school", amount=Decimal(90_000))


@pytest.fixture
def measurer(world: Any, deal: Deal) -> Any:
    """A manager of another team with an open task on the deal: sees and moves the deal, not the client card."""
    person = world.users["mgr_south"]
    TaskFactory(assignee=person, client=deal.client, deal=deal, title="Measure the windows")
    return person


def files_url(deal: Deal, name: str = "file_upload", *args: int) -> str:
    return reverse(f"deals:{name}", args=[deal.pk, *args])


def upload(http: Any, deal: Deal, name: str = "dimensions.pdf", data: bytes | None = None, **headers: Any) -> Any:
    return http.post(
        files_url(deal),
        {"file": samples.upload(name, data or samples.pdf(), "application/pdf"), "description": "Window sizes"},
        **headers,
    )


# --- Files ---------------------------------------------------------------------------------------------


def test_the_measurer_attaches_the_dimensions_to_the_deal_and_downloads_them(client_for, deal, measurer, media_root):
    http = client_for(measurer)
    assert http.get(reverse("clients:card", args=[deal.client_id])).status_code == 404  # not the client card

    response = upload(http, deal, **HTMX)
    assert response.status_code == 200
    assert "File “dimensions.pdf” attached." in response.content.decode()
    assert "deal-changed" in response.headers["HX-Trigger"]  # the timeline reloads
    attachment = Attachment.objects.get()
    assert (attachment.client_id, attachment.target, attachment.uploaded_by) == (deal.client_id, deal, measurer)
    assert Path(attachment.file.path).is_relative_to(media_root)

    card = http.get(reverse("deals:card", args=[deal.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    download = files_url(deal, "file_download", attachment.pk)
    assert f'href="{download}"' in card
    assert 'data-testid="attachment-delete"' not in card  # deleting is the client card's right
    got = http.get(download)
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == samples.pdf()  # type: ignore[attr-defined]
    # The client card's owner finds the file among the client's files too.
    owner_card = client_for(deal.owner).get(reverse("clients:card", args=[deal.client_id])).content.decode()
    assert "dimensions.pdf" in owner_card


def test_without_javascript_an_upload_goes_back_to_the_card_and_a_bad_file_keeps_the_card(client_for, deal, measurer, media_root):
    http = client_for(measurer)
    response = upload(http, deal, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:card", args=[deal.pk]) + "#files"

    refused = upload(http, deal, name="page.html", data=b"<html><script>alert(1)</script></html>", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422
    assert 'data-testid="deal-header"' in refused.content.decode()
    assert 'data-testid="attachment-error"' in refused.content.decode()
    assert Attachment.objects.count() == 1


def test_the_same_file_twice_is_refused_with_its_name(client_for, deal, measurer, media_root):
    http = client_for(measurer)
    upload(http, deal, **HTMX)
    again = upload(http, deal, name="again.pdf", **HTMX)
    assert again.status_code == 200
    assert "already attached to this client as “dimensions.pdf”" in again.content.decode()
    assert Attachment.objects.count() == 1


def test_files_of_the_deal_only_and_never_for_those_who_may_not_see_it(client_for, world, deal, media_root):
    owner = deal.owner
    on_the_deal = attachment_upload(
        actor=owner, client=deal.client, file=samples.upload("a.pdf", samples.pdf(), "application/pdf"), target=deal
    )
    on_the_client = attachment_upload(actor=owner, client=deal.client, file=samples.upload("b.png", samples.png(), "image/png"))
    other_deal = DealFactory(client=deal.client, owner=owner, actor=owner, title="Doors")

    http = client_for(owner)
    assert http.get(files_url(deal, "file_download", on_the_deal.pk)).status_code == 200
    # Another file of the same client, or this deal's file through another deal: both 404.
    assert http.get(files_url(deal, "file_download", on_the_client.pk)).status_code == 404
    assert http.get(files_url(other_deal, "file_download", on_the_deal.pk)).status_code == 404

    outsider = client_for(world.users["mgr_south"])  # no task on this deal: the deal is invisible
    assert outsider.get(files_url(deal, "file_download", on_the_deal.pk)).status_code == 404
    assert upload(outsider, deal).status_code == 404
    assert outsider.post(files_url(deal, "file_delete", on_the_deal.pk)).status_code == 404
    assert outsider.get(files_url(deal, "files"), **HTMX).status_code == 404

    reader = client_for(world.users["marketer"])  # reads every deal, changes none
    assert reader.get(files_url(deal, "file_download", on_the_deal.pk)).status_code == 200
    assert upload(reader, deal).status_code == 403
    assert reader.post(files_url(deal, "file_delete", on_the_deal.pk)).status_code == 403
    assert Attachment.objects.count() == 2


def test_the_owner_deletes_a_file_from_the_deal_card_the_measurer_may_not(client_for, deal, measurer, media_root):
    attachment = attachment_upload(
        actor=measurer, client=deal.client, file=samples.upload("a.pdf", samples.pdf(), "application/pdf"), target=deal
    )
    assert client_for(measurer).post(files_url(deal, "file_delete", attachment.pk), **HTMX).status_code == 403
    response = client_for(deal.owner).post(files_url(deal, "file_delete", attachment.pk), **HTMX)
    assert response.status_code == 200
    assert "File “a.pdf” deleted." in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_panel_alone_for_htmx_the_card_otherwise(client_for, deal, measurer):
    http = client_for(measurer)
    panel = http.get(files_url(deal, "files"), **HTMX)
    assert panel.status_code == 200
    assert 'id="attachments-panel"' in panel.content.decode()
    assert "No files on this deal yet" in panel.content.decode()
    assert http.get(files_url(deal, "files")).status_code == 302


# --- Rule firings on the timeline ------------------------------------------------------------------------


def fired(
    rule: Rule, deal: Deal | None, *, client: Any = None, status: str = FiringStatus.DONE, minutes_ago: int = 1
) -> RuleFiring:
    firing = RuleFiring.objects.create(
        rule=rule,
        event_key=f"test:{rule.pk}:{status}:{minutes_ago}",
        deal=deal,
        client=client or (deal.client if deal else None),
        status=status,
        outcome=["created task «Call the client» for Last-mgr_north1, due 14:15"],
    )
    RuleFiring.objects.filter(pk=firing.pk).update(fired_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))
    return firing


def test_rules_that_fired_on_the_deal_are_on_its_timeline(client_for, deal):
    rule = Rule.objects.create(name="Call within 15 minutes", trigger=Trigger.DEAL_CREATED, actions=[])
    fired(rule, deal)
    fired(rule, deal, status=FiringStatus.SKIPPED, minutes_ago=2)  # did nothing: not shown
    fired(rule, deal, status=FiringStatus.FAILED, minutes_ago=3)
    fired(rule, None, client=deal.client, minutes_ago=4)  # the client's, not the deal's

    http = client_for(deal.owner)
    html = http.get(reverse("deals:card", args=[deal.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count('data-testid="rule-entry"') == 2
    assert "Rule «Call within 15 minutes»" in html
    assert "created task «Call the client» for Last-mgr_north1, due 14:15" in html
    assert "failed" in html

    only = http.get(reverse("deals:timeline", args=[deal.pk]), {"show": "automation"}, **HTMX).content.decode()
    assert only.count('data-testid="rule-entry"') == 2
    assert 'data-testid="stage-entry"' not in only

    # The client card shows the firing that concerns no deal; the deal's stay on the deal card.
    client_card = http.get(reverse("clients:card", args=[deal.client_id]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert client_card.count('data-testid="rule-entry"') == 1


# --- The service level in the header ----------------------------------------------------------------------


def test_the_deal_header_says_how_to_treat_the_client_of_its_class(client_for, world, deal, measurer):
    vip = reference(ClientCategory, "vip")
    ServiceLevel.objects.update_or_create(
        category=vip, defaults={"response_minutes": 15, "callback_minutes": 60, "onsite_meetings_allowed": True}
    )
    deal.client.category = vip
    deal.client.save(update_fields=["category"])

    with translation.override("en"):
        html = client_for(deal.owner).get(reverse("deals:card", args=[deal.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="header-note-service-level"' in html
    assert "respond within 15 min" in html
    # The measurer does not see the client card, so not what it says either.
    html = client_for(measurer).get(reverse("deals:card", args=[deal.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="header-note-service-level"' not in html
