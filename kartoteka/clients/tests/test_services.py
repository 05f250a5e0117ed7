"""The client services: validation, access, history, events, requisites, bank accounts, bulk changes, merging."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kartoteka.clients import services
from kartoteka.clients.models import Address, BankAccount, Client, ClientCategory, ClientMerge, Segment
from kartoteka.contacts.models import Contact, ContactPoint
from kartoteka.core import events
from kartoteka.testing.factories import ClientFactory, ContactFactory, reference

SBERBANK = {"inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195", "okpo": "00032537"}


@pytest.fixture
def published(monkeypatch):
    seen: list[events.Event] = []
    events.subscribe("*")(seen.append)
    yield seen
    events.unsubscribe("*", seen.append)


def test_a_manager_creates_a_client_and_becomes_responsible(world, django_capture_on_commit_callbacks, published):
    manager = world.users["mgr_north1"]
    with django_capture_on_commit_callbacks(execute=True):
        client = services.client_create(actor=manager, name='ООО "Ромашка"', requisites=SBERBANK, tags=["опт", "Опт "])
    assert client.responsible == manager
    assert client.team == world.teams["north1"]
    assert client.tax_id == "7707083893"
    assert client.name_key == "ромашка"
    assert [t.name for t in client.tags.all()] == ["опт"]
    assert [e.name for e in published] == ["client.created"]


def test_requisites_with_a_wrong_check_digit_are_refused_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as error:
        services.client_create(actor=world.users["mgr_north1"], name="Ошибка", requisites={"inn": "7707083894"})
    assert "inn" in error.value.message_dict
    assert not Client.objects.filter(name="Ошибка").exists()


def test_a_manager_cannot_create_a_client_for_someone_else_or_change_a_foreign_one(world):
    with pytest.raises(PermissionDenied):
        services.client_create(actor=world.users["mgr_north1"], name="Чужой", responsible=world.users["mgr_south"])
    foreign = ClientFactory(responsible=world.users["mgr_south"])
    with pytest.raises(PermissionDenied):
        services.client_update(actor=world.users["mgr_north1"], client=foreign, changes={"name": "Мой"})


def test_a_supervisor_cannot_move_a_client_outside_the_team_subtree(world):
    client = ClientFactory(responsible=world.users["mgr_north1"])
    supervisor = world.users["sup_north"]
    services.client_update(actor=supervisor, client=client, changes={"notes": "ok"})
    with pytest.raises(PermissionDenied):
        services.client_update(
            actor=supervisor, client=client, changes={"responsible": world.users["mgr_south"], "team": world.teams["south"]}
        )


def test_reassignment_is_recorded_in_history_and_announced(world, django_capture_on_commit_callbacks, published):
    client = ClientFactory(responsible=world.users["mgr_north1"])
    head = world.users["head"]
    with django_capture_on_commit_callbacks(execute=True):
        services.client_update(
            actor=head, client=client, changes={"responsible": world.users["mgr_south"], "team": world.teams["south"]}
        )
    latest = client.history.first()
    assert latest.history_user == head
    delta = latest.diff_against(latest.prev_record)
    assert {change.field for change in delta.changes} == {"responsible", "team"}
    reassigned = [e for e in published if e.name == "client.reassigned"]
    assert reassigned[0].payload["from_user_id"] == world.users["mgr_north1"].pk
    assert reassigned[0].payload["to_user_id"] == world.users["mgr_south"].pk


def test_an_unchanged_save_writes_no_history(world):
    client = ClientFactory(responsible=world.users["mgr_north1"], name="Тишина")
    count = client.history.count()
    services.client_update(actor=world.users["mgr_north1"], client=client, changes={"name": " Тишина "})
    assert client.history.count() == count


def test_requisites_update_follows_the_country_and_refreshes_the_tax_id(world):
    client = ClientFactory(responsible=world.users["mgr_north1"], country="UA")
    services.requisites_update(actor=None, client=client, values={"edrpou": "14360570"})
    client.refresh_from_db()
    assert client.tax_id == "14360570"
    with pytest.raises(ValidationError) as error:
        services.requisites_update(actor=None, client=client, values={"edrpou": "1436057"})
    assert "edrpou" in error.value.message_dict


def test_bank_accounts_are_checked_against_the_bik_and_one_is_primary(world):
    client = ClientFactory(responsible=world.users["mgr_north1"])
    with pytest.raises(ValidationError) as error:
        services.bank_account_save(
            actor=None,
            client=client,
            values={"bank_name": "ПАО Сбербанк", "bik": "044525225", "correspondent_account": "30101810400000000226"},
        )
    assert "correspondent_account" in error.value.message_dict
    account = services.bank_account_save(
        actor=None,
        client=client,
        values={"bank_name": "ПАО Сбербанк", "bik": "044525225", "correspondent_account": "30101810400000000225", "iban": ""}
        | {"account": _valid_account("044525225")},
    )
    assert account.is_primary
    second = services.bank_account_save(
        actor=None,
        client=client,
        values={"bank_name": "Banca Transilvania", "iban": "RO49 AAAA 1B31 0075 9384 0000", "is_primary": True},
    )
    assert second.iban == "RO49AAAA1B31007593840000"
    account.refresh_from_db()
    assert not account.is_primary
    assert BankAccount.history.filter(client_id=client.pk).count() >= 3


def _valid_account(bik: str) -> str:
    body = "4070281040000000000"  # 19 digits; find the 20th making the control key right
    for digit in "0123456789":
        candidate = body + digit
        digits = bik[-3:] + candidate
        if sum(int(d) * w for d, w in zip(digits, [7, 1, 3] * 8, strict=False)) % 10 == 0:
            return candidate
    raise AssertionError("no valid account")


def test_bulk_update_is_all_or_nothing(world):
    mine = ClientFactory(responsible=world.users["mgr_north1"])
    foreign = ClientFactory(responsible=world.users["mgr_south"])
    vip = reference(ClientCategory, "vip")
    with pytest.raises(PermissionDenied):
        services.client_bulk_update(actor=world.users["mgr_north1"], clients=[mine, foreign], changes={"category": vip})
    mine.refresh_from_db()
    assert mine.category_id is None
    count = services.client_bulk_update(
        actor=world.users["head"], clients=[mine, foreign], changes={"category": vip}, add_tags=["акция"]
    )
    assert count == 2
    assert Client.objects.filter(category=vip).count() == 2
    assert mine.tags.filter(name="акция").exists()
    assert mine.history.filter(history_change_reason__in=["Bulk change", "Массовое изменение"]).exists()
    with pytest.raises(ValidationError):
        services.client_bulk_update(actor=world.users["head"], clients=[mine], changes={"name": "x"})


def test_merge_moves_everything_and_records_itself(world, django_capture_on_commit_callbacks, published):
    manager = world.users["mgr_north1"]
    survivor = ClientFactory(responsible=manager, name="Ромашка", segment=reference(Segment, "dealer"))
    absorbed = ClientFactory(responsible=manager, name="ООО Ромашка", requisites=SBERBANK, tags=["опт"])
    ContactFactory(client=absorbed, points=[{"kind": "phone", "value": "+7 495 123-45-67"}])
    services.address_save(
        actor=manager, client=absorbed, values={"kind": "legal", "street": "ул. Вавилова, 19", "city": "Москва"}
    )
    services.client_update(actor=manager, client=absorbed, changes={"notes": "старые заметки"})
    absorbed_id = absorbed.pk
    with django_capture_on_commit_callbacks(execute=True):
        merge = services.client_merge(actor=manager, survivor=survivor, absorbed=absorbed, take_fields=["notes"])
    survivor.refresh_from_db()
    assert not Client.objects.filter(pk=absorbed_id).exists()
    assert survivor.notes == "старые заметки"
    assert survivor.tax_id == "7707083893"
    assert Contact.objects.filter(client=survivor).count() == 1
    assert ContactPoint.objects.filter(client=survivor).count() == 1
    assert Address.objects.filter(client=survivor).count() == 1
    assert list(survivor.tags.values_list("name", flat=True)) == ["опт"]
    assert merge.snapshot["name"] == "ООО Ромашка"
    assert ClientMerge.objects.get(survivor=survivor).absorbed_id == absorbed_id
    # The absorbed client's own history now belongs to the survivor's timeline.
    assert survivor.history.filter(notes="старые заметки").exists()
    assert "client.merged" in [e.name for e in published]


def test_a_manager_cannot_merge_a_colleagues_client(world):
    mine = ClientFactory(responsible=world.users["mgr_north1"])
    foreign = ClientFactory(responsible=world.users["mgr_south"])
    with pytest.raises(PermissionDenied):
        services.client_merge(actor=world.users["mgr_north1"], survivor=mine, absorbed=foreign)
    assert Client.objects.filter(pk=foreign.pk).exists()


def test_deleting_a_client_removes_its_contacts_with_history(world):
    client = ClientFactory(responsible=world.users["mgr_north1"])
    contact = ContactFactory(client=client)
    services.client_delete(actor=world.users["mgr_north1"], client=client)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Contact.history.filter(id=contact.pk, history_type="-").exists()
    assert Client.history.filter(id=client.pk, history_type="-").exists()
