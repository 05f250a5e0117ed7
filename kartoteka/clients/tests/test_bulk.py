"""Bulk actions from the client list: confirmed, recorded in each client's history, all or nothing."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from kartoteka.clients import services
from kartoteka.clients.models import Client, ClientCategory, Segment
from kartoteka.testing.factories import ClientFactory, UserFactory, reference

URL = "/clients/bulk/"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def north_clients(world):
    return [ClientFactory(responsible=world.users["mgr_north1"], name=f"Север {n}") for n in range(3)]


def post(http, clients, *, confirm: bool = True, **data):
    payload = {"ids": [c.pk for c in clients], "next": "/clients/?sort=-name", **data}
    if confirm:
        payload["confirm"] = "1"
    return http.post(URL, payload)


def test_a_bulk_change_asks_for_confirmation_with_the_count_first(world, client_for, north_clients):
    vip = reference(ClientCategory, "vip")
    response = post(client_for(world.users["sup_north"]), north_clients, confirm=False, action="category", category=vip.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>3</strong> clients" in html
    assert 'name="confirm" value="1"' in html
    assert not Client.objects.filter(category=vip).exists()


def test_changing_the_category_records_history_for_every_client(world, client_for, north_clients):
    vip = reference(ClientCategory, "vip")
    supervisor = world.users["sup_north"]
    before = {c.pk: c.history.count() for c in north_clients}
    response = post(client_for(supervisor), north_clients, action="category", category=vip.pk)
    assert response.status_code == 302
    assert response["Location"] == "/clients/?sort=-name"
    assert "3 clients changed: Category: VIP." in messages_of(response)
    for client in north_clients:
        client.refresh_from_db()
        assert client.category == vip
        latest = client.history.first()
        assert client.history.count() == before[client.pk] + 1
        assert latest.history_user == supervisor
        assert latest.history_change_reason == "Bulk change"


def test_changing_the_segment(world, client_for, north_clients):
    segment = Segment.objects.filter(is_active=True).order_by("pk")[0]
    post(client_for(world.users["sup_north"]), north_clients, action="segment", segment=segment.pk)
    assert set(Client.objects.values_list("segment", flat=True)) == {segment.pk}


def test_reassigning_moves_the_team_with_the_new_responsible_unless_one_is_chosen(world, client_for, north_clients):
    head = client_for(world.users["head"])
    south = world.users["mgr_south"]
    post(head, north_clients[:2], action="reassign", responsible=south.pk)
    assert {(c.responsible_id, c.team_id) for c in Client.objects.filter(pk__in=[c.pk for c in north_clients[:2]])} == {
        (south.pk, world.teams["south"].pk)
    }
    post(head, north_clients[2:], action="reassign", responsible=south.pk, team=world.teams["sales"].pk)
    moved = Client.objects.get(pk=north_clients[2].pk)
    assert (moved.responsible_id, moved.team_id) == (south.pk, world.teams["sales"].pk)
    assert moved.history.first().history_user == world.users["head"]


def test_adding_a_tag_keeps_existing_tags_and_is_recorded(world, client_for, north_clients):
    first = north_clients[0]
    services.client_set_tags(actor=None, client=first, tags=["опт"])
    before = first.history.count()
    response = post(client_for(world.users["sup_north"]), north_clients, action="tag", tag="  выставка  2026 ")
    assert response.status_code == 302
    assert sorted(first.tags.values_list("name", flat=True)) == ["выставка 2026", "опт"]
    assert all(c.tags.filter(name="выставка 2026").exists() for c in north_clients)
    assert first.history.count() > before


def test_clients_the_actor_cannot_change_are_refused_and_nothing_changes(world, client_for, north_clients):
    vip = reference(ClientCategory, "vip")
    foreign = ClientFactory(responsible=world.users["mgr_south"], name="Юг")
    response = post(client_for(world.users["sup_north"]), [*north_clients, foreign], action="category", category=vip.pk)
    assert response.status_code == 302
    assert "1 of the selected clients cannot be changed by you. Nothing was changed." in messages_of(response)
    assert not Client.objects.filter(category=vip).exists()


def test_a_reader_without_write_access_changes_nothing(world, client_for, north_clients):
    vip = reference(ClientCategory, "vip")
    response = post(client_for(world.users["marketer"]), north_clients, action="category", category=vip.pk)
    assert "3 of the selected clients cannot be changed by you. Nothing was changed." in messages_of(response)
    assert not Client.objects.filter(category=vip).exists()


def test_a_manager_cannot_hand_clients_away_and_nothing_changes(world, client_for):
    manager = world.users["mgr_north1"]
    own = [ClientFactory(responsible=manager, name=f"Мой {n}") for n in range(2)]
    colleague = UserFactory(team=world.teams["north1"], roles="manager")
    response = post(client_for(manager), own, action="reassign", responsible=colleague.pk)
    assert any("Nothing was changed" in message for message in messages_of(response))
    assert set(Client.objects.values_list("responsible", flat=True)) == {manager.pk}


def test_a_responsible_person_the_actor_cannot_see_is_refused(world, client_for, north_clients):
    response = post(
        client_for(world.users["sup_north"]), north_clients, action="reassign", responsible=world.users["mgr_south"].pk
    )
    assert "Choose the new responsible person." in messages_of(response)
    assert set(Client.objects.values_list("responsible", flat=True)) == {world.users["mgr_north1"].pk}


def test_bad_requests_explain_themselves(world, client_for, north_clients):
    http = client_for(world.users["sup_north"])
    assert "Select at least one client." in messages_of(http.post(URL, {"action": "tag", "tag": "x"}))
    assert "Choose what to do with the selected clients." in messages_of(post(http, north_clients, action="explode"))
    assert "Type the tag to add." in messages_of(post(http, north_clients, action="tag", tag=" "))
    assert "The selection is not valid; select the clients again." in messages_of(
        http.post(URL, {"ids": ["1", "x"], "action": "tag", "tag": "x"})
    )


def test_selections_over_the_limit_are_refused(world, client_for, north_clients):
    response = client_for(world.users["head"]).post(URL, {"ids": list(range(1, 202)), "action": "tag", "tag": "x"})
    assert "At most 200 clients can be changed at once; select fewer and repeat." in messages_of(response)


def test_the_return_address_stays_on_the_client_list(world, client_for, north_clients):
    response = post(client_for(world.users["sup_north"]), north_clients, action="tag", tag="x", next="https://evil.example/")
    assert response["Location"] == "/clients/"


def test_without_javascript_the_new_responsible_is_found_by_a_typed_email(world, client_for, north_clients):
    south = world.users["mgr_south"]
    post(client_for(world.users["head"]), north_clients[:1], action="reassign", responsible=south.email)
    assert Client.objects.get(pk=north_clients[0].pk).responsible_id == south.pk


def test_the_bulk_bar_does_not_list_every_person(world, client_for, north_clients):
    html = client_for(world.users["head"]).get("/clients/").content.decode()
    assert 'name="responsible"' in html
    assert "data-lookup-single" in html
    assert 'select class="form-select form-select-sm" name="responsible"' not in html
    assert world.users["mgr_south"].email not in html
