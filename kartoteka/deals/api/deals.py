"""Deals in the API: the list, one deal, opening, changing, moving through stages (win, lose, reopen), contact
persons, line items, price proposals, the stage history, deleting.

Reads start from ``deals.selectors``; writes go through ``deals.services``. A deal id in the path that the caller
may not see answers 404 like a missing one; an id or code in a body that does not resolve (a client or contact
the caller cannot see, a stage of a pipeline that is not readable, an unknown reason) answers 422 naming the input.
A stage's missing required fields answer 422 with code ``stage_requirements`` and one detail per field.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

# A module, not its names: the activities API may still be loading when this one is (both mount on one API).
from kartoteka.activities.api import activities as activity_api
from kartoteka.api import Id, errors, require_scope
from kartoteka.clients.api.common import (
    actor_of,
    input_names,
    not_found,
    paginate,
    ref_out,
    resolve_codes,
    user_ref,
    visible_client_for_input,
)
from kartoteka.clients.api.schemas import TeamRefOut
from kartoteka.clients.models import ClientSource
from kartoteka.contacts.models import Contact, ContactRole
from kartoteka.deals import selectors, services
from kartoteka.deals.api.pipelines import AREA
from kartoteka.deals.api.schemas import (
    ContactsIn,
    DealContactIn,
    DealContactOut,
    DealCreate,
    DealDetailOut,
    DealFieldsIn,
    DealFilters,
    DealLineIn,
    DealLineOut,
    DealOut,
    DealPage,
    DealUpdate,
    LinesIn,
    LoseIn,
    MoveIn,
    PageFilters,
    PipelineRefOut,
    ProposalIn,
    ProposalOut,
    ReopenIn,
    StageChangeOut,
    StageChangePage,
    StageChangeSummary,
    StageRefOut,
    WinIn,
)
from kartoteka.deals.models import (
    Deal,
    DealContact,
    DealLine,
    DealStatus,
    LostReason,
    Pipeline,
    PriceProposal,
    Stage,
    StageChange,
    StageKind,
)
from kartoteka.deals.search import matching
from kartoteka.users import access
from kartoteka.users.models import Team, User

router = Router(tags=["deals"])

LATEST_STAGE_CHANGES = 10

# Service error keys that differ from the input names (the service speaks of rows, the caller sent ids).
INPUT_NAMES = {
    "client": "client_id",
    "owner": "owner_id",
    "team": "team_id",
    "stage": "stage_id",
    "pipeline": "pipeline_id",
    "lost_reason": "lost_reason_id",
}


def input_name(**renamed: str) -> Callable[[str], str]:
    names = {**INPUT_NAMES, **renamed}
    return lambda name: names.get(name, name)


# --- Representation ---------------------------------------------------------------------------------------


def pipeline_ref(pipeline: Pipeline) -> PipelineRefOut:
    return PipelineRefOut(id=pipeline.pk, code=pipeline.code, name=pipeline.name)


def stage_ref(stage: Stage) -> StageRefOut:
    return StageRefOut(id=stage.pk, code=stage.code, name=stage.name, kind=stage.kind)  # type: ignore[arg-type]


def deal_rows(actor: User, base: QuerySet[Deal] | None = None) -> QuerySet[Deal]:
    """Visible deals with everything their representation needs, in one query (the next task's deadline included)."""
    queryset = selectors.visible_deals(actor) if base is None else base
    return selectors.with_card_data(queryset).select_related("client__legal_form", "team", "lost_reason", "created_by")


def _deal_fields(actor: User, deal: Deal, now: datetime.datetime) -> dict[str, Any]:
    plain = (
        "title", "stage_entered_at", "status", "amount", "currency", "expected_close_on", "probability", "description",
        "closed_at", "outcome_comment", "created_at", "updated_at",
    )  # fmt: skip
    return {
        "id": deal.pk,
        **{name: getattr(deal, name) for name in plain},
        "client": activity_api.client_ref(actor, deal.client),
        "pipeline": pipeline_ref(deal.pipeline),
        "stage": stage_ref(deal.stage),
        "effective_probability": deal.effective_probability,
        "source": ref_out(deal.source),
        "owner": user_ref(deal.owner),
        "team": None if deal.team is None else TeamRefOut(id=deal.team.pk, name=deal.team.name),
        # A reopened deal keeps its last reason in the row (and the history); it is no longer lost.
        "lost_reason": ref_out(deal.lost_reason) if deal.status == DealStatus.LOST else None,
        "next_task_due_at": getattr(deal, "next_due_at", None),
        "is_overdue_in_stage": selectors.is_overdue_in_stage(deal, now),
        "created_by": user_ref(deal.created_by),
        "url": reverse("api:deals_get", kwargs={"deal_id": deal.pk}),
        "card_url": reverse("deals:card", args=[deal.pk]),
    }


def deal_out(actor: User, deal: Deal, *, now: datetime.datetime | None = None) -> DealOut:
    return DealOut(**_deal_fields(actor, deal, now or timezone.now()))


def stage_change_out(change: StageChange) -> StageChangeOut:
    return StageChangeOut(
        id=change.pk,
        pipeline=pipeline_ref(change.pipeline),
        from_stage=None if change.from_stage is None else stage_ref(change.from_stage),
        to_stage=stage_ref(change.to_stage),
        changed_at=change.changed_at,
        changed_by=user_ref(change.changed_by),
        seconds_in_stage=change.seconds_in_stage,
    )


def proposal_out(proposal: PriceProposal) -> ProposalOut:
    return ProposalOut(
        id=proposal.pk,
        proposed_on=proposal.proposed_on,
        amount=proposal.amount,
        currency=proposal.currency,
        by_client=proposal.by_client,
        note=proposal.note,
        created_by=user_ref(proposal.created_by),
        created_at=proposal.created_at,
    )


def _line_out(line: DealLine) -> DealLineOut:
    return DealLineOut(
        id=line.pk,
        position=line.position,
        description=line.description,
        quantity=line.quantity,
        unit=line.unit,
        price=line.price,
        discount=line.discount,
        total=line.total,
    )


def _stage_changes(deal: Deal) -> QuerySet[StageChange]:
    return selectors.deal_timeline_stage_changes(deal).select_related("pipeline")


def _detail(actor: User, deal_id: int) -> DealDetailOut:
    """One deal with its contact persons, line items and proposals (a query each) and its latest moves (two)."""
    rows = deal_rows(actor).prefetch_related(
        Prefetch(
            "deal_contacts",
            queryset=DealContact.objects.select_related("contact", "role").order_by(
                "contact__last_name", "contact__first_name", "id"
            ),
        ),
        Prefetch("lines", queryset=DealLine.objects.order_by("position", "id")),
        Prefetch("proposals", queryset=PriceProposal.objects.select_related("created_by").order_by("-proposed_on", "-id")),
    )
    deal = access.get_visible_or_404(actor, rows, pk=deal_id)
    lines = list(deal.lines.all())
    return DealDetailOut(
        **_deal_fields(actor, deal, timezone.now()),
        contacts=[
            DealContactOut(contact=activity_api.contact_ref(link.contact), role=ref_out(link.role))  # type: ignore[arg-type]
            for link in deal.deal_contacts.all()
        ],
        lines=[_line_out(line) for line in lines],
        lines_total=sum((line.total for line in lines), Decimal(0)),
        proposals=[proposal_out(proposal) for proposal in deal.proposals.all()],
        stage_changes=StageChangeSummary(
            count=deal.stage_changes.count(),
            latest=[stage_change_out(change) for change in _stage_changes(deal)[:LATEST_STAGE_CHANGES]],
        ),
    )


def _read(actor: User, deal_id: int) -> Deal:
    return access.get_visible_or_404(actor, deal_rows(actor), pk=deal_id)


def _writable(actor: User, deal_id: int) -> Deal:
    """The deal to change: 404 when invisible, 403 when visible but read-only (before any input is judged)."""
    deal = _read(actor, deal_id)
    access.require(actor, "change", deal)
    return deal


# --- Reading ----------------------------------------------------------------------------------------------


def _filtered(actor: User, filters: DealFilters) -> QuerySet[Deal]:
    queryset = deal_rows(actor)
    if filters.pipeline is not None:
        queryset = queryset.filter(pipeline_id=filters.pipeline)
    if filters.stage is not None:
        queryset = queryset.filter(stage_id=filters.stage)
    if filters.status:
        queryset = queryset.filter(status__in=activity_api.checked_names("status", filters.status, DealStatus.values))
    if filters.source:
        codes = [code for code in filters.source.split(",") if code]
        queryset = queryset.filter(source__in=ClientSource.objects.filter(code__in=codes).values("pk"))
    narrowing = selectors.DealFilters(
        owner_ids=(activity_api.person_id(actor, filters.owner),) if filters.owner else (),
        team_ids=(filters.team,) if filters.team is not None else (),
        amount_min=filters.amount_min,
        amount_max=filters.amount_max,
        created_from=filters.created_from,
        created_to=filters.created_to,
        close_from=filters.close_from,
        close_to=filters.close_to,
        client_id=filters.client,
    )
    queryset = narrowing.apply(queryset)
    if filters.q and filters.q.strip():
        # The same matching as global search: title words, or the client by name, INN, phone or email.
        condition = matching(filters.q)
        queryset = queryset.none() if condition is None else queryset.filter(condition)
    return queryset


@router.get("/deals", response={200: DealPage, **errors(400, 401, 403, 422)}, summary="Deals you may see")
def deals_list(request: HttpRequest, filters: Query[DealFilters]) -> DealPage:
    """Newest first (by when the deal was opened, then by id). Filters combine with AND."""
    require_scope(request, AREA, "read")
    actor = actor_of(request)
    rows, next_cursor = paginate(
        _filtered(actor, filters), sort="created", order=["-created_at", "-id"], limit=filters.limit, cursor=filters.cursor
    )
    now = timezone.now()
    return DealPage(items=[deal_out(actor, deal, now=now) for deal in rows], next_cursor=next_cursor)


@router.get("/deals/{deal_id}", response={200: DealDetailOut, **errors(401, 403, 404)}, summary="A deal")
def deals_get(request: HttpRequest, deal_id: Id) -> DealDetailOut:
    """With its contact persons, line items, price proposals and its latest stage changes."""
    require_scope(request, AREA, "read")
    return _detail(actor_of(request), deal_id)


@router.get(
    "/deals/{deal_id}/stage-changes",
    response={200: StageChangePage, **errors(400, 401, 403, 404, 422)},
    summary="A deal's stage history",
)
def deals_stage_changes(request: HttpRequest, deal_id: Id, filters: Query[PageFilters]) -> StageChangePage:
    """Newest first: every move with who, when, from, to and the time spent in the stage left."""
    require_scope(request, AREA, "read")
    deal = _read(actor_of(request), deal_id)
    rows, next_cursor = paginate(
        _stage_changes(deal), sort="recent", order=["-changed_at", "-id"], limit=filters.limit, cursor=filters.cursor
    )
    return StageChangePage(items=[stage_change_out(change) for change in rows], next_cursor=next_cursor)


# --- Resolving what a body names --------------------------------------------------------------------------


def _pipeline_for_input(actor: User, pipeline_id: int, field: str = "pipeline_id") -> Pipeline:
    pipeline = access.visible(actor, Pipeline).filter(pk=pipeline_id).first()
    if pipeline is None:
        raise not_found(field)
    if not pipeline.is_active:
        raise ValidationError({field: ValidationError(_("This pipeline is no longer in use."), code="inactive")})
    return pipeline


def _stage_for_input(actor: User, stage_id: int, field: str = "stage_id") -> Stage:
    """A stage of a pipeline the caller may read and that is in use (a retired stage: the service says so)."""
    stage = access.visible(actor, Stage).select_related("pipeline").filter(pk=stage_id).first()
    if stage is None:
        raise not_found(field)
    if not stage.pipeline.is_active:
        raise ValidationError({field: ValidationError(_("This pipeline is no longer in use."), code="inactive")})
    return stage


def _reason_for_input(reason_id: int, field: str = "lost_reason_id") -> LostReason:
    reason = LostReason.objects.filter(pk=reason_id).first()
    if reason is None:
        raise not_found(field)
    return reason


def _user_for_input(actor: User, user_id: int, field: str) -> User:
    user = access.visible(actor, User).filter(pk=user_id).first()
    if user is None:
        raise not_found(field)
    return user


def _team_for_input(actor: User, team_id: int, field: str) -> Team:
    team = access.visible(actor, Team).filter(pk=team_id).first()
    if team is None:
        raise not_found(field)
    return team


def deal_values(actor: User, payload: DealFieldsIn, *, current: Deal | None = None) -> dict[str, Any]:
    """Service-ready values of the deal fields sent: ids and codes become rows.

    On create an explicit null means "not given" (the service's defaults apply); on change it clears the field.
    """
    sent = payload.model_fields_set & set(DealFieldsIn.model_fields)
    values = {name: getattr(payload, name) for name in sent}
    if current is None:
        values = {name: value for name, value in values.items() if value is not None}
    if "client_id" in values:
        values["client"] = visible_client_for_input(actor, values.pop("client_id"))
    for field, resolve in (("owner_id", _user_for_input), ("team_id", _team_for_input)):
        if field in values:
            pk = values.pop(field)
            values[field.removesuffix("_id")] = None if pk is None else resolve(actor, pk, field)
    if "source" in values:
        values.update(resolve_codes({"source": values["source"]}, {"source": ClientSource}, current=current))
    return values


def contacts_for_input(
    actor: User, rows: Sequence[DealContactIn], *, field: str, deal: Deal | None = None
) -> list[tuple[Contact, ContactRole | None]]:
    """The contact persons and their roles a body names; the service checks they are the deal's client's.

    A role no longer in use is refused unless the deal already gives it (a list sent back as it was read).
    """
    found = access.visible(actor, Contact).in_bulk([row.contact_id for row in rows])
    roles = ContactRole.objects.in_bulk([row.role for row in rows if row.role], field_name="code")
    kept_roles = set() if deal is None else set(deal.deal_contacts.values_list("role_id", flat=True))
    problems: dict[str, ValidationError] = {}
    resolved = []
    for position, row in enumerate(rows):
        contact = found.get(row.contact_id)
        role = roles.get(row.role) if row.role else None
        if contact is None:
            problems[f"{field}.{position}.contact_id"] = ValidationError(_("Not found."), code="not_found")
        if row.role and role is None:
            message = _("Unknown code “%(code)s”.") % {"code": row.role}
            problems[f"{field}.{position}.role"] = ValidationError(message, code="unknown")
        elif role is not None and not role.is_active and role.pk not in kept_roles:
            message = _("“%(code)s” is no longer in use.") % {"code": row.role}
            problems[f"{field}.{position}.role"] = ValidationError(message, code="inactive")
        if contact is not None:
            resolved.append((contact, role))
    if problems:
        raise ValidationError(problems)  # type: ignore[arg-type]
    return resolved


def line_values(rows: Sequence[DealLineIn]) -> list[dict[str, Any]]:
    """Line items as the service takes them; quantity and discount left out take its defaults (1 and 0)."""
    return [
        {
            "description": row.description,
            "unit": row.unit,
            "price": row.price,
            **({"quantity": row.quantity} if row.quantity is not None else {}),
            **({"discount": row.discount} if row.discount is not None else {}),
        }
        for row in rows
    ]


# --- Writing ----------------------------------------------------------------------------------------------


@router.post(
    "/deals",
    response={201: DealDetailOut, **errors(401, 403, 409, 422)},
    summary="Open a deal (optionally in a given stage, with contact persons and line items)",
)
def deals_create(request: HttpRequest, payload: DealCreate) -> Status[DealDetailOut]:
    """The owner defaults to the caller; the stage to the first open stage of the owner's team pipeline (or the first)."""
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    with transaction.atomic(), input_names(input_name()):
        values = deal_values(actor, payload)
        client = values.pop("client")
        pipeline = None if payload.pipeline_id is None else _pipeline_for_input(actor, payload.pipeline_id)
        stage = None if payload.stage_id is None else _stage_for_input(actor, payload.stage_id)
        if pipeline is not None and stage is not None and stage.pipeline_id != pipeline.pk:
            raise ValidationError({"stage_id": ValidationError(_("This stage belongs to another pipeline."), code="invalid")})
        contacts = contacts_for_input(actor, payload.contacts or [], field="contacts")
        deal = services.deal_create(
            actor=actor,
            client=client,
            values=values,
            pipeline=pipeline,
            stage=stage,
            contacts=contacts,
            lines=line_values(payload.lines or []),
        )
    return Status(201, _detail(actor, deal.pk))


@router.patch(
    "/deals/{deal_id}",
    response={200: DealDetailOut, **errors(401, 403, 404, 409, 422)},
    summary="Change a deal (only the fields sent)",
)
def deals_update(request: HttpRequest, deal_id: Id, payload: DealUpdate) -> DealDetailOut:
    """Emptying a field the current stage requires answers 422 ``stage_requirements``."""
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    deal = _writable(actor, deal_id)
    with input_names(input_name()):
        services.deal_update(actor=actor, deal=deal, changes=deal_values(actor, payload, current=deal))
    return _detail(actor, deal_id)


@router.delete("/deals/{deal_id}", response={204: None, **errors(401, 403, 404, 409)}, summary="Delete a deal")
def deals_delete(request: HttpRequest, deal_id: Id) -> Status[None]:
    """Its stage history, contact persons, line items and proposals go with it; activities and tasks stay, unlinked."""
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    services.deal_delete(actor=actor, deal=_read(actor, deal_id))
    return Status(204, None)


@router.post(
    "/deals/{deal_id}/move",
    response={200: DealDetailOut, **errors(401, 403, 404, 409, 422)},
    summary="Move a deal to a stage (a won or lost stage closes it, an open one reopens it)",
)
def deals_move(request: HttpRequest, deal_id: Id, payload: MoveIn) -> DealDetailOut:
    """A lost stage needs ``lost_reason_id``. Moving to the stage the deal is in changes nothing."""
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    deal = _writable(actor, deal_id)
    with input_names(input_name()):
        stage = _stage_for_input(actor, payload.stage_id)
        reason = None
        if payload.lost_reason_id is not None:
            if stage.kind != StageKind.LOST:
                message = _("Only a move to a lost stage takes a reason.")
                raise ValidationError({"lost_reason_id": ValidationError(message, code="invalid")})
            reason = _reason_for_input(payload.lost_reason_id)
        services.deal_move_stage(actor=actor, deal=deal, stage=stage, lost_reason=reason, comment=payload.comment)
    return _detail(actor, deal_id)


@router.post(
    "/deals/{deal_id}/win",
    response={200: DealDetailOut, **errors(401, 403, 404, 409, 422)},
    summary="Mark a deal won (moves it to its pipeline's won stage)",
)
def deals_win(request: HttpRequest, deal_id: Id, payload: WinIn) -> DealDetailOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    deal = _writable(actor, deal_id)
    services.deal_win(actor=actor, deal=deal, comment=payload.comment)
    return _detail(actor, deal_id)


@router.post(
    "/deals/{deal_id}/lose",
    response={200: DealDetailOut, **errors(401, 403, 404, 409, 422)},
    summary="Mark a deal lost, with the reason (moves it to its pipeline's lost stage)",
)
def deals_lose(request: HttpRequest, deal_id: Id, payload: LoseIn) -> DealDetailOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    deal = _writable(actor, deal_id)
    with input_names(input_name()):
        reason = _reason_for_input(payload.lost_reason_id)
        services.deal_lose(actor=actor, deal=deal, reason=reason, comment=payload.comment)
    return _detail(actor, deal_id)


@router.post(
    "/deals/{deal_id}/reopen",
    response={200: DealDetailOut, **errors(401, 403, 404, 409, 422)},
    summary="Reopen a won or lost deal (into the stage it was closed from, or the one given)",
)
def deals_reopen(request: HttpRequest, deal_id: Id, payload: ReopenIn) -> DealDetailOut:
    """The outcome stays in the stage history. Reopening an open deal answers 409 ``deal_open``."""
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    deal = _writable(actor, deal_id)
    with input_names(input_name()):
        stage = None if payload.stage_id is None else _stage_for_input(actor, payload.stage_id)
        services.deal_reopen(actor=actor, deal=deal, stage=stage)
    return _detail(actor, deal_id)


@router.put(
    "/deals/{deal_id}/contacts",
    response={200: DealDetailOut, **errors(401, 403, 404, 409, 422)},
    summary="Replace a deal's contact persons and their roles in it",
)
def deals_set_contacts(request: HttpRequest, deal_id: Id, payload: ContactsIn) -> DealDetailOut:
    """Each must be a contact person of the deal's client, listed once."""
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    deal = _writable(actor, deal_id)
    with input_names(input_name(contacts="items")):
        contacts = contacts_for_input(actor, payload.items, field="items", deal=deal)
        services.deal_set_contacts(actor=actor, deal=deal, contacts=contacts)
    return _detail(actor, deal_id)


@router.put(
    "/deals/{deal_id}/lines",
    response={200: DealDetailOut, **errors(401, 403, 404, 409, 422)},
    summary="Replace a deal's line items (and, by default, set its amount to their total)",
)
def deals_set_lines(request: HttpRequest, deal_id: Id, payload: LinesIn) -> DealDetailOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    deal = _writable(actor, deal_id)
    with input_names(input_name(lines="items")):
        services.deal_set_lines(actor=actor, deal=deal, lines=line_values(payload.items), update_amount=payload.update_amount)
    return _detail(actor, deal_id)


@router.post(
    "/deals/{deal_id}/proposals",
    response={201: ProposalOut, **errors(401, 403, 404, 409, 422)},
    summary="Record a price put on the table (ours, or the client's counter-offer)",
)
def deals_propose_price(request: HttpRequest, deal_id: Id, payload: ProposalIn) -> Status[ProposalOut]:
    """Our proposal becomes the deal's amount unless ``update_amount`` is false; a counter-offer never does."""
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    deal = _writable(actor, deal_id)
    proposal = services.deal_propose_price(
        actor=actor,
        deal=deal,
        amount=payload.amount,
        proposed_on=payload.proposed_on,
        by_client=payload.by_client,
        note=payload.note,
        update_amount=payload.update_amount,
    )
    created = PriceProposal.objects.select_related("created_by").get(pk=proposal.pk)
    return Status(201, proposal_out(created))
