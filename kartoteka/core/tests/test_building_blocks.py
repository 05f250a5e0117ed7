"""Events, the list machinery and keyset pagination."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from kartoteka.core import events
from kartoteka.core.lists import Column, ListSpec, list_context
from kartoteka.core.pagination import InvalidCursor, keyset_page
from kartoteka.users.models import User


def test_events_are_delivered_after_commit_and_not_after_rollback(db, django_capture_on_commit_callbacks):
    received: list[events.Event] = []

    def handler(event: events.Event) -> None:
        received.append(event)

    events.subscribe("thing.happened")(handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.publish("thing.happened", thing_id=1)
        assert [e.payload for e in received] == [{"thing_id": 1}]

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            events.publish("thing.happened", thing_id=2)
        assert len(callbacks) == 1
        assert len(received) == 1
    finally:
        events.unsubscribe("thing.happened", handler)


def test_a_failing_subscriber_does_not_stop_the_others(db, django_capture_on_commit_callbacks):
    received = []

    def broken(event: events.Event) -> None:
        raise RuntimeError("boom")

    def fine(event: events.Event) -> None:
        received.append(event.name)

    events.subscribe("x.y")(broken)
    events.subscribe("x.y")(fine)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.publish("x.y")
        assert received == ["x.y"]
    finally:
        events.unsubscribe("x.y", broken)
        events.unsubscribe("x.y", fine)


SPEC = ListSpec(
    columns=[Column("email", "Email", lambda u: u.email, sort="email")],
    default_sort="email",
    search_fields=["email"],
    page_size=2,
)


def test_list_ignores_unknown_sorts_and_garbage_offsets(world):
    request = RequestFactory().get("/x/", {"sort": "password", "offset": "-5abc"})
    request.user = world.users["admin"]
    page = list_context(request, User.objects.all(), SPEC)
    assert page.sort == "email"
    assert page.offset == 0
    assert [row[0].email for row in page.rows] == sorted(u.email for u in world.users.values())[:2]
    assert page.has_next
    assert not page.has_previous


def test_list_pages_by_offset_without_counting(world):
    request = RequestFactory().get("/x/", {"sort": "-email", "offset": "4"})
    request.user = world.users["admin"]
    page = list_context(request, User.objects.all(), SPEC)
    assert [row[0].email for row in page.rows] == sorted((u.email for u in world.users.values()), reverse=True)[4:6]
    assert not page.has_next
    assert "offset=2" in page.previous_url


def test_keyset_pages_in_descending_order(world):
    emails = sorted((u.email for u in world.users.values()), reverse=True)
    first = keyset_page(User.objects.all(), order=["-email", "id"], limit=4)
    second = keyset_page(User.objects.all(), order=["-email", "id"], limit=4, cursor=first.next_cursor)
    assert [u.email for u in first.items + second.items] == emails
    assert second.next_cursor is None


@pytest.mark.parametrize("cursor", ["!!!", "WzFd", "bm90IGpzb24"])
def test_keyset_rejects_foreign_cursors(db, cursor):
    with pytest.raises(InvalidCursor):
        keyset_page(User.objects.all(), order=["email", "id"], limit=2, cursor=cursor)


def test_the_database_character_type_check_passes_on_the_test_database(db):
    from kartoteka.core.checks import postgresql_ctype_is_utf8

    assert postgresql_ctype_is_utf8(databases=["default"]) == []


@pytest.mark.parametrize("typed", ["петр", "ПЕТР", "Петр", "ова"])
def test_search_is_case_insensitive_for_cyrillic(db, typed, user_factory):
    from kartoteka.core.text import matches_all_words

    user_factory(last_name="Петрова", first_name="Анна")
    user_factory(last_name="Сидоров", first_name="Пётр")
    found = User.objects.filter(matches_all_words(["last_name", "first_name"], typed))
    assert [u.last_name for u in found] == ["Петрова"]


def test_search_terms_are_literal_not_patterns(db, user_factory):
    from kartoteka.core.text import matches_all_words

    user_factory(last_name="A.B")
    user_factory(last_name="AxB")
    assert [u.last_name for u in User.objects.filter(matches_all_words(["last_name"], "a.b"))] == ["A.B"]
    assert not User.objects.filter(matches_all_words(["last_name"], "%")).exists()
