"""Deals in global search: by title or client, within the access policy, in the drop-down, the page and the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import translation

from kartoteka.deals.search import search_deals
from kartoteka.integrations.services import api_token_create
from kartoteka.search import registry
from kartoteka.testing.factories import ClientFactory, DealFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/search"


@pytest.fixture
def deals(world, django_capture_on_commit_callbacks):
    """Two managers each have a client «Ромашка» with a deal «Ёлочные игрушки»; one more deal elsewhere."""
    north, south = world.users["mgr_north1"], world.users["mgr_south"]
    with django_capture_on_commit_callbacks(execute=True):  # the clients' search index is written after commit
        own_client = ClientFactory(responsible=north, name="Ромашка Север", requisites={"inn": "7707083893"})
        foreign_client = ClientFactory(responsible=south, name="Ромашка Юг")
        other_client = ClientFactory(responsible=north, name="Лютик")
    return {
        "own": DealFactory(client=own_client, owner=north, title="Ёлочные игрушки", amount=Decimal("150000")),
        "foreign": DealFactory(client=foreign_client, owner=south, title="Ёлочные игрушки"),
        "other": DealFactory(client=other_client, owner=north, title="Окна для склада"),
    }


def bearer(user: Any, *scopes: str) -> HttpClient:
    _, secret = api_token_create(actor=user, name="search", scopes=list(scopes))
    return HttpClient(headers={"Authorization": f"Bearer {secret}"})


def titles(hits: list[registry.Hit]) -> list[str]:
    return [hit.title for hit in hits]


def test_a_deal_is_found_by_a_word_of_its_title_whatever_the_case_and_yo(world, deals):
    manager = world.users["mgr_north1"]
    with translation.override("en"):
        [hit] = search_deals(manager, "елочн", 10)
    own = deals["own"]
    assert (hit.title, hit.url, hit.kind) == ("Ёлочные игрушки", f"/deals/{own.pk}/", "deals")
    assert hit.subtitle == "Ромашка Север · New request · 150,000\u00a0RUB · Last-mgr_north1 Н."
    assert [found.url for found in search_deals(manager, "ИГРУШКИ", 10)] == [hit.url]


def test_a_deal_is_found_by_its_client_by_name_inn_or_with_a_title_word(world, deals):
    manager = world.users["mgr_north1"]
    assert titles(search_deals(manager, "ромашк", 10)) == ["Ёлочные игрушки"]
    assert titles(search_deals(manager, "7707083893", 10)) == ["Ёлочные игрушки"]
    assert titles(search_deals(manager, "лютик окна", 10)) == ["Окна для склада"]
    assert search_deals(manager, "лютик игрушки", 10) == []
    assert search_deals(manager, "!!!", 10) == []


def test_a_manager_never_finds_another_managers_deal(world, deals, client_for):
    manager = world.users["mgr_north1"]
    found = search_deals(manager, "игрушки", 10)
    assert [hit.url for hit in found] == [f"/deals/{deals['own'].pk}/"]
    assert f"/deals/{deals['foreign'].pk}/" not in client_for(manager).get("/search/", {"q": "игрушки"}).content.decode()
    body = bearer(manager, "clients:read", "deals:read").get(API, {"q": "ромашка юг", "kinds": "deals"}).json()
    assert body["groups"][0]["items"] == []


def test_the_head_of_sales_finds_every_deal_newest_first(world, deals):
    urls = [hit.url for hit in search_deals(world.users["head"], "игрушки", 10)]
    assert urls == [f"/deals/{deals['foreign'].pk}/", f"/deals/{deals['own'].pk}/"]


def test_deals_appear_in_the_drop_down_the_page_and_the_api(world, deals, client_for):
    http = client_for(world.users["mgr_north1"])
    assert f"/deals/{deals['own'].pk}/" in http.get("/search/suggest/", {"q": "игрушки"}).content.decode()
    assert f"/deals/{deals['own'].pk}/" in http.get("/search/", {"q": "игрушки"}).content.decode()
    groups = http.get(API, {"q": "игрушки"}).json()["groups"]
    deal_group = next(group for group in groups if group["kind"] == "deals")
    assert [item["url"] for item in deal_group["items"]] == [f"/deals/{deals['own'].pk}/"]


def test_a_token_searches_deals_only_with_the_deals_scope(world, deals):
    manager = world.users["mgr_north1"]
    kinds = [group["kind"] for group in bearer(manager, "clients:read").get(API, {"q": "игрушки"}).json()["groups"]]
    assert "deals" not in kinds
    refused = bearer(manager, "clients:read").get(API, {"q": "игрушки", "kinds": "deals"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    allowed = bearer(manager, "clients:read", "deals:read").get(API, {"q": "игрушки", "kinds": "deals"})
    assert [group["kind"] for group in allowed.json()["groups"]] == ["deals"]


def test_deal_search_is_two_queries(world, deals, django_assert_num_queries):
    manager = world.users["mgr_north1"]
    search_deals(manager, "x", 1)  # loads the manager's roles once, as a request would
    # 1 the deals the manager has an open task on (theirs too: docs/access.md), 2 the matching deals.
    with django_assert_num_queries(2):
        search_deals(manager, "ромашка игрушки", 5)
