"""Custom fields join any form with the right inputs, the services' rules and their values round-trip."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation

from kartoteka.clients import services as client_services
from kartoteka.customfields.forms import add_errors, add_fields, values_from
from kartoteka.testing.factories import ClientFactory, UserFactory


class CardForm(forms.Form):
    name = forms.CharField()


def form_with_fields(data: dict[str, Any] | None = None, **kwargs: Any) -> tuple[CardForm, list[str]]:
    form = CardForm(data)
    names = add_fields(form, "client", **kwargs)
    return form, names


def test_every_kind_gets_a_bootstrap_input_of_its_own(all_kinds):
    with translation.override("ru"):
        form, names = form_with_fields()
    assert names == [f"cf_{field.code}" for field in all_kinds.values()]
    widgets = {name: form.fields[name].widget for name in names}
    assert widgets["cf_code_1c"].attrs["class"] == "form-control"
    assert widgets["cf_staff"].attrs["inputmode"] == "decimal"
    assert widgets["cf_contract_until"].input_type == "date"
    assert widgets["cf_tier"].attrs["class"] == "form-select"
    assert isinstance(widgets["cf_regions"], forms.CheckboxSelectMultiple)
    assert widgets["cf_regions"].attrs["class"] == "form-check-input"
    assert widgets["cf_nda"].attrs["class"] == "form-check-input"
    assert widgets["cf_curator"].attrs["class"] == "form-select"
    assert form.fields["cf_budget"].label == "Бюджет, RUB"


def test_a_section_brings_only_its_fields_and_labels_follow_the_language(make_field):
    make_field("tier", "choice", section="categorisation", name_ru="Уровень", help_text="Сегмент по обороту")
    make_field("other", "text", section="general")
    with translation.override("ru"):
        form, names = form_with_fields(section="categorisation")
    assert names == ["cf_tier"]
    assert form.fields["cf_tier"].label == "Уровень"
    assert form.fields["cf_tier"].help_text == "Сегмент по обороту"
    assert list(form.fields["cf_tier"].choices) == [("", "—"), ("gold", "Золото"), ("silver", "Серебро"), ("bronze", "Бронза")]


def test_required_fields_are_required_except_a_checkbox(make_field):
    make_field("account", "text", required=True)
    make_field("agreed", "boolean", required=True)
    form, _names = form_with_fields()
    assert form.fields["cf_account"].required
    assert not form.fields["cf_agreed"].required  # unticked means "no", which is an answer


def test_posted_values_come_back_json_native_and_save_through_the_service(all_kinds, world):
    curator = world.users["mgr_south"]
    form, _names = form_with_fields(
        {
            "name": "x",
            "cf_code_1c": " A-1 ",
            "cf_staff": "1 200",
            "cf_budget": "1500,5",
            "cf_contract_until": "2026-03-12",
            "cf_tier": "gold",
            "cf_regions": ["south", "north"],
            "cf_nda": "on",
            "cf_curator": str(curator.pk),
            "cf_crm_link": "example.com",
        }
    )
    assert form.is_valid(), form.errors
    values = values_from(form, "client")
    assert values == {
        "code_1c": "A-1",
        "staff": "1200",
        "budget": "1500.50",
        "contract_until": "2026-03-12",
        "tier": "gold",
        "regions": ["north", "south"],
        "nda": True,
        "curator": curator.pk,
        "crm_link": "https://example.com",
    }
    client = ClientFactory(responsible=world.users["mgr_north1"])
    client_services.client_update(actor=world.users["mgr_north1"], client=client, changes={}, custom_fields=values)
    client.refresh_from_db()
    assert client.custom_fields == values


def test_cleared_inputs_remove_the_stored_values(all_kinds, world):
    client = ClientFactory(responsible=world.users["mgr_north1"], custom_fields={"tier": "gold", "staff": "5", "nda": True})
    form, _names = form_with_fields({"name": "x", "cf_tier": "", "cf_staff": ""}, initial=client.custom_fields)
    assert form.is_valid(), form.errors
    client_services.client_update(actor=None, client=client, changes={}, custom_fields=values_from(form, "client"))
    client.refresh_from_db()
    assert client.custom_fields == {"nda": False}


def test_the_form_shows_the_services_rules_on_the_field(all_kinds):
    with translation.override("en"):
        form, _names = form_with_fields(
            {"name": "x", "cf_staff": "-3", "cf_budget": "1.234", "cf_crm_link": "mailto:a@b.c", "cf_tier": "tin"}
        )
        assert not form.is_valid()
        errors = form.errors.get_json_data()
    assert errors["cf_staff"][0]["message"] == "“Staff” must be at least 0."
    assert errors["cf_budget"][0]["message"] == "“Budget” allows at most 2 digits after the decimal point."
    assert errors["cf_crm_link"][0]["code"] == "invalid"
    assert errors["cf_tier"][0]["code"] == "invalid_choice"


def test_stored_values_fill_the_form(all_kinds, world):
    stored = {
        "staff": "12.5",
        "contract_until": "2026-03-12",
        "regions": ["west"],
        "nda": True,
        "curator": world.users["head"].pk,
    }
    form, _names = form_with_fields(initial=stored)
    html = str(form["cf_staff"]) + str(form["cf_contract_until"]) + str(form["cf_regions"]) + str(form["cf_nda"])
    assert 'value="12.5"' in html
    assert 'value="2026-03-12"' in html
    assert 'value="west" class="form-check-input" id="id_cf_regions_2" checked' in html
    assert "checked" in str(form["cf_nda"])
    assert f'<option value="{world.users["head"].pk}" selected>' in str(form["cf_curator"])


def test_a_removed_option_or_deactivated_user_stays_selected_rather_than_silently_lost(make_field):
    make_field("tier", "choice")
    make_field("curator", "user")
    gone = UserFactory(is_active=False, last_name="Ушедший")
    form, _names = form_with_fields(initial={"tier": "retired", "curator": gone.pk})
    assert ("retired", "retired") in list(form.fields["cf_tier"].choices)
    assert f'<option value="{gone.pk}" selected>' in str(form["cf_curator"])
    # New forms offer active people only.
    fresh, _names = form_with_fields()
    assert gone.pk not in [user.pk for user in fresh.fields["cf_curator"].queryset]


def test_service_errors_land_on_their_fields(all_kinds):
    form, _names = form_with_fields({"name": "x"})
    assert form.is_valid()
    assert add_errors(form, ValidationError({"tier": ["Wrong."], "staff": ["Too many."]}))
    assert form.errors["cf_tier"] == ["Wrong."]
    assert not add_errors(form, ValidationError({"name_of_something_else": ["No."]}))
    assert not add_errors(form, ValidationError("plain"))


@pytest.mark.parametrize("invalid", [False, True])
def test_the_form_template_renders_labels_inputs_and_errors(all_kinds, invalid):
    with translation.override("en"):
        form, _names = form_with_fields({"name": "x", "cf_staff": "x" if invalid else "1"})
        form.is_valid()
        html = Template("{% load customfields %}{% custom_form_fields form %}").render(Context({"form": form}))
    assert '<label class="form-label" for="id_cf_staff">Staff</label>' in html
    assert 'class="form-check-input"' in html
    assert 'type="date"' in html
    assert ('class="form-control is-invalid"' in html) is invalid
    assert ("must be a number" in html) is invalid
