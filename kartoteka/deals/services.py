"""Writes to deals and to the funnel's configuration. Views, the API, automation and demo data call these.

Every move between stages goes through :func:`deal_move_stage`: it checks the stage's required
fields, writes the :class:`StageChange` row with the time spent in the stage left, keeps the deal's
status (open / won / lost) in step with the stage's kind and publishes ``deal.stage_changed``.
Winning, losing and reopening are moves too, so the stage history is the whole story.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.clients.models import Client
from kartoteka.core import events
from kartoteka.core.errors import ConflictError, DomainError
from kartoteka.core.services import apply_changes
from kartoteka.deals.models import (
    REQUIRABLE_FIELDS,
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
from kartoteka.users import access

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.contacts.models import Contact, ContactRole
    from kartoteka.users.models import User

    Actor = User | AnonymousUser | None

DEAL_FIELDS = (
    "title", "client", "amount", "currency", "expected_close_on", "probability", "source", "owner", "team", "description",
)  # fmt: skip
MAX_LINES = 200
MAX_CONTACTS = 50


class StageRequirementsError(DomainError):
    """The deal lacks fields the target stage requires; ``missing`` names them."""

    status = 422
    code = "stage_requirements"

    def __init__(self, stage: Stage, missing: Sequence[str]) -> None:
        names = ", ".join(str(REQUIRABLE_FIELDS[name]) for name in missing)
        super().__init__(_("To enter «%(stage)s», fill in: %(fields)s.") % {"stage": stage.name, "fields": names})
        self.missing = list(missing)


class DealClosedError(ConflictError):
    code = "deal_closed"


def _check(actor: Actor, action: access.Action, obj: Any) -> None:
    if actor is not None:
        access.require(actor, action, obj)


def _person(actor: Actor) -> User | None:
    from kartoteka.users.models import User

    return actor if isinstance(actor, User) else None


def _actor_id(actor: Actor) -> int | None:
    return getattr(actor, "pk", None)


def _audit(deal: Deal, actor: Actor, reason: str = "") -> None:
    deal._history_user = actor if getattr(actor, "is_authenticated", False) else None  # type: ignore[attr-defined]
    deal._change_reason = reason or None  # type: ignore[attr-defined]


def _require_administrator(actor: Actor) -> None:
    if actor is not None and not access.is_administrator(actor):
        raise PermissionDenied("Pipelines and stages are configured by administrators.")


# --- reading the funnel's rules -----------------------------------------------------------------


def first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=StageKind.OPEN, is_active=True).order_by("order", "id").first()
    if stage is None:
        raise DomainError(_("The pipeline «%(name)s» has no open stage.") % {"name": pipeline.name}, code="no_open_stage")
    return stage


def outcome_stage(pipeline: Pipeline, kind: str) -> Stage:
    stage = pipeline.stages.filter(kind=kind, is_active=True).order_by("order", "id").first()
    if stage is None:
        label = _("won") if kind == StageKind.WON else _("lost")
        raise DomainError(
            _("The pipeline «%(name)s» has no %(kind)s stage.") % {"name": pipeline.name, "kind": label}, code="no_outcome_stage"
        )
    return stage


def default_pipeline(owner: User | None) -> Pipeline:
    pipelines = Pipeline.objects.filter(is_active=True).order_by("order", "id")
    if owner is not None and owner.team_id is not None:
        own = pipelines.filter(team_id=owner.team_id).first()
        if own is not None:
            return own
    pipeline = pipelines.first()
    if pipeline is None:
        raise DomainError(_("There is no active pipeline; ask an administrator to create one."), code="no_pipeline")
    return pipeline


def missing_requirements(deal: Deal, stage: Stage) -> list[str]:
    """The names of ``stage.required_fields`` that ``deal`` leaves empty (at most two queries, for contacts and lines)."""
    missing = []
    for name in stage.required_fields or ():
        if name == "contacts":
            empty = deal.pk is None or not deal.deal_contacts.exists()
        elif name == "lines":
            empty = deal.pk is None or not deal.lines.exists()
        elif name == "source":
            empty = deal.source_id is None
        elif name in REQUIRABLE_FIELDS:
            empty = getattr(deal, name) in (None, "")
        else:
            continue  # a field name an older version allowed: not a reason to block the funnel
        if empty:
            missing.append(name)
    return missing


# --- deals --------------------------------------------------------------------------------------


def _validate(deal: Deal) -> None:
    deal.full_clean(exclude=["client", "pipeline", "stage", "owner", "team", "source", "lost_reason", "created_by"])
    if deal.stage.pipeline_id != deal.pipeline_id:
        raise ValidationError({"stage": _("This stage belongs to another pipeline.")})
    if deal.owner_id is not None and not deal.owner.is_active:  # type: ignore[union-attr]
        raise ValidationError({"owner": _("This person is deactivated; choose someone who works here.")})


def _check_client(actor: Actor, client: Client) -> None:
    """A deal is opened on a client the actor can see (invisible and missing look the same)."""
    if actor is not None and not access.visible(actor, Client).filter(pk=client.pk).exists():
        raise ValidationError({"client": _("Choose a client you can see.")})


@transaction.atomic
def deal_create(
    *,
    actor: Actor,
    client: Client,
    values: Mapping[str, Any],
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    contacts: Iterable[tuple[Contact, ContactRole | None]] = (),
    lines: Iterable[Mapping[str, Any]] = (),
    now: datetime.datetime | None = None,
) -> Deal:
    """Open a deal on ``client`` in ``stage`` (default: the first open stage of the owner's pipeline).

    ``values`` holds :data:`DEAL_FIELDS` (``title`` required). The owner defaults to the actor,
    else to the client's responsible manager; the team to the owner's team.
    """
    now = now or timezone.now()
    values = dict(values)
    values.pop("client", None)
    _check_client(actor, client)
    deal = Deal(client=client, created_by=_person(actor), stage_entered_at=now)
    apply_changes(deal, DEAL_FIELDS, values)
    if not deal.title:
        raise ValidationError({"title": _("Give the deal a title.")})
    if "owner" not in values:
        deal.owner = _person(actor) or client.responsible
    if "team" not in values:
        deal.team_id = deal.owner.team_id if deal.owner is not None else client.team_id
    if stage is not None:
        pipeline = stage.pipeline
    pipeline = pipeline or default_pipeline(deal.owner)
    stage = stage or first_open_stage(pipeline)
    if not stage.is_active:
        raise ValidationError({"stage": _("This stage is no longer in use.")})
    if "currency" not in values:
        deal.currency = pipeline.currency
    deal.pipeline, deal.stage = pipeline, stage
    deal.status = DealStatus.OPEN if stage.is_open else stage.kind
    if not stage.is_open:
        deal.closed_at = now
    _check(actor, "create", deal)
    _validate(deal)
    _audit(deal, actor)
    deal.save()
    contact_rows = list(contacts)
    if contact_rows:
        _replace_contacts(deal, contact_rows)
    line_rows = list(lines)
    if line_rows:
        _replace_lines(deal, line_rows)
    missing = missing_requirements(deal, stage)
    if missing:
        raise StageRequirementsError(stage, missing)
    StageChange.objects.create(
        deal=deal, pipeline=pipeline, from_stage=None, to_stage=stage, changed_at=now, changed_by=_person(actor)
    )
    events.publish(
        "deal.created", deal_id=deal.pk, client_id=client.pk, stage_id=stage.pk, owner_id=deal.owner_id, actor_id=_actor_id(actor)
    )
    return deal


@transaction.atomic
def deal_update(*, actor: Actor, deal: Deal, changes: Mapping[str, Any], reason: str = "") -> list[str]:
    """Change the deal's fields; returns the names that changed. Moving stages is :func:`deal_move_stage`.

    ``reason`` goes into the change history ("Rule «Hot leads» reassigned the deal").
    """
    _check(actor, "change", deal)
    deal = Deal.objects.select_for_update().select_related("stage", "client").get(pk=deal.pk)
    before_owner = deal.owner_id
    changes = dict(changes)
    if "client" in changes and changes["client"] is not None and getattr(changes["client"], "pk", None) != deal.client_id:
        _check_client(actor, changes["client"])
        DealContact.objects.filter(deal=deal).delete()  # contact persons belong to the old client
    changed = apply_changes(deal, DEAL_FIELDS, changes)
    if not changed:
        return []
    if not deal.title:
        raise ValidationError({"title": _("Give the deal a title.")})
    if "owner" in changed and "team" not in changes and deal.owner is not None:
        deal.team_id = deal.owner.team_id
    _check(actor, "change", deal)  # the deal as it will be: nobody hands a deal into a scope they cannot change
    _validate(deal)
    missing = missing_requirements(deal, deal.stage)
    if missing:  # a field the current stage requires cannot be emptied
        raise StageRequirementsError(deal.stage, missing)
    _audit(deal, actor, reason)
    deal.save()
    events.publish("deal.updated", deal_id=deal.pk, fields=changed, actor_id=_actor_id(actor))
    if deal.owner_id != before_owner:
        events.publish(
            "deal.reassigned",
            deal_id=deal.pk,
            previous_owner_id=before_owner,
            owner_id=deal.owner_id,
            actor_id=_actor_id(actor),
        )
    return changed


@transaction.atomic
def deal_move_stage(
    *,
    actor: Actor,
    deal: Deal,
    stage: Stage,
    lost_reason: LostReason | None = None,
    comment: str = "",
    now: datetime.datetime | None = None,
    reason: str = "",
) -> StageChange | None:
    """Move ``deal`` to ``stage`` (of any pipeline); returns the history row, or None when it is already there.

    Entering a lost stage needs a reason; a won or lost stage closes the deal, an open one reopens it.
    """
    _check(actor, "change", deal)
    now = now or timezone.now()
    deal = Deal.objects.select_for_update().select_related("stage").get(pk=deal.pk)
    if deal.stage_id == stage.pk:
        return None
    if not stage.is_active:
        raise ValidationError({"stage": _("This stage is no longer in use.")})
    missing = missing_requirements(deal, stage)
    if missing:
        raise StageRequirementsError(stage, missing)
    comment = (comment or "").strip()
    if stage.kind == StageKind.LOST:
        if lost_reason is None:
            raise ValidationError({"lost_reason": _("Say why the deal was lost.")})
        if not lost_reason.is_active:
            raise ValidationError({"lost_reason": _("This reason is no longer in use.")})
    previous = deal.stage
    seconds = max(0, int((now - deal.stage_entered_at).total_seconds()))
    deal.pipeline_id, deal.stage, deal.stage_entered_at = stage.pipeline_id, stage, now
    if stage.is_open:
        deal.status, deal.closed_at = DealStatus.OPEN, None
        why = _("Reopened") if previous.kind != StageKind.OPEN else ""
    else:
        deal.status, deal.closed_at = stage.kind, now
        deal.lost_reason = lost_reason if stage.kind == StageKind.LOST else None
        deal.outcome_comment = comment
        why = _("Won") if stage.kind == StageKind.WON else _("Lost")
    _audit(deal, actor, " · ".join(part for part in (reason, why) if part))
    deal.save()
    change = StageChange.objects.create(
        deal=deal,
        pipeline_id=stage.pipeline_id,
        from_stage=previous,
        to_stage=stage,
        changed_at=now,
        changed_by=_person(actor),
        seconds_in_stage=seconds,
    )
    events.publish(
        "deal.stage_changed",
        deal_id=deal.pk,
        from_stage_id=previous.pk,
        to_stage_id=stage.pk,
        status=deal.status,
        stage_change_id=change.pk,
        actor_id=_actor_id(actor),
    )
    if previous.kind == StageKind.OPEN and not stage.is_open:
        events.publish(f"deal.{stage.kind}", deal_id=deal.pk, actor_id=_actor_id(actor))
    return change


def deal_win(*, actor: Actor, deal: Deal, comment: str = "", now: datetime.datetime | None = None) -> StageChange | None:
    return deal_move_stage(actor=actor, deal=deal, stage=outcome_stage(deal.pipeline, StageKind.WON), comment=comment, now=now)


def deal_lose(
    *, actor: Actor, deal: Deal, reason: LostReason | None, comment: str = "", now: datetime.datetime | None = None
) -> StageChange | None:
    stage = outcome_stage(deal.pipeline, StageKind.LOST)
    return deal_move_stage(actor=actor, deal=deal, stage=stage, lost_reason=reason, comment=comment, now=now)


def deal_reopen(*, actor: Actor, deal: Deal, stage: Stage | None = None, now: datetime.datetime | None = None) -> StageChange:
    """Back to ``stage``, or to the open stage the deal was closed from; the outcome stays in the history."""
    if deal.is_open:
        raise ConflictError(_("The deal is open already."), code="deal_open")
    if stage is None:
        last = (
            StageChange.objects.filter(deal=deal, from_stage__kind=StageKind.OPEN, from_stage__is_active=True)
            .exclude(to_stage__kind=StageKind.OPEN)
            .select_related("from_stage")
            .order_by("-changed_at", "-id")
            .first()
        )
        stage = last.from_stage if last is not None and last.from_stage is not None else first_open_stage(deal.pipeline)
    if not stage.is_open:
        raise ValidationError({"stage": _("Reopen the deal into an open stage.")})
    change = deal_move_stage(actor=actor, deal=deal, stage=stage, now=now)
    assert change is not None  # a closed deal is never in an open stage
    return change


@transaction.atomic
def deal_delete(*, actor: Actor, deal: Deal) -> None:
    _check(actor, "delete", deal)
    deal_id, client_id = deal.pk, deal.client_id
    _audit(deal, actor)
    deal.delete()
    events.publish("deal.deleted", deal_id=deal_id, client_id=client_id, actor_id=_actor_id(actor))


# --- contacts, line items, price proposals ------------------------------------------------------


def _replace_contacts(deal: Deal, rows: Sequence[tuple[Contact, ContactRole | None]]) -> None:
    if len(rows) > MAX_CONTACTS:
        raise ValidationError({"contacts": _("At most %(count)d contact persons per deal.") % {"count": MAX_CONTACTS}})
    seen: set[int] = set()
    for contact, _role in rows:
        if contact.client_id != deal.client_id:
            raise ValidationError({"contacts": _("%(name)s is not a contact of this client.") % {"name": contact}})
        if contact.pk in seen:
            raise ValidationError({"contacts": _("%(name)s is listed twice.") % {"name": contact}})
        seen.add(contact.pk)
    DealContact.objects.filter(deal=deal).delete()
    DealContact.objects.bulk_create([DealContact(deal=deal, contact=contact, role=role) for contact, role in rows])


@transaction.atomic
def deal_set_contacts(*, actor: Actor, deal: Deal, contacts: Sequence[tuple[Contact, ContactRole | None]]) -> None:
    """Replace the deal's contact persons and their roles in the deal."""
    _check(actor, "change", deal)
    deal = Deal.objects.select_for_update().select_related("stage").get(pk=deal.pk)
    _replace_contacts(deal, list(contacts))
    missing = missing_requirements(deal, deal.stage)
    if "contacts" in missing:
        raise StageRequirementsError(deal.stage, ["contacts"])
    _audit(deal, actor, _("Contact persons changed"))
    deal.save(update_fields=["updated_at"])
    events.publish("deal.updated", deal_id=deal.pk, fields=["contacts"], actor_id=_actor_id(actor))


def _replace_lines(deal: Deal, rows: Sequence[Mapping[str, Any]]) -> list[DealLine]:
    if len(rows) > MAX_LINES:
        raise ValidationError({"lines": _("At most %(count)d line items per deal.") % {"count": MAX_LINES}})
    lines = []
    errors: dict[str, list[str]] = {}
    for position, row in enumerate(rows, start=1):
        line = DealLine(deal=deal, position=position)
        unknown = set(row) - {"description", "quantity", "unit", "price", "discount"}
        if unknown:
            raise ValidationError({"lines": _("Unknown line item fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}})
        for name, value in row.items():
            setattr(line, name, value.strip() if isinstance(value, str) else value)
        if line.quantity is None:
            line.quantity = Decimal(1)
        if line.discount is None:
            line.discount = Decimal(0)
        try:
            line.full_clean(exclude=["deal"])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault("lines", []).extend(
                    _("Line %(position)d, %(field)s: %(message)s")
                    % {
                        "position": position,
                        "field": getattr(DealLine._meta.get_field(field), "verbose_name", field),
                        "message": message,
                    }
                    for message in messages
                )
        lines.append(line)
    if errors:
        raise ValidationError(errors)
    DealLine.objects.filter(deal=deal).delete()
    return DealLine.objects.bulk_create(lines)


@transaction.atomic
def deal_set_lines(*, actor: Actor, deal: Deal, lines: Sequence[Mapping[str, Any]], update_amount: bool = True) -> list[DealLine]:
    """Replace the line items; with ``update_amount`` the deal's amount becomes their total (when there are any)."""
    _check(actor, "change", deal)
    deal = Deal.objects.select_for_update().select_related("stage").get(pk=deal.pk)
    saved = _replace_lines(deal, list(lines))
    missing = missing_requirements(deal, deal.stage)
    if "lines" in missing:
        raise StageRequirementsError(deal.stage, ["lines"])
    fields = ["lines"]
    if update_amount and saved:
        total = sum((line.total for line in saved), Decimal(0))
        if deal.amount != total:
            deal.amount = total
            fields.append("amount")
    _audit(deal, actor, _("Line items changed"))
    deal.save()
    events.publish("deal.updated", deal_id=deal.pk, fields=fields, actor_id=_actor_id(actor))
    return saved


@transaction.atomic
def deal_propose_price(
    *,
    actor: Actor,
    deal: Deal,
    amount: Decimal,
    proposed_on: datetime.date | None = None,
    by_client: bool = False,
    note: str = "",
    update_amount: bool = True,
) -> PriceProposal:
    """Record a price put on the table; ours (not the client's counter-offer) becomes the deal's amount by default."""
    _check(actor, "change", deal)
    proposal = PriceProposal(
        deal=deal,
        amount=amount,
        currency=deal.currency,
        proposed_on=proposed_on or timezone.localdate(),
        by_client=by_client,
        note=(note or "").strip(),
        created_by=_person(actor),
    )
    proposal.full_clean(exclude=["deal", "created_by"])
    proposal.save()
    if update_amount and not by_client and deal.amount != amount:
        deal_update(actor=actor, deal=deal, changes={"amount": amount})
    events.publish("deal.price_proposed", deal_id=deal.pk, proposal_id=proposal.pk, actor_id=_actor_id(actor))
    return proposal


# --- the funnel's configuration (administrators) ------------------------------------------------

PIPELINE_FIELDS = ("code", "name_en", "name_ru", "name_uk", "name_ro", "team", "currency", "order", "is_active")
STAGE_FIELDS = (
    "code", "name_en", "name_ru", "name_uk", "name_ro", "order", "kind", "probability", "colour", "max_minutes",
    "required_fields", "is_active",
)  # fmt: skip


@transaction.atomic
def pipeline_save(*, actor: Actor, values: Mapping[str, Any], pipeline: Pipeline | None = None) -> Pipeline:
    _require_administrator(actor)
    pipeline = pipeline or Pipeline()
    apply_changes(pipeline, PIPELINE_FIELDS, values)
    pipeline.full_clean(exclude=["team"])
    pipeline.save()
    return pipeline


def _clean_required_fields(value: Any) -> list[str]:
    names = list(value or [])
    unknown = [name for name in names if name not in REQUIRABLE_FIELDS]
    if unknown:
        raise ValidationError({"required_fields": _("Unknown fields: %(names)s.") % {"names": ", ".join(map(str, unknown))}})
    return sorted(set(names), key=list(REQUIRABLE_FIELDS).index)


@transaction.atomic
def stage_save(*, actor: Actor, pipeline: Pipeline, values: Mapping[str, Any], stage: Stage | None = None) -> Stage:
    _require_administrator(actor)
    stage = stage or Stage(pipeline=pipeline)
    values = dict(values)
    if "required_fields" in values:
        values["required_fields"] = _clean_required_fields(values["required_fields"])
    was_kind = stage.kind if stage.pk else None
    apply_changes(stage, STAGE_FIELDS, values)
    if was_kind is not None and was_kind != stage.kind and stage.deals.exists():
        raise ConflictError(_("Deals sit in this stage: its kind cannot change. Make a new stage instead."), code="stage_in_use")
    stage.full_clean(exclude=["pipeline"])
    stage.save()
    return stage


@transaction.atomic
def stage_delete(*, actor: Actor, stage: Stage) -> None:
    """Delete a stage no deal ever entered; a stage with history is deactivated instead."""
    _require_administrator(actor)
    if stage.deals.exists():
        raise ConflictError(_("Deals sit in this stage: move them first."), code="stage_in_use")
    if StageChange.objects.filter(to_stage=stage).exists() or StageChange.objects.filter(from_stage=stage).exists():
        stage.is_active = False
        stage.save(update_fields=["is_active"])
        return
    stage.delete()


@transaction.atomic
def stage_reorder(*, actor: Actor, pipeline: Pipeline, stage_ids: Sequence[int]) -> None:
    _require_administrator(actor)
    stages = {stage.pk: stage for stage in pipeline.stages.all()}
    if set(stage_ids) != set(stages):
        raise ValidationError({"stages": _("List every stage of the pipeline exactly once.")})
    for position, pk in enumerate(stage_ids, start=1):
        stages[pk].order = position * 10
    Stage.objects.bulk_update(list(stages.values()), ["order"])
