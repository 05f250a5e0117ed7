"""Clients and contacts in global search: two kinds, each one query, scoped by the access policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kartoteka.clients.models import Client, Requisites
from kartoteka.clients.requisites import tax_id_field
from kartoteka.contacts.models import Contact
from kartoteka.search import backends
from kartoteka.search.queries import filter_clients, filter_contacts, parse_query
from kartoteka.search.registry import Hit, SearchKind, register
from kartoteka.users import access

if TYPE_CHECKING:
    from kartoteka.search.registry import Viewer


def _name_first(queryset: QuerySet[Client], query: str) -> QuerySet[Client]:
    """Clients whose name starts with the first word come first, then by name."""
    words = parse_query(query).words
    if not words:
        return queryset.order_by("name", "id")
    starts = Case(When(name_key__startswith=words[0], then=Value(0)), default=Value(1), output_field=IntegerField())
    return queryset.annotate(search_rank=starts).order_by("search_rank", "name", "id")


def _client_subtitle(client: Client) -> str:
    parts = []
    field = tax_id_field(client.country)
    if client.tax_id and field:
        parts.append(f"{getattr(Requisites._meta.get_field(field), 'verbose_name', field)} {client.tax_id}")
    if client.responsible is not None:
        parts.append(client.responsible.get_short_name())
    return " · ".join(parts)


def search_clients(viewer: Viewer, query: str, limit: int) -> list[Hit]:
    visible = access.visible(viewer, Client).select_related("legal_form", "responsible")
    rows = list(_name_first(filter_clients(visible, query), query)[:limit])
    if not rows and backends.supports_fuzzy():
        # Nothing as typed: perhaps a typo ("Ромашко"). Only then, so exact matches never drown.
        rows = list(filter_clients(visible, query, fuzzy=True).order_by("name", "id")[:limit])
    return [
        Hit(
            title=client.display_name,
            subtitle=_client_subtitle(client),
            url=reverse("clients:card", args=[client.pk]),
            kind="clients",
        )
        for client in rows
    ]


def _contact_subtitle(contact: Contact) -> str:
    return " · ".join(part for part in (contact.position, contact.client.display_name) if part)


def search_contacts(viewer: Viewer, query: str, limit: int) -> list[Hit]:
    visible = access.visible(viewer, Contact).select_related("client", "client__legal_form")
    ordering = ("last_name", "first_name", "id")
    rows = list(filter_contacts(visible, query).order_by(*ordering)[:limit])
    if not rows and backends.supports_fuzzy():
        rows = list(filter_contacts(visible, query, fuzzy=True).order_by(*ordering)[:limit])
    return [
        Hit(
            title=str(contact),
            subtitle=_contact_subtitle(contact),
            url=reverse("clients:card", args=[contact.client_id]) + f"#contact-{contact.pk}",
            kind="contacts",
        )
        for contact in rows
    ]


register(SearchKind(key="clients", label=_("Clients"), order=10, search=search_clients))
register(SearchKind(key="contacts", label=_("Contacts"), order=20, search=search_contacts))
