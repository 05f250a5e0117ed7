"""The reliability layer: idempotency, retry with backoff, timeouts, crash recovery, the Jobs page."""

from __future__ import annotations

import datetime
import random
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kartoteka.jobs.models import Job, JobStatus
from kartoteka.jobs.services import backoff_delay, job_enqueue, job_retry_now, job_run, jobs_prune, jobs_recover_stalled
from kartoteka.jobs.tests import jobs_for_tests as jobs
from kartoteka.testing.processes import start_worker, wait_for


def test_same_idempotency_key_gives_one_job(db, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = job_enqueue(jobs.record, str(tmp_path / "out"), "x", idempotency_key="import:42")
        second = job_enqueue(jobs.record, str(tmp_path / "out"), "x", idempotency_key="import:42")
    assert first.pk == second.pk
    assert Job.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_a_job_runs_once_even_if_delivered_twice(db, tmp_path, django_capture_on_commit_callbacks):
    out = tmp_path / "out"
    with django_capture_on_commit_callbacks(execute=True):
        queued = job_enqueue(jobs.record, str(out), "hello")
    assert job_run(queued.pk) == "succeeded"
    assert job_run(queued.pk) == "skipped (succeeded)"
    assert out.read_text() == "hello\n"
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.result) == (JobStatus.SUCCEEDED, 1, "hello")


def test_failures_are_retried_with_growing_backoff_then_failed(db, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued = job_enqueue(jobs.always_fails, str(tmp_path / "attempts"))
    delays = []
    for expected_attempt in (1, 2):
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            job_run(queued.pk)
        queued.refresh_from_db()
        assert queued.status == JobStatus.RETRYING
        assert queued.attempts == expected_attempt
        assert "the remote system said no" in queued.last_error
        delays.append((queued.run_after - before).total_seconds())
        # The next attempt is a deferred task in the queue, due at run_after.
        assert DBTaskResult.objects.filter(status="READY", run_after=queued.run_after).exists()
        queued.status = JobStatus.RETRYING  # let the test run the deferred attempt now
    assert 8 <= delays[0] <= 12.5  # 10 s ± 20 %
    assert 16 <= delays[1] <= 24.5  # doubled

    job_run(queued.pk)
    queued.refresh_from_db()
    assert queued.status == JobStatus.FAILED
    assert queued.attempts == 3
    assert (tmp_path / "attempts").read_text().count("attempt") == 3


def test_backoff_doubles_and_is_capped():
    job = Job(backoff_base_seconds=10)
    rng = random.Random(1)
    for attempts, base in ((1, 10), (2, 20), (3, 40), (20, 3600)):
        job.attempts = attempts
        seconds = backoff_delay(job, rng=rng).total_seconds()
        assert seconds <= 3600
        assert base * 0.8 <= seconds <= base * 1.2 or seconds == 3600


def test_an_attempt_over_its_timeout_is_interrupted(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued = job_enqueue(jobs.sleeps, 5)
    started = time.monotonic()
    job_run(queued.pk)
    assert time.monotonic() - started < 4
    queued.refresh_from_db()
    assert queued.status == JobStatus.RETRYING
    assert "JobTimeout" in queued.last_error


def test_only_declared_jobs_can_be_enqueued(db):
    def not_a_job() -> None: ...

    with pytest.raises(LookupError):
        job_enqueue(not_a_job)


# --- with a real worker process -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_job_killed_mid_run_is_recovered_and_completes_once(tmp_path):
    marker, done = tmp_path / "hang", tmp_path / "done"
    marker.touch()
    queued = job_enqueue(jobs.hangs_while_marker_exists, str(marker), str(done))

    worker = start_worker()
    try:
        wait_for(lambda: Job.objects.get(pk=queued.pk).status == JobStatus.RUNNING)
        wait_for(lambda: Path(str(done) + ".started").exists())
    finally:
        worker.send_signal(signal.SIGKILL)  # a crash: no chance to clean up
        worker.wait(timeout=10)
    marker.unlink()
    assert Job.objects.get(pk=queued.pk).status == JobStatus.RUNNING  # orphaned

    # Too early: the attempt could still be alive within its timeout.
    assert jobs_recover_stalled() == 0
    later = timezone.now() + datetime.timedelta(seconds=queued.timeout_seconds + settings.JOBS_STALL_GRACE + 1)
    assert jobs_recover_stalled(now=later) == 1

    worker = start_worker("--batch")
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output.decode()

    queued.refresh_from_db()
    assert queued.status == JobStatus.SUCCEEDED
    assert (queued.attempts, queued.recovered_count) == (2, 1)
    assert done.read_text() == "done\n"  # completed exactly once
    assert DBTaskResult.objects.filter(exception_class_path="kartoteka.jobs.services.WorkerLost").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_on_the_real_worker_is_retried_then_shown_failed(tmp_path, admin_client_factory):
    attempts = tmp_path / "attempts"
    queued = job_enqueue(jobs.always_fails_fast, str(attempts))
    worker = start_worker("--batch")
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output.decode()

    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (JobStatus.FAILED, 3)
    assert attempts.read_text().count("attempt") == 3

    client = admin_client_factory()
    page = client.get("/jobs/?status=failed").content.decode()
    assert "always_fails_fast" in page
    assert "always_fails_fast" in client.get("/jobs/?retried=1").content.decode()
    detail = client.get(f"/jobs/{queued.pk}/").content.decode()
    assert "the remote system said no" in detail
    assert 'data-testid="job-status"' in detail


def test_jobs_page_is_for_administrators_only(world, client_for):
    manager_client = client_for(world.users["mgr_north1"])
    assert manager_client.get("/jobs/").status_code == 403
    assert 'data-section="jobs"' not in manager_client.get("/").content.decode()
    admin_client = client_for(world.users["admin"])
    assert admin_client.get("/jobs/").status_code == 200
    assert 'data-section="jobs"' in admin_client.get("/").content.decode()


def test_retry_now_requeues_a_failed_job(world, client_for, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued = job_enqueue(jobs.always_fails, str(tmp_path / "a"))
    Job.objects.filter(pk=queued.pk).update(status=JobStatus.FAILED, attempts=3)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.users["admin"]).post(f"/jobs/{queued.pk}/retry/")
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.status == JobStatus.QUEUED
    assert queued.max_attempts == 4
    with pytest.raises(Exception, match="Only failed jobs"):
        job_retry_now(actor=world.users["admin"], job=queued)


def test_old_finished_records_are_pruned_but_failures_stay(db, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        done = job_enqueue(jobs.record, str(tmp_path / "o"), "x")
        broken = job_enqueue(jobs.always_fails, str(tmp_path / "a"))
    job_run(done.pk)
    Job.objects.filter(pk=broken.pk).update(status=JobStatus.FAILED, finished_at=timezone.now())
    DBTaskResult.objects.update(status="SUCCESSFUL", finished_at=timezone.now())
    assert jobs_prune() == {"task_results": 0, "jobs": 0}
    later = timezone.now() + datetime.timedelta(days=31)
    assert jobs_prune(now=later) == {"task_results": 2, "jobs": 1}
    assert list(Job.objects.values_list("pk", flat=True)) == [broken.pk]


def test_a_waiting_job_whose_task_was_lost_is_sent_again(db, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the process "dies" before enqueueing
        lost = job_enqueue(jobs.record, str(tmp_path / "o"), "x")
    assert not DBTaskResult.objects.exists()
    assert jobs_recover_stalled() == 0  # too early to tell
    later = timezone.now() + datetime.timedelta(seconds=settings.JOBS_STALL_GRACE + 1)
    assert jobs_recover_stalled(now=later) == 1
    lost.refresh_from_db()
    assert DBTaskResult.objects.get(pk=lost.task_result_id).status == "READY"
    assert jobs_recover_stalled(now=later) == 0  # queued now: nothing more to do
