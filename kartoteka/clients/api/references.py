"""The reference lists, read-only (administrators edit them in the administration site)."""

from __future__ import annotations

from typing import Any, Literal

from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kartoteka.api import DecimalString, errors, require_scope
from kartoteka.clients.api.common import AREA
from kartoteka.clients.models import (
    ClientCategory,
    ClientPriority,
    ClientSource,
    ClientType,
    Industry,
    LegalForm,
    Segment,
    SizeClass,
    TermsPackage,
)
from kartoteka.contacts.models import ContactRole, ManagementLevel
from kartoteka.core.models import Territory

router = Router(tags=["references"])

ReferenceName = Literal[
    "legal-forms", "industries", "segments", "categories", "priorities", "client-types", "sizes", "sources",
    "terms-packages", "contact-roles", "management-levels", "territories",
]  # fmt: skip
REFERENCE_LISTS: dict[str, type[models.Model]] = {
    "legal-forms": LegalForm,
    "industries": Industry,
    "segments": Segment,
    "categories": ClientCategory,
    "priorities": ClientPriority,
    "client-types": ClientType,
    "sizes": SizeClass,
    "sources": ClientSource,
    "terms-packages": TermsPackage,
    "contact-roles": ContactRole,
    "management-levels": ManagementLevel,
    "territories": Territory,
}


class ReferenceListOut(Schema):
    name: str = Field(description="The list's name in the URL: /references/{name}.")
    title: str


class ReferenceListsOut(Schema):
    items: list[ReferenceListOut]


class LocalizedNamesOut(Schema):
    en: str
    ru: str
    uk: str
    ro: str


class ReferenceItemOut(Schema):
    id: int
    code: str | None = Field(description="Stable code used on records and in filters; territories have none (use the id).")
    name: str = Field(description="In the caller's language.")
    names: LocalizedNamesOut
    is_active: bool
    order: int | None
    parent_id: int | None = Field(None, description="Territories: the enclosing place.")
    kind: str | None = Field(None, description="Territories: country, region or city.")
    country_code: str | None = Field(None, description="Territories and legal forms.")
    depth: int | None = Field(None, description="Territories: 0 for a country.")
    abbreviation: str | None = Field(None, description="Legal forms (ООО, SRL) and contact roles (a short mark).")
    color: str | None = Field(None, description="Categories: a Bootstrap colour name.")
    discount_percent: DecimalString | None = Field(None, description="Terms packages.")
    payment_terms_days: int | None = Field(None, description="Terms packages.")
    description: str | None = Field(None, description="Terms packages.")


class ReferenceItemsOut(Schema):
    items: list[ReferenceItemOut]


class ReferenceFilters(Schema):
    active: bool | None = Field(None, description="true: only entries offered for new records.")


def _reference_item(entry: models.Model) -> ReferenceItemOut:
    extras = {
        name: getattr(entry, name)
        for name in ("abbreviation", "country_code", "color", "discount_percent", "payment_terms_days", "description")
        if hasattr(entry, name)
    }
    if isinstance(entry, Territory):
        extras.update(parent_id=entry.parent_id, kind=entry.kind, depth=entry.depth)
    return ReferenceItemOut(
        id=entry.pk,
        code=getattr(entry, "code", None),
        name=str(entry.name),  # type: ignore[attr-defined]
        names=LocalizedNamesOut(en=entry.name_en, ru=entry.name_ru, uk=entry.name_uk, ro=entry.name_ro),  # type: ignore[attr-defined]
        is_active=getattr(entry, "is_active", True),
        order=getattr(entry, "order", None),
        **extras,
    )


@router.get("/references", response={200: ReferenceListsOut, **errors(401, 403)}, summary="The reference lists")
def references_index(request: HttpRequest) -> ReferenceListsOut:
    require_scope(request, AREA, "read")
    return ReferenceListsOut(
        items=[
            ReferenceListOut(name=name, title=str(model._meta.verbose_name_plural).capitalize())
            for name, model in REFERENCE_LISTS.items()
        ]
    )


@router.get(
    "/references/{list_name}",
    response={200: ReferenceItemsOut, **errors(401, 403)},
    summary="The entries of one reference list (read-only: administrators edit them in the administration site)",
)
def references_get(request: HttpRequest, list_name: ReferenceName, filters: Query[ReferenceFilters]) -> ReferenceItemsOut:
    require_scope(request, AREA, "read")
    model = REFERENCE_LISTS[list_name]
    entries: QuerySet[Any] = model._default_manager.all()
    if model is Territory:
        entries = entries.order_by("path")  # a territory is always active: the filter changes nothing
    else:
        entries = entries.order_by("order", "name_en", "id")
        if filters.active is not None:
            entries = entries.filter(is_active=filters.active)
    return ReferenceItemsOut(items=[_reference_item(entry) for entry in entries])
