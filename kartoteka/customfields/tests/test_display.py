"""Values read as the reader expects in their language: names of options, local number and date formats."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from kartoteka.customfields.values import card_values, display_value, prefetch_users
from kartoteka.testing.factories import ClientFactory


@pytest.mark.parametrize(
    ("kind", "raw", "russian", "english"),
    [
        ("text", "A-1", "A-1", "A-1"),
        ("number", "1234567.5", "1\xa0234\xa0567,5", "1,234,567.5"),
        ("money", "1500.5", "1\xa0500,50\xa0RUB", "1,500.50\xa0RUB"),
        ("date", "2026-03-12", "12.03.2026", "03/12/2026"),
        ("choice", "gold", "Золото", "Gold"),
        ("multi_choice", ["north", "west"], "Север, Запад", "North, West"),
        ("boolean", True, "Да", "Yes"),
        ("boolean", False, "Нет", "No"),
        ("link", "https://example.com", "https://example.com", "https://example.com"),
        ("number", None, "", ""),
        ("money", "garbage", "garbage", "garbage"),  # an unreadable stored value is shown, not hidden
    ],
)
def test_values_are_displayed_in_the_readers_language(all_kinds, kind, raw, russian, english):
    field = all_kinds[kind]
    with translation.override("ru"):
        assert display_value(field, raw) == russian
    with translation.override("en"):
        assert display_value(field, raw) == english


def test_an_option_without_a_translation_falls_back_to_english(make_field):
    field = make_field("size", "choice", choices=[{"value": "xl", "name_en": "Extra large"}])
    with translation.override("uk"):
        assert display_value(field, "xl") == "Extra large"
    assert display_value(field, "removed") == "removed"


def test_a_user_is_shown_by_full_name_from_one_query_per_page(all_kinds, world, django_assert_num_queries):
    curator = world.users["mgr_south"]
    clients = [ClientFactory(responsible=world.users["mgr_north1"], custom_fields={"curator": curator.pk}) for _ in range(3)]
    with django_assert_num_queries(1):  # the users named on the page
        users = prefetch_users(clients, "client", fields=[all_kinds["user"]])
    with django_assert_num_queries(0):
        shown = {display_value(all_kinds["user"], client.custom_fields["curator"], users=users) for client in clients}
    assert shown == {curator.get_full_name()}
    assert display_value(all_kinds["user"], 987654, users=users) == "#987654"


def test_the_card_lists_a_sections_fields_in_order(make_field, world, django_assert_num_queries):
    make_field("second", "text", section="general", order=20)
    make_field("first", "number", section="general", order=10, name_ru="Первое")
    make_field("curator", "user", section="general", order=30)
    make_field("elsewhere", "text", section="additional")
    client = ClientFactory(
        responsible=world.users["mgr_north1"], custom_fields={"first": "7", "curator": world.users["head"].pk, "elsewhere": "x"}
    )
    with translation.override("ru"), django_assert_num_queries(2):  # the section's definitions; the users named
        rows = card_values(client, "client", "general")
    assert [(field.code, text) for field, text in rows] == [
        ("first", "7"),
        ("second", ""),
        ("curator", world.users["head"].get_full_name()),
    ]
    assert [field.code for field, _text in card_values(client, "client", "general", include_empty=False)] == ["first", "curator"]


def test_the_card_template_tag_renders_values_and_safe_links(make_field, world):
    make_field("site", "link", name_en="Old site")
    make_field("notes_code", "text", name_en="Note")
    client = ClientFactory(responsible=world.users["mgr_north1"], custom_fields={"site": "https://example.com/<b>"})
    with translation.override("en"):
        html = Template('{% load customfields %}{% custom_card_values client "client" %}').render(Context({"client": client}))
    assert '<a href="https://example.com/%3Cb%3E"' in html or '<a href="https://example.com/&lt;b&gt;"' in html
    assert "<b>" not in html
    assert "Old site" in html
    assert "Note" in html
    assert "—" in html
