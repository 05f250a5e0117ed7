"""Custom field definitions for the tests of this app."""

from __future__ import annotations

from typing import Any

import pytest

from kartoteka.customfields.models import CustomField

TIERS = [
    {"value": "gold", "name_en": "Gold", "name_ru": "Золото"},
    {"value": "silver", "name_en": "Silver", "name_ru": "Серебро"},
    {"value": "bronze", "name_en": "Bronze", "name_ru": "Бронза"},
]
REGIONS = [
    {"value": "north", "name_en": "North", "name_ru": "Север"},
    {"value": "south", "name_en": "South", "name_ru": "Юг"},
    {"value": "west", "name_en": "West", "name_ru": "Запад"},
]


@pytest.fixture
def make_field(db: None) -> Any:
    """make_field("budget", "money", currency="RUB", ...) → a saved, validated CustomField."""

    def make(code: str, kind: str, **values: Any) -> CustomField:
        values.setdefault("name_en", code.replace("_", " ").capitalize())
        values.setdefault("entity", "client")
        if kind == "choice":
            values.setdefault("choices", TIERS)
        if kind == "multi_choice":
            values.setdefault("choices", REGIONS)
        if kind == "money":
            values.setdefault("currency", "RUB")
        field = CustomField(code=code, kind=kind, **values)
        field.full_clean()
        field.save()
        return field

    return make


@pytest.fixture
def all_kinds(make_field: Any) -> dict[str, CustomField]:
    """One client field of each kind, named after its kind."""
    return {
        "text": make_field("code_1c", "text", name_en="1C code", name_ru="Код 1С"),
        "number": make_field("staff", "number", name_en="Staff", name_ru="Штат", min_value=0, max_value=100000),
        "money": make_field("budget", "money", name_en="Budget", name_ru="Бюджет", currency="RUB"),
        "date": make_field("contract_until", "date", name_en="Contract until", name_ru="Договор до"),
        "choice": make_field("tier", "choice", name_en="Tier", name_ru="Уровень"),
        "multi_choice": make_field("regions", "multi_choice", name_en="Regions", name_ru="Регионы"),
        "boolean": make_field("nda", "boolean", name_en="NDA signed", name_ru="NDA подписано"),
        "user": make_field("curator", "user", name_en="Curator", name_ru="Куратор"),
        "link": make_field("crm_link", "link", name_en="Old CRM", name_ru="Старая CRM"),
    }
