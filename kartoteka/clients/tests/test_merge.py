"""The merge screen over HTTP: choose, compare, pick values, merge; access answers 404 for foreign clients."""

from __future__ import annotations

from kartoteka.clients import services
from kartoteka.clients.models import Address, BankAccount, Client, ClientCategory, ClientMerge, Segment
from kartoteka.contacts.models import Contact, ContactPoint
from kartoteka.testing.factories import ClientFactory, ContactFactory, reference

SBERBANK = {"inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195"}


def populated(manager, name: str, **fields):
    """A client with a contact (with a phone), its own phone, a bank account, an address and a history entry."""
    client = ClientFactory(responsible=manager, name=name, **fields)
    ContactFactory(client=client, points=[{"kind": "phone", "value": "+7 495 000-00-01"}])
    from kartoteka.contacts import services as contact_services

    contact_services.contact_point_save(
        actor=manager, client=client, values={"kind": "email", "value": f"{client.pk}@example.test"}
    )
    services.bank_account_save(
        actor=manager,
        client=client,
        values={
            "bank_name": "ПАО Сбербанк",
            "bik": "044525225",
            "account": "40702810938000000001",
            "correspondent_account": "30101810400000000225",
        },
    )
    services.address_save(actor=manager, client=client, values={"kind": "legal", "city": "Москва", "street": "ул. Вавилова, 19"})
    services.client_update(actor=manager, client=client, changes={"notes": f"заметки {name}"})
    return client


def test_the_merge_screen_moves_everything_to_the_kept_client_and_records_it(world, client_for):
    manager = world.users["mgr_north1"]
    kept = populated(manager, "Ромашка", segment=reference(Segment, "dealer"))
    absorbed = populated(manager, "ООО Ромашка", requisites=SBERBANK, category=reference(ClientCategory, "vip"))
    browser = client_for(manager)

    page = browser.get(f"/clients/{kept.pk}/merge/?with={absorbed.pk}").content.decode()
    assert 'name="keep_category"' in page
    assert 'name="keep_segment"' in page
    assert 'name="keep_name"' in page
    assert 'name="keep_responsible"' not in page  # same on both: nothing to choose
    assert "Bank accounts" in page
    assert "Phones and addresses" in page

    response = browser.post(
        f"/clients/{kept.pk}/merge/",
        {
            "with": absorbed.pk,
            "survivor": kept.pk,
            "keep_name": kept.pk,
            "keep_category": absorbed.pk,
            "keep_segment": kept.pk,
            "keep_notes": absorbed.pk,
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/clients/{kept.pk}/"
    assert not Client.objects.filter(pk=absorbed.pk).exists()
    kept.refresh_from_db()
    assert (kept.name, kept.category.code, kept.segment.code, kept.notes) == ("Ромашка", "vip", "dealer", "заметки ООО Ромашка")
    assert kept.tax_id == "7707083893"
    assert Contact.objects.filter(client=kept).count() == 2
    assert ContactPoint.objects.filter(client=kept).count() == 4
    assert BankAccount.objects.filter(client=kept).count() == 2
    assert Address.objects.filter(client=kept).count() == 2
    assert kept.history.filter(notes="заметки ООО Ромашка").exists()
    merge = ClientMerge.objects.get(survivor=kept)
    assert (merge.absorbed_id, merge.merged_by) == (absorbed.pk, manager)
    message = browser.get(f"/clients/{kept.pk}/").content.decode()
    assert "was merged into this client" in message


def test_the_other_client_can_be_the_one_kept(world, client_for):
    manager = world.users["mgr_north1"]
    first, second = ClientFactory(responsible=manager, name="Первый"), ClientFactory(responsible=manager, name="Второй")
    browser = client_for(manager)
    response = browser.post(
        f"/clients/{first.pk}/merge/", {"with": second.pk, "survivor": second.pk, "keep_name": second.pk, "confirm": "on"}
    )
    assert response.headers["Location"] == f"/clients/{second.pk}/"
    assert list(Client.objects.values_list("name", flat=True)) == ["Второй"]


def test_nothing_is_merged_without_the_confirmation(world, client_for):
    manager = world.users["mgr_north1"]
    first, second = ClientFactory(responsible=manager), ClientFactory(responsible=manager)
    response = client_for(manager).post(f"/clients/{first.pk}/merge/", {"with": second.pk, "survivor": first.pk})
    assert response.status_code == 200
    assert "Tick the confirmation: merging cannot be undone." in response.content.decode()
    assert Client.objects.count() == 2


def test_merging_a_client_the_user_cannot_see_is_404(world, client_for):
    manager = world.users["mgr_north1"]
    mine = ClientFactory(responsible=manager)
    foreign = ClientFactory(responsible=world.users["mgr_south"])
    browser = client_for(manager)
    assert browser.get(f"/clients/{foreign.pk}/merge/").status_code == 404
    assert browser.get(f"/clients/{mine.pk}/merge/?with={foreign.pk}").status_code == 404
    assert (
        browser.post(f"/clients/{mine.pk}/merge/", {"with": foreign.pk, "survivor": mine.pk, "confirm": "on"}).status_code == 404
    )
    assert (
        browser.post(f"/clients/{foreign.pk}/merge/", {"with": mine.pk, "survivor": mine.pk, "confirm": "on"}).status_code == 404
    )
    assert browser.get(f"/clients/{mine.pk}/merge/?with=999999").status_code == 404
    assert Client.objects.count() == 2


def test_a_client_seen_but_not_changeable_cannot_be_merged(world, client_for):
    client = ClientFactory(responsible=world.users["mgr_north1"])
    assert client_for(world.users["marketer"]).get(f"/clients/{client.pk}/merge/").status_code == 403


def test_the_other_client_is_found_by_name_or_inn_among_changeable_ones(world, client_for):
    manager = world.users["mgr_north1"]
    this = ClientFactory(responsible=manager, name="Ромашка")
    by_name = ClientFactory(responsible=manager, name="ООО «Ромашка Плюс»")
    by_inn = ClientFactory(responsible=manager, name="Зелёный лист", requisites={"inn": "7707083893"})
    ClientFactory(responsible=world.users["mgr_south"], name="Ромашка Южная")
    browser = client_for(manager)

    found = browser.get(f"/clients/{this.pk}/merge/candidates/?q=ромаш", headers={"HX-Request": "true"}).content.decode()
    assert f"?with={by_name.pk}" in found
    assert "Южная" not in found
    assert f"?with={this.pk}" not in found
    found = browser.get(f"/clients/{this.pk}/merge/candidates/?q=7707 083 893").content.decode()
    assert f"?with={by_inn.pk}" in found
    assert (
        "No client you may change matches" in browser.get(f"/clients/{this.pk}/merge/candidates/?q=нет такого").content.decode()
    )

    chooser = browser.get(f"/clients/{this.pk}/merge/").content.decode()
    assert f"?with={by_name.pk}" in chooser  # a likely duplicate, suggested before searching
    assert "Южная" not in chooser
