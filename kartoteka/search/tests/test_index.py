"""The index follows every change made through the services, and rebuild_all rebuilds it from scratch."""

from __future__ import annotations

from django.core.management import call_command

from kartoteka.clients import services as client_services
from kartoteka.clients.models import Client, Requisites
from kartoteka.contacts import services as contact_services
from kartoteka.contacts.models import Contact, ContactPoint
from kartoteka.search.index import rebuild_all, reindex_clients
from kartoteka.search.models import ClientDocument, ContactDocument
from kartoteka.search.queries import filter_clients, filter_contacts
from kartoteka.testing.factories import ClientFactory, ContactFactory


def names(query: str) -> list[str]:
    return sorted(filter_clients(Client.objects.all(), query).values_list("name", flat=True))


def people(query: str) -> list[str]:
    return sorted(filter_contacts(Contact.objects.all(), query).values_list("last_name", flat=True))


def test_a_new_client_is_found_once_its_transaction_commits(world, committed):
    with committed():
        ClientFactory(responsible=world.users["mgr_north1"], name="Лютик")
        assert names("лютик") == []  # not before the commit: a rolled-back client never shows up
    assert names("лютик") == ["Лютик"]


def test_a_renamed_client_is_found_by_its_new_name_only(world, committed):
    manager = world.users["mgr_north1"]
    with committed():
        client = ClientFactory(responsible=manager, name="Лютик")
    with committed():
        client_services.client_update(actor=manager, client=client, changes={"name": "Василёк"})
    assert names("лютик") == []
    assert names("василек") == ["Василёк"]


def test_changed_requisites_and_phones_are_found(world, committed):
    manager = world.users["mgr_north1"]
    with committed():
        client = ClientFactory(responsible=manager, name="Лютик")
    with committed():
        client_services.requisites_update(actor=manager, client=client, values={"inn": "7707083893", "kpp": "773601001"})
        contact_services.contact_point_save(actor=manager, client=client, values={"kind": "phone", "value": "+7 812 555-12-34"})
    assert names("773601001") == ["Лютик"]
    assert names("8 812 555 12 34") == ["Лютик"]
    point = ContactPoint.objects.get(client=client)
    with committed():
        contact_services.contact_point_delete(actor=manager, point=point)
    assert names("8 812 555 12 34") == []


def test_a_deleted_client_and_its_contacts_leave_the_index(world, committed):
    manager = world.users["mgr_north1"]
    with committed():
        client = ClientFactory(responsible=manager, name="Лютик")
        ContactFactory(client=client, last_name="Синицына")
    with committed():
        client_services.client_delete(actor=manager, client=client)
    assert names("лютик") == []
    assert people("синицына") == []
    assert not ClientDocument.objects.exists()
    assert not ContactDocument.objects.exists()


def test_contact_changes_follow_the_person_and_the_company(world, committed):
    manager = world.users["mgr_north1"]
    with committed():
        client = ClientFactory(responsible=manager, name="Лютик")
        contact = ContactFactory(client=client, last_name="Синицына")
    assert names("синицына") == ["Лютик"]
    with committed():
        contact_services.contact_update(actor=manager, contact=contact, changes={"last_name": "Воробьёва"})
    assert names("синицына") == []
    assert names("воробьева") == ["Лютик"]
    assert people("воробьева") == ["Воробьёва"]
    with committed():
        contact_services.contact_delete(actor=manager, contact=contact)
    assert names("воробьева") == []
    assert people("воробьева") == []


def test_a_contact_who_moves_is_found_at_the_new_company_only(world, committed):
    manager = world.users["mgr_north1"]
    with committed():
        old = ClientFactory(responsible=manager, name="Лютик")
        new = ClientFactory(responsible=manager, name="Василёк")
        contact = ContactFactory(client=old, last_name="Синицына", points=[{"kind": "email", "value": "sinitsyna@example.test"}])
    with committed():
        contact_services.contact_move(actor=manager, contact=contact, to_client=new, position="Директор")
    assert names("синицына") == ["Василёк"]
    assert names("sinitsyna@example.test") == ["Василёк"]
    assert people("директор") == ["Синицына"]
    assert ContactDocument.objects.get(contact_id=contact.pk).client_id == new.pk


def test_after_a_merge_the_survivor_is_found_by_what_the_absorbed_client_had(world, committed):
    manager = world.users["mgr_north1"]
    with committed():
        survivor = ClientFactory(responsible=manager, name="Лютик")
        absorbed = ClientFactory(responsible=manager, name="Лютик (дубль)", requisites={"inn": "7707083893"})
        ContactFactory(client=absorbed, last_name="Синицына")
    with committed():
        client_services.client_merge(actor=manager, survivor=survivor, absorbed=absorbed)
    assert names("дубль") == []
    assert names("синицына") == ["Лютик"]
    assert names("7707083893") == ["Лютик"]
    assert list(ClientDocument.objects.values_list("client_id", flat=True)) == [survivor.pk]


def test_reindexing_an_unchanged_client_rewrites_nothing(world, committed, django_assert_num_queries):
    with committed():
        client = ClientFactory(responsible=world.users["mgr_north1"], name="Лютик")
        ContactFactory(client=client, last_name="Синицына")
    # Savepoint and release (the transaction), three reads to build the documents (client with requisites,
    # contacts, phones and emails), two to compare with the stored documents; no writes.
    with django_assert_num_queries(7):
        reindex_clients([client.pk])


def test_rebuild_all_indexes_rows_written_around_the_services(world, committed):
    # What a bulk import or the bench does: rows straight into the tables, no events.
    client = Client.objects.create(name="Лютик", name_key="лютик", tax_id="7707083893")
    Requisites.objects.create(client=client, inn="7707083893", kpp="773601001")
    Contact.objects.create(client=client, last_name="Синицына", first_name="Анна")
    ContactPoint.objects.create(client=client, kind="phone", value="+74951234567", search_key="4951234567")
    with committed():
        stale = ClientFactory(name="Василёк")
    ClientDocument.objects.filter(pk=stale.pk).update(text="устаревший")
    assert names("773601001") == []

    assert rebuild_all(batch=1) == 3  # two clients, one contact

    assert names("773601001") == ["Лютик"]
    assert names("8 (495) 123-45-67") == ["Лютик"]
    assert people("синиц") == ["Синицына"]
    assert names("устаревший") == []
    assert names("василек") == ["Василёк"]
    # The triggers (SQLite) and indexes (PostgreSQL) are back: later changes are indexed as before.
    with committed():
        client_services.client_update(actor=None, client=client, changes={"name": "Одуванчик"})
    assert names("одуван") == ["Одуванчик"]
    assert names("лютик") == []


def test_the_search_rebuild_command_reports_what_it_indexed(world, committed, capsys):
    with committed():
        ClientFactory(name="Лютик")
    call_command("search_rebuild")
    assert "Indexed 1 documents" in capsys.readouterr().out
    assert names("лютик") == ["Лютик"]
