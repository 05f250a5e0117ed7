"""The deal list: the project's list machinery (kartoteka.core.lists) over the deals the viewer may see.

The same filters as the kanban (owner, team with its sub-teams, source, amount, dates) plus pipeline,
stage, status and the reason for losing; search by the deal's title or the client's name; sortable and
choosable columns; bounded pagination; saved views; export of exactly what the list shows to XLSX or CSV.

A page costs the same queries with 5 deals or 50 (pinned in a test): the deals with their client,
pipeline, stage, owner, team and source in one join plus the next task's deadline as a subquery, and
a capped count. The full page adds one query per filter whose choices the panel lists and one for the
saved views. Every sort the list offers has an index (Deal.Meta.indexes).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.db.models import ExpressionWrapper, F
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from kartoteka.clients import exports
from kartoteka.clients import selectors as client_selectors
from kartoteka.clients.models import ClientSource
from kartoteka.core.list_views import (
    PeoplePicker,
    PickerField,
    SavedViews,
    current_view,
    default_view_redirect,
    people_options,
    saved_view_default,
    saved_view_delete,
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
from kartoteka.deals import selectors
from kartoteka.deals.forms import normalize_number
from kartoteka.deals.models import Deal, DealStatus, LostReason, Pipeline, Stage
from kartoteka.deals.views.deals import format_money, human_duration, require_deals, viewer
from kartoteka.users import access
from kartoteka.users.models import Team

if TYPE_CHECKING:
    from kartoteka.users.models import User

LIST_KEY = "deals"
STATUS_TONES: dict[str, str] = {DealStatus.OPEN: "primary", DealStatus.WON: "success", DealStatus.LOST: "danger"}


# --- Cells -----------------------------------------------------------------------------------------


def stage_dot(stage: Stage) -> Any:
    """A coloured dot (an SVG fill: the CSP forbids style attributes) and the stage's name."""
    return format_html(
        '<span class="deal-stage"><svg class="stage-dot" aria-hidden="true" width="9" height="9" viewBox="0 0 10 10">'
        '<circle cx="5" cy="5" r="5" fill="{}"/></svg> {}</span>',
        stage.colour,
        stage.name,
    )


def status_badge(deal: Deal) -> Any:
    return format_html(
        '<span class="badge text-bg-{}" data-testid="deal-status">{}</span>',
        STATUS_TONES.get(deal.status, "secondary"),
        deal.get_status_display(),
    )


def _date(value: Any) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _moment(value: Any) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATE_FORMAT") if value else ""


def _name(obj: Any) -> str:
    return getattr(obj, "name", "") if obj is not None else ""


def _in_stage(deal: Deal) -> Any:
    seconds = (timezone.now() - deal.stage_entered_at).total_seconds()
    return format_html(
        '{} <span class="text-body-secondary">({})</span>', _moment(deal.stage_entered_at), human_duration(seconds)
    )


def _next_due(deal: Deal) -> Any:
    due = getattr(deal, "next_due_at", None)
    if due is None:
        return ""
    text = date_format(timezone.localtime(due), "SHORT_DATETIME_FORMAT")
    if due < timezone.now():
        return format_html('<span class="text-danger" title="{}">{}</span>', _("overdue"), text)
    return text


def _nulls_last(name: str, output: models.Field[Any, Any]) -> ExpressionWrapper:
    """The column as an expression, which the list machinery sorts with empty values last either way, on
    every database (a plain field name leaves that to the database: first on SQLite, last on PostgreSQL)."""
    return ExpressionWrapper(F(name), output_field=output)


COLUMNS = [
    Column("title", gettext_lazy("Deal"), lambda d: d.title, sort="title", link=True, required=True, css="list-name"),
    Column("client", gettext_lazy("Client"), lambda d: d.client.name),
    Column("pipeline", gettext_lazy("Pipeline"), lambda d: d.pipeline.name, default=False),
    Column("stage", gettext_lazy("Stage"), lambda d: stage_dot(d.stage), css="text-nowrap"),
    Column(
        "amount",
        gettext_lazy("Amount"),
        lambda d: format_money(d.amount, d.currency),
        sort=_nulls_last("amount", models.DecimalField()),
        css="text-end text-nowrap",
    ),
    Column("probability", gettext_lazy("Probability"), lambda d: f"{d.effective_probability}%", css="text-end"),
    Column(
        "close",
        gettext_lazy("Expected close"),
        lambda d: _date(d.expected_close_on),
        sort=_nulls_last("expected_close_on", models.DateField()),
        css="text-nowrap",
    ),
    Column("owner", gettext_lazy("Owner"), lambda d: d.owner.get_short_name() if d.owner else ""),
    Column("team", gettext_lazy("Team"), lambda d: _name(d.team), default=False),
    Column("source", gettext_lazy("Source"), lambda d: _name(d.source), default=False),
    Column(
        "created", gettext_lazy("Created"), lambda d: _moment(d.created_at), sort="created_at", css="text-nowrap", default=False
    ),
    Column("in_stage", gettext_lazy("In stage since"), _in_stage, sort="stage_entered_at", css="text-nowrap", default=False),
    Column("next_task", gettext_lazy("Next task"), _next_due, css="text-nowrap"),
    Column("status", gettext_lazy("Status"), status_badge),
]


# --- Filters ---------------------------------------------------------------------------------------


class ListChoices:
    """What the filter panel offers, loaded once per request and only when shown or a value needs it."""

    def __init__(self, user: User) -> None:
        self.user = user

    @cached_property
    def pipelines(self) -> list[Pipeline]:
        return list(selectors.visible_pipelines(self.user))

    @cached_property
    def stages(self) -> list[Stage]:
        return list(
            access.visible(self.user, Stage)
            .filter(pipeline__is_active=True, is_active=True)
            .select_related("pipeline")
            .order_by("pipeline__order", "pipeline_id", "order", "id")
        )

    @cached_property
    def teams(self) -> list[Team]:
        return list(access.visible(self.user, Team).order_by("path").only("id", "name", "depth", "path"))

    def pipeline_choices(self) -> list[tuple[str, str]]:
        return [(str(pipeline.pk), pipeline.name) for pipeline in self.pipelines]

    def stage_choices(self) -> list[tuple[str, str]]:
        several = len({stage.pipeline_id for stage in self.stages}) > 1
        return [(str(s.pk), f"{s.pipeline.name} · {s.name}" if several else s.name) for s in self.stages]

    def team_choices(self) -> list[tuple[str, str]]:
        top = min((team.depth for team in self.teams), default=0)
        return [(str(team.pk), "· " * (team.depth - top) + team.name) for team in self.teams]

    def subtree(self, team_id: str) -> list[int]:
        """The chosen team and every visible team below it: "North" includes North-1."""
        chosen = next((team for team in self.teams if str(team.pk) == team_id), None)
        return [team.pk for team in self.teams if chosen is not None and team.path.startswith(chosen.path)]


def _reference(model: type[models.Model], params: Params, key: str) -> Any:
    """Active entries of a reference list, plus inactive ones already chosen (a saved view keeps working)."""
    chosen = [int(value) for value in params.get(key, []) if value.isdigit()]

    def options(user: Any) -> list[tuple[str, str]]:
        rows = model._default_manager.filter(models.Q(is_active=True) | models.Q(pk__in=chosen))
        return [(str(row.pk), row.name) for row in rows.order_by("order", "name_en")]  # type: ignore[attr-defined]

    return options


def parse_amount(raw: str) -> Decimal:
    """An amount typed the way people type it: "1 500 000", "1500000,50" or "1500000.50"."""
    try:
        value = Decimal(normalize_number(raw))
    except InvalidOperation:
        raise ValueError(raw) from None
    if not value.is_finite() or value < 0:
        raise ValueError(raw)
    return value


def _resolve_people(user: Any, raw: list[str]) -> list[tuple[str, str]]:
    return [(str(person.pk), client_selectors.person_label(person)) for person in client_selectors.resolve_people(user, raw)]


def _filters(choices: ListChoices, params: Params) -> list[Filter]:
    funnel, people, money = gettext_lazy("Funnel"), gettext_lazy("Responsibility"), gettext_lazy("Amount and dates")
    return [
        Filter(
            "pipeline", gettext_lazy("Pipeline"), "pipeline_id", choices=lambda user: choices.pipeline_choices(), group=funnel
        ),
        Filter(
            "stage",
            gettext_lazy("Stage"),
            "stage_id",
            choices=lambda user: choices.stage_choices(),
            kind=FilterKind.MULTI,
            group=funnel,
        ),
        Filter("status", gettext_lazy("Status"), "status", choices=lambda user: DealStatus.choices, group=funnel),
        Filter(
            "lost_reason",
            gettext_lazy("Reason for losing"),
            "lost_reason_id",
            choices=_reference(LostReason, params, "lost_reason"),
            kind=FilterKind.MULTI,
            group=funnel,
        ),
        Filter(
            "owner",
            gettext_lazy("Owner"),
            "owner_id",
            kind=FilterKind.LOOKUP,
            resolve=_resolve_people,
            lookup_url=reverse("deals:people") + "?field=owner",
            group=people,
        ),
        Filter(
            "team",
            gettext_lazy("Team"),
            choices=lambda user: choices.team_choices(),
            apply=lambda qs, values, params: qs.filter(team_id__in=choices.subtree(values[0])),
            group=people,
        ),
        Filter(
            "source",
            gettext_lazy("Source"),
            "source_id",
            choices=_reference(ClientSource, params, "source"),
            kind=FilterKind.MULTI,
            group=people,
        ),
        Filter(
            "amount_min",
            gettext_lazy("Amount from"),
            kind=FilterKind.TEXT,
            coerce=parse_amount,
            apply=lambda qs, values, params: qs.filter(amount__gte=parse_amount(values[0])),
            group=money,
        ),
        Filter(
            "amount_max",
            gettext_lazy("Amount to"),
            kind=FilterKind.TEXT,
            coerce=parse_amount,
            apply=lambda qs, values, params: qs.filter(amount__lte=parse_amount(values[0])),
            group=money,
        ),
        Filter("created", gettext_lazy("Created"), "created_at", kind=FilterKind.DATE_RANGE, group=money),
        Filter("close", gettext_lazy("Expected close"), "expected_close_on", kind=FilterKind.DATE_RANGE, group=money),
    ]


def deal_list_spec(request: HttpRequest, params: Params | None = None) -> ListSpec:
    choices: ListChoices | None = getattr(request, "_deal_list_choices", None)
    if choices is None:
        choices = ListChoices(viewer(request))
        request._deal_list_choices = choices  # type: ignore[attr-defined]
    params = params if params is not None else {}
    can_create = access.scope(request.user, "deal", "create") > access.Scope.NONE
    return ListSpec(
        columns=COLUMNS,
        default_sort="-created",
        search_fields=("title", "client__name"),
        search_placeholder=gettext_lazy("Deal or client"),
        filters=_filters(choices, params),
        row_url=lambda deal: reverse("deals:card", args=[deal.pk]),
        empty_message=gettext_lazy("No deals match the search and filters."),
        empty_all_message=gettext_lazy("There are no deals here yet. Open one from a client card or here."),
        empty_all_url=reverse("deals:new") if can_create else "",
        empty_all_action=gettext_lazy("Open a deal"),
        count_cap=10_000,
        choosable_columns=True,
        layout="panel",
        toolbar_template="core/list_views_bar.html#views_menu",
        results_template="core/list_views_bar.html#results_tools",
    )


def deals_for_list(user: Any) -> models.QuerySet[Deal]:
    """Every deal the viewer sees, with what a row shows joined and the next task's deadline (one query a page)."""
    return selectors.with_card_data(selectors.visible_deals(user)).select_related("team")


SAVED_VIEWS = SavedViews(list_key=LIST_KEY, list_url="deals:list", spec=deal_list_spec, require_access=require_deals)
# Checkboxes for the list's owner filter; ``single=1``: radios of active people for the deal form's owner.
PEOPLE_PICKER = PeoplePicker(
    require_access=require_deals,
    find=client_selectors.find_people,
    label=client_selectors.person_label,
    fields={"owner": PickerField("owner")},
    single_param=True,
)


@login_required
@require_GET
def deal_list(request: HttpRequest) -> HttpResponse:
    """``/deals/list/``: opens with the default saved view, if the viewer has one (``?reset=1`` skips it)."""
    require_deals(request)
    htmx = bool(getattr(request, "htmx", False))
    views: list[SavedView] = [] if htmx else SAVED_VIEWS.of_viewer(request)
    if (default := default_view_redirect(request, views)) is not None:
        return default
    params = read_params(request.GET, deal_list_spec(request))
    spec = deal_list_spec(request, params)
    page = list_context(request, deals_for_list(request.user), spec, params=params)
    context = {
        "page": page,
        "saved_views": views,
        "current_view": current_view(views, page),
        "export_formats": exports.FORMATS,
        "can_create": access.scope(request.user, "deal", "create") > access.Scope.NONE,
    }
    template = "deals/deal_list.html#results" if htmx else "deals/deal_list.html"
    return render(request, template, context)


# --- Export ----------------------------------------------------------------------------------------


def _export_columns() -> list[tuple[str, Any]]:
    statuses = {value: str(label) for value, label in DealStatus.choices}

    def local(value: Any) -> Any:
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None

    def person(user: Any) -> str:
        return (user.get_full_name() or user.email) if user is not None else ""

    return [
        (_("ID"), lambda d: d.pk),
        (_("Deal"), lambda d: d.title),
        (_("Client"), lambda d: d.client.name),
        (_("Pipeline"), lambda d: d.pipeline.name),
        (_("Stage"), lambda d: d.stage.name),
        (_("Status"), lambda d: statuses.get(d.status, d.status)),
        (_("Amount"), lambda d: d.amount),
        (_("Currency"), lambda d: d.currency),
        (_("Probability, %"), lambda d: d.effective_probability),
        (_("Expected close"), lambda d: d.expected_close_on),
        (_("Owner"), lambda d: person(d.owner)),
        (_("Team"), lambda d: _name(d.team)),
        (_("Source"), lambda d: _name(d.source)),
        (_("Created"), lambda d: local(d.created_at)),
        (_("In stage since"), lambda d: local(d.stage_entered_at)),
        (_("Closed"), lambda d: local(d.closed_at)),
        (_("Reason for losing"), lambda d: _name(d.lost_reason)),
        (_("Outcome comment"), lambda d: d.outcome_comment),
    ]


def _export_rows(queryset: models.QuerySet[Deal], columns: list[tuple[str, Any]]) -> Iterator[list[Any]]:
    """Typed values row by row, read in chunks; the request's language and time zone apply while streaming."""
    language = translation.get_language()
    zone = timezone.get_current_timezone()
    with translation.override(language), timezone.override(zone):
        for deal in queryset[: exports.EXPORT_LIMIT].iterator(chunk_size=exports.CHUNK_SIZE):
            yield [value(deal) for _header, value in columns]


@login_required
@require_GET
def deal_export(request: HttpRequest) -> HttpResponseBase:
    """The list's search, filters and sort as XLSX or CSV (``format``): only deals the viewer may see."""
    require_deals(request)
    file_format = request.GET.get("format", "xlsx")
    if file_format not in exports.FORMATS:
        file_format = "xlsx"
    params = read_params(request.GET, deal_list_spec(request))
    spec = deal_list_spec(request, params)
    queryset = selectors.visible_deals(request.user).select_related(
        "client", "pipeline", "stage", "owner", "team", "source", "lost_reason"
    )
    applied = apply_params(queryset, spec, params, user=request.user, load_options=False)
    if exports.too_many(applied.queryset):
        limit = formats.number_format(exports.EXPORT_LIMIT, force_grouping=True)
        messages.error(request, _("An export holds at most %(limit)s rows. Narrow the search or filters.") % {"limit": limit})
        return redirect(reverse("deals:list") + "?" + querystring({k: v for k, v in applied.params.items() if k != "offset"}))
    columns = _export_columns()
    headers = [str(header) for header, _value in columns]
    rows = _export_rows(applied.queryset, columns)
    if file_format == "xlsx":
        return exports.xlsx_response(headers, rows, title=_("Deals"), stem="deals")
    return exports.csv_response(headers, rows, variant=file_format, stem="deals")


urlpatterns = [
    path("list/", deal_list, name="list"),
    path("list/export/", deal_export, name="export"),
    path("list/views/save/", saved_view_save, {"saved": SAVED_VIEWS}, name="saved_view_save"),
    path("list/views/<int:pk>/delete/", saved_view_delete, {"saved": SAVED_VIEWS}, name="saved_view_delete"),
    path("list/views/<int:pk>/default/", saved_view_default, {"saved": SAVED_VIEWS}, name="saved_view_default"),
    path("people/", people_options, {"picker": PEOPLE_PICKER}, name="people"),
]
