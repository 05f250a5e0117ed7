"""Which custom fields a card has: the one place that reads the definitions.

There is no cache on purpose: an administrator's change must show on the next page, and one indexed
query over a table of a few dozen rows costs less than invalidating a cache across processes.
Callers that need the definitions several times in one request fetch them once and pass them on
(``lists.list_filters(entity, fields=...)`` and friends accept them).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connections, models

from kartoteka.customfields.lookups import json_equals, json_has_options
from kartoteka.customfields.models import CardSection, CustomField, FieldEntity, FieldKind

SECTION_ORDER = {value: index for index, value in enumerate(CardSection.values)}

# Where each entity keeps its values: "app_label.Model" with a ``custom_fields`` JSON column.
OWNER_MODELS = {FieldEntity.CLIENT: "clients.Client", FieldEntity.CONTACT: "contacts.Contact"}


def fields_for(entity: str, *, section: str | None = None, active_only: bool = True) -> list[CustomField]:
    """The entity's field definitions in card order (section as on the card, then ``order``). One query."""
    queryset = CustomField.objects.filter(entity=entity)
    if section is not None:
        queryset = queryset.filter(section=section)
    if active_only:
        queryset = queryset.filter(is_active=True)
    fields = list(queryset.order_by("order", "id"))
    fields.sort(key=lambda field: SECTION_ORDER.get(field.section, len(SECTION_ORDER)))  # stable: keeps `order`
    return fields


def owner_model(entity: str) -> type[models.Model]:
    """The model whose ``custom_fields`` column holds this entity's values."""
    return apps.get_model(OWNER_MODELS[FieldEntity(entity)])


def values_exist(field: CustomField, *, value: Any = None) -> bool:
    """Whether any card stores a value for the field (or, given ``value``, that option value).

    The administration refuses changes that would strand stored values: a new kind, a removed
    option, deleting a field in use.
    """
    manager = owner_model(field.entity)._default_manager
    if value is None:
        return manager.filter(custom_fields__has_key=field.code).exists()
    vendor = connections[manager.db].vendor
    if field.kind == FieldKind.MULTI_CHOICE:
        return manager.filter(json_has_options(field.code, [value], vendor=vendor)).exists()
    return manager.filter(json_equals(field.code, value, vendor=vendor)).exists()
