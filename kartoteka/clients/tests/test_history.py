"""The card's change history: readable entries in the viewer's language and time zone, paging, query count."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.text import capfirst

from kartoteka.clients import services
from kartoteka.clients.history import client_timeline, client_timeline_page
from kartoteka.clients.models import Client, ClientCategory, ClientType, Segment
from kartoteka.contacts import services as contact_services
from kartoteka.contacts.models import ContactRole
from kartoteka.testing.factories import ClientFactory, ContactFactory, reference

HTMX = {"HTTP_HX_REQUEST": "true"}


def lines(entries) -> list[str]:
    return [line for entry in entries for line in entry.lines]


def latest_client_row(client):
    return Client.history.filter(id=client.pk).order_by("-history_id").first()


def moved_to(row, moment: datetime.datetime) -> None:
    """Date a history row (test set-up: the row's own manager, not a service)."""
    type(row).objects.filter(history_id=row.history_id).update(history_date=moment)


def latest_change_at(client, moment: datetime.datetime) -> None:
    """The client's last change happened at ``moment``, everything before it a day earlier."""
    latest = latest_client_row(client)
    Client.history.filter(id=client.pk).exclude(history_id=latest.history_id).update(
        history_date=moment - datetime.timedelta(days=1)
    )
    moved_to(latest, moment)


def text_of(html: str) -> str:
    return " ".join(strip_tags(html).split())


def twelfth_of_march_11_05_utc() -> datetime.datetime:
    return timezone.now().astimezone(datetime.UTC).replace(month=3, day=12, hour=11, minute=5, second=0, microsecond=0)


@pytest.fixture
def client_b(world):
    return ClientFactory(
        responsible=world.users["mgr_north1"],
        name="Ромашка",
        category=reference(ClientCategory, "b"),
        client_type=reference(ClientType, "potential"),
    )


def test_a_reassignment_reads_with_both_names_who_and_when(world, client_b):
    head, north, south = world.users["head"], world.users["mgr_north1"], world.users["mgr_south"]
    services.client_update(actor=head, client=client_b, changes={"responsible": south, "team": south.team})
    latest_change_at(client_b, twelfth_of_march_11_05_utc())

    entry = client_timeline(client_b, viewer=head)[0]

    assert f"Responsible: {north.get_short_name()} → {south.get_short_name()}" in entry.lines
    assert "Team: North-1 → South" in entry.lines
    assert entry.who == head.get_short_name()
    assert entry.when_display == "12 Mar, 14:05"  # the viewer's zone is Moscow, UTC+3


def test_the_same_history_reads_in_russian(world, client_b):
    head = world.users["head"]
    services.client_update(
        actor=head,
        client=client_b,
        changes={"category": reference(ClientCategory, "vip"), "client_type": reference(ClientType, "active")},
    )
    latest_change_at(client_b, twelfth_of_march_11_05_utc())
    head.language = "ru"

    entry = client_timeline(client_b, viewer=head)[0]

    with translation.override("ru"):
        type_label = capfirst(str(Client._meta.get_field("client_type").verbose_name))
        category_label = capfirst(str(Client._meta.get_field("category").verbose_name))
    assert f"{type_label}: Потенциальный → Активный" in entry.lines
    assert f"{category_label}: B → VIP" in entry.lines
    assert entry.when_display == "12.03 14:05"


def test_entries_are_newest_first_and_a_new_client_starts_with_its_creation(world, client_b):
    entries = client_timeline(client_b, viewer=world.users["head"])
    assert entries[-1].title == "Client created: Ромашка"
    assert entries[-1].action == "+"
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)


def test_contacts_phones_and_their_roles_appear_readably(world, client_b):
    manager = world.users["mgr_north1"]
    decision_maker, user_role = reference(ContactRole, "decision-maker"), reference(ContactRole, "user")
    contact = ContactFactory(
        client=client_b,
        actor=manager,
        last_name="Иванов",
        first_name="Пётр",
        roles=[decision_maker, user_role],
        points=[{"kind": "phone", "value": "8 (495) 123-45-67"}],
    )
    contact_services.contact_point_save(
        actor=manager, client=client_b, values={"kind": "email", "value": "Info@Romashka.example"}
    )

    text = lines(client_timeline(client_b, viewer=manager))

    assert "Contact added: Иванов Пётр" in text
    assert "Roles: Decision maker, User" in text
    assert "Phone added: +7 495 123-45-67 (Иванов Пётр)" in text
    assert "Email added: info@romashka.example" in text

    contact_services.contact_delete(actor=manager, contact=contact)
    text = lines(client_timeline(client_b, viewer=manager))
    assert "Contact deleted: Иванов Пётр" in text
    assert "Phone removed: +7 495 123-45-67 (Иванов Пётр)" in text


def test_a_contacts_edit_with_new_roles_is_one_entry_by_its_author(world, client_b):
    manager = world.users["mgr_north1"]
    contact = ContactFactory(client=client_b, last_name="Иванов", first_name="Пётр", position="Менеджер")
    contact_services.contact_update(
        actor=manager,
        contact=contact,
        changes={"position": "Директор"},
        roles=[reference(ContactRole, "decision-maker")],
    )

    entry = client_timeline(client_b, viewer=manager)[0]

    assert entry.title == "Contact changed: Иванов Пётр"
    assert "Position: Менеджер → Директор" in entry.lines
    assert "Roles: — → Decision maker" in entry.lines
    assert entry.who == manager.get_short_name()


def test_merges_and_bulk_changes_carry_their_reason(world, client_b):
    head = world.users["head"]
    absorbed = ClientFactory(responsible=world.users["mgr_north1"], name="Ромашка-2")
    with translation.override("en"):  # a reason is written in the language of the request that made the change
        services.client_merge(actor=head, survivor=client_b, absorbed=absorbed)
        services.client_bulk_update(actor=head, clients=[client_b], changes={"category": reference(ClientCategory, "vip")})

    entries = client_timeline(client_b, viewer=head)

    bulk, merge = entries[0], entries[1]
    assert bulk.reason == "Bulk change"
    assert "Category: B → VIP" in bulk.lines
    assert merge.reason == "Merged «Ромашка-2» into this client"
    # The merged client's own history joins the survivor's and reads as its own story.
    assert "Client created: Ромашка-2" in lines(entries)


def test_requisites_bank_accounts_and_addresses(world, client_b):
    manager = world.users["mgr_north1"]
    services.requisites_update(actor=manager, client=client_b, values={"inn": "7707083893", "kpp": "773601001"})
    services.bank_account_save(
        actor=manager,
        client=client_b,
        values={"bank_name": "ПАО Сбербанк", "bik": "044525225", "account": "40702810938000000001"},
    )
    address = services.address_save(
        actor=manager, client=client_b, values={"kind": "legal", "city": "Москва", "street": "ул. Мясницкая, 1"}
    )
    services.client_record_delete(actor=manager, record=address)

    text = lines(client_timeline(client_b, viewer=manager))

    assert "Requisites changed" in text
    assert "INN: — → 7707083893" in text
    assert "KPP: — → 773601001" in text
    assert "Bank account added: ПАО Сбербанк 40702810938000000001" in text
    assert "Address added: Legal: Москва, ул. Мясницкая, 1" in text
    assert "Address removed: Legal: Москва, ул. Мясницкая, 1" in text


def test_a_deleted_reference_entry_is_shown_by_its_id(world, client_b):
    manager = world.users["mgr_north1"]
    temporary = Segment.objects.create(code="temporary", name_en="Temporary")
    lasting = Segment.objects.create(code="lasting", name_en="Lasting")
    services.client_update(actor=manager, client=client_b, changes={"segment": temporary})
    services.client_update(actor=world.users["head"], client=client_b, changes={"segment": lasting})
    temporary_id = temporary.pk
    temporary.delete()

    assert f"Segment: #{temporary_id} → Lasting" in lines(client_timeline(client_b, viewer=manager))


def test_files_appear_when_attachments_are_audited(world, client_b, settings, tmp_path):
    from kartoteka.attachments import services as attachment_services
    from kartoteka.attachments.models import Attachment
    from kartoteka.attachments.tests.samples import pdf

    if not hasattr(Attachment, "history"):
        pytest.skip("attachments are not audited")
    settings.MEDIA_ROOT = tmp_path
    manager = world.users["mgr_north1"]
    upload = SimpleUploadedFile("contract.pdf", pdf(), content_type="application/pdf")
    attachment_services.attachment_upload(actor=manager, client=client_b, file=upload)

    assert "File added: contract.pdf" in lines(client_timeline(client_b, viewer=manager))


# --- Paging ------------------------------------------------------------------------------------------


def _spread(client, minutes: int = 1) -> None:
    """Give the client's history rows one minute each, so no two of them read as one change."""
    start = timezone.now() - datetime.timedelta(days=1)
    for step, row in enumerate(Client.history.filter(id=client.pk).order_by("history_id")):
        moved_to(row, start + datetime.timedelta(minutes=step * minutes))


def test_pages_follow_each_other_without_gaps_or_repeats(world, client_b):
    manager = world.users["mgr_north1"]
    for staff in range(1, 31):
        services.client_update(actor=manager, client=client_b, changes={"staff_count": staff})
    _spread(client_b)

    seen: list[str] = []
    before = None
    for _page in range(5):
        entries = client_timeline(client_b, viewer=manager, limit=10, before=before)
        if not entries:
            break
        seen += [line for entry in entries for line in entry.lines if line.startswith("Staff:")]
        before = entries[-1].cursor
    assert seen == [f"Staff: {n - 1 if n > 1 else '—'} → {n}" for n in range(30, 0, -1)]


def test_saves_that_say_nothing_do_not_hide_older_history(world, client_b):
    manager = world.users["mgr_north1"]
    services.client_update(actor=manager, client=client_b, changes={"staff_count": 7})
    for _ in range(30):
        services.client_set_tags(actor=manager, client=client_b, tags=[])  # saves the card, changes nothing
    _spread(client_b)

    seen, before, pages = [], None, 0
    while pages < 10:
        page = client_timeline_page(client_b, viewer=manager, limit=5, before=before)
        seen += lines(page.entries)
        pages += 1
        if page.next_cursor is None:
            break
        before = page.next_cursor
    assert "Staff: — → 7" in seen
    assert seen[-1] == "Client created: Ромашка"


def test_show_older_loads_the_next_page_in_place(world, client_b, client_for):
    manager = world.users["mgr_north1"]
    for staff in range(1, 31):
        services.client_update(actor=manager, client=client_b, changes={"staff_count": staff})
    _spread(client_b)
    http = client_for(manager)
    card = http.get(reverse("clients:card", args=[client_b.pk])).content.decode()
    assert 'data-testid="history-older"' in card
    assert card.count('data-testid="history-entry"') == 25
    cursor = client_timeline(client_b, viewer=manager, limit=25)[-1].cursor
    older = text_of(http.get(reverse("clients:card_history", args=[client_b.pk]), {"before": cursor}, **HTMX).content.decode())
    assert "Staff: — → 1" in older
    assert "Client created: Ромашка" in older
    assert "Staff: 4 → 5" in older
    assert "Staff: 5 → 6" not in older  # the last one the card showed
    fragment = http.get(reverse("clients:card_history", args=[client_b.pk]), {"before": cursor}, **HTMX).content.decode()
    assert "<ol" not in fragment  # only the next entries, to be put where the button was
    page = http.get(reverse("clients:card_history", args=[client_b.pk]), {"before": cursor})
    assert b"<html" in page.content  # without JavaScript: a page of its own
    assert http.get(reverse("clients:card_history", args=[client_b.pk]), {"before": "not-a-cursor"}, **HTMX).status_code == 200


@pytest.mark.parametrize("rounds", [3, 30])
def test_the_number_of_queries_does_not_grow_with_the_history(world, client_b, django_assert_num_queries, rounds):
    manager, head = world.users["mgr_north1"], world.users["head"]
    for number in range(rounds):
        actor = manager if number % 2 else head  # alternate authors: nothing folds into one entry
        services.client_update(
            actor=actor,
            client=client_b,
            changes={"staff_count": number, "category": reference(ClientCategory, "a" if number % 2 else "b")},
        )
        ContactFactory(client=client_b, actor=actor, last_name=f"Контакт{number}", roles=[reference(ContactRole, "user")],
                       points=[{"kind": "phone", "value": f"+7 495 200-{number:02d}-{number:02d}"}])  # fmt: skip
    services.client_set_tags(actor=manager, client=client_b, tags=["опт"])
    # 1-7 the newest rows of each audited table (client, requisites, bank accounts, addresses, contacts, phones,
    # files), 8 previous versions of the changed client rows, 9 previous versions of changed contacts (their
    # primary flag), 10 tag snapshots, 11 role snapshots, 12 users (authors), 13 categories, 14 tag names,
    # 15 role names, 16 the contacts' names for their phones.
    with django_assert_num_queries(16):
        entries = client_timeline(client_b, viewer=manager, limit=25)
    # Per round: a change of the card, a contact added with its role, its phone; then the tags and the creation.
    assert len(entries) == min(25, 3 * rounds + 2)
