"""Reads of clients for lists and exports. Every queryset starts from the access policy.

The list page and the export share these querysets, so a manager exports exactly what the list
shows them. Related rows a row needs are joined (``select_related``) or loaded once per page or
chunk (``prefetch_related``): the number of queries never depends on the number of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Prefetch, Q, Value

from kartoteka.clients.models import (
    Client,
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
from kartoteka.core.models import ReferenceList, Tag, Territory, localized
from kartoteka.core.text import matches_all_words
from kartoteka.users import access
from kartoteka.users.models import Team, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Viewer = User | AnonymousUser

# Joined: only the people and the team a row shows. PostgreSQL's planner time grows steeply with the
# number of joins (8 joins: ~45 ms of planning for a 0.5 ms query at 100,000 clients; 12: ~80 ms, the
# genetic optimizer; 2 joins: well under 1 ms), so the small reference lists and the territory a row
# shows are resolved afterwards by ``attach_references``: one UNION query per page, whatever it holds.
LIST_RELATIONS = ("responsible", "team")
LIST_REFERENCES = ("legal_form", "category", "territory", "priority", "client_type", "segment")
EXPORT_RELATIONS = (*LIST_RELATIONS, *LIST_REFERENCES, "industry", "size", "source", "terms_package", "supervisor")
# Long free text no list cell shows: left in the table.
LIST_DEFERRED = ("notes", "business_description", "individual_terms")
MAX_TAG_CHOICES = 500


def _phones() -> Prefetch[Any]:
    from kartoteka.contacts.models import ContactPoint, ContactPointKind

    points = ContactPoint.objects.filter(kind=ContactPointKind.PHONE).only("id", "client_id", "contact_id", "value", "is_primary")
    return Prefetch("contact_points", queryset=points.order_by("-is_primary", "id"), to_attr="phone_points")


def _tags() -> Prefetch[Any]:
    return Prefetch("tags", queryset=Tag.objects.order_by("name"))


def clients_for_list(viewer: Viewer) -> models.QuerySet[Client]:
    """Clients the viewer may see, with what a list row shows; a few extra queries per page, never per row."""
    return (
        access.visible(viewer, Client).select_related(*LIST_RELATIONS).defer(*LIST_DEFERRED).prefetch_related(_tags(), _phones())
    )


def clients_for_export(viewer: Viewer) -> models.QuerySet[Client]:
    """Clients the viewer may see, with every related row an export column reads."""
    return access.visible(viewer, Client).select_related(*EXPORT_RELATIONS).prefetch_related(_tags(), _phones())


def clients_changeable(viewer: Viewer, ids: list[int]) -> models.QuerySet[Client]:
    """The clients among ``ids`` the viewer may change (bulk actions re-check every id through this)."""
    return access.visible(viewer, Client, action="change").filter(pk__in=ids).order_by("pk")


def primary_phone(client: Client) -> str:
    """The client's own primary phone, else a contact person's; needs ``phone_points`` prefetched."""
    points = getattr(client, "phone_points", None) or []
    own = [point for point in points if point.contact_id is None]
    chosen = (own or points)[:1]
    return chosen[0].value if chosen else ""


# --- Reference rows without joins -----------------------------------------------------------------

# One more column some rows show: the category badge's colour, the legal form in the display name.
_SPARE: dict[type[models.Model], str] = {ClientCategory: "color", LegalForm: "abbreviation", Territory: "kind"}


def attach_references(rows: Sequence[models.Model], names: Sequence[str]) -> None:
    """Set ``row.<name>`` for every reference-list or territory foreign key in ``names``, in one query.

    The rows come without these joins (see ``LIST_RELATIONS``); this loads only the entries the rows
    point at, from all the tables at once (a UNION), and caches them on the rows as if they had been
    joined, so ``client.category.name`` costs nothing more. Category colour and territory kind and
    country, legal-form abbreviation travel in two spare columns. No query when no row points at any entry.
    """
    if not rows or not names:
        return
    model = type(rows[0])
    targets = {name: model._meta.get_field(name).related_model for name in names}
    wanted: dict[str, set[int]] = {name: set() for name in names}
    for row in rows:
        for name in names:
            pk = getattr(row, f"{name}_id")
            if pk is not None:
                wanted[name].add(pk)
    parts = []
    blank = Value("", output_field=models.CharField())
    for name, ids in wanted.items():
        if not ids:
            continue
        target = targets[name]
        is_territory = target is Territory
        extra = {
            "list_key": Value(name, output_field=models.CharField()),
            "ref_code": blank if is_territory else models.F("code"),
            "spare1": models.F(_SPARE.get(target, "")) if target in _SPARE else blank,
            "spare2": models.F("country_code") if is_territory else blank,
        }
        parts.append(
            target._default_manager.order_by()  # type: ignore[union-attr]
            .filter(pk__in=sorted(ids))
            .annotate(**extra)
            # Model columns first, annotations after: the order a UNION's SQL lists them in.
            .values_list("pk", "name_en", "name_ru", "name_uk", "name_ro", "list_key", "ref_code", "spare1", "spare2")
        )
    if not parts:
        return
    found: dict[tuple[str, int], models.Model] = {}
    database = rows[0]._state.db or "default"
    # An explicit order: otherwise the first table's Meta.ordering (a column not selected) would apply.
    union = parts[0].union(*parts[1:], all=True).order_by("list_key")
    for pk, en, ru, uk, ro, key, code, spare1, spare2 in union:
        target = targets[key]
        loaded: dict[str, Any] = {"id": pk, "name_en": en, "name_ru": ru, "name_uk": uk, "name_ro": ro}
        if target is Territory:
            loaded.update(kind=spare1, country_code=spare2)
        else:
            loaded["code"] = code
            if target in _SPARE:
                loaded[_SPARE[target]] = spare1
        # from_db takes the values in the model's field order; the fields not loaded stay deferred.
        fields = [field.attname for field in target._meta.concrete_fields if field.attname in loaded]  # type: ignore[union-attr]
        found[(key, pk)] = target.from_db(database, fields, [loaded[name] for name in fields])  # type: ignore[union-attr]
    for row in rows:
        for name in names:
            pk = getattr(row, f"{name}_id")
            # Through the field's cache, as select_related would: the foreign key value is untouched.
            model._meta.get_field(name).set_cached_value(row, found.get((name, pk)) if pk is not None else None)  # type: ignore[union-attr]


# --- Choices for the filter panel ------------------------------------------------------------------

REFERENCE_MODELS: dict[str, type[ReferenceList]] = {
    "legal_form": LegalForm,
    "industry": Industry,
    "size": SizeClass,
    "segment": Segment,
    "priority": ClientPriority,
    "client_type": ClientType,
    "category": ClientCategory,
    "terms_package": TermsPackage,
    "source": ClientSource,
}


@dataclass(frozen=True)
class Entry:
    pk: int
    label: str
    is_active: bool


class ClientListChoices:
    """Filter choices for one request, each loaded at most once and only when asked for.

    All reference lists come in one UNION query; territories, teams and tags one query each. People are
    never listed in full (thousands): see ``find_people`` and ``resolve_people``.
    """

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer

    @cached_property
    def references(self) -> dict[str, list[Entry]]:
        parts = [
            model._default_manager.order_by()
            .annotate(list_key=Value(key, output_field=models.CharField()))
            .values_list("pk", "name_en", "name_ru", "name_uk", "name_ro", "order", "is_active", "list_key")
            for key, model in REFERENCE_MODELS.items()
        ]
        result: dict[str, list[tuple[int, str, Entry]]] = {key: [] for key in REFERENCE_MODELS}
        for pk, en, ru, uk, ro, order, is_active, list_key in parts[0].union(*parts[1:], all=True):
            label = localized({"name_en": en, "name_ru": ru, "name_uk": uk, "name_ro": ro})
            result[list_key].append((order, label, Entry(pk, label, is_active)))
        return {key: [entry for _order, _label, entry in sorted(rows, key=lambda row: row[:2])] for key, rows in result.items()}

    def reference(self, key: str) -> list[tuple[str, str]]:
        """Active entries to offer (inactive ones stay only as labels of values already chosen)."""
        return [(str(entry.pk), entry.label) for entry in self.references[key] if entry.is_active]

    def reference_all(self, key: str) -> list[tuple[str, str]]:
        return [(str(entry.pk), entry.label) for entry in self.references[key]]

    @cached_property
    def territories(self) -> list[Territory]:
        return list(Territory.objects.order_by("path").only("id", "name_en", "name_ru", "name_uk", "name_ro", "depth", "path"))

    def territory_choices(self) -> list[tuple[str, str]]:
        return [(str(territory.pk), territory.label) for territory in self.territories]

    @cached_property
    def teams(self) -> list[Team]:
        return list(access.visible(self.viewer, Team).order_by("path").only("id", "name", "depth", "path"))

    def team_choices(self) -> list[tuple[str, str]]:
        top = min((team.depth for team in self.teams), default=0)
        return [(str(team.pk), "· " * (team.depth - top) + team.name) for team in self.teams]

    @cached_property
    def tags(self) -> list[Tag]:
        return list(Tag.objects.order_by("name")[:MAX_TAG_CHOICES])

    def tag_choices(self) -> list[tuple[str, str]]:
        return [(str(tag.pk), tag.name) for tag in self.tags]


# --- People pickers --------------------------------------------------------------------------------

PEOPLE_MATCHES = 20  # options one lookup returns: type more to narrow
PEOPLE_FIELDS = ("last_name", "first_name", "patronymic", "email")
MIN_TYPED = 3  # typed text (no JavaScript) shorter than this is not looked up: "x" would match everyone
_PEOPLE_COLUMNS = ("id", "email", "last_name", "first_name", "patronymic", "is_active", "team_id")


def _people(viewer: Viewer) -> models.QuerySet[User]:
    return access.visible(viewer, User).order_by("-is_active", "last_name", "first_name", "id").only(*_PEOPLE_COLUMNS)


def find_people(viewer: Viewer, query: str, *, active_only: bool = False, limit: int = PEOPLE_MATCHES) -> list[User]:
    """People the viewer may see whose name or email contains every word typed; active ones first."""
    people = _people(viewer).filter(matches_all_words(PEOPLE_FIELDS, query[:100]))
    if active_only:
        people = people.filter(is_active=True)
    return list(people[:limit])


def resolve_people(viewer: Viewer, raw: list[str], *, active_only: bool = False) -> list[User]:
    """The visible people among ``raw``: ids, or (the no-JavaScript fallback) a typed name or email.

    One query whatever the mix; ids the viewer may not see are dropped, as if they did not exist.
    """
    ids = {int(value) for value in raw if value.isdigit()}
    condition = Q(pk__in=ids)
    for text in (value for value in raw if not value.isdigit() and len(value.strip()) >= MIN_TYPED):
        condition |= matches_all_words(PEOPLE_FIELDS, text[:100])
    if condition == Q(pk__in=ids) and not ids:
        return []
    people = _people(viewer).filter(condition)
    if active_only:
        people = people.filter(is_active=True)
    return list(people[: PEOPLE_MATCHES + len(ids)])


def person_label(user: User) -> str:
    label = user.get_short_name()
    return label if user.is_active else f"{label} ✕"
