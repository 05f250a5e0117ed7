"""The Jobs page: what is queued, running, waiting to retry and failed, with a retry button."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

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
from kartoteka.jobs import services
from kartoteka.jobs.models import Job, JobStatus
from kartoteka.users import access

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

STATUS_TONES: dict[str, str] = {
    JobStatus.QUEUED: "secondary",
    JobStatus.RUNNING: "primary",
    JobStatus.RETRYING: "warning",
    JobStatus.SUCCEEDED: "success",
    JobStatus.FAILED: "danger",
}


def _when(value: object) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""  # type: ignore[arg-type]


JOB_LIST = ListSpec(
    columns=[
        Column("id", "#", lambda job: job.pk, sort="id", link=True, css="text-body-secondary"),
        Column("name", _("Job"), lambda job: job.short_name, sort="name", link=True),
        Column("status", _("Status"), lambda job: badge(job.get_status_display(), STATUS_TONES[job.status]), sort="status"),
        Column("attempts", _("Attempts"), lambda job: f"{job.attempts} / {job.max_attempts}", sort="attempts"),
        Column("created_at", _("Created"), lambda job: _when(job.created_at), sort="created_at"),
        Column(
            "run_after",
            _("Next attempt"),
            lambda job: _when(job.run_after) if job.status == JobStatus.RETRYING else "",
            sort="run_after",
        ),
        Column("finished_at", _("Finished"), lambda job: _when(job.finished_at), sort="finished_at"),
    ],
    default_sort="-id",
    search_fields=["name", "idempotency_key"],
    search_placeholder=_("Job name or key"),
    filters=[
        Filter("status", _("Status"), "status", lambda user: JobStatus.choices),
        # "Retried" = needed more than one attempt, whatever the outcome.
        Filter("retried", _("Attempts"), "attempts__gt", lambda user: [("1", _("retried"))]),
    ],
    row_url=lambda job: reverse("jobs:detail", args=[job.pk]),
    empty_message=_("No jobs match. Jobs appear here when imports, mailings and automations run in the background."),
)


def _visible_jobs(request: HttpRequest) -> QuerySet[Job]:
    if not access.can_use(request.user, ["job"]):
        raise PermissionDenied
    return access.visible(request.user, Job)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = _visible_jobs(request)
    page = list_context(request, jobs.select_related("created_by"), JOB_LIST)
    counts = dict(jobs.values_list("status").annotate(n=Count("id")).order_by())
    summary = [(f"status={status}", label, counts.get(status, 0), STATUS_TONES[status]) for status, label in JobStatus.choices]
    summary.append(("retried=1", _("retried"), jobs.filter(attempts__gt=1).count(), "info"))
    template = "jobs/job_list.html#results" if request.htmx else "jobs/job_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page, "summary": summary})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = access.get_visible_or_404(request.user, _visible_jobs(request).select_related("created_by"), pk=pk)
    return render(
        request,
        "jobs/job_detail.html",
        {"job": job, "tone": STATUS_TONES[job.status], "can_change": access.can(request.user, "change", job)},
    )


def _job_action(action: Callable[..., Job], done: StrOrPromise) -> Callable[[HttpRequest, int], HttpResponse]:
    """A POST view that applies one job service and returns to the job's card with the outcome."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        job = access.get_visible_or_404(request.user, _visible_jobs(request), pk=pk)
        try:
            action(actor=request.user, job=job)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
        return redirect("jobs:detail", pk=job.pk)

    return view


job_retry = _job_action(services.job_retry_now, _("The job is queued for another attempt."))
job_cancel = _job_action(services.job_cancel, _("The job is cancelled."))
