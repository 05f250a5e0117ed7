"""Contacts on the client card: add, edit, delete, "moved to another company", and phones and emails.

These are parts of the card: htmx swaps the Contacts (or Phones and emails) panel's body for a form
and back; without JavaScript the card is shown with that panel in edit mode. A contact, a phone or a
client given by id is fetched through the access policy, so another manager's records are missing (404).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kartoteka.clients.models import Client
from kartoteka.clients.views.card import (
    INVALID,
    card_url,
    is_htmx,
    load_client,
    require_change,
    saved,
    show_form,
)
from kartoteka.contacts import services
from kartoteka.contacts.forms import ContactForm, ContactMoveForm, ContactPointForm
from kartoteka.contacts.models import Contact, ContactPoint
from kartoteka.core.text import matches_all_words
from kartoteka.users import access

MOVE_CHOICES_LIMIT = 20


def _contact(request: HttpRequest, pk: int) -> tuple[Contact, Client]:
    contact = access.get_visible_or_404(request.user, Contact.objects.prefetch_related("roles"), pk=pk)
    return contact, load_client(request, contact.client_id)


@login_required
@require_http_methods(["GET", "POST"])
def contact_add(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = load_client(request, client_pk)
    require_change(request, client)
    form = ContactForm(request.POST or None, region=client.country)
    context: dict[str, Any] = {"form": form, "contact": None}
    if request.method == "POST":
        if form.is_valid():
            try:
                services.contact_create(
                    actor=request.user,
                    client=client,
                    roles=form.roles(),
                    points=form.points(),
                    custom_fields=form.custom_values(),
                    **form.changes(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return saved(request, client, "contacts", _("Contact added."))
        return show_form(request, client, "contacts", "contacts/contact_form.html", context, status=INVALID)
    return show_form(request, client, "contacts", "contacts/contact_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact, client = _contact(request, pk)
    require_change(request, client)
    form = ContactForm(request.POST or None, contact=contact)
    context: dict[str, Any] = {"form": form, "contact": contact}
    if request.method == "POST":
        if form.is_valid():
            try:
                services.contact_update(
                    actor=request.user,
                    contact=contact,
                    changes=form.changes(),
                    roles=form.roles(),
                    custom_fields=form.custom_values(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return saved(request, client, "contacts", _("Contact saved."))
        return show_form(request, client, "contacts", "contacts/contact_form.html", context, status=INVALID)
    return show_form(request, client, "contacts", "contacts/contact_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact, client = _contact(request, pk)
    require_change(request, client)
    if request.method == "POST":
        services.contact_delete(actor=request.user, contact=contact)
        return saved(request, client, "contacts", _("Contact deleted."))
    return render(
        request,
        "clients/card/confirm_delete.html",
        {
            "client": client,
            "title": _("Delete contact"),
            "question": _("Delete the contact “%(name)s” with their phones and emails?") % {"name": contact},
            "action": reverse("contacts:delete", args=[contact.pk]),
            "cancel": card_url(client, "contacts"),
        },
    )


def _move_choices(request: HttpRequest, contact: Contact, query: str) -> QuerySet[Client]:
    """Clients the user may change (the service checks that too), found by a name fragment."""
    clients = access.visible(request.user, Client, action="change").exclude(pk=contact.client_id)
    if query:
        clients = clients.filter(matches_all_words(["name"], query))
    return clients.select_related("legal_form").order_by("name", "id")[:MOVE_CHOICES_LIMIT]


@login_required
@require_http_methods(["GET", "POST"])
def contact_move(request: HttpRequest, pk: int) -> HttpResponse:
    """The person now works at another company: their job here goes to their history."""
    contact, client = _contact(request, pk)
    require_change(request, client)
    form = ContactMoveForm(request.POST or request.GET or None)
    query = (form.data.get("q") or "").strip() if form.is_bound else ""
    choices = list(_move_choices(request, contact, query))
    context: dict[str, Any] = {"form": form, "contact": contact, "choices": choices, "query": query}
    if request.method == "POST" and form.is_valid() and form.cleaned_data.get("to_client"):
        target = access.visible(request.user, Client, action="change").filter(pk=form.cleaned_data["to_client"]).first()
        if target is None:
            form.add_error("to_client", _("Choose one of the companies found."))
        else:
            try:
                services.contact_move(
                    actor=request.user, contact=contact, to_client=target, position=form.cleaned_data.get("position", "")
                )
            except ValidationError as error:
                form.add_service_errors(error, aliases={"client": "to_client"})
            except PermissionDenied:
                form.add_error("to_client", _("You may not change that company."))
            else:
                if is_htmx(request):
                    return saved(request, client, "contacts", "")
                messages.success(
                    request, _("%(name)s now works at «%(client)s».") % {"name": contact, "client": target.display_name}
                )
                return redirect(card_url(client, "contacts"))
    elif request.method == "POST" and form.is_valid():
        form.add_error("to_client", _("Choose the new company."))
    status = INVALID if request.method == "POST" else 200
    if is_htmx(request) and request.GET.get("q") is not None and request.method == "GET":
        return render(request, "contacts/move_form.html#choices", context)
    return show_form(request, client, "contacts", "contacts/move_form.html", context, status=status)


# --- Phones, emails and messengers ------------------------------------------------------------------


def _panel_for(point_contact: Contact | None) -> str:
    return "phones" if point_contact is None else "contacts"


@login_required
@require_http_methods(["GET", "POST"])
def point_add(request: HttpRequest, client_pk: int) -> HttpResponse:
    """A phone, email or messenger of the company, or of one of its contacts (``?contact=<id>``)."""
    client = load_client(request, client_pk)
    contact = None
    contact_id = request.POST.get("contact") or request.GET.get("contact")
    if contact_id:
        contact = access.get_visible_or_404(request.user, Contact, pk=contact_id, client=client)
    require_change(request, client)
    form = ContactPointForm(request.POST or None, initial={"kind": request.GET.get("kind") or "phone"})
    panel = _panel_for(contact)
    context: dict[str, Any] = {"form": form, "point": None, "point_contact": contact, "panel": panel}
    if request.method == "POST":
        if form.is_valid():
            try:
                services.contact_point_save(actor=request.user, client=client, contact=contact, values=form.values())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return saved(request, client, panel, _("Saved."))
        return show_form(request, client, panel, "contacts/point_form.html", context, status=INVALID)
    return show_form(request, client, panel, "contacts/point_form.html", context)


def _point(request: HttpRequest, pk: int) -> tuple[ContactPoint, Client]:
    point = access.get_visible_or_404(request.user, ContactPoint.objects.select_related("contact"), pk=pk)
    return point, load_client(request, point.client_id)


@login_required
@require_http_methods(["GET", "POST"])
def point_edit(request: HttpRequest, pk: int) -> HttpResponse:
    point, client = _point(request, pk)
    require_change(request, client)
    form = ContactPointForm(request.POST or None, point=point)
    panel = _panel_for(point.contact)
    context: dict[str, Any] = {"form": form, "point": point, "point_contact": point.contact, "panel": panel}
    if request.method == "POST":
        if form.is_valid():
            try:
                services.contact_point_save(
                    actor=request.user, client=client, contact=point.contact, point=point, values=form.values()
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return saved(request, client, panel, _("Saved."))
        return show_form(request, client, panel, "contacts/point_form.html", context, status=INVALID)
    return show_form(request, client, panel, "contacts/point_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def point_delete(request: HttpRequest, pk: int) -> HttpResponse:
    point, client = _point(request, pk)
    require_change(request, client)
    panel = _panel_for(point.contact)
    if request.method == "POST":
        services.contact_point_delete(actor=request.user, point=point)
        return saved(request, client, panel, _("Deleted."))
    return render(
        request,
        "clients/card/confirm_delete.html",
        {
            "client": client,
            "title": _("Delete"),
            "question": _("Delete “%(name)s”?") % {"name": point},
            "action": reverse("contacts:point_delete", args=[point.pk]),
            "cancel": card_url(client, panel),
        },
    )
