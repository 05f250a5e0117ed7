"""Leads from web forms and other systems: store first, then process as a retried job.

:func:`submission_receive` writes the :class:`LeadSubmission` row before it judges anything, so even
a rejected or spam post is on record. A valid one is handed to :func:`process_submission` through a
job; that function does all its writes and marks the row processed in one transaction, and does
nothing for a row already processed — so a worker killed half-way, a retry or a duplicate delivery
still gives exactly one client, contact and deal.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.clients.duplicates import normalize_tax_id
from kartoteka.clients.models import Client
from kartoteka.clients.requisites import tax_id_field
from kartoteka.contacts.models import Contact, ContactPoint, ContactPointKind
from kartoteka.contacts.normalize import normalize_email, normalize_phone, phone_search_key
from kartoteka.core import events
from kartoteka.core.errors import DomainError
from kartoteka.marketing.models import FieldKind, FieldTarget, LeadSubmission, SubmissionChannel, SubmissionStatus, WebForm
from kartoteka.users import access

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.users.models import User

    Actor = User | AnonymousUser | None

logger = logging.getLogger(__name__)

HONEYPOT = "website"  # a field people never see; bots fill every field they find
CONSENT = "consent"
MAX_LENGTH: dict[str, int] = {FieldKind.TEXTAREA: 10_000, FieldKind.TEXT: 500}
DEFAULT_MAX_LENGTH = 255
MAX_RAW_BODY = 1_100_000  # characters kept of the raw request: a lead, not an upload


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


@dataclass(frozen=True)
class Received:
    submission: LeadSubmission | None
    errors: dict[str, list[str]]

    @property
    def accepted(self) -> bool:
        return self.submission is not None and self.submission.status == SubmissionStatus.RECEIVED


def _first(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key)
    if isinstance(value, list):
        value = value[0] if value else ""
    return "" if value is None else str(value).strip()


def validate_values(form: WebForm, values: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The form's fields read from ``values``, normalised, and the problems found (field key → messages)."""
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for field in form.fields.all():
        value = _first(values, field.key)
        limit = MAX_LENGTH.get(field.kind, DEFAULT_MAX_LENGTH)
        if not value:
            if field.required:
                errors.setdefault(field.key, []).append(_("Please fill in “%(label)s”.") % {"label": field.label})
            continue
        if len(value) > limit:
            errors.setdefault(field.key, []).append(
                _("“%(label)s” is too long: at most %(limit)d characters.") % {"label": field.label, "limit": limit}
            )
            continue
        try:
            if field.kind == FieldKind.EMAIL or field.target == FieldTarget.CONTACT_EMAIL:
                value = normalize_email(value)
            elif field.kind == FieldKind.PHONE or field.target == FieldTarget.CONTACT_PHONE:
                value = normalize_phone(value)
            elif field.kind == FieldKind.NUMBER or field.target == FieldTarget.DEAL_AMOUNT:
                number = Decimal(value.replace("\u00a0", "").replace(" ", "").replace(",", "."))
                if not number.is_finite() or number < 0 or number >= Decimal(10) ** 16:
                    raise InvalidOperation
                value = str(number.quantize(Decimal("0.01")))
        except (ValidationError, InvalidOperation):
            errors.setdefault(field.key, []).append(_("“%(label)s” does not look right.") % {"label": field.label})
            continue
        cleaned[field.key] = value
    if form.consent_required and _first(values, CONSENT).lower() not in ("1", "on", "yes", "true"):
        errors.setdefault(CONSENT, []).append(_("Please agree to the processing of your data."))
    return cleaned, errors


def _rate_limited(form: WebForm, remote_ip: str | None, now: datetime.datetime) -> bool:
    if not remote_ip:
        return False
    since = now - datetime.timedelta(hours=1)
    recent = LeadSubmission.objects.filter(form=form, remote_ip=remote_ip, received_at__gte=since)
    return recent.count() >= form.rate_limit_per_hour


def submission_receive(
    *,
    form: WebForm,
    values: Mapping[str, Any],
    raw_body: str = "",
    content_type: str = "",
    encoding: str = "",
    remote_ip: str | None = None,
    user_agent: str = "",
    referer: str = "",
    channel: str = SubmissionChannel.WEB,
    external_id: str = "",
    submitted_by: User | None = None,
) -> Received:
    """Store what arrived, then judge it: spam and invalid posts are kept but not processed.

    Raises :class:`RateLimited` (nothing stored) when one address sends more than the form allows in
    an hour: the sender is told to try later, so no lead disappears silently.
    """
    from kartoteka.marketing.tasks import enqueue_processing

    now = timezone.now()
    if not form.is_active:
        raise DomainError(_("This form no longer accepts submissions."), code="form_closed")
    if channel == SubmissionChannel.WEB and _rate_limited(form, remote_ip, now):
        raise RateLimited(_("Too many submissions from your address. Please try again in an hour."))
    external_id = (external_id or "").strip()[:200]
    if external_id:
        existing = LeadSubmission.objects.filter(form=form, external_id=external_id).first()
        if existing is not None:  # another system resending the same lead
            return Received(submission=existing, errors=existing.errors)
    stored_values = {str(key)[:100]: value for key, value in list(values.items())[:100]}
    submission = LeadSubmission(
        form=form,
        channel=channel,
        raw_body=raw_body[:MAX_RAW_BODY],
        content_type=content_type[:200],
        encoding=encoding[:40],
        values=stored_values,
        remote_ip=remote_ip or None,
        user_agent=user_agent[:500],
        referer=referer[:500],
        external_id=external_id,
        submitted_by=submitted_by,
    )
    _cleaned, errors = validate_values(form, values)
    if channel == SubmissionChannel.WEB and _first(values, HONEYPOT):
        submission.status = SubmissionStatus.SPAM
        submission.errors = {HONEYPOT: ["honeypot filled"]}
    elif errors:
        submission.status = SubmissionStatus.REJECTED
        submission.errors = errors
    try:
        with transaction.atomic():
            submission.save()
            if submission.status == SubmissionStatus.RECEIVED:
                enqueue_processing(submission)
    except IntegrityError:
        if not external_id:
            raise
        existing = LeadSubmission.objects.get(form=form, external_id=external_id)  # a concurrent resend won
        return Received(submission=existing, errors=existing.errors)
    if submission.status == SubmissionStatus.SPAM:
        logger.info("Web form %s: spam submission %s stored", form.pk, submission.pk)
        return Received(submission=submission, errors={})
    return Received(submission=submission, errors=errors)


# --- processing ---------------------------------------------------------------------------------


def _by_target(form: WebForm, values: Mapping[str, str]) -> dict[str, list[tuple[str, str]]]:
    """Cleaned values grouped by target, each with its field label."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for field in form.fields.all():
        if field.key in values:
            grouped.setdefault(field.target, []).append((field.label, values[field.key]))
    return grouped


def _one(grouped: Mapping[str, list[tuple[str, str]]], target: str) -> str:
    items = grouped.get(target) or []
    return items[0][1] if items else ""


def _split_name(full_name: str) -> dict[str, str]:
    """ "Иван" → first; "Иван Петров" → first, last; "Петров Иван Сергеевич" → last, first, patronymic."""
    words = full_name.split()
    if len(words) >= 3:
        return {"last_name": words[0][:100], "first_name": words[1][:100], "patronymic": " ".join(words[2:])[:100]}
    if len(words) == 2:
        return {"first_name": words[0][:100], "last_name": words[1][:100]}
    return {"first_name": full_name[:100]}


def _match_client(tax_id: str, email: str, phone: str) -> tuple[Client | None, Contact | None]:
    """An existing client by tax ID, else by the contact's email or phone; with the contact that matched."""
    if tax_id:
        client = Client.objects.filter(tax_id=tax_id).order_by("pk").first()
        if client is not None:
            return client, _match_contact(client, email, phone)
    keys = [(ContactPointKind.EMAIL, email)] if email else []
    if phone:
        keys.append((ContactPointKind.PHONE, phone_search_key(phone)))
    for kind, key in keys:
        point = ContactPoint.objects.filter(kind=kind, search_key=key).select_related("client", "contact").order_by("pk").first()
        if point is not None:
            return point.client, point.contact
    return None, None


def _match_contact(client: Client, email: str, phone: str) -> Contact | None:
    for kind, key in ((ContactPointKind.EMAIL, email), (ContactPointKind.PHONE, phone_search_key(phone) if phone else "")):
        if key:
            point = ContactPoint.objects.filter(client=client, kind=kind, search_key=key, contact__isnull=False).first()
            if point is not None:
                return point.contact
    return None


def _owner(form: WebForm, client: Client | None) -> User | None:
    """The client's own manager when it has one at work; else the form's queue; else the form's default owner."""
    from kartoteka.automation.services import queue_pick

    if client is not None and client.responsible is not None and client.responsible.is_active:
        return client.responsible
    if form.queue is not None:
        picked = queue_pick(queue=form.queue)
        if picked is not None:
            return picked
    if form.default_owner is not None and form.default_owner.is_active:
        return form.default_owner
    return None


@transaction.atomic
def process_submission(submission_id: int) -> str:
    """Turn a stored submission into a client, a contact and a deal; exactly once per submission."""
    from kartoteka.clients import services as client_services
    from kartoteka.contacts import services as contact_services
    from kartoteka.deals import services as deal_services

    submission = LeadSubmission.objects.select_for_update().get(pk=submission_id)
    if submission.status != SubmissionStatus.RECEIVED and submission.status != SubmissionStatus.FAILED:
        return f"already {submission.status}"
    form = WebForm.objects.select_related("pipeline", "stage", "queue", "default_owner", "source").get(pk=submission.form_id)
    values, errors = validate_values(form, submission.values)
    if errors:  # the form changed since it was received: keep it visible rather than guess
        submission.status, submission.errors = SubmissionStatus.REJECTED, errors
        submission.save(update_fields=["status", "errors"])
        return "rejected"
    grouped = _by_target(form, values)
    email, phone = _one(grouped, FieldTarget.CONTACT_EMAIL), _one(grouped, FieldTarget.CONTACT_PHONE)
    tax_id = normalize_tax_id(_one(grouped, FieldTarget.CLIENT_TAX_ID))
    person = _one(grouped, FieldTarget.CONTACT_NAME)
    client, contact = _match_client(tax_id, email, phone)
    matched = client is not None
    unverified_tax_id = ""
    owner = _owner(form, client)
    source_note = _("Web form «%(form)s»") % {"form": form.name}
    if client is None:
        name = _one(grouped, FieldTarget.CLIENT_NAME) or person or email or phone or source_note
        fields: dict[str, Any] = {"responsible": owner, "source": form.source}
        if owner is not None and owner.team_id is not None:
            fields["team"] = owner.team
        requisites = {tax_id_field("RU") or "inn": tax_id} if tax_id else {}
        try:
            with transaction.atomic():
                client = client_services.client_create(
                    actor=None, name=name[:255], reason=source_note, requisites=requisites, **fields
                )
        except ValidationError:
            if not requisites:
                raise
            # A tax ID that fails its check digit is still worth reading: it goes into the deal's notes.
            client = client_services.client_create(actor=None, name=name[:255], reason=source_note, **fields)
            unverified_tax_id = tax_id
    if contact is None and (person or email or phone):
        contact_fields: dict[str, Any] = {
            "position": _one(grouped, FieldTarget.CONTACT_POSITION)[:200],
            "email_consent": form.consent_required,
            "email_consent_at": timezone.now() if form.consent_required else None,
            "email_consent_source": source_note[:200] if form.consent_required else "",
            **_split_name(person or email or phone),
        }
        contact = contact_services.contact_create(actor=None, client=client, **contact_fields)
        for kind, value in ((ContactPointKind.EMAIL, email), (ContactPointKind.PHONE, phone)):
            if value and not ContactPoint.objects.filter(client=client, contact=contact, kind=kind, value=value).exists():
                contact_services.contact_point_save(
                    actor=None, client=client, contact=contact, values={"kind": kind, "value": value}
                )
    notes = [
        f"{label}: {value}"
        for target in (FieldTarget.DEAL_DESCRIPTION, FieldTarget.NOTE)
        for label, value in grouped.get(target, [])
    ]
    if unverified_tax_id:
        notes.append(_("Tax ID as given (it did not pass the check): %(value)s") % {"value": unverified_tax_id})
    amount = _one(grouped, FieldTarget.DEAL_AMOUNT)
    title = _one(grouped, FieldTarget.DEAL_TITLE) or (form.deal_title or f"{form.name}: {client.name}")
    deal_values: dict[str, Any] = {
        "title": title[:255],
        "description": "\n".join(notes),
        "owner": owner,
        "source": form.source,
    }
    if amount:
        deal_values["amount"] = Decimal(amount)
    if owner is None:
        deal_values["team"] = None
    deal = deal_services.deal_create(actor=None, client=client, values=deal_values, pipeline=form.pipeline, stage=form.stage)
    submission.status = SubmissionStatus.PROCESSED
    submission.processed_at = timezone.now()
    submission.client, submission.contact, submission.deal = client, contact, deal
    submission.matched_existing_client = matched
    submission.last_error = ""
    submission.save()
    events.publish(
        "lead.captured",
        submission_id=submission.pk,
        form_id=form.pk,
        client_id=client.pk,
        deal_id=deal.pk,
        owner_id=owner.pk if owner else None,
        matched_existing_client=matched,
    )
    return f"deal {deal.pk}"


def submission_record_failure(submission_id: int, error: BaseException) -> None:
    """Keep the failure visible on the submission (in its own transaction: the attempt's writes are gone)."""
    with transaction.atomic():
        submission = LeadSubmission.objects.select_for_update().filter(pk=submission_id).first()
        if submission is None or submission.status == SubmissionStatus.PROCESSED:
            return
        submission.status = SubmissionStatus.FAILED
        submission.attempts += 1
        submission.last_error = f"{type(error).__name__}: {error}"[:5000]
        submission.save(update_fields=["status", "attempts", "last_error"])


# --- people acting on submissions ---------------------------------------------------------------


def can_manage(user: User | AnonymousUser) -> bool:
    return access.is_administrator(user) or access.scope(user, "lead", "change") > 0


def submission_retry(*, actor: Actor, submission: LeadSubmission) -> LeadSubmission:
    """Process a failed (or rejected, after fixing the form) submission again."""
    from kartoteka.marketing.tasks import enqueue_processing

    if actor is not None and not can_manage(actor):
        raise PermissionDenied("Submissions are handled by administrators.")
    if submission.status == SubmissionStatus.PROCESSED:
        raise DomainError(_("This submission is processed already."), code="already_processed")
    if submission.status == SubmissionStatus.SPAM and actor is None:
        raise DomainError(_("This submission was marked as spam."), code="spam")
    with transaction.atomic():
        LeadSubmission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.RECEIVED, errors={})
        submission.refresh_from_db()
        enqueue_processing(submission, retry=True)
    return submission
