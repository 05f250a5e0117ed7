"""Lead submissions for the people who answer for them: every post, its status, its error, a retry button."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kartoteka.core.errors import DomainError
from kartoteka.core.lists import Column, Filter, ListSpec, badge, list_context
from kartoteka.marketing import services
from kartoteka.marketing.models import LeadSubmission, SubmissionStatus, WebForm
from kartoteka.users import access

STATUS_TONES: dict[str, str] = {
    SubmissionStatus.RECEIVED: "primary",
    SubmissionStatus.PROCESSED: "success",
    SubmissionStatus.FAILED: "danger",
    SubmissionStatus.REJECTED: "warning",
    SubmissionStatus.SPAM: "secondary",
}


def _when(value: object) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""  # type: ignore[arg-type]


def _summary(submission: LeadSubmission) -> str:
    """A line to recognise the lead by: the first few values it carried."""
    parts = []
    for value in list(submission.values.values())[:4]:
        text = value[0] if isinstance(value, list) and value else value
        if text:
            parts.append(str(text)[:60])
    return " · ".join(parts)


SUBMISSION_LIST = ListSpec(
    columns=[
        Column("id", "#", lambda s: s.pk, sort="id", link=True, css="text-body-secondary"),
        Column("received_at", _("Received"), lambda s: _when(s.received_at), sort="received_at"),
        Column("form", _("Form"), lambda s: s.form.name, sort="form__name"),
        Column("status", _("Status"), lambda s: badge(s.get_status_display(), STATUS_TONES[s.status]), sort="status"),
        Column("summary", _("Lead"), _summary, link=True),
        Column("deal", _("Deal"), lambda s: s.deal.title if s.deal_id else ""),
        Column("attempts", _("Attempts"), lambda s: s.attempts or "", sort="attempts"),
    ],
    default_sort="-id",
    search_fields=["raw_body", "external_id", "remote_ip"],
    search_placeholder=_("Text of the submission, external ID, address"),
    filters=[
        Filter("status", _("Status"), "status", lambda user: SubmissionStatus.choices),
        Filter(
            "form", _("Form"), "form_id", lambda user: [(str(pk), name) for pk, name in WebForm.objects.values_list("pk", "name")]
        ),
    ],
    row_url=lambda s: reverse("marketing:submission", args=[s.pk]),
    empty_message=_("No submissions yet. Put a web form on your site: its address and snippet are listed above."),
)


def _visible(request: HttpRequest) -> QuerySet[LeadSubmission]:
    if not access.can_use(request.user, ["lead"]):
        raise PermissionDenied
    return access.visible(request.user, LeadSubmission)


@login_required
def submission_list(request: HttpRequest) -> HttpResponse:
    submissions = _visible(request)
    page = list_context(request, submissions.select_related("form", "deal"), SUBMISSION_LIST)
    counts = dict(submissions.values_list("status").annotate(n=Count("id")).order_by())
    summary = [
        (f"status={status}", label, counts.get(status, 0), STATUS_TONES[status]) for status, label in SubmissionStatus.choices
    ]
    forms = access.visible(request.user, WebForm).order_by("name")
    template = "marketing/submission_list.html#results" if request.htmx else "marketing/submission_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page, "summary": summary, "forms": forms, "site_url": settings.SITE_URL})


@login_required
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = access.get_visible_or_404(
        request.user, _visible(request).select_related("form", "client", "contact", "deal"), pk=pk
    )
    return render(
        request,
        "marketing/submission_detail.html",
        {
            "submission": submission,
            "tone": STATUS_TONES[submission.status],
            "values_json": json.dumps(submission.values, ensure_ascii=False, indent=2),
            "can_retry": services.can_manage(request.user) and submission.status != SubmissionStatus.PROCESSED,
        },
    )


@login_required
@require_POST
def submission_retry(request: HttpRequest, pk: int) -> HttpResponse:
    submission = access.get_visible_or_404(request.user, _visible(request), pk=pk)
    try:
        services.submission_retry(actor=request.user, submission=submission)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The submission is queued for processing again."))
    return redirect("marketing:submission", pk=submission.pk)
