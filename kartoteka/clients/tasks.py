"""Background work of the client card: the batch duplicate scan, by hand and nightly."""

from __future__ import annotations

from crontask import cron
from django.tasks import task

from kartoteka.clients import duplicates
from kartoteka.jobs.registry import job


@job(max_attempts=2, timeout=1800, backoff=60, atomic=False)
def scan_duplicates(scan_id: int) -> dict[str, int]:
    """Group likely duplicates among all clients (not atomic: it reports progress as it goes)."""
    return duplicates.scan_run(scan_id)


@cron("40 2 * * *", sentry_monitor_config=None)
@task
def scan_duplicates_nightly() -> int:
    """Keep the duplicate report fresh; only enqueues (the scan itself runs as a job)."""
    return duplicates.duplicate_scan_start(actor=None).pk
