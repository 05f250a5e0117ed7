"""The client list: filters, search, columns, saved views, bulk actions and export.

Everything the list shows is described once, per request, by :func:`client_list_spec` (columns,
filters, custom fields); the page, its htmx fragment, saved views, exports and bulk actions read
the same parameters, so a URL reproduces a view and an export contains what the list shows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from kartoteka.clients import exports, selectors
from kartoteka.clients.models import (
    Client,
    ClientKind,
    FirstContactReason,
    PlanningMethod,
    SalesKind,
    SalesMode,
)
from kartoteka.clients.services import client_bulk_update
from kartoteka.core.list_views import (
    PeoplePicker,
    PickerField,
    SavedViews,
    current_view,
    default_view_redirect,
    people_options,
    saved_view_default,
    saved_view_delete,
    saved_view_rename,
    saved_view_save,
)
from kartoteka.core.lists import (
    Column,
    Filter,
    FilterKind,
    ListSpec,
    Params,
    apply_params,
    list_context,
    querystring,
    read_params,
)
from kartoteka.core.models import SavedView
from kartoteka.customfields import lists as custom_field_lists
from kartoteka.customfields import schema as custom_field_schema
from kartoteka.search.queries import filter_clients
from kartoteka.users import access

if TYPE_CHECKING:
    from kartoteka.users.models import Team, User

LIST_KEY = "clients"
BULK_LIMIT = 200  # one request, one transaction: beyond this, narrow the selection
NEW_CLIENT_URL = reverse_lazy("clients:new")  # the new-client wizard
TONES = {"primary", "secondary", "success", "danger", "warning", "info", "light", "dark"}
YES_NO_TAX_ID = [("yes", gettext_lazy("with tax ID")), ("no", gettext_lazy("without tax ID"))]
NOBODY = "none"
NOBODY_LABEL = gettext_lazy("— nobody")


# --- Cells -----------------------------------------------------------------------------------------


def _name(obj: models.Model | None) -> str:
    return getattr(obj, "name", "") if obj is not None else ""


def _category(client: Client) -> Any:
    if client.category is None:
        return ""
    tone = client.category.color if client.category.color in TONES else "secondary"
    return format_html('<span class="badge text-bg-{}">{}</span>', tone, client.category.name)


def _person(user: User | None) -> str:
    return user.get_short_name() if user is not None else ""


def _phone(client: Client) -> str:
    from kartoteka.contacts.normalize import format_phone

    value = selectors.primary_phone(client)
    return format_phone(value) if value else ""


def _tags(client: Client) -> Any:
    tags = list(client.tags.all())  # prefetched
    return format_html_join(" ", '<span class="badge rounded-pill text-bg-light border">{}</span>', ((tag.name,) for tag in tags))


def _date(value: Any) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATE_FORMAT") if value else ""


def _card_url(client: Client) -> str:
    return reverse("clients:card", args=[client.pk])


# --- Filters ---------------------------------------------------------------------------------------


def _subtree_ids(nodes: Sequence[Any], chosen: list[str]) -> list[int]:
    """Ids of the chosen tree nodes (teams or territories) and everything below them, from loaded rows."""
    paths = [node.path for node in nodes if str(node.pk) in chosen]
    return [node.pk for node in nodes if any(node.path.startswith(prefix) for prefix in paths)]


def _with_selected_inactive(
    choices: selectors.ClientListChoices, key: str, params: Params
) -> Callable[[Any], list[tuple[str, str]]]:
    """Active entries of a reference list, plus inactive ones already chosen (so a saved view keeps working)."""
    chosen = set(params.get(key, []))

    def options(user: Any) -> list[tuple[str, str]]:
        return [(str(entry.pk), entry.label) for entry in choices.references[key] if entry.is_active or str(entry.pk) in chosen]

    return options


def _responsible_filter(queryset: models.QuerySet[Any], values: list[str], params: Params) -> models.QuerySet[Any]:
    ids = [int(value) for value in values if value != NOBODY]
    condition = Q(responsible_id__in=ids)
    if NOBODY in values:
        condition |= Q(responsible__isnull=True)
    return queryset.filter(condition)


def _people_resolver(*, nobody: bool) -> Callable[[Any, list[str]], list[tuple[str, str]]]:
    """Chosen people (ids, or a typed name or email without JavaScript) as (id, label); one query."""

    def resolve(user: Any, raw: list[str]) -> list[tuple[str, str]]:
        found = [(NOBODY, str(NOBODY_LABEL))] if nobody and NOBODY in raw else []
        wanted = [value for value in raw if value != NOBODY]
        if wanted:
            found += [(str(person.pk), selectors.person_label(person)) for person in selectors.resolve_people(user, wanted)]
        return found

    return resolve


def _tax_id_filter(queryset: models.QuerySet[Any], values: list[str], params: Params) -> models.QuerySet[Any]:
    return queryset.exclude(tax_id="") if values[0] == "yes" else queryset.filter(tax_id="")


def _tags_filter(queryset: models.QuerySet[Any], values: list[str], params: Params) -> models.QuerySet[Any]:
    # A subquery rather than a join: a client with two of the chosen tags is still one row.
    tagged = Client.tags.through.objects.filter(tag_id__in=[int(value) for value in values]).values("client_id")
    return queryset.filter(pk__in=tagged)


def _positive_days(value: str) -> int:
    days = int(value)
    if not 0 < days <= 36_500:
        raise ValueError(value)
    return days


def _not_contacted_filter(queryset: models.QuerySet[Any], values: list[str], params: Params) -> models.QuerySet[Any]:
    """Clients not contacted for more than N days, or never (``last_contact_at`` is kept by the activities)."""
    since = timezone.now() - datetime.timedelta(days=_positive_days(values[0]))
    return queryset.filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=since))


def _last_contact(client: Client) -> str:
    if client.last_contact_at is None:
        return ""
    days = (timezone.localdate() - timezone.localdate(client.last_contact_at)).days
    return f"{_date(client.last_contact_at)} ({ngettext('%(days)d day', '%(days)d days', days) % {'days': days}})"


def _filters(choices: selectors.ClientListChoices, params: Params) -> list[Filter]:
    def ref(key: str, label: Any, group: Any) -> Filter:
        return Filter(key, label, f"{key}_id", _with_selected_inactive(choices, key, params), kind=FilterKind.MULTI, group=group)

    def fixed(key: str, label: Any, options: Any, group: Any) -> Filter:
        return Filter(key, label, key, lambda user: list(options), kind=FilterKind.MULTI, group=group)

    responsibility = gettext_lazy("Responsibility")
    classes = gettext_lazy("Categorisation")
    company = gettext_lazy("Company")
    sales = gettext_lazy("Sales")
    origin = gettext_lazy("Origin")
    return [
        Filter(
            "responsible",
            gettext_lazy("Responsible"),
            kind=FilterKind.LOOKUP,
            resolve=_people_resolver(nobody=True),
            lookup_url=reverse("clients:people_options") + "?field=responsible",
            apply=_responsible_filter,
            group=responsibility,
        ),
        Filter(
            "team",
            gettext_lazy("Team"),
            choices=lambda user: choices.team_choices(),
            apply=lambda qs, values, params: qs.filter(
                team_id__in=_subtree_ids(choices.teams, values) if params.get("team_sub") == ["1"] else [int(values[0])]
            ),
            flag_param="team_sub",
            flag_label=gettext_lazy("with sub-teams"),
            group=responsibility,
        ),
        Filter(
            "supervisor",
            gettext_lazy("Supervisor"),
            "supervisor_id",
            kind=FilterKind.LOOKUP,
            resolve=_people_resolver(nobody=False),
            lookup_url=reverse("clients:people_options") + "?field=supervisor",
            group=responsibility,
        ),
        Filter(
            "territory",
            gettext_lazy("Territory"),
            choices=lambda user: choices.territory_choices(),
            kind=FilterKind.MULTI,
            # A country includes its regions and cities.
            apply=lambda qs, values, params: qs.filter(territory_id__in=_subtree_ids(choices.territories, values)),
            group=responsibility,
        ),
        ref("category", gettext_lazy("Category"), classes),
        ref("priority", gettext_lazy("Priority"), classes),
        ref("client_type", gettext_lazy("Client type"), classes),
        ref("segment", gettext_lazy("Segment"), classes),
        Filter(
            "tags",
            gettext_lazy("Tags"),
            choices=lambda user: choices.tag_choices(),
            kind=FilterKind.MULTI,
            apply=_tags_filter,
            group=classes,
        ),
        fixed("kind", gettext_lazy("Kind"), ClientKind.choices, company),
        ref("legal_form", gettext_lazy("Legal form"), company),
        ref("industry", gettext_lazy("Line of business"), company),
        ref("size", gettext_lazy("Size"), company),
        Filter("tax_id", gettext_lazy("Tax ID"), choices=lambda user: YES_NO_TAX_ID, apply=_tax_id_filter, group=company),
        fixed("sales_mode", gettext_lazy("Sales mode"), SalesMode.choices, sales),
        fixed("sales_kind", gettext_lazy("Sales kind"), SalesKind.choices, sales),
        fixed("planning_method", gettext_lazy("Planning method"), PlanningMethod.choices, sales),
        ref("terms_package", gettext_lazy("Terms package"), sales),
        ref("source", gettext_lazy("Source"), origin),
        fixed("first_contact_reason", gettext_lazy("Reason of first contact"), FirstContactReason.choices, origin),
        fixed("loyalty", gettext_lazy("Loyalty"), [(str(level), str(level)) for level in range(1, 6)], origin),
        Filter("created", gettext_lazy("Created"), "created_at", kind=FilterKind.DATE_RANGE, group=origin),
        Filter(
            "not_contacted",
            gettext_lazy("Not contacted for more than N days"),
            kind=FilterKind.TEXT,
            coerce=_positive_days,
            apply=_not_contacted_filter,
            describe=lambda value: gettext_lazy("not contacted for %(days)s+ days") % {"days": value},
            group=sales,
        ),
    ]


def _custom_filter(custom: Any) -> Filter:
    """Adapt a ``customfields.lists.CustomFilter`` (``apply(queryset, raw)`` with one raw string)."""
    options = list(custom.choices or [])
    if custom.kind == "multi_choice":
        return Filter(
            custom.key,
            custom.label,
            choices=lambda user: options,
            kind=FilterKind.MULTI,
            apply=lambda qs, values, params: custom.apply(qs, ",".join(values)),
            group=gettext_lazy("Additional fields"),
        )
    return Filter(
        custom.key,
        custom.label,
        choices=(lambda user: options) if options else None,
        kind=FilterKind.SELECT if options else FilterKind.TEXT,
        apply=lambda qs, values, params: custom.apply(qs, values[0]),
        group=gettext_lazy("Additional fields"),
    )


# --- The spec --------------------------------------------------------------------------------------

COLUMNS = [
    Column(
        "name", pgettext_lazy("client", "Name"), lambda c: c.display_name, sort="name", link=True, required=True, css="list-name"
    ),
    Column("tax_id", gettext_lazy("Tax ID"), lambda c: c.tax_id, css="text-nowrap"),
    Column("category", gettext_lazy("Category"), _category, sort=("category_id", "name")),
    Column("priority", gettext_lazy("Priority"), lambda c: _name(c.priority)),
    Column("client_type", gettext_lazy("Type"), lambda c: _name(c.client_type)),
    Column("segment", gettext_lazy("Segment"), lambda c: _name(c.segment), default=False),
    Column("territory", gettext_lazy("Territory"), lambda c: _name(c.territory), sort=("territory_id", "name")),
    Column("responsible", gettext_lazy("Responsible"), lambda c: _person(c.responsible), sort=("responsible_id", "name")),
    Column("team", gettext_lazy("Team"), lambda c: _name(c.team), default=False),
    Column("phone", gettext_lazy("Phone"), _phone, css="text-nowrap"),
    Column("tags", gettext_lazy("Tags"), _tags),
    Column(
        "created", gettext_lazy("Created"), lambda c: _date(c.created_at), sort="created_at", default=False, css="text-nowrap"
    ),
    Column(
        "last_contact",
        gettext_lazy("Last contact"),
        _last_contact,
        sort="last_contact_at",
        default=False,
        css="text-nowrap",
    ),
    Column("updated", gettext_lazy("Updated"), lambda c: _date(c.updated_at), sort="updated_at", css="text-nowrap"),
]


def client_list_spec(request: HttpRequest, params: Params | None = None) -> ListSpec:
    """The list's columns and filters for this request (reference lists and custom fields are data)."""
    choices: selectors.ClientListChoices | None = getattr(request, "_client_list_choices", None)
    if choices is None:
        choices = selectors.ClientListChoices(request.user)  # type: ignore[arg-type]
        request._client_list_choices = choices  # type: ignore[attr-defined]
    if params is None:
        params = dict(request.GET.lists())
    columns = list(COLUMNS)
    filters = _filters(choices, params)
    fields = custom_field_schema.fields_for("client")  # one query, shared by the columns and the filters
    for column in custom_field_lists.list_columns("client", fields=fields):
        columns.append(
            Column(column.key, column.label, column.value, sort=column.sort_expression, css=column.css, prepare=column.prepare)
        )
    filters.extend(_custom_filter(flt) for flt in custom_field_lists.list_filters("client", fields=fields, viewer=request.user))
    return ListSpec(
        columns=columns,
        default_sort="name",
        search=filter_clients,
        search_placeholder=gettext_lazy("Name, tax ID, phone, email or contact"),
        filters=filters,
        row_url=_card_url,
        empty_message=gettext_lazy("No clients match the search and filters."),
        empty_all_message=gettext_lazy("There are no clients here yet."),
        empty_all_url=NEW_CLIENT_URL,
        empty_all_action=gettext_lazy("Create the first client"),
        count_cap=10_000,
        choosable_columns=True,
        selectable=True,
        layout="panel",
        toolbar_template="core/list_views_bar.html#views_menu",
        results_template="clients/client_list.html#results_tools",
        prepare_rows=lambda rows: selectors.attach_references(rows, selectors.LIST_REFERENCES),
    )


def _require_list_access(request: HttpRequest) -> None:
    if not access.can_use(request.user, ["client"]):
        raise PermissionDenied


SAVED_VIEWS = SavedViews(list_key=LIST_KEY, list_url="clients:list", spec=client_list_spec, require_access=_require_list_access)
PEOPLE_PICKER = PeoplePicker(
    require_access=_require_list_access,
    find=selectors.find_people,
    label=selectors.person_label,
    fields={
        "responsible": PickerField("responsible", nobody=NOBODY_LABEL),
        "supervisor": PickerField("supervisor"),
        "reassign": PickerField("responsible", single=True),  # the bulk action's new responsible person
    },
)


# --- The list --------------------------------------------------------------------------------------


@login_required
def client_list(request: HttpRequest) -> HttpResponse:
    _require_list_access(request)
    htmx = bool(getattr(request, "htmx", False))
    views: list[SavedView] = [] if htmx else SAVED_VIEWS.of_viewer(request)
    if (default := default_view_redirect(request, views)) is not None:
        return default
    spec = client_list_spec(request)
    page = list_context(request, selectors.clients_for_list(request.user), spec)
    context = {
        "page": page,
        "saved_views": views,
        "current_view": current_view(views, page),
        "can_bulk": access.scope(request.user, "client", "change") > 0,
        "bulk_limit": BULK_LIMIT,
        "bulk": _bulk_choices(request) if not htmx else None,
        "export_formats": exports.FORMATS,
        "new_client_url": NEW_CLIENT_URL,
    }
    template = "clients/client_list.html#results" if htmx else "clients/client_list.html"
    return render(request, template, context)


# --- Export ----------------------------------------------------------------------------------------


@login_required
def client_export(request: HttpRequest) -> HttpResponseBase:
    """The current search, filters and sort as XLSX or CSV: only clients the user may see."""
    _require_list_access(request)
    file_format = request.GET.get("format", "xlsx")
    if file_format not in exports.FORMATS:
        file_format = "xlsx"
    spec = client_list_spec(request)
    params = read_params(request.GET, spec)
    applied = apply_params(selectors.clients_for_export(request.user), spec, params, user=request.user, load_options=False)
    back = reverse("clients:list") + "?" + querystring({k: v for k, v in applied.params.items() if k != "offset"})
    if exports.too_many(applied.queryset):
        messages.error(
            request,
            _("An export holds at most %(limit)s rows. Narrow the search or filters and export again.")
            % {"limit": f"{exports.EXPORT_LIMIT:,}".replace(",", "\u00a0")},
        )
        return redirect(back)
    return exports.export_response(applied.queryset, file_format=file_format)


# --- Bulk actions ----------------------------------------------------------------------------------

BULK_ACTIONS = {
    "reassign": gettext_lazy("Reassign"),
    "category": gettext_lazy("Change category"),
    "segment": gettext_lazy("Change segment"),
    "tag": gettext_lazy("Add a tag"),
}


def _bulk_choices(request: HttpRequest) -> dict[str, Any]:
    """Options of the bulk-action bar; they reuse the filter panel's per-request choices (no extra query).

    The new responsible person is looked up as the user types (``people_options``), never listed in full.
    """
    choices: selectors.ClientListChoices = request._client_list_choices  # type: ignore[attr-defined]
    return {
        "actions": list(BULK_ACTIONS.items()),
        "teams": choices.team_choices(),
        "categories": choices.reference("category"),
        "segments": choices.reference("segment"),
    }


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    list_url = reverse("clients:list")
    if target.startswith(list_url) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return list_url


class BulkError(Exception):
    pass


@dataclass
class BulkRequest:
    clients: list[Client]
    changes: dict[str, Any]
    add_tags: list[str]
    description: str


def _bulk_request(request: HttpRequest) -> BulkRequest:
    """Read and check a bulk request; BulkError says what is wrong (and nothing is changed)."""
    raw_ids = request.POST.getlist("ids")
    try:
        ids = sorted({int(value) for value in raw_ids})
    except ValueError:
        raise BulkError(_("The selection is not valid; select the clients again.")) from None
    if not ids:
        raise BulkError(_("Select at least one client."))
    if len(ids) > BULK_LIMIT:
        raise BulkError(_("At most %(limit)s clients can be changed at once; select fewer and repeat.") % {"limit": BULK_LIMIT})
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        raise BulkError(_("Choose what to do with the selected clients."))

    choices = selectors.ClientListChoices(request.user)  # type: ignore[arg-type]
    changes: dict[str, Any] = {}
    tags: list[str] = []
    if action == "reassign":
        # An id from the picker, or a name or email typed without JavaScript that fits exactly one person.
        raw = " ".join(request.POST.get("responsible", "").split())
        matches = selectors.resolve_people(request.user, [raw], active_only=True) if raw else []
        person = matches[0] if len(matches) == 1 else None
        if person is None:
            raise BulkError(_("Choose the new responsible person."))
        team_id = request.POST.get("team", "")
        team: Team | None
        if team_id:
            teams = {str(team.pk): team for team in choices.teams}
            if team_id not in teams:
                raise BulkError(_("Choose a team you can see."))
            team = teams[team_id]
        else:
            team = person.team  # the team follows the new responsible person unless chosen
        changes = {"responsible": person, "team": team}
        description = _("Reassign to %(person)s (team: %(team)s)") % {
            "person": person.get_full_name() or person.email,
            "team": team.name if team is not None else "—",
        }
    elif action in ("category", "segment"):
        offered = dict(choices.reference(action))
        value = request.POST.get(action, "")
        if value not in offered:
            raise BulkError(_("Choose the new value."))
        model = Client._meta.get_field(action).related_model
        changes = {action: model._default_manager.get(pk=int(value))}  # type: ignore[union-attr]
        label = _("Category") if action == "category" else _("Segment")
        description = f"{label}: {offered[value]}"
    else:
        tag = " ".join(request.POST.get("tag", "").split())[:60]
        if not tag:
            raise BulkError(_("Type the tag to add."))
        tags = [tag]
        description = _("Add the tag «%(tag)s»") % {"tag": tag}

    clients = list(selectors.clients_changeable(request.user, ids).select_related("responsible", "team"))
    if len(clients) != len(ids):
        refused = len(ids) - len(clients)
        raise BulkError(
            ngettext(
                "%(count)s of the selected clients cannot be changed by you. Nothing was changed.",
                "%(count)s of the selected clients cannot be changed by you. Nothing was changed.",
                refused,
            )
            % {"count": refused}
        )
    return BulkRequest(clients=clients, changes=changes, add_tags=tags, description=description)


@login_required
@require_POST
def client_bulk(request: HttpRequest) -> HttpResponse:
    """Ask for confirmation with the count, then change every selected client in one transaction."""
    _require_list_access(request)
    back = _safe_next(request)
    try:
        bulk = _bulk_request(request)
    except BulkError as error:
        messages.error(request, str(error))
        return redirect(back)
    if request.POST.get("confirm") != "1":
        context = {
            "clients": bulk.clients[:20],
            "count": len(bulk.clients),
            "description": bulk.description,
            "post": request.POST,
            "next": back,
        }
        return render(request, "clients/client_bulk_confirm.html", context)
    try:
        count = client_bulk_update(actor=request.user, clients=bulk.clients, changes=bulk.changes, add_tags=bulk.add_tags)
    except PermissionDenied:
        messages.error(
            request,
            _(
                "You may not make this change for some of the selected clients "
                "(for example, hand them to someone outside your reach). Nothing was changed."
            ),
        )
    except ValidationError as error:
        problems = "; ".join(str(message) for message in error.messages)
        messages.error(request, _("Nothing was changed: %(problems)s") % {"problems": problems})
    else:
        messages.success(
            request,
            ngettext("%(count)s client changed: %(what)s.", "%(count)s clients changed: %(what)s.", count)
            % {"count": count, "what": bulk.description},
        )
    return redirect(back)


urlpatterns = [
    path("", client_list, name="list"),
    path("people/", people_options, {"picker": PEOPLE_PICKER}, name="people_options"),
    path("export/", client_export, name="export"),
    path("bulk/", client_bulk, name="bulk"),
    path("views/save/", saved_view_save, {"saved": SAVED_VIEWS}, name="saved_view_save"),
    path("views/<int:pk>/rename/", saved_view_rename, {"saved": SAVED_VIEWS}, name="saved_view_rename"),
    path("views/<int:pk>/delete/", saved_view_delete, {"saved": SAVED_VIEWS}, name="saved_view_delete"),
    path("views/<int:pk>/default/", saved_view_default, {"saved": SAVED_VIEWS}, name="saved_view_default"),
]
