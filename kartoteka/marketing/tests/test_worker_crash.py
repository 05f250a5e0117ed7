"""A worker killed while it processes a lead loses nothing: the lead is processed exactly once later."""

from __future__ import annotations

import datetime
import signal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from kartoteka.deals.models import Deal, Pipeline
from kartoteka.jobs.models import Job, JobStatus
from kartoteka.jobs.services import jobs_recover_stalled
from kartoteka.marketing.models import FieldTarget, LeadSubmission, SubmissionStatus, WebForm, WebFormField
from kartoteka.testing.factories import UserFactory
from kartoteka.testing.processes import start_worker, wait_for


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
        return cursor.fetchone()[0] > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="holds a worker mid-processing with a PostgreSQL row lock")
@pytest.mark.django_db(transaction=True)
def test_a_lead_whose_worker_is_killed_mid_processing_is_processed_exactly_once():
    owner = UserFactory(roles="manager")
    form = WebForm.objects.create(name="Windows", pipeline=Pipeline.objects.get(code="sales"), default_owner=owner)
    WebFormField.objects.create(form=form, key="name", label_en="Name", target=FieldTarget.CONTACT_NAME, required=True)
    WebFormField.objects.create(form=form, key="phone", label_en="Phone", kind="tel", target=FieldTarget.CONTACT_PHONE)
    response = HttpClient(REMOTE_ADDR="203.0.113.9").post(
        reverse("lead_form", args=[form.key]), {"name": "Ivan", "phone": "+79161234567"}
    )
    assert response.status_code == 200
    submission = LeadSubmission.objects.get()
    job = Job.objects.get()

    worker = start_worker()
    try:
        # Hold the submission's row: the worker starts processing, then waits on the lock mid-way.
        with transaction.atomic():
            LeadSubmission.objects.select_for_update().get(pk=submission.pk)
            wait_for(lambda: Job.objects.get(pk=job.pk).status == JobStatus.RUNNING)
            wait_for(_waiting_on_a_lock)
            worker.send_signal(signal.SIGKILL)  # a crash in the middle of processing
            worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING  # orphaned
    assert LeadSubmission.objects.get(pk=submission.pk).status == SubmissionStatus.RECEIVED  # nothing half-done
    assert not Deal.objects.exists()

    later = timezone.now() + datetime.timedelta(seconds=job.timeout_seconds + settings.JOBS_STALL_GRACE + 1)
    assert jobs_recover_stalled(now=later) == 1
    worker = start_worker("--batch")
    output, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, output.decode()

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.PROCESSED
    assert Deal.objects.count() == 1
    assert submission.deal.owner == owner
    assert Job.objects.get(pk=job.pk).recovered_count == 1
