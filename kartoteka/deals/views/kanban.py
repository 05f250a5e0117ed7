"""The kanban of deals: a pipeline's stages as columns, cards moved by dragging or from a menu.

``GET /deals/`` shows the board of the chosen pipeline (``?pipeline=<id>``; else the one chosen last in
this session; else the viewer's team's; else the first) narrowed by the filter bar. Every filter is a GET
parameter, so a URL reproduces a view. Open columns hold every open deal; the won and lost columns only
this month's outcomes (the month in the viewer's time zone).

``POST /deals/<pk>/move/`` with ``stage`` moves a card; the server decides. A stage that requires fields
the deal lacks, or a lost stage without a reason, answers 422 with a dialog asking for them (it posts the
same URL with ``dialog=1``, ``fields`` and the values); a deal the viewer may not change answers 403 and
the card goes back. A move that succeeds answers with the card and, out of band, every column's count and
sum. The filter parameters ride along in the query string so the counts are those of the board on screen.

Quick add (``POST /deals/kanban/stages/<id>/add/``) opens a deal in an open stage from a compact form.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kartoteka.clients import selectors as client_selectors
from kartoteka.clients.models import Client, ClientSource
from kartoteka.core.errors import DomainError
from kartoteka.deals import report as deal_report
from kartoteka.deals import selectors, services
from kartoteka.deals.forms import amount_field
from kartoteka.deals.models import REQUIRABLE_FIELDS, Deal, LostReason, Pipeline, Stage, StageKind
from kartoteka.deals.services import StageRequirementsError
from kartoteka.users import access
from kartoteka.users.models import Team

if TYPE_CHECKING:
    from kartoteka.users.models import User

SESSION_PIPELINE = "deals.kanban.pipeline"
MAX_OWNERS = 20
FILTER_KEYS = (
    "q", "owner", "team", "source", "amount_min", "amount_max", "created_from", "created_to", "close_from", "close_to",
)  # fmt: skip
# What the move dialog can ask for; contact persons and line items are edited on the deal card.
FILLABLE = ("amount", "expected_close_on", "source", "description")
CURRENCY_SIGNS = {"RUB": "₽", "UAH": "₴", "EUR": "€", "USD": "$", "GBP": "£", "KZT": "₸", "BYN": "Br", "RON": "lei"}


def format_money(amount: Decimal | None, currency: str, *, whole: bool = False) -> str:
    """``1 250 000 ₽`` / ``1,250,000.50 €``: grouped for the active language, kopecks only when there are any."""
    if amount is None:
        return ""
    if whole:
        amount = amount.quantize(Decimal(1))
    places = 0 if amount == amount.to_integral_value() else 2
    number = formats.number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)
    return f"{number}\u00a0{CURRENCY_SIGNS.get(currency, currency)}"


def month_start(now: datetime.datetime | None = None) -> datetime.datetime:
    """Midnight of the first day of this month in the active (the viewer's) time zone."""
    return timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _viewer(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a person


def _require_deals(request: HttpRequest) -> None:
    if not access.can_use(request.user, ["deal"]):
        raise PermissionDenied(_("Your role gives no access to deals."))


# --- Filters -------------------------------------------------------------------------------------


class FilterChoices:
    """Teams and sources the filter bar offers: loaded once, and only when shown or a value needs checking."""

    def __init__(self, viewer: User) -> None:
        self.viewer = viewer

    @cached_property
    def teams(self) -> list[Team]:
        return list(access.visible(self.viewer, Team).order_by("path").only("id", "name", "depth", "path"))

    @cached_property
    def sources(self) -> list[ClientSource]:
        return list(ClientSource.objects.filter(is_active=True).order_by("order", "name_en"))

    def team_options(self) -> list[tuple[str, str]]:
        top = min((team.depth for team in self.teams), default=0)
        return [(str(team.pk), "· " * (team.depth - top) + team.name) for team in self.teams]

    def subtree(self, team_id: int) -> tuple[int, ...]:
        """The chosen team and every visible team below it: "North" includes North-1."""
        chosen = next(team for team in self.teams if team.pk == team_id)
        return tuple(team.pk for team in self.teams if team.path.startswith(chosen.path))


class FilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    team = forms.IntegerField(label=gettext_lazy("Team"), required=False)
    source = forms.IntegerField(label=gettext_lazy("Source"), required=False)
    amount_min = forms.DecimalField(
        label=gettext_lazy("Amount from"), required=False, min_value=0, max_digits=18, decimal_places=2, localize=True
    )
    amount_max = forms.DecimalField(
        label=gettext_lazy("Amount to"), required=False, min_value=0, max_digits=18, decimal_places=2, localize=True
    )
    created_from = forms.DateField(label=gettext_lazy("Created from"), required=False)
    created_to = forms.DateField(label=gettext_lazy("Created to"), required=False)
    close_from = forms.DateField(label=gettext_lazy("Expected close from"), required=False)
    close_to = forms.DateField(label=gettext_lazy("Expected close to"), required=False)

    RANGES = (("amount_min", "amount_max"), ("created_from", "created_to"), ("close_from", "close_to"))

    def __init__(self, data: QueryDict, *, choices: FilterChoices) -> None:
        super().__init__(data)
        self.choices = choices

    def clean_team(self) -> int | None:
        team = self.cleaned_data.get("team")
        if team is not None and team not in {t.pk for t in self.choices.teams}:
            raise ValidationError(_("Choose a team from the list."))
        return team

    def clean_source(self) -> int | None:
        source = self.cleaned_data.get("source")
        if source is not None and source not in {s.pk for s in self.choices.sources}:
            raise ValidationError(_("Choose a source from the list."))
        return source

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for low, high in self.RANGES:
            start, end = data.get(low), data.get(high)
            if start is not None and end is not None and start > end:
                self.add_error(high, _("The end of the range comes before its start."))
        return data


@dataclass
class FilterState:
    """The board's filters as parsed from the query string, with what the filter bar shows."""

    filters: selectors.DealFilters
    form: FilterForm
    owners: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    querystring: str = ""  # the filter parameters only, to carry onto moves, quick adds and "show more"
    active: int = 0


def read_filters(request: HttpRequest, choices: FilterChoices) -> FilterState:
    """Parse the filter parameters; a bad value becomes a message and is left out, never a 500."""
    params = request.GET
    form = FilterForm(params, choices=choices)
    form.is_valid()
    data = form.cleaned_data
    errors = [f"{form.fields[name].label}: {' '.join(map(str, problems))}" for name, problems in form.errors.items()]
    raw_owners = [value.strip() for value in params.getlist("owner") if value.strip()][:MAX_OWNERS]
    owners = client_selectors.resolve_people(request.user, raw_owners) if raw_owners else []
    if raw_owners and not owners:
        errors.append(_("Owner: nobody found; choose people from the list."))
    filters = selectors.DealFilters(
        owner_ids=tuple(person.pk for person in owners),
        team_ids=choices.subtree(data["team"]) if data.get("team") else (),
        source_ids=(data["source"],) if data.get("source") else (),
        amount_min=data.get("amount_min"),
        amount_max=data.get("amount_max"),
        created_from=data.get("created_from"),
        created_to=data.get("created_to"),
        close_from=data.get("close_from"),
        close_to=data.get("close_to"),
        search=" ".join((data.get("q") or "").split()),
    )
    querystring = urlencode([(key, value) for key in FILTER_KEYS for value in params.getlist(key) if value.strip()])
    groups = [
        filters.search,
        filters.owner_ids,
        filters.team_ids,
        filters.source_ids,
        (filters.amount_min, filters.amount_max) != (None, None),
        (filters.created_from, filters.created_to) != (None, None),
        (filters.close_from, filters.close_to) != (None, None),
    ]
    return FilterState(filters, form, owners, errors, querystring, active=sum(1 for group in groups if group))


# --- Cards and columns ---------------------------------------------------------------------------


@dataclass
class Card:
    """One deal as a card shows it; what the viewer may do is decided in memory (no query per card)."""

    deal: Deal
    can_change: bool
    days_in_stage: int
    overdue_in_stage: bool
    task_overdue: bool
    amount: str


def changeable_ids(user: Any, deals: list[Deal]) -> set[int]:
    """Which of these deals the viewer may change (and so drag): one query for the whole page, since the
    policy also hands a deal to whoever has an open task on it, which no in-memory check can see."""
    if not deals:
        return set()
    if access.scope(user, "deal", "change") == access.Scope.ALL:
        return {deal.pk for deal in deals}
    ids = [deal.pk for deal in deals]
    return set(selectors.visible_deals(user, action="change").filter(pk__in=ids).values_list("pk", flat=True))


def cards_for(user: Any, deals: list[Deal], *, changeable: set[int] | None = None) -> list[Card]:
    now = timezone.now()
    changeable = changeable_ids(user, deals) if changeable is None else changeable
    cards = []
    for deal in deals:
        next_due = getattr(deal, "next_due_at", None)
        cards.append(
            Card(
                deal=deal,
                can_change=deal.pk in changeable,
                days_in_stage=max(0, (now - deal.stage_entered_at).days),
                overdue_in_stage=selectors.is_overdue_in_stage(deal, now),
                task_overdue=next_due is not None and next_due < now,
                amount=format_money(deal.amount, deal.currency),
            )
        )
    return cards


@dataclass
class ColumnView:
    stage: Stage
    count: int
    total: str
    cards: list[Card]
    more: int = 0
    more_url: str = ""


def _cursor_url(stage: Stage, querystring: str, last: Deal, left: int) -> str:
    cursor = urlencode({"after": last.stage_entered_at.isoformat(), "after_id": last.pk, "left": left})
    return f"{reverse('deals:kanban_column', args=[stage.pk])}?{'&'.join(part for part in (querystring, cursor) if part)}"


def money_by_currency(total: Decimal, others: dict[str, Decimal], currency: str) -> str:
    """The sums of a column as "1 200 000 ₽ + 5 000 €": the pipeline's currency first, the others apart, never converted."""
    parts = [format_money(total, currency, whole=True)]
    parts += [format_money(amount, other, whole=True) for other, amount in others.items()]
    return " + ".join(parts)


def columns_for(user: Any, board: selectors.Board, querystring: str) -> list[ColumnView]:
    currency = board.pipeline.currency
    changeable = changeable_ids(user, [deal for column in board.columns for deal in column.deals])
    columns = []
    for column in board.columns:
        view = ColumnView(
            stage=column.stage,
            count=column.count,
            total=money_by_currency(column.total, column.other_totals, currency),
            cards=cards_for(user, column.deals, changeable=changeable),
            more=column.more,
        )
        if column.more and column.deals:
            view.more_url = _cursor_url(column.stage, querystring, column.deals[-1], column.more)
        columns.append(view)
    return columns


def _stats(user: Any, pipeline: Pipeline, filters: selectors.DealFilters) -> tuple[selectors.Board, list[ColumnView]]:
    """Counts and sums of every column without their cards (two queries: stages, aggregates)."""
    board = selectors.kanban(user, pipeline, filters, per_column=0, closed_since=month_start())
    return board, columns_for(user, board, "")


# --- The page ------------------------------------------------------------------------------------


def _choose_pipeline(request: HttpRequest, pipelines: list[Pipeline]) -> Pipeline | None:
    """``?pipeline=`` (404 when not one the viewer may use), else the session's, the team's, the first."""
    by_id = {pipeline.pk: pipeline for pipeline in pipelines}
    raw = request.GET.get("pipeline", "").strip()
    if raw:
        chosen = by_id.get(int(raw)) if raw.isdigit() else None
        if chosen is None:
            raise Http404(_("No such pipeline."))
    else:
        remembered = request.session.get(SESSION_PIPELINE)
        team_id = getattr(request.user, "team_id", None)
        chosen = by_id.get(remembered) if isinstance(remembered, int) else None
        chosen = chosen or next((p for p in pipelines if team_id and p.team_id == team_id), None)
        chosen = chosen or (pipelines[0] if pipelines else None)
    if chosen is not None and request.session.get(SESSION_PIPELINE) != chosen.pk:
        request.session[SESSION_PIPELINE] = chosen.pk
    return chosen


@login_required
@require_GET
def kanban(request: HttpRequest) -> HttpResponse:
    """``/deals/``: the board; see the module docstring for the parameters."""
    _require_deals(request)
    user = _viewer(request)
    pipelines = list(selectors.visible_pipelines(user))
    pipeline = _choose_pipeline(request, pipelines)
    context: dict[str, Any] = {"pipelines": pipelines, "pipeline": pipeline, "can_report": deal_report.can_view(user)}
    if pipeline is not None:
        choices = FilterChoices(user)
        state = read_filters(request, choices)
        board = selectors.kanban(user, pipeline, state.filters, closed_since=month_start())
        context.update(
            board=board,
            columns=columns_for(user, board, state.querystring),
            board_total=money_by_currency(board.total, board.other_totals, pipeline.currency),
            state=state,
            choices=choices,
            can_create=access.scope(user, "deal", "create") > access.Scope.NONE,
        )
    return render(request, "deals/kanban.html", context)


@login_required
@require_GET
def kanban_column(request: HttpRequest, stage_id: int) -> HttpResponse:
    """The next cards of one column after ``after`` / ``after_id`` (keyset), for "Show more"."""
    _require_deals(request)
    user = _viewer(request)
    stage = access.get_visible_or_404(user, Stage.objects.filter(is_active=True).select_related("pipeline"), pk=stage_id)
    after = _cursor(request)
    if after is None:
        return HttpResponse(_("Which card to continue after is missing."), status=400, content_type="text/plain; charset=utf-8")
    state = read_filters(request, FilterChoices(user))
    page = _next_cards(user, stage, state.filters, after=after)
    shown, has_more = page[: selectors.CARDS_PER_COLUMN], len(page) > selectors.CARDS_PER_COLUMN
    left = request.GET.get("left", "")
    remaining = max(0, int(left) - len(shown)) if left.isdigit() else 0
    more_url = _cursor_url(stage, state.querystring, shown[-1], remaining) if has_more and shown else ""
    context = {"cards": cards_for(user, shown), "stage": stage, "more": remaining, "more_url": more_url}
    return render(request, "deals/kanban.html#more_cards", context)


def _cursor(request: HttpRequest) -> tuple[datetime.datetime, int] | None:
    try:
        entered, pk = datetime.datetime.fromisoformat(request.GET["after"]), int(request.GET["after_id"])
    except (KeyError, ValueError):
        return None
    return None if timezone.is_naive(entered) else (entered, pk)


def _next_cards(user: Any, stage: Stage, filters: selectors.DealFilters, *, after: tuple[datetime.datetime, int]) -> list[Deal]:
    """One card more than a page, to know whether another "Show more" is due. Won and lost columns keep
    to this month's outcomes, as on the board."""
    limit = selectors.CARDS_PER_COLUMN + 1
    if stage.is_open:
        return selectors.column_page(user, stage, filters, after=after, limit=limit)
    entered, pk = after
    qs = filters.apply(selectors.visible_deals(user).filter(stage=stage, closed_at__gte=month_start()))
    qs = qs.filter(Q(stage_entered_at__lt=entered) | Q(stage_entered_at=entered, id__lt=pk))
    return list(selectors.with_card_data(qs).order_by("-stage_entered_at", "-id")[:limit])


@login_required
@require_GET
def kanban_people(request: HttpRequest) -> HttpResponse:
    """Up to 20 people the viewer may see matching ``q``: options for the owner filter."""
    _require_deals(request)
    query = " ".join(request.GET.get("q", "").split())[:100]
    people = client_selectors.find_people(request.user, query)
    options = [(str(person.pk), client_selectors.person_label(person), person.email) for person in people]
    return render(request, "deals/kanban.html#people_options", {"options": options, "query": query})


# --- Moving a card -------------------------------------------------------------------------------


class MoveDialogForm(forms.Form):
    """What entering the stage still needs: the missing fields the dialog can fill, a reason when lost."""

    def __init__(self, data: QueryDict | None = None, *, fields: list[str], lost: bool) -> None:
        super().__init__(data)
        builders = {
            "amount": lambda: amount_field(_("Amount"), required=True),  # "126 000" as the deal form takes it
            "expected_close_on": lambda: forms.DateField(
                label=_("Expected close date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            ),
            "source": lambda: forms.ModelChoiceField(
                label=_("Source"), queryset=ClientSource.objects.filter(is_active=True), empty_label=_("— choose —")
            ),
            "description": lambda: forms.CharField(
                label=_("Description"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
            ),
        }
        for name in fields:
            self.fields[name] = builders[name]()
        if lost:
            self.fields["lost_reason"] = forms.ModelChoiceField(
                label=_("Reason"),
                queryset=LostReason.objects.filter(is_active=True).order_by("order", "name_en"),
                empty_label=_("— choose —"),
            )
            self.fields["comment"] = forms.CharField(
                label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )
        for bound in self.fields.values():
            bound.widget.attrs.setdefault(
                "class",
                "form-select form-select-sm" if isinstance(bound, forms.ModelChoiceField) else "form-control form-control-sm",
            )

    @property
    def asked(self) -> list[str]:
        return [name for name in self.fields if name in FILLABLE]


def _text(request: HttpRequest, text: str, *, status: int) -> HttpResponse:
    """htmx: the reason as plain text (the card goes back); otherwise a message on the board."""
    if getattr(request, "htmx", False):
        return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    messages.error(request, text)
    return redirect(_board_url(request))


def _board_url(request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return reverse("deals:kanban") + (f"?{query}" if query else "")


def _dialog(
    request: HttpRequest, deal: Deal, stage: Stage, form: MoveDialogForm, *, message: str = "", unfillable: Sequence[str] = ()
) -> HttpResponse:
    if not getattr(request, "htmx", False):
        return _text(request, message or _("Fill in what the stage needs on the deal card."), status=422)
    context = {
        "deal": deal,
        "stage": stage,
        "form": form,
        "message": message,
        "unfillable": [str(REQUIRABLE_FIELDS[name]) for name in unfillable],
        "lost": stage.kind == StageKind.LOST,
        "move_url": reverse("deals:move", args=[deal.pk]) + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }
    return render(request, "deals/kanban.html#dialog", context, status=422)


def _split(missing: list[str]) -> tuple[list[str], list[str]]:
    return [name for name in missing if name in FILLABLE], [name for name in missing if name not in FILLABLE]


@login_required
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``stage`` (an active stage of the deal's pipeline). From the dialog: ``dialog=1``, ``fields``
    (names it asked for) with their values, ``lost_reason`` and ``comment`` for a lost stage."""
    user = _viewer(request)
    deal = access.get_visible_or_404(user, selectors.visible_deals(user).select_related("pipeline", "stage", "client"), pk=pk)
    stages = Stage.objects.filter(pipeline_id=deal.pipeline_id, is_active=True)
    stage = access.get_visible_or_404(user, stages, pk=request.POST.get("stage", ""))
    lost = stage.kind == StageKind.LOST
    from_dialog = request.POST.get("dialog") == "1"
    asked = [name for name in request.POST.getlist("fields") if name in FILLABLE] if from_dialog else []
    form = MoveDialogForm(request.POST if from_dialog else None, fields=asked, lost=lost and from_dialog)
    if from_dialog and not form.is_valid():
        return _dialog(request, deal, stage, form)
    values = form.cleaned_data if from_dialog else {}
    try:
        changes = {name: values[name] for name in asked}
        if changes:
            services.deal_update(actor=user, deal=deal, changes=changes)
        services.deal_move_stage(
            actor=user, deal=deal, stage=stage, lost_reason=values.get("lost_reason"), comment=values.get("comment", "")
        )
    except PermissionDenied:
        return _text(request, _("You may not change this deal, so it stays where it was."), status=403)
    except StageRequirementsError as error:
        fillable, unfillable = _split(error.missing)
        fields = list(dict.fromkeys([*asked, *fillable]))
        form = MoveDialogForm(request.POST if from_dialog else None, fields=fields, lost=lost)
        if from_dialog:
            form.is_valid()
        return _dialog(request, deal, stage, form, message=error.message, unfillable=unfillable)
    except ValidationError as error:
        problems = getattr(error, "error_dict", {})
        if lost and "lost_reason" in problems:
            form = MoveDialogForm(request.POST if from_dialog else None, fields=asked, lost=True)
            if from_dialog:
                form.is_valid()
                form.add_error("lost_reason", problems["lost_reason"])
            return _dialog(request, deal, stage, form)
        if from_dialog and set(problems) <= set(asked):
            for name, messages_ in problems.items():
                form.add_error(name, messages_)
            return _dialog(request, deal, stage, form)
        return _text(request, " ".join(error.messages), status=409)
    except DomainError as error:
        return _text(request, error.message, status=error.status)
    message = _("«%(deal)s» moved to «%(stage)s».") % {"deal": deal.title, "stage": stage.name}
    if not getattr(request, "htmx", False):
        messages.success(request, message)
        return redirect(_board_url(request))
    return _card_response(request, deal.pk, deal.pipeline, message=message)


def _card_response(
    request: HttpRequest, pk: int, pipeline: Pipeline, *, message: str, quick_add: Stage | None = None
) -> HttpResponse:
    """The card as it is now and, out of band, every column's count and sum and the board's total."""
    user = _viewer(request)
    state = read_filters(request, FilterChoices(user))
    deal = selectors.with_card_data(selectors.visible_deals(user).filter(pk=pk)).get()
    board, columns = _stats(user, pipeline, state.filters)
    context = {
        "card": cards_for(user, [deal])[0],
        "columns": columns,
        "board_total": money_by_currency(board.total, board.other_totals, pipeline.currency),
        "board": board,
        "message": message,
        "quick_stage": quick_add,
        "quick_form": QuickAddForm() if quick_add is not None else None,
        "quick_open": True,
        "state": state,
    }
    return render(request, "deals/kanban.html#moved", context)


# --- Quick add -----------------------------------------------------------------------------------


class QuickAddForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=255)
    client = forms.CharField(label=gettext_lazy("Client"), max_length=20)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"), required=False, min_value=0, max_digits=18, decimal_places=2, localize=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].error_messages["required"] = _("Choose a client from the list.")
        self.fields["title"].error_messages["required"] = _("Give the deal a title.")


@login_required
@require_POST
def quick_add(request: HttpRequest, stage_id: int) -> HttpResponse:
    """POST ``title``, ``client`` (an id from the picker), ``amount``: a new deal in this open stage."""
    user = _viewer(request)
    stages = Stage.objects.filter(is_active=True, kind=StageKind.OPEN, pipeline__is_active=True).select_related("pipeline")
    stage = access.get_visible_or_404(user, stages, pk=stage_id)
    form = QuickAddForm(request.POST)
    client: Client | None = None
    if form.is_valid():
        raw = form.cleaned_data["client"].strip()
        client = access.visible(user, Client).filter(pk=int(raw)).first() if raw.isdigit() else None
        if client is None:
            form.add_error("client", _("Choose a client from the list."))
    deal: Deal | None = None
    if client is not None and not form.errors:
        values: dict[str, Any] = {"title": form.cleaned_data["title"].strip()}
        if form.cleaned_data.get("amount") is not None:
            values["amount"] = form.cleaned_data["amount"]
        try:
            deal = services.deal_create(actor=user, client=client, values=values, stage=stage)
        except StageRequirementsError as error:
            form.add_error("amount" if error.missing == ["amount"] else None, error.message)
        except ValidationError as error:
            for name, problems in getattr(error, "error_dict", {None: error.error_list}).items():
                form.add_error(name if name in form.fields else None, problems)
        except PermissionDenied:
            form.add_error(None, _("You may not open deals for this client."))
        except DomainError as error:
            form.add_error(None, error.message)
    if deal is None:
        if not getattr(request, "htmx", False):
            messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
            return redirect(_board_url(request))
        chosen = client or _chosen_client(user, form)
        context = {
            "stage": stage,
            "quick_form": form,
            "quick_open": True,
            "chosen_client": chosen,
            "filter_qs": request.GET.urlencode(),
        }
        response = render(request, "deals/kanban.html#quick_add", context, status=422)
        response["HX-Retarget"] = f"#kb-quick-{stage.pk}"
        response["HX-Reswap"] = "outerHTML"
        return response
    message = _("Deal «%(deal)s» added to «%(stage)s».") % {"deal": deal.title, "stage": stage.name}
    if not getattr(request, "htmx", False):
        messages.success(request, message)
        return redirect(_board_url(request))
    return _card_response(request, deal.pk, stage.pipeline, message=message, quick_add=stage)


def _chosen_client(user: Any, form: QuickAddForm) -> Client | None:
    """The client picked before the form came back with errors, so it stays picked."""
    raw = str(form.data.get("client", "")).strip()
    return access.visible(user, Client).filter(pk=int(raw)).first() if raw.isdigit() else None
