"""Leads from other systems (a marketplace, a call-tracking service, a partner's site) over the API.

``POST /leads`` stores the lead exactly as a web form post is stored and processes it the same way,
in the background; it answers 202 with the submission's id. Resending with the same ``external_id``
returns the first submission instead of creating a second lead. Conventions: docs/api.md.
"""

from __future__ import annotations

import datetime
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kartoteka.api import Id, errors, require_scope
from kartoteka.clients.api.common import actor_of
from kartoteka.core.errors import DomainError
from kartoteka.marketing import services
from kartoteka.marketing.models import LeadSubmission, SubmissionChannel, WebForm
from kartoteka.users import access

AREA = "leads"
MAX_FIELDS = 50

router = Router(tags=["Leads"])


class LeadIn(Schema):
    form_key: str = Field(max_length=32, description="The public key of the web form whose mapping and pipeline apply.")
    fields: dict[str, str | int | float | bool | None] = Field(
        description='Values by the form\'s field names, e.g. {"name": "Иван", "phone": "+7 916 123-45-67"}.'
    )
    external_id: str = Field("", max_length=200, description="Your id for this lead: resending it returns the same submission.")


class SubmissionOut(Schema):
    id: int
    form_key: str
    status: str = Field(description="received, processed, failed, rejected or spam.")
    received_at: datetime.datetime
    errors: dict[str, list[str]] = Field(default_factory=dict, description="Problems by field name, for a rejected lead.")
    deal_id: int | None = None
    client_id: int | None = None
    last_error: str = ""


def _out(submission: LeadSubmission) -> SubmissionOut:
    return SubmissionOut(
        id=submission.pk,
        form_key=submission.form.key,
        status=submission.status,
        received_at=submission.received_at,
        errors=submission.errors or {},
        deal_id=submission.deal_id,
        client_id=submission.client_id,
        last_error=submission.last_error,
    )


@router.post(
    "/leads",
    response={202: SubmissionOut, **errors(401, 403, 404, 409, 422)},
    summary="Hand over a lead: stored at once, processed in the background",
)
def leads_create(request: HttpRequest, payload: LeadIn) -> Status[SubmissionOut]:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    if not services.can_manage(actor):
        raise PermissionDenied
    if len(payload.fields) > MAX_FIELDS:
        raise DomainError(_("A lead has at most %(count)d fields.") % {"count": MAX_FIELDS}, code="too_many_fields")
    form = get_object_or_404(access.visible(actor, WebForm), key=payload.form_key)
    values = {key: "" if value is None else str(value) for key, value in payload.fields.items()}
    result = services.submission_receive(
        form=form,
        values=values,
        raw_body=json.dumps(payload.dict(), ensure_ascii=False),
        content_type="application/json",
        encoding="utf-8",
        channel=SubmissionChannel.API,
        external_id=payload.external_id,
        submitted_by=actor,
    )
    assert result.submission is not None
    submission = LeadSubmission.objects.select_related("form").get(pk=result.submission.pk)
    if result.errors:
        raise ValidationError({key: messages for key, messages in result.errors.items()})
    return Status(202, _out(submission))


@router.get(
    "/leads/{submission_id}", response={200: SubmissionOut, **errors(401, 403, 404)}, summary="A lead's processing status"
)
def leads_get(request: HttpRequest, submission_id: Id) -> SubmissionOut:
    require_scope(request, AREA, "read")
    actor = actor_of(request)
    submission = access.get_visible_or_404(actor, LeadSubmission.objects.select_related("form"), pk=submission_id)
    return _out(submission)
