"""Enqueue, run, retry and recover jobs. All background work in Kartoteka goes through here.

Guarantees, in one place:
* **idempotency** — a job enqueued twice with the same key exists once;
* **retry with backoff** — a failed attempt is retried after ``backoff · 2^(attempt-1)`` seconds
  (±20 % jitter, at most an hour) until ``max_attempts``; then the job is failed and shown so;
* **timeout** — one attempt is interrupted after ``timeout`` seconds (SIGALRM in the worker);
* **recovery** — a job left "running" by a worker that died (kill -9, power loss) is noticed by
  the scheduler once its timeout has clearly passed and is run again;
* **exactly-once effects** for ``atomic`` jobs — the job's database writes and its "succeeded" mark
  commit together, so an attempt cut short leaves nothing half-done behind.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import random
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from kartoteka.core import events
from kartoteka.core.errors import ConflictError
from kartoteka.jobs import registry
from kartoteka.jobs.models import Job, JobStatus
from kartoteka.users import access
from kartoteka.users.models import User

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600


class JobTimeout(Exception):
    """Raised inside a job attempt that ran longer than its timeout."""


def job_enqueue(
    func: Callable[..., Any],
    *args: Any,
    idempotency_key: str | None = None,
    run_after: datetime.datetime | None = None,
    created_by: User | None = None,
    **kwargs: Any,
) -> Job:
    """Record a job and hand its first attempt to the task backend once the transaction commits.

    With ``idempotency_key``, a second call returns the job the first one created (whatever its state).
    """
    spec = registry.spec(registry.name_of(func))
    if idempotency_key:
        existing = Job.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            job = Job.objects.create(
                name=spec.name,
                args=list(args),
                kwargs=kwargs,
                idempotency_key=idempotency_key or None,
                max_attempts=spec.max_attempts,
                timeout_seconds=spec.timeout_seconds,
                backoff_base_seconds=spec.backoff_base_seconds,
                run_after=run_after,
                created_by=created_by,
            )
    except IntegrityError:
        # A concurrent call with the same key won the race.
        return Job.objects.get(idempotency_key=idempotency_key)
    _dispatch_on_commit(job, run_after=run_after)
    return job


def _dispatch_on_commit(job: Job, *, run_after: datetime.datetime | None) -> None:
    transaction.on_commit(lambda: _dispatch(job.pk, run_after=run_after, queue_name=registry.spec(job.name).queue_name))


def _dispatch(job_id: int, *, run_after: datetime.datetime | None, queue_name: str) -> None:
    from kartoteka.jobs.tasks import run_job

    task = run_job.using(run_after=run_after, queue_name=queue_name)
    result = task.enqueue(job_id)
    Job.objects.filter(pk=job_id).update(task_result_id=str(result.id))


def backoff_delay(job: Job, *, rng: random.Random | None = None) -> datetime.timedelta:
    base = job.backoff_base_seconds * (2 ** max(job.attempts - 1, 0))
    jitter = (rng or random).uniform(0.8, 1.2)
    return datetime.timedelta(seconds=min(base * jitter, MAX_BACKOFF_SECONDS))


def job_run(job_id: int) -> str:
    """Run one attempt of a job. Called by the worker; safe to call twice for the same attempt."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return "missing"
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.RUNNING):
            # Finished already, or another worker holds it: a duplicate delivery does nothing.
            return f"skipped ({job.status})"
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.finished_at = None
        job.save(update_fields=["status", "attempts", "started_at", "finished_at", "updated_at"])

    try:
        import_string(job.name)  # importing the module registers its @job functions
        spec = registry.spec(job.name)
        with time_limit(job.timeout_seconds):
            if spec.atomic:
                with transaction.atomic():
                    result = spec.func(*job.args, **job.kwargs)
                    _mark_succeeded(job, result)
            else:
                result = spec.func(*job.args, **job.kwargs)
                _mark_succeeded(job, result)
    except BaseException as error:
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            _record_failure(job, error)
            raise
        _record_failure(job, error)
        return f"failed attempt {job.attempts}"
    return "succeeded"


def _mark_succeeded(job: Job, result: Any) -> None:
    job.status = JobStatus.SUCCEEDED
    job.finished_at = timezone.now()
    job.result = result if _is_json(result) else repr(result)
    job.last_error = ""
    job.save(update_fields=["status", "finished_at", "result", "last_error", "updated_at"])
    events.publish("job.succeeded", job_id=job.pk, name=job.name)


def _is_json(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, list, dict))


def _record_failure(job: Job, error: BaseException) -> None:
    text = "".join(traceback.format_exception(error))[-20_000:]
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        _fail_attempt(job, text)


def _fail_attempt(job: Job, error_text: str, *, backoff: bool = True) -> None:
    """Either schedule the next attempt (after a backoff delay) or, when attempts are used up, fail the job."""
    job.last_error = error_text
    job.finished_at = timezone.now()
    if job.attempts < job.max_attempts:
        job.status = JobStatus.RETRYING
        job.run_after = timezone.now() + backoff_delay(job) if backoff else None
        job.save(update_fields=["status", "last_error", "finished_at", "run_after", "updated_at"])
        _dispatch_on_commit(job, run_after=job.run_after)
        logger.warning("Job %s attempt %s failed; retrying at %s", job, job.attempts, job.run_after)
    else:
        job.status = JobStatus.FAILED
        job.save(update_fields=["status", "last_error", "finished_at", "updated_at"])
        logger.error("Job %s failed after %s attempts", job, job.attempts)
        events.publish("job.failed", job_id=job.pk, name=job.name)


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Interrupt the block after ``seconds`` — in a worker's main thread; elsewhere recovery covers it."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise JobTimeout(f"Attempt exceeded its {seconds} s timeout")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def jobs_recover_stalled(*, now: datetime.datetime | None = None) -> int:
    """Re-run jobs whose worker died mid-attempt, and re-send waiting jobs whose task got lost.

    A running attempt cannot outlive its timeout in a live worker, so a job still "running" well
    after ``timeout + JOBS_STALL_GRACE`` has lost its worker. A job waiting to run whose task is no
    longer in the queue (the process died between commit and enqueue) is sent again. Returns how
    many jobs were recovered.
    """
    now = now or timezone.now()
    recovered = _redispatch_lost(now=now)
    candidates = Job.objects.filter(status=JobStatus.RUNNING).values_list("pk", "timeout_seconds", "started_at")
    for pk, timeout_seconds, started_at in candidates:
        if started_at is None:  # cannot happen for a running job; treat as just started
            continue
        deadline = started_at + datetime.timedelta(seconds=timeout_seconds + settings.JOBS_STALL_GRACE)
        if deadline > now:
            continue
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=pk, status=JobStatus.RUNNING).first()
            if job is None:
                continue
            if job.task_result_id:
                DBTaskResult.objects.filter(pk=job.task_result_id, status="RUNNING").update(
                    status="FAILED",
                    finished_at=now,
                    exception_class_path="kartoteka.jobs.services.WorkerLost",
                    traceback="The worker running this task stopped before it finished.",
                )
            job.recovered_count += 1
            job.save(update_fields=["recovered_count"])
            # Lost work is re-run at once: the crash was not the job's fault, so no backoff.
            _fail_attempt(job, f"Worker lost during attempt {job.attempts} (started {started_at.isoformat()}).", backoff=False)
            recovered += 1
    if recovered:
        logger.warning("Recovered %s stalled job(s)", recovered)
    return recovered


def _redispatch_lost(*, now: datetime.datetime) -> int:
    grace = datetime.timedelta(seconds=settings.JOBS_STALL_GRACE)
    waiting = list(
        Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RETRYING], updated_at__lt=now - grace)
        .filter(Q(run_after__isnull=True) | Q(run_after__lt=now - grace))
        .values_list("pk", "name", "task_result_id")
    )
    task_ids = [task_id for _pk, _name, task_id in waiting if task_id]
    queued = {
        str(pk)
        for pk in DBTaskResult.objects.filter(pk__in=task_ids, status__in=["READY", "RUNNING"]).values_list("pk", flat=True)
    }
    lost = [(pk, name) for pk, name, task_id in waiting if task_id not in queued]
    for pk, name in lost:
        _dispatch(pk, run_after=None, queue_name=registry.spec(name).queue_name)
    return len(lost)


def job_retry_now(*, actor: User, job: Job) -> Job:
    """Give a failed job one more attempt right away (from the Jobs page)."""
    access.require(actor, "change", job)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status != JobStatus.FAILED:
            raise ConflictError(_("Only failed jobs can be retried by hand."), code="job_not_failed")
        job.status = JobStatus.QUEUED
        job.max_attempts = max(job.max_attempts, job.attempts + 1)
        job.run_after = None
        job.save(update_fields=["status", "max_attempts", "run_after", "updated_at"])
        _dispatch_on_commit(job, run_after=None)
    return job


def job_cancel(*, actor: User, job: Job) -> Job:
    """Stop a queued or retrying job from running again."""
    if not access.can(actor, "change", job):
        raise PermissionDenied("cannot cancel this job")
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status not in (JobStatus.QUEUED, JobStatus.RETRYING):
            raise ConflictError(_("Only waiting jobs can be cancelled."), code="job_not_waiting")
        job.status = JobStatus.FAILED
        job.last_error = _("Cancelled by %(person)s.") % {"person": actor}
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "last_error", "finished_at", "updated_at"])
    return job


def jobs_prune(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Forget finished work: task rows after a week, succeeded jobs after a month (failed ones stay visible)."""
    now = now or timezone.now()
    tasks, _ = DBTaskResult.objects.filter(
        status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=now - datetime.timedelta(days=7)
    ).delete()
    jobs, _ = Job.objects.filter(status=JobStatus.SUCCEEDED, finished_at__lt=now - datetime.timedelta(days=30)).delete()
    return {"task_results": tasks, "jobs": jobs}
