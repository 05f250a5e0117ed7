"""The django.tasks entry points. Application code never enqueues these directly: use job_enqueue."""

from __future__ import annotations

from crontask import cron
from django.tasks import task

from kartoteka.jobs import services


@task
def run_job(job_id: int) -> str:
    return services.job_run(job_id)


@cron("* * * * *", sentry_monitor_config=None)
@task
def recover_stalled_jobs() -> int:
    return services.jobs_recover_stalled()


@cron("17 3 * * *", sentry_monitor_config=None)
@task
def prune_old_job_records() -> dict[str, int]:
    return services.jobs_prune()
