"""Who may see which background job, through the Jobs page and a job's card."""

from __future__ import annotations

from django.urls import reverse

from kartoteka.jobs.models import Job
from kartoteka.testing.access_matrix import AccessPath, format_mismatches, html_contains, run_matrix, status_ok

JOB_PATHS = [
    AccessPath("jobs_page", html_contains("/jobs/?sort=-id", lambda job: reverse("jobs:detail", args=[job.pk]))),
    AccessPath("job_card", status_ok(lambda job: reverse("jobs:detail", args=[job.pk]), hidden=403)),
]


def test_only_administrators_see_jobs_by_default(world):
    jobs = {
        "admins_import": Job.objects.create(name="kartoteka.x.import_clients", created_by=world.users["admin"]),
        "managers_export": Job.objects.create(name="kartoteka.x.export_clients", created_by=world.users["mgr_south"]),
    }
    mismatches = run_matrix(actors=world.users, objects=jobs, paths=JOB_PATHS, allowed={"admin": set(jobs)})
    assert not mismatches, format_mismatches(mismatches)
