"""Administrators define custom fields in the administration site, and nothing they do strands stored values."""

from __future__ import annotations

from typing import Any

from django import forms

from kartoteka.customfields.forms import add_fields
from kartoteka.customfields.models import CustomField
from kartoteka.testing.factories import ClientFactory

ADD_URL = "/admin/customfields/customfield/add/"


def change_url(field: CustomField) -> str:
    return f"/admin/customfields/customfield/{field.pk}/change/"


def definition(**values: Any) -> dict[str, Any]:
    data = {
        "entity": "client",
        "code": "tier",
        "kind": "choice",
        "section": "categorisation",
        "name_en": "Tier",
        "name_ru": "Уровень",
        "name_uk": "",
        "name_ro": "",
        "choices": "gold | Gold | Золото\nsilver | Silver | Серебро\n\nbronze",
        "currency": "",
        "min_value": "",
        "max_value": "",
        "help_text": "",
        "order": "10",
        "is_active": "on",
        "show_in_list": "on",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def test_an_administrator_adds_a_field_and_it_appears_in_forms(world, client_for):
    response = client_for(world.users["admin"]).post(ADD_URL, definition())
    assert response.status_code == 302, response.content.decode()[:3000]
    field = CustomField.objects.get(code="tier")
    assert field.choices == [
        {"value": "gold", "name_en": "Gold", "name_ru": "Золото"},
        {"value": "silver", "name_en": "Silver", "name_ru": "Серебро"},
        {"value": "bronze", "name_en": "bronze"},
    ]
    form = forms.Form()
    assert add_fields(form, "client", section="categorisation") == ["cf_tier"]


def test_only_administrators_reach_the_custom_fields_admin(world, client_for):
    assert client_for(world.users["admin"]).get(ADD_URL).status_code == 200
    assert client_for(world.users["head"]).get(ADD_URL).status_code == 302  # to the login page


def test_the_options_are_edited_as_lines(world, client_for, make_field):
    field = make_field("tier", "choice")
    page = client_for(world.users["admin"]).get(change_url(field)).content.decode()
    assert "gold | Gold | Золото\nsilver | Silver | Серебро\nbronze | Bronze | Бронза</textarea>" in page


def test_bad_definitions_are_refused_with_reasons(world, client_for):
    admin = client_for(world.users["admin"])
    cases = [
        (definition(code="Tier"), "code"),
        (definition(choices="Gold | Gold"), "choices"),
        (definition(choices="gold | Gold\ngold | Again"), "choices"),
        (definition(choices=""), "choices"),
        (definition(kind="money", choices="", currency="rubles"), "currency"),
        (definition(kind="number", choices="", min_value="10", max_value="1"), "max_value"),
        (definition(kind="text", min_value="1", choices=""), "min_value"),
        (definition(kind="text"), "choices"),
    ]
    for data, field_name in cases:
        response = admin.post(ADD_URL, data)
        assert response.status_code == 200, data
        assert field_name in response.context["adminform"].form.errors, (data, response.context["adminform"].form.errors)
    assert not CustomField.objects.exists()


def test_code_and_card_are_fixed_once_created(world, client_for, make_field):
    field = make_field("tier", "choice")
    admin = client_for(world.users["admin"])
    response = admin.post(change_url(field), definition(code="renamed", entity="contact", name_en="Level"))
    assert response.status_code == 302, response.content.decode()[:3000]
    field.refresh_from_db()
    assert (field.code, field.entity, field.name_en) == ("tier", "client", "Level")


def test_the_kind_cannot_change_once_cards_hold_values(world, client_for, make_field):
    field = make_field("staff", "number")
    admin = client_for(world.users["admin"])
    assert admin.post(change_url(field), definition(code=None, kind="text", choices="")).status_code == 302
    field.refresh_from_db()
    assert field.kind == "text"

    ClientFactory(responsible=world.users["mgr_north1"], custom_fields={"staff": "12"})
    response = admin.post(change_url(field), definition(code=None, kind="number", choices=""))
    assert response.status_code == 200
    assert "kind" in response.context["adminform"].form.errors
    field.refresh_from_db()
    assert field.kind == "text"


def test_an_option_in_use_cannot_be_removed_but_can_be_renamed(world, client_for, make_field):
    field = make_field("regions", "multi_choice")
    ClientFactory(responsible=world.users["mgr_north1"], custom_fields={"regions": ["south"]})
    admin = client_for(world.users["admin"])
    response = admin.post(change_url(field), definition(kind="multi_choice", choices="north | North\nwest | West"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["choices"] == [
        "Option “south” is used on cards and cannot be removed; rename it instead."
    ]
    response = admin.post(change_url(field), definition(kind="multi_choice", choices="south | Southern | Южный\nnorth | North"))
    assert response.status_code == 302
    field.refresh_from_db()
    assert field.option_values == ["south", "north"]


def test_a_field_in_use_cannot_be_deleted_only_deactivated(world, client_for, make_field):
    used = make_field("staff", "number")
    unused = make_field("spare", "text")
    ClientFactory(responsible=world.users["mgr_north1"], custom_fields={"staff": "3"})
    admin = client_for(world.users["admin"])
    assert admin.post(f"/admin/customfields/customfield/{used.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin.post(f"/admin/customfields/customfield/{unused.pk}/delete/", {"post": "yes"}).status_code == 302
    response = admin.post("/admin/customfields/customfield/", {"action": "deactivate", "_selected_action": [used.pk]})
    assert response.status_code == 302
    used.refresh_from_db()
    assert not used.is_active
    assert list(CustomField.objects.values_list("code", flat=True)) == ["staff"]


def test_the_list_groups_fields_by_card_and_section(world, client_for, make_field):
    make_field("tier", "choice", section="categorisation")
    make_field("hobby", "text", entity="contact")
    page = client_for(world.users["admin"]).get("/admin/customfields/customfield/?entity__exact=contact")
    assert page.status_code == 200
    assert [field.code for field in page.context["cl"].result_list] == ["hobby"]
