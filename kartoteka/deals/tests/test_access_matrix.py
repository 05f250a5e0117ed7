"""Who reaches which deal, through every path: the kanban, the list and its export, the deal card, the
client card's panel, global search, the API and the sales report — and who may change it through
every write path (kanban move, the card's actions, the API). Guessed ids answer 404 like missing ones.

The world (``world`` fixture): three deals owned by mgr_north1, sup_north and mgr_south on their own
clients; and "tasked": mgr_south's deal on which mgr_north1 has an open task (the measurer's case of
seed 001: a deal is also open to whoever has an open task on it, to see and to move, not to delete).
"""

from __future__ import annotations

import json as jsonlib
from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from django.test import Client as HttpClient
from django.urls import reverse

from kartoteka.attachments.services import attachment_upload
from kartoteka.attachments.tests import samples
from kartoteka.deals.models import Deal, LostReason, Stage
from kartoteka.testing.access_matrix import AccessPath, api_list_contains, format_mismatches, run_matrix
from kartoteka.testing.factories import ClientFactory, DealFactory, TaskFactory

pytestmark = pytest.mark.django_db

OWNERS = {"d_north1": "mgr_north1", "d_sup_north": "sup_north", "d_south": "mgr_south", "tasked": "mgr_south"}
EVERYONE = set(OWNERS)
READERS = {
    "admin": EVERYONE,
    "head": EVERYONE,
    "marketer": EVERYONE,  # reads every deal, changes none
    "sup_north": {"d_north1", "d_sup_north"},
    "mgr_north1": {"d_north1", "tasked"},
    "mgr_south": {"d_south", "tasked"},
}
WRITERS = {**READERS, "marketer": set()}
DELETERS = {**WRITERS, "mgr_north1": {"d_north1"}}  # an open task lets one move a deal, not delete it


@pytest.fixture
def deals(world) -> dict[str, Deal]:
    result = {}
    for key, owner_key in OWNERS.items():
        owner = world.users[owner_key]
        client = ClientFactory(responsible=owner, name=f"Клиент {key}")
        result[key] = DealFactory(client=client, owner=owner, title=f"MX-deal-{key}", amount=Decimal(1000))
    TaskFactory(
        assignee=world.users["mgr_north1"],
        actor=world.users["head"],
        client=result["tasked"].client,
        deal=result["tasked"],
        title="Measure the windows",
    )
    return result


def _title(deal: models.Model) -> str:
    return deal.title  # type: ignore[attr-defined]


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _shows(url: Any) -> Any:
    def probe(client: HttpClient, deal: models.Model) -> bool:
        response = client.get(url(deal))
        assert response.status_code in (200, 403, 404), f"{url(deal)} answered {response.status_code}"
        return response.status_code == 200 and _title(deal) in _body(response)

    return probe


def _item(url: Any) -> Any:
    """200 showing the deal, or 404 (never 403) when it is not the viewer's to see."""

    def probe(client: HttpClient, deal: models.Model) -> bool:
        response = client.get(url(deal))
        assert response.status_code in (200, 404), f"{url(deal)} answered {response.status_code}, expected 200 or 404"
        if response.status_code == 404:
            return False
        assert _title(deal) in response.content.decode()
        return True

    return probe


def _client_panel(client: HttpClient, deal: models.Model) -> bool:
    response = client.get(reverse("clients:card", args=[deal.client_id]))  # type: ignore[attr-defined]
    assert response.status_code in (200, 404)
    return response.status_code == 200 and _title(deal) in response.content.decode()


def _search(client: HttpClient, deal: models.Model) -> bool:
    response = client.get("/api/v1/search", {"q": _title(deal)})
    assert response.status_code == 200, response.content
    groups = response.json()["groups"]
    return any(hit["title"] == _title(deal) for group in groups if group["kind"] == "deals" for hit in group["items"])


def _report(client: HttpClient, deal: models.Model) -> bool:
    response = client.get(reverse("deals:report"))
    assert response.status_code in (200, 403)
    owner = deal.owner.get_full_name()  # type: ignore[attr-defined]
    return response.status_code == 200 and owner in response.content.decode()


READ_PATHS = [
    AccessPath("kanban", _shows(lambda d: reverse("deals:kanban") + f"?pipeline={d.pipeline_id}")),
    AccessPath("list", _shows(lambda d: reverse("deals:list"))),
    AccessPath("export", _shows(lambda d: reverse("deals:export") + "?format=csv")),
    AccessPath("card", _item(lambda d: reverse("deals:card", args=[d.pk]))),
    AccessPath("api_get", _item(lambda d: f"/api/v1/deals/{d.pk}")),
    AccessPath("api_list", lambda c, d: api_list_contains("/api/v1/deals?limit=200")(c, d)),
    AccessPath("search", _search),
]


def test_every_read_path_shows_a_deal_to_exactly_its_readers(world, deals):
    mismatches = run_matrix(actors=world.users, objects=deals, paths=READ_PATHS, allowed=READERS)
    assert not mismatches, format_mismatches(mismatches)


def test_the_client_cards_deals_panel_follows_both_the_client_and_the_deal(world, deals):
    # The panel sits on the client card: it shows a deal to whoever sees the client *and* the deal.
    panel_readers = {
        "admin": EVERYONE,
        "head": EVERYONE,
        "marketer": EVERYONE,
        "sup_north": {"d_north1", "d_sup_north"},
        "mgr_north1": {"d_north1"},  # sees the tasked deal, not its client's card
        "mgr_south": {"d_south", "tasked"},
    }
    mismatches = run_matrix(
        actors=world.users, objects=deals, paths=[AccessPath("client_card", _client_panel)], allowed=panel_readers
    )
    assert not mismatches, format_mismatches(mismatches)


def test_the_sales_report_is_for_supervisors_and_up_and_shows_their_scope(world, deals):
    report_readers = {"admin": EVERYONE, "head": EVERYONE, "marketer": EVERYONE, "sup_north": {"d_north1", "d_sup_north"}}
    mismatches = run_matrix(actors=world.users, objects=deals, paths=[AccessPath("report", _report)], allowed=report_readers)
    assert not mismatches, format_mismatches(mismatches)


# --- writes -------------------------------------------------------------------------------------


def _stage(code: str) -> Stage:
    return Stage.objects.get(pipeline__code="sales", code=code)


def _moved(deal: models.Model) -> bool:
    deal.refresh_from_db()
    return deal.stage.code != "new"  # type: ignore[attr-defined]


def _reset(deal: Deal) -> None:
    Deal.objects.filter(pk=deal.pk).update(stage=_stage("new"), status="open", closed_at=None, lost_reason=None)


def _write(method: str, url: Any, data: Any, *, changed: Any = _moved, json: bool = False, htmx: bool = False) -> Any:
    def probe(client: HttpClient, deal: models.Model) -> bool:
        _reset(deal)  # type: ignore[arg-type]
        payload = data(deal)
        if json:
            response = client.generic(method, url(deal), data=jsonlib.dumps(payload), content_type="application/json")
        elif htmx:
            response = client.post(url(deal), payload, headers={"HX-Request": "true"})
        else:
            response = client.post(url(deal), payload)
        assert response.status_code in (200, 201, 204, 302, 403, 404, 422), (
            f"{method} {url(deal)} answered {response.status_code}"
        )
        done = changed(deal)
        assert done == (response.status_code in (200, 201, 204, 302)), (
            f"{url(deal)}: {response.status_code} but changed={done}: {response.content.decode()[:300]}"
        )
        return done

    return probe


WRITE_PATHS = [
    AccessPath(
        "kanban_move",
        _write("POST", lambda d: reverse("deals:move", args=[d.pk]), lambda d: {"stage": _stage("qualification").pk}, htmx=True),
    ),
    AccessPath(
        "card_move",
        _write("POST", lambda d: reverse("deals:card_move", args=[d.pk]), lambda d: {"stage": _stage("qualification").pk}),
    ),
    AccessPath(
        "card_lose",
        _write(
            "POST",
            lambda d: reverse("deals:lose", args=[d.pk]),
            lambda d: {"lost_reason": LostReason.objects.get(code="price").pk},
        ),
    ),
    AccessPath(
        "api_move",
        _write("POST", lambda d: f"/api/v1/deals/{d.pk}/move", lambda d: {"stage_id": _stage("qualification").pk}, json=True),
    ),
]


def _files(deal: models.Model) -> Any:
    from kartoteka.deals.views.files import deal_files

    return deal_files(deal)  # type: ignore[arg-type]


def _uploaded(client: HttpClient, deal: models.Model) -> bool:
    """POST a file to the deal's Files panel: stored for writers; 404 or 403 and nothing stored otherwise."""
    _files(deal).delete()
    upload = samples.upload(f"{_title(deal)}.pdf", samples.pdf(), "application/pdf")
    response = client.post(reverse("deals:file_upload", args=[deal.pk]), {"file": upload}, headers={"HX-Request": "true"})
    assert response.status_code in (200, 403, 404), response.status_code
    stored = _files(deal).exists()
    assert stored == (response.status_code == 200)
    return stored


def _downloaded(client: HttpClient, deal: models.Model) -> bool:
    attachment = _files(deal).get()
    response = client.get(reverse("deals:file_download", args=[deal.pk, attachment.pk]))
    assert response.status_code in (200, 404), f"download answered {response.status_code}, expected 200 or 404"
    return response.status_code == 200


def test_deal_files_are_attached_by_the_writers_and_downloaded_by_the_readers(world, deals, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    mismatches = run_matrix(actors=world.users, objects=deals, paths=[AccessPath("file_upload", _uploaded)], allowed=WRITERS)
    assert not mismatches, format_mismatches(mismatches)
    for deal in deals.values():
        attachment_upload(
            actor=None, client=deal.client, file=samples.upload("plan.png", samples.png(), "image/png"), target=deal
        )
    mismatches = run_matrix(actors=world.users, objects=deals, paths=[AccessPath("file_download", _downloaded)], allowed=READERS)
    assert not mismatches, format_mismatches(mismatches)


def test_every_write_path_lets_exactly_the_writers_move_a_deal(world, deals):
    mismatches = run_matrix(actors=world.users, objects=deals, paths=WRITE_PATHS, allowed=WRITERS)
    assert not mismatches, format_mismatches(mismatches)


def test_guessed_and_missing_ids_answer_404_on_every_path(world, deals, client_for):
    missing = max(deal.pk for deal in deals.values()) + 1000
    manager = client_for(world.users["mgr_north1"])
    foreign = deals["d_south"].pk
    for deal_id in (missing, foreign):
        for url in (
            reverse("deals:card", args=[deal_id]),
            reverse("deals:edit", args=[deal_id]),
            reverse("deals:timeline", args=[deal_id]),
            f"/api/v1/deals/{deal_id}",
            f"/api/v1/deals/{deal_id}/stage-changes",
        ):
            assert manager.get(url).status_code == 404, url
        for url in (
            reverse("deals:move", args=[deal_id]),
            reverse("deals:card_move", args=[deal_id]),
            reverse("deals:win", args=[deal_id]),
            reverse("deals:lose", args=[deal_id]),
            reverse("deals:reopen", args=[deal_id]),
            reverse("deals:delete", args=[deal_id]),
            reverse("deals:lines", args=[deal_id]),
            reverse("deals:contacts", args=[deal_id]),
            reverse("deals:proposal", args=[deal_id]),
            reverse("deals:quick_log", args=[deal_id]),
            reverse("deals:task", args=[deal_id]),
            reverse("deals:file_upload", args=[deal_id]),
            reverse("deals:file_delete", args=[deal_id, 1]),
        ):
            assert manager.post(url, {}).status_code == 404, url
        assert manager.get(reverse("deals:file_download", args=[deal_id, 1])).status_code == 404
    assert Deal.objects.get(pk=foreign).stage.code == "new"


def test_an_open_task_lets_one_move_a_deal_but_not_delete_it(world, deals, client_for):
    manager = client_for(world.users["mgr_north1"])
    tasked = deals["tasked"]
    assert manager.post(reverse("deals:delete", args=[tasked.pk])).status_code in (403, 404)
    assert Deal.objects.filter(pk=tasked.pk).exists()
    assert DELETERS["mgr_north1"] == {"d_north1"}
