"""Processing leads in the background: a retried job per submission (DESIGN §8, docs/jobs.md)."""

from __future__ import annotations

from kartoteka.jobs.registry import job
from kartoteka.jobs.services import job_enqueue
from kartoteka.marketing.models import LeadSubmission


# Not atomic: a failed attempt must leave its error on the submission for people to see, while the
# processing itself commits in one transaction together with the "processed" mark (see services).
@job(max_attempts=6, timeout=120, backoff=30, atomic=False)
def process_lead(submission_id: int) -> str:
    from kartoteka.marketing import services

    try:
        return services.process_submission(submission_id)
    except Exception as error:
        services.submission_record_failure(submission_id, error)
        raise


def enqueue_processing(submission: LeadSubmission, *, retry: bool = False) -> None:
    """Queue the submission's processing once; a retry by hand is a new job (the old one may have failed for good)."""
    key = f"lead:{submission.pk}" + (f":retry:{_now_stamp()}" if retry else "")
    job_enqueue(process_lead, submission.pk, idempotency_key=key)


def _now_stamp() -> str:
    from django.utils import timezone

    return timezone.now().strftime("%Y%m%dT%H%M%S%f")
