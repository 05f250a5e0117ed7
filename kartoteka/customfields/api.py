"""Custom field definitions in the API, and the value types the client and contact endpoints accept.

``GET /api/v1/custom-fields?entity=client`` lists the active definitions, so an integration knows
which keys ``custom_fields`` may carry and in what form. Values themselves travel inside the client
and contact bodies as ``custom_fields`` (see :data:`CustomFieldValues`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kartoteka.api import errors, require_scope
from kartoteka.customfields.models import CustomField, FieldKind
from kartoteka.customfields.schema import fields_for

router = Router(tags=["custom fields"])

Entity = Literal["client", "contact"]
Kind = Literal["text", "number", "money", "date", "choice", "multi_choice", "boolean", "user", "link"]

# What a ``custom_fields`` object in a client or contact body holds, keyed by field code:
# text/link/choice → string; number/money → decimal string ("1234.50"); date → "YYYY-MM-DD";
# multi_choice → list of option values; boolean → true/false; user → user id; null removes the value.
CustomFieldValue = str | bool | int | list[str] | None
CustomFieldValues = Annotated[
    dict[str, CustomFieldValue],
    Field(
        description=(
            "Administrator-defined fields, keyed by code (GET /api/v1/custom-fields lists them). "
            'Text, link, choice: string. Number, money: decimal string ("1234.50"). Date: "YYYY-MM-DD". '
            "Multiple choice: list of option values. Yes/no: boolean. User: user id. null removes a value. "
            "On update only the codes given change."
        ),
        examples=[{"budget": "150000.00", "tier": "gold", "regions": ["north", "south"], "nda_signed": True}],
    ),
]

# Kinds whose stored value is a JSON number or boolean rather than a string, for clients' docs.
VALUE_TYPES: dict[str, str] = {
    FieldKind.TEXT: "string",
    FieldKind.LINK: "string (http/https URL)",
    FieldKind.NUMBER: "decimal string",
    FieldKind.MONEY: "decimal string, 2 decimal places",
    FieldKind.DATE: "string YYYY-MM-DD",
    FieldKind.CHOICE: "string (option value)",
    FieldKind.MULTI_CHOICE: "array of option values",
    FieldKind.BOOLEAN: "boolean",
    FieldKind.USER: "integer (user id)",
}


class OptionOut(Schema):
    value: str
    label: str


class CustomFieldOut(Schema):
    code: str = Field(description="The key in custom_fields.")
    label: str = Field(description="The name in the caller's language.")
    kind: Kind
    value_type: str = Field(description="How the value is written in JSON.")
    section: str = Field(description="The card section it is shown in.")
    required: bool
    help_text: str
    choices: list[OptionOut] = Field(description="Allowed values for choice and multi_choice; empty otherwise.")
    currency: str | None = Field(None, description="ISO 4217 code for money fields.")
    min_value: str | None = Field(None, description="Lowest allowed number (decimal string), if limited.")
    max_value: str | None = Field(None, description="Highest allowed number (decimal string), if limited.")


class CustomFieldList(Schema):
    items: list[CustomFieldOut]


class CustomFieldFilters(Schema):
    entity: Entity = Field("client", description="Whose fields: client or contact.")


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def field_out(field: CustomField) -> CustomFieldOut:
    return CustomFieldOut(
        code=field.code,
        label=field.label,
        kind=field.kind,  # type: ignore[arg-type]
        value_type=VALUE_TYPES.get(field.kind, "string"),
        section=field.section,
        required=field.required,
        help_text=field.help_text,
        choices=[OptionOut(value=value, label=name) for value, name in field.option_pairs()] if field.has_options else [],
        currency=field.currency or None,
        min_value=_decimal(field.min_value),
        max_value=_decimal(field.max_value),
    )


def schema_fields(entity: str) -> list[CustomFieldOut]:
    """The active fields of an entity as the API describes them. One query."""
    return [field_out(field) for field in fields_for(entity)]


@router.get(
    "/custom-fields",
    response={200: CustomFieldList, **errors(401, 403)},
    summary="Custom fields of clients or contacts",
    description="The active administrator-defined fields, in card order: codes, kinds, options and limits.",
)
def custom_fields_list(request: HttpRequest, filters: Query[CustomFieldFilters]) -> CustomFieldList:
    require_scope(request, "clients", "read")
    return CustomFieldList(items=schema_fields(filters.entity))
