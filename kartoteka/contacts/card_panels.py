"""The client card's Contacts panel and its "Phones and emails" panel, and what the header needs from them.

All phones, emails and messengers of a client (the company's and its contacts') come in one query per
request, shared by the header's click-to-call link and both panels.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kartoteka.clients import panels
from kartoteka.clients.card_panels import card_memo, custom_rows
from kartoteka.clients.models import Client
from kartoteka.contacts.models import Contact, ContactJob, ContactPoint, ContactPointKind
from kartoteka.users import access


def client_points(request: HttpRequest, client: Client) -> list[ContactPoint]:
    """Every phone, email and messenger of the client, primary first. One query per request."""
    return card_memo(
        request,
        f"points:{client.pk}",
        lambda: list(access.visible(request.user, ContactPoint).filter(client=client).order_by("-is_primary", "kind", "id")),
    )


def company_points(request: HttpRequest, client: Client) -> list[ContactPoint]:
    return [point for point in client_points(request, client) if point.contact_id is None]


def company_primary_points(request: HttpRequest, client: Client) -> tuple[ContactPoint | None, ContactPoint | None]:
    """The phone and the email the header offers: the company's primary ones, else its first ones."""
    points = company_points(request, client)
    phone = next((p for p in points if p.kind == ContactPointKind.PHONE), None)
    email = next((p for p in points if p.kind == ContactPointKind.EMAIL), None)
    return phone, email


def _contacts(request: HttpRequest, client: Client) -> dict[str, Any]:
    contacts = list(
        access.visible(request.user, Contact)
        .filter(client=client)
        .select_related("management_level")
        .prefetch_related("roles")  # one query for every contact's roles
    )
    by_contact: dict[int, list[ContactPoint]] = defaultdict(list)
    for point in client_points(request, client):
        if point.contact_id is not None:
            by_contact[point.contact_id].append(point)
    jobs: dict[int, list[ContactJob]] = defaultdict(list)
    if contacts:
        for job in ContactJob.objects.filter(contact__in=[c.pk for c in contacts]):  # one query
            jobs[job.contact_id].append(job)
    rows = [
        {
            "contact": contact,
            "points": by_contact.get(contact.pk, []),
            "jobs": jobs.get(contact.pk, []),
            "custom_rows": custom_rows(request, contact, "contact", _ALL_SECTIONS, objects=contacts),
        }
        for contact in contacts
    ]
    return {"contact_rows": rows}


_ALL_SECTIONS = ("general", "categorisation", "requisites", "relationship", "additional")


def _points(request: HttpRequest, client: Client) -> dict[str, Any]:
    return {"company_points": company_points(request, client)}


panels.register(panels.Panel(key="contacts", label=_("Contacts"), template="contacts/panel.html", context=_contacts, order=30))
panels.register(
    panels.Panel(key="phones", label=_("Phones and emails"), template="contacts/points_panel.html", context=_points, order=40)
)
