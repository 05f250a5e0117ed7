"""Request and response bodies of the pipeline, lost-reason and deal endpoints."""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator

from kartoteka.activities.api.schemas import ClientRefOut, ContactRefOut, PersonRef
from kartoteka.api import DecimalString, Id
from kartoteka.clients.api.common import MAX_LIMIT, Code, CodeList, DecimalIn, LongText, RefOut, UserRefOut, absent
from kartoteka.clients.api.references import LocalizedNamesOut
from kartoteka.clients.api.schemas import TeamRefOut


def _iso_day(value: Any) -> Any:
    # Pydantic would read 0 or "1700000000" as a Unix timestamp; the documented format is ISO 8601.
    if isinstance(value, int | float) or (isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("a date is ISO 8601 text, like 2026-03-12")
    return value


Day = Annotated[datetime.date, BeforeValidator(_iso_day)]

StageKindName = Literal["open", "won", "lost"]
DealStatusName = Literal["open", "won", "lost"]
RequirableName = Literal["amount", "expected_close_on", "source", "contacts", "lines", "description"]

Title = Annotated[str, Field(max_length=255)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. RUB.")]
Percent = Annotated[int, Field(ge=0, le=100)]
StatusList = Annotated[
    str,
    Field(
        max_length=50,
        pattern=r"^[a-z]+(,[a-z]+)*$",
        description="open, won or lost, or several separated by commas (any of them matches).",
    ),
]


# --- Pipelines, stages, reasons ---------------------------------------------------------------------------


class StageOut(Schema):
    id: int
    code: str
    name: str = Field(description="In the caller's language.")
    names: LocalizedNamesOut
    order: int
    kind: StageKindName = Field(description="open: in progress; won and lost close the deal.")
    probability: int = Field(description="The probability (%) of a deal in this stage that has none of its own.")
    colour: str = Field(description="#rrggbb.")
    max_minutes: int | None = Field(description="A deal staying longer is overdue in the stage; null: no limit.")
    required_fields: list[RequirableName] = Field(description="Deal fields that must be filled before a deal enters.")
    is_active: bool


class PipelineOut(Schema):
    id: int
    code: str
    name: str = Field(description="In the caller's language.")
    names: LocalizedNamesOut
    team: TeamRefOut | None = Field(description="New deals of this team's people go here by default.")
    currency: str = Field(description="The currency of new deals.")
    order: int
    is_active: bool
    stages: list[StageOut] = Field(description="In funnel order.")


class PipelineList(Schema):
    items: list[PipelineOut]


class PipelineFilters(Schema):
    include_inactive: bool = Field(False, description="true: retired pipelines too.")


class LostReasonOut(Schema):
    id: int
    code: str
    name: str = Field(description="In the caller's language.")
    names: LocalizedNamesOut
    is_active: bool
    order: int


class LostReasonList(Schema):
    items: list[LostReasonOut]


class ReasonFilters(Schema):
    active: bool | None = Field(None, description="true: only reasons offered for new outcomes.")


# --- Deals: output ----------------------------------------------------------------------------------------


class PipelineRefOut(Schema):
    id: int
    code: str
    name: str


class StageRefOut(Schema):
    id: int
    code: str
    name: str
    kind: StageKindName


class DealOut(Schema):
    id: int
    title: str
    client: ClientRefOut
    pipeline: PipelineRefOut
    stage: StageRefOut
    stage_entered_at: datetime.datetime
    status: DealStatusName = Field(description="Follows the stage: open, won or lost.")
    amount: DecimalString | None
    currency: str
    expected_close_on: datetime.date | None
    probability: int | None = Field(description="The deal's own probability (%); null: the stage's applies.")
    effective_probability: int = Field(description="The deal's own probability, else its stage's.")
    source: RefOut | None = Field(description="An entry of GET /references/sources.")
    owner: UserRefOut | None
    team: TeamRefOut | None
    description: str
    closed_at: datetime.datetime | None = Field(description="When it was won or lost; null while open.")
    lost_reason: RefOut | None = Field(description="An entry of GET /lost-reasons; only on a lost deal.")
    outcome_comment: str
    next_task_due_at: datetime.datetime | None = Field(description="The earliest deadline among the deal's open tasks.")
    is_overdue_in_stage: bool = Field(description="Open and in its stage longer than the stage's max_minutes.")
    created_by: UserRefOut | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    url: str = Field(description="The deal in the API.")
    card_url: str = Field(description="The deal card in the web interface.")


class DealPage(Schema):
    items: list[DealOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page; null on the last page.")


class DealContactOut(Schema):
    contact: ContactRefOut
    role: RefOut | None = Field(description="An entry of GET /references/contact-roles: the person's part in this deal.")


class DealLineOut(Schema):
    id: int
    position: int
    description: str
    quantity: DecimalString
    unit: str
    price: DecimalString
    discount: DecimalString = Field(description="Percent.")
    total: DecimalString = Field(description="quantity × price less the discount, rounded to kopecks (cents).")


class ProposalOut(Schema):
    id: int
    proposed_on: datetime.date
    amount: DecimalString
    currency: str
    by_client: bool = Field(description="true: the client's counter-offer; false: ours.")
    note: str
    created_by: UserRefOut | None
    created_at: datetime.datetime


class StageChangeOut(Schema):
    id: int
    pipeline: PipelineRefOut
    from_stage: StageRefOut | None = Field(description="Null for the deal's first stage.")
    to_stage: StageRefOut
    changed_at: datetime.datetime
    changed_by: UserRefOut | None
    seconds_in_stage: int | None = Field(description="Time spent in from_stage; null for the first entry.")


class StageChangeSummary(Schema):
    count: int = Field(description="Every move of the deal, its opening included.")
    latest: list[StageChangeOut] = Field(description="The newest moves, at most 10; the rest: GET /deals/{id}/stage-changes.")


class DealDetailOut(DealOut):
    contacts: list[DealContactOut]
    lines: list[DealLineOut]
    lines_total: DecimalString = Field(description="The sum of the line items' totals.")
    proposals: list[ProposalOut] = Field(description="Prices put on the table, newest first.")
    stage_changes: StageChangeSummary


class StageChangePage(Schema):
    items: list[StageChangeOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page; null on the last page.")


# --- Deals: filters ---------------------------------------------------------------------------------------


class DealFilters(Schema):
    pipeline: Id | None = Field(None, description="Pipeline id.")
    stage: Id | None = Field(None, description="Stage id.")
    status: StatusList | None = None
    owner: PersonRef | None = Field(None, description="The owner: a user id or `me`.")
    team: Id | None = Field(None, description="Team id (that team exactly, not the teams below it).")
    source: CodeList | None = Field(None, description="Source code(s) from GET /references/sources.")
    client: Id | None = Field(None, description="Client id.")
    amount_min: DecimalIn | None = Field(None, description="Amount at least this.")
    amount_max: DecimalIn | None = Field(None, description="Amount at most this.")
    created_from: Day | None = Field(None, description="Created on or after this day.")
    created_to: Day | None = Field(None, description="Created on or before this day.")
    close_from: Day | None = Field(None, description="Expected to close on or after this day.")
    close_to: Day | None = Field(None, description="Expected to close on or before this day.")
    q: str | None = Field(
        None,
        max_length=200,
        description="Every word in the title or the client's name; or the client's INN, phone or email (as global search).",
    )
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


class PageFilters(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


# --- Deals: input -----------------------------------------------------------------------------------------


class DealContactIn(Schema):
    contact_id: Id = Field(description="A contact person of the deal's client.")
    role: Code | None = Field(None, description="A code from GET /references/contact-roles.")


class DealLineIn(Schema):
    description: str = Field(min_length=1, max_length=500)
    quantity: DecimalIn = absent(description='Default "1".')
    unit: str = Field("", max_length=20)
    price: DecimalIn
    discount: DecimalIn = absent(description='Percent; default "0".')


class DealFieldsIn(Schema):
    title: Title = absent()
    client_id: Id = absent(description="Changing the client removes the deal's contact persons (they were the old client's).")
    amount: DecimalIn | None = None
    currency: Currency = absent(description="The pipeline's currency by default.")
    expected_close_on: Day | None = None
    probability: Percent | None = Field(None, description="null: the stage's probability applies.")
    source: Code | None = Field(None, description="A code from GET /references/sources.")
    owner_id: Id | None = Field(None, description="The caller by default (on create).")
    team_id: Id | None = Field(None, description="The owner's team by default.")
    description: LongText = absent()


class DealCreate(DealFieldsIn):
    title: Title
    client_id: Id
    pipeline_id: Id | None = Field(None, description="The owner's team pipeline, else the first one, by default.")
    stage_id: Id | None = Field(None, description="The pipeline's first open stage by default.")
    contacts: list[DealContactIn] = absent(max_length=50)
    lines: list[DealLineIn] = absent(max_length=200)


class DealUpdate(DealFieldsIn):
    """Only the fields sent change. Stages move with /move, /win, /lose and /reopen."""


class MoveIn(Schema):
    stage_id: Id = Field(description="A stage of any pipeline you may read; a won or lost one closes the deal.")
    lost_reason_id: Id | None = Field(None, description="Required when the stage is a lost one: an id from GET /lost-reasons.")
    comment: LongText = Field("", description="On closing: the outcome comment.")


class WinIn(Schema):
    comment: LongText = ""


class LoseIn(Schema):
    lost_reason_id: Id = Field(description="An id from GET /lost-reasons.")
    comment: LongText = ""


class ReopenIn(Schema):
    stage_id: Id | None = Field(None, description="An open stage; by default the one the deal was closed from.")


class ContactsIn(Schema):
    items: list[DealContactIn] = Field(max_length=50, description="The deal's contact persons: replaces the current ones.")


class LinesIn(Schema):
    items: list[DealLineIn] = Field(max_length=200, description="The line items in order: replaces the current ones.")
    update_amount: bool = Field(True, description="true: the deal's amount becomes the lines' total (when there are any).")


class ProposalIn(Schema):
    amount: DecimalIn
    proposed_on: Day | None = Field(None, description="Today by default.")
    by_client: bool = Field(False, description="true: the client's counter-offer.")
    note: str = Field("", max_length=500)
    update_amount: bool = Field(True, description="true: our proposal (not a counter-offer) becomes the deal's amount.")
