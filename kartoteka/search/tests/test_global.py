"""Global search: the top bar's drop-down, the results page and the API, all within the access policy."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from kartoteka.integrations.services import api_token_create
from kartoteka.search import registry
from kartoteka.search.registry import Hit, SearchKind
from kartoteka.testing.factories import ClientFactory, ContactFactory

SUGGEST = "/search/suggest/"
PAGE = "/search/"
API = "/api/v1/search"


@pytest.fixture
def clients(world, committed):
    """Each of two managers has a «Ромашка» with a contact called Ромашкина; one more client elsewhere."""
    with committed():
        own = ClientFactory(responsible=world.users["mgr_north1"], name="Ромашка Север", requisites={"inn": "7707083893"})
        own_contact = ContactFactory(client=own, last_name="Ромашкина", first_name="Ольга", position="Закупщик")
        foreign = ClientFactory(responsible=world.users["mgr_south"], name="Ромашка Юг")
        foreign_contact = ContactFactory(
            client=foreign, last_name="Ромашкина", first_name="Вера", points=[{"kind": "phone", "value": "+7 843 222-33-44"}]
        )
        ClientFactory(responsible=world.users["mgr_south"], name="Лютик")
    return {"own": own, "own_contact": own_contact, "foreign": foreign, "foreign_contact": foreign_contact}


def bearer(user: Any, *scopes: str) -> HttpClient:
    _, secret = api_token_create(actor=user, name="search", scopes=list(scopes))
    return HttpClient(headers={"Authorization": f"Bearer {secret}"})


def test_the_drop_down_groups_hits_by_kind_with_links_to_the_cards(world, clients, client_for):
    html = client_for(world.users["head"]).get(SUGGEST, {"q": "ромашк"}, headers={"HX-Request": "true"}).content.decode()
    assert html.index("Clients") < html.index("Ромашка Север") < html.index("Contacts") < html.index("Ромашкина Ольга")
    assert reverse("clients:card", args=[clients["own"].pk]) in html
    contact = clients["own_contact"]
    assert f"{reverse('clients:card', args=[contact.client_id])}#contact-{contact.pk}" in html
    assert "Закупщик · Ромашка Север" in html
    assert "INN 7707083893" in html
    assert "/search/?q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88%D0%BA" in html  # "all results" goes to the page


def test_the_drop_down_says_when_nothing_matches_and_stays_empty_for_one_letter(world, clients, client_for):
    http = client_for(world.users["head"])
    assert "Nothing found for “незабудка”" in http.get(SUGGEST, {"q": "незабудка"}).content.decode()
    assert http.get(SUGGEST, {"q": "р"}).content == b""


def test_a_manager_never_finds_another_managers_client_or_contact(world, clients, client_for):
    http = client_for(world.users["mgr_north1"])
    for response in (http.get(SUGGEST, {"q": "ромашк"}), http.get(PAGE, {"q": "ромашк"})):
        html = response.content.decode()
        assert "Ромашка Север" in html
        assert "Ромашкина Ольга" in html
        assert "Ромашка Юг" not in html
        assert "Вера" not in html
        assert reverse("clients:card", args=[clients["foreign"].pk]) not in html
    # The colleague's contact's phone finds nothing either.
    assert "Nothing found" in http.get(PAGE, {"q": "8 (843) 222-33-44"}).content.decode()
    found = bearer(world.users["mgr_north1"], "clients:read").get(API, {"q": "ромашк"}).json()
    titles = [item["title"] for group in found["groups"] for item in group["items"]]
    assert titles == ["Ромашка Север", "Ромашкина Ольга"]


def test_the_supervisor_finds_the_team_and_the_head_of_sales_everything(world, clients, client_for):
    supervisor = client_for(world.users["sup_north"]).get(PAGE, {"q": "ромашка"}).content.decode()
    assert "Ромашка Север" in supervisor
    assert "Ромашка Юг" not in supervisor
    head = client_for(world.users["head"]).get(PAGE, {"q": "ромашка"}).content.decode()
    assert "Ромашка Север" in head
    assert "Ромашка Юг" in head


def test_the_results_page_offers_more_of_a_kind_when_there_is_more(world, committed, client_for):
    manager = world.users["mgr_north1"]
    with committed():
        for number in range(12):
            ClientFactory(responsible=manager, name=f"Василёк {number:02}")
    http = client_for(manager)
    html = http.get(PAGE, {"q": "василек"}).content.decode()
    assert html.count('class="search-hit-title"') == 10
    assert "Show more: clients" in html
    more = http.get(PAGE, {"q": "василек", "kind": "clients"}).content.decode()
    assert more.count('class="search-hit-title"') == 12
    assert "Show more" not in more
    fragment = http.get(PAGE, {"q": "василек 11"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert fragment.count('class="search-hit-title"') == 1


def test_the_results_page_explains_what_to_type(world, client_for):
    http = client_for(world.users["mgr_north1"])
    assert "a phone number in any format" in http.get(PAGE).content.decode()
    assert "Nothing found for “незабудка”" in http.get(PAGE, {"q": "незабудка"}).content.decode()


def test_the_search_page_costs_the_same_number_of_queries_for_few_and_many_hits(
    world, committed, client_for, django_assert_num_queries
):
    manager = world.users["mgr_north1"]
    http = client_for(manager)
    http.get(PAGE, {"q": "васил"})  # warm up: the session comes from the cache from now on

    def page_queries() -> None:
        # The user, the user's roles and scopes (access), the clients kind (legal form and responsible
        # joined), the contacts kind (client and its legal form joined), the deals kind (the deals the
        # person has an open task on, then the deals with client, stage and owner joined). (On PostgreSQL a
        # kind that finds nothing asks once more, forgiving typos: never more than two queries a kind.)
        with django_assert_num_queries(6):
            assert http.get(PAGE, {"q": "васил"}).status_code == 200

    with committed():
        client = ClientFactory(responsible=manager, name="Василёк")
        ContactFactory(client=client, last_name="Василькова")
    page_queries()
    with committed():
        for number in range(15):
            other = ClientFactory(responsible=manager, name=f"Василёк {number}")
            ContactFactory(client=other, last_name="Василькова")
    page_queries()


def test_only_signed_in_people_search(db):
    assert HttpClient().get(PAGE, {"q": "ромашка"}).status_code == 302
    assert HttpClient().get(SUGGEST, {"q": "ромашка"}).status_code == 302
    assert HttpClient().get(API, {"q": "ромашка"}).status_code == 401


def test_the_api_returns_grouped_hits_with_limits_and_chosen_kinds(world, clients):
    http = bearer(world.users["head"], "clients:read")
    body = http.get(API, {"q": "ромашк", "limit": 1}).json()
    assert body["query"] == "ромашк"
    assert [(group["kind"], len(group["items"]), group["has_more"]) for group in body["groups"]] == [
        ("clients", 1, True),
        ("contacts", 1, True),
    ]
    only = http.get(API, {"q": "ромашк", "kinds": "contacts"}).json()
    assert [group["kind"] for group in only["groups"]] == ["contacts"]
    item = only["groups"][0]["items"][0]
    assert set(item) == {"title", "subtitle", "url", "kind"}
    assert item["kind"] == "contacts"
    assert item["url"].startswith("/clients/")


def test_the_api_refuses_unknown_kinds_and_tokens_without_the_clients_scope(world, clients):
    http = bearer(world.users["head"], "clients:read")
    response = http.get(API, {"q": "ромашка", "kinds": "clients,invoices"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "kinds"
    refused = bearer(world.users["head"], "users:read").get(API, {"q": "ромашка"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    assert http.get(API, {"q": "ромашка", "limit": 0}).status_code == 422


def test_the_api_answers_a_one_letter_query_with_empty_groups(world, clients):
    body = bearer(world.users["head"], "clients:read").get(API, {"q": " р "}).json()
    assert body == {
        "query": "р",
        "groups": [
            {"kind": "clients", "label": "Clients", "items": [], "has_more": False},
            {"kind": "contacts", "label": "Contacts", "items": [], "has_more": False},
        ],
    }


@pytest.fixture
def invoices_kind():
    """A kind a later issue would register: it shows up everywhere without touching the search app."""

    def search_invoices(viewer: Any, query: str, limit: int) -> list[Hit]:
        return [Hit(title=f"Счёт «{query}»", subtitle="100 000 ₽", url="/invoices/1/", kind="invoices")][:limit]

    kind = registry.register(SearchKind(key="invoices", label="Invoices", order=90, search=search_invoices))
    yield kind
    registry.unregister(kind.key)


def test_a_kind_registered_later_appears_in_the_drop_down_the_page_and_the_api(world, clients, client_for, invoices_kind):
    http = client_for(world.users["mgr_north1"])
    assert "Счёт «ромашка»" in http.get(SUGGEST, {"q": "ромашка"}).content.decode()
    assert "Счёт «ромашка»" in http.get(PAGE, {"q": "ромашка"}).content.decode()
    kinds = [group["kind"] for group in http.get(API, {"q": "ромашка"}).json()["groups"]]
    assert kinds == ["clients", "contacts", "deals", "invoices"]
