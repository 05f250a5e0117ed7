"""The client card: a header strip, registered panels on the left, the change history on the right.

Every panel is a registered component (``kartoteka.clients.panels``); the card renders them in order
and knows none of them. A section is edited in place: htmx swaps the panel's body for its form and
back; without JavaScript the same URLs render the whole card with that panel in edit mode and
answer a POST with a redirect. Every read starts from the access policy, every write goes through
a service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, register_converter, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from kartoteka.clients import card_panels, panels, services
from kartoteka.clients import requisites as rules
from kartoteka.clients.forms import (
    INLINE_FIELDS,
    AdditionalForm,
    AddressForm,
    BankAccountForm,
    CategorisationForm,
    GeneralForm,
    InlineFieldForm,
    RequisitesForm,
    can_reassign,
)
from kartoteka.clients.models import Address, BankAccount, Client, Requisites
from kartoteka.users import access

# Everything the header and the panels show about the client itself comes with it in one query.
CARD_RELATIONS = (
    "legal_form", "industry", "size", "territory", "team", "supervisor", "responsible", "segment", "priority",
    "client_type", "category", "terms_package", "source",
)  # fmt: skip

# Events a write sends to the page (HX-Trigger): the parts that show what changed reload themselves.
HEADER_CHANGED = "client-header-changed"
FIELDS_CHANGED = "client-fields-changed"
HISTORY_CHANGED = "client-history-changed"

INVALID = 422  # a form with errors: card.js lets htmx swap it in


def load_client(request: HttpRequest, pk: int) -> Client:
    return access.get_visible_or_404(request.user, Client.objects.select_related(*CARD_RELATIONS), pk=pk)


def require_change(request: HttpRequest, client: Client) -> None:
    if not access.can(request.user, "change", client):
        raise PermissionDenied


def card_url(client: Client, panel: str = "") -> str:
    return reverse("clients:card", args=[client.pk]) + (f"#panel-{panel}" if panel else "")


def merge_url(client: Client) -> str:
    try:
        return reverse("clients:merge", args=[client.pk])
    except NoReverseMatch:  # the merge screen is built separately; its address is agreed
        return f"/clients/{client.pk}/merge/"


def with_events(response: HttpResponse, *events: str) -> HttpResponse:
    for event in events:
        trigger_client_event(response, event)
    return response


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# --- Rendering -----------------------------------------------------------------------------------------


@dataclass
class RenderedPanel:
    panel: panels.Panel
    template: str  # the panel's own template, or a form while it is being edited without JavaScript
    context: dict[str, Any]

    @property
    def key(self) -> str:
        return self.panel.key

    @property
    def hidden(self) -> bool:
        return bool(self.context.get("panel_hidden"))


def base_context(request: HttpRequest, client: Client) -> dict[str, Any]:
    return {
        "client": client,
        "can_change": access.can(request.user, "change", client),
        "user": request.user,
        "request": request,
    }


def header_context(request: HttpRequest, client: Client, *, inline_errors: dict[str, Any] | None = None) -> dict[str, Any]:
    from kartoteka.contacts.card_panels import company_primary_points

    user = request.user
    can_change = access.can(user, "change", client)
    inline = []
    if can_change:
        for name in INLINE_FIELDS:
            if name == "responsible" and not can_reassign(user):
                continue
            form = (inline_errors or {}).get(name) or InlineFieldForm(
                client=client, name=name, viewer=user, auto_id=f"inline-{name}-%s"
            )
            form.fields["value"].widget.attrs.update({"class": "form-select form-select-sm", "data-inline-field": name})
            inline.append({"name": name, "form": form, "url": reverse("clients:card_field", args=[client.pk, name])})
    phone, email = company_primary_points(request, client)
    return {
        "client": client,
        "can_change": can_change,
        "can_delete": access.can(user, "delete", client),
        "inline_fields": inline,
        "primary_phone": phone,
        "primary_email": email,
        "merge_url": merge_url(client),
        "has_files_panel": any(panel.key == "attachments" for panel in panels.panels_for(user)),
        "header_notes": panels.header_notes(request, client),
    }


def panel_by_key(request: HttpRequest, key: str) -> panels.Panel:
    for panel in panels.panels_for(request.user):
        if panel.key == key:
            return panel
    raise Http404


def rendered_panel(
    request: HttpRequest, client: Client, panel: panels.Panel, *, template: str | None = None, extra: dict[str, Any] | None = None
) -> RenderedPanel:
    if template is None:
        return RenderedPanel(panel, panel.template, {**panel.context(request, client), **(extra or {})})
    return RenderedPanel(panel, template, dict(extra or {}))


def render_card(
    request: HttpRequest,
    client: Client,
    *,
    editing: str | None = None,
    template: str | None = None,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole card; ``editing`` names a panel shown with ``template`` (a form) instead of its content."""
    columns: dict[str, list[RenderedPanel]] = {"main": [], "side": []}
    for panel in panels.panels_for(request.user):
        if panel.key == editing:
            columns[panel.column].append(rendered_panel(request, client, panel, template=template, extra=extra))
        else:
            columns[panel.column].append(rendered_panel(request, client, panel))
    context = {
        **base_context(request, client),
        **header_context(request, client),
        "main_panels": columns["main"],
        "side_panels": columns["side"],
        "editing": editing,
    }
    return render(request, "clients/client_card.html", context, status=status)


def render_panel_body(
    request: HttpRequest,
    client: Client,
    key: str,
    *,
    template: str | None = None,
    extra: dict[str, Any] | None = None,
    status: int = 200,
    events: tuple[str, ...] = (),
) -> HttpResponse:
    """One panel's body, for htmx to swap in: its content, or ``template`` (a form) with ``extra``."""
    item = rendered_panel(request, client, panel_by_key(request, key), template=template, extra=extra)
    response = render(request, item.template, {**base_context(request, client), **item.context}, status=status)
    return with_events(response, *events)


def show_form(
    request: HttpRequest, client: Client, panel: str, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """A section's form: alone for htmx, inside the whole card otherwise."""
    if is_htmx(request):
        return render_panel_body(request, client, panel, template=template, extra=context, status=status)
    return render_card(request, client, editing=panel, template=template, extra=context, status=status)


def saved(request: HttpRequest, client: Client, panel: str, message: str, *, events: tuple[str, ...] = ()) -> HttpResponse:
    """After a successful write: the panel's fresh content for htmx, a redirect to the card otherwise."""
    if is_htmx(request):
        fresh = load_client(request, client.pk)
        return render_panel_body(request, fresh, panel, events=(HEADER_CHANGED, HISTORY_CHANGED, *events))
    messages.success(request, message)
    return redirect(card_url(client, panel))


# --- The card and its parts --------------------------------------------------------------------------


@login_required
@require_GET
def client_card(request: HttpRequest, pk: int) -> HttpResponse:
    return render_card(request, load_client(request, pk))


@login_required
@require_GET
def card_header(request: HttpRequest, pk: int) -> HttpResponse:
    client = load_client(request, pk)
    if not is_htmx(request):
        return redirect(card_url(client))
    return render(request, "clients/client_card.html#header", header_context(request, client))


@login_required
@require_GET
def card_panel(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    client = load_client(request, pk)
    panel_by_key(request, key)
    if not is_htmx(request):
        return redirect(card_url(client, key))
    return render_panel_body(request, client, key)


@login_required
@require_GET
def card_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Older entries for "show older" (htmx), or the history as a page of its own."""
    client = load_client(request, pk)
    before = request.GET.get("before") or None
    show = request.GET.get("show", "")
    context = {"client": client, **card_panels.history_context(request, client, before, show)}
    if is_htmx(request):
        template = "clients/card/history.html#entries" if before else "clients/card/history.html"
        return render(request, template, context)
    return render(request, "clients/card/history_page.html", context)


# --- Editing the sections -----------------------------------------------------------------------------

SECTIONS = {
    "general": (GeneralForm, "clients/card/general_form.html"),
    "categorisation": (CategorisationForm, "clients/card/categorisation_form.html"),
    "additional": (AdditionalForm, "clients/card/additional_form.html"),
}


def _duplicates(request: HttpRequest, client: Client, *, name: str = "", tax_id: str = "") -> list[Any]:
    """Other clients the new name or tax id points to (kartoteka.clients.duplicates)."""
    try:
        from kartoteka.clients.duplicates import find_duplicates
    except ImportError:  # pragma: no cover - the module ships with the project
        return []
    return find_duplicates(viewer=request.user, name=name, tax_id=tax_id, phones=[], emails=[], exclude_id=client.pk)


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    if section == "requisites":
        return requisites_edit(request, pk)
    if section not in SECTIONS:
        raise Http404
    client = load_client(request, pk)
    require_change(request, client)
    form_class, template = SECTIONS[section]
    form = form_class(request.POST or None, client=client, viewer=request.user)
    context: dict[str, Any] = {"form": form, "section": section}
    if request.method == "POST":
        if form.is_valid():
            new_name = form.cleaned_data.get("name")
            if (
                section == "general"
                and new_name
                and new_name.strip() != client.name
                and not form.cleaned_data["confirm_duplicates"]
            ):
                hits = _duplicates(request, client, name=new_name)
                if hits:
                    return show_form(request, client, section, template, {**context, "duplicates": hits, "confirming": True})
            try:
                with transaction.atomic():
                    services.client_update(
                        actor=request.user, client=client, changes=form.changes(), custom_fields=form.custom_values()
                    )
                    if isinstance(form, CategorisationForm):
                        current = sorted(tag.name for tag in client.tags.all())
                        if sorted(form.tag_names()) != current:
                            services.client_set_tags(actor=request.user, client=client, tags=form.tag_names())
            except ValidationError as error:
                form.add_service_errors(error)
            except PermissionDenied:
                # E.g. a supervisor handing the client to a team outside their own.
                form.add_error(None, _("You may not make this change: the client would leave your responsibility."))
            else:
                return saved(request, client, section, _("Changes saved."), events=(FIELDS_CHANGED,))
        return show_form(request, client, section, template, context, status=INVALID)
    return show_form(request, client, section, template, context)


def requisites_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = load_client(request, pk)
    require_change(request, client)
    requisites = access.visible(request.user, Requisites).filter(client=client).first()
    form = RequisitesForm(request.POST or None, client=client, requisites=requisites)
    template = "clients/card/requisites_form.html"
    context: dict[str, Any] = {"form": form, "section": "requisites"}
    if request.method == "POST":
        if form.is_valid():
            tax_field = rules.tax_id_field(client.country)
            new_tax_id = form.cleaned_data.get(tax_field, "") if tax_field else ""
            old_tax_id = getattr(requisites, tax_field, "") if requisites and tax_field else ""
            confirmed = request.POST.get("confirm_duplicates") == "1"
            if new_tax_id and rules.normalize_digits(new_tax_id) != old_tax_id and not confirmed:
                hits = _duplicates(request, client, tax_id=new_tax_id)
                if hits:
                    return show_form(request, client, "requisites", template, {**context, "duplicates": hits, "confirming": True})
            try:
                with transaction.atomic():
                    services.requisites_update(actor=request.user, client=client, values=form.values())
                    custom = form.custom_values()
                    if custom is not None:
                        services.client_update(actor=request.user, client=client, changes={}, custom_fields=custom)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return saved(request, client, "requisites", _("Requisites saved."))
        return show_form(request, client, "requisites", template, context, status=INVALID)
    return show_form(request, client, "requisites", template, context)


@login_required
@require_POST
def field_update(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One field from the header's quick selects; saves on change."""
    if name not in INLINE_FIELDS:
        raise Http404
    client = load_client(request, pk)
    require_change(request, client)
    if name == "responsible" and not can_reassign(request.user):
        raise PermissionDenied
    form = InlineFieldForm(request.POST, client=client, name=name, viewer=request.user, auto_id=f"inline-{name}-%s")
    if form.is_valid():
        try:
            services.client_update(actor=request.user, client=client, changes={name: form.cleaned_data["value"]})
        except ValidationError as error:
            form.add_service_errors(error, aliases={name: "value"})
        except PermissionDenied:
            form.add_error("value", _("You may not make this change: the client would leave your responsibility."))
        else:
            if not is_htmx(request):
                messages.success(request, _("Changes saved."))
                return redirect(card_url(client))
            fresh = load_client(request, pk)
            response = render(request, "clients/client_card.html#header", header_context(request, fresh))
            return with_events(response, FIELDS_CHANGED, HISTORY_CHANGED)
    if not is_htmx(request):
        messages.error(request, " ".join(str(message) for message in form.errors.get("value", [])))
        return redirect(card_url(client))
    context = header_context(request, client, inline_errors={name: form})
    return render(request, "clients/client_card.html#header", context, status=INVALID)


@login_required
@require_http_methods(["GET", "POST"])
def client_delete(request: HttpRequest, pk: int) -> HttpResponse:
    client = load_client(request, pk)
    if not access.can(request.user, "delete", client):
        raise PermissionDenied
    if request.method == "POST":
        name = client.display_name
        services.client_delete(actor=request.user, client=client)
        messages.success(request, _("Client «%(name)s» deleted.") % {"name": name})
        return redirect("clients:list")
    return render(
        request,
        "clients/card/confirm_delete.html",
        {
            "client": client,
            "title": _("Delete client"),
            "question": _("Delete «%(name)s» with its contacts, requisites and files? This cannot be undone.")
            % {"name": client.display_name},
            "action": reverse("clients:card_delete", args=[client.pk]),
            "cancel": card_url(client),
        },
    )


# --- Bank accounts and addresses ------------------------------------------------------------------------

RECORDS: dict[str, tuple[type[BankAccount] | type[Address], Any, str, str]] = {
    # kind in the URL: model, form, template, form keyword for the record
    "bank-account": (BankAccount, BankAccountForm, "clients/card/bank_account_form.html", "account"),
    "address": (Address, AddressForm, "clients/card/address_form.html", "address"),
}


def _record(request: HttpRequest, client: Client, kind: str, record_id: int | None) -> Any:
    if kind not in RECORDS:
        raise Http404
    model = RECORDS[kind][0]
    if record_id is None:
        return None
    # A guessed id of another client's record is missing here, whoever may see that client.
    return access.get_visible_or_404(request.user, model, pk=record_id, client=client)


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, pk: int, kind: str, record_id: int | None = None) -> HttpResponse:
    client = load_client(request, pk)
    record = _record(request, client, kind, record_id)
    require_change(request, client)
    model, form_class, template, keyword = RECORDS[kind]
    kwargs: dict[str, Any] = {keyword: record}
    if model is Address:
        kwargs["client"] = client
    form = form_class(request.POST or None, **kwargs)
    context = {"form": form, "record": record, "kind": kind}
    if request.method == "POST":
        if form.is_valid():
            try:
                if model is BankAccount:
                    services.bank_account_save(actor=request.user, client=client, account=record, values=form.values())
                else:
                    services.address_save(actor=request.user, client=client, address=record, values=form.values())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return saved(request, client, "requisites", _("Changes saved."))
        return show_form(request, client, "requisites", template, context, status=INVALID)
    return show_form(request, client, "requisites", template, context)


@login_required
@require_http_methods(["GET", "POST"])
def record_delete(request: HttpRequest, pk: int, kind: str, record_id: int) -> HttpResponse:
    client = load_client(request, pk)
    record = _record(request, client, kind, record_id)
    require_change(request, client)
    if request.method == "POST":
        services.client_record_delete(actor=request.user, record=record)
        return saved(request, client, "requisites", _("Deleted."))
    return render(
        request,
        "clients/card/confirm_delete.html",
        {
            "client": client,
            "title": _("Delete"),
            "question": _("Delete “%(name)s”?") % {"name": record},
            "action": reverse("clients:card_record_delete", args=[client.pk, kind, record.pk]),
            "cancel": card_url(client, "requisites"),
        },
    )


class RecordKindConverter:
    """Only "bank-account" and "address": the card's other addresses stay free for other screens."""

    regex = "bank-account|address"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RecordKindConverter, "record_kind")

urlpatterns = [
    path("<int:pk>/", client_card, name="card"),
    path("<int:pk>/header/", card_header, name="card_header"),
    path("<int:pk>/panels/<slug:key>/", card_panel, name="card_panel"),
    path("<int:pk>/history/", card_history, name="card_history"),
    path("<int:pk>/edit/<slug:section>/", section_edit, name="card_edit"),
    path("<int:pk>/field/<slug:name>/", field_update, name="card_field"),
    path("<int:pk>/delete/", client_delete, name="card_delete"),
    path("<int:pk>/<record_kind:kind>/new/", record_edit, name="card_record_add"),
    path("<int:pk>/<record_kind:kind>/<int:record_id>/", record_edit, name="card_record_edit"),
    path("<int:pk>/<record_kind:kind>/<int:record_id>/delete/", record_delete, name="card_record_delete"),
]
