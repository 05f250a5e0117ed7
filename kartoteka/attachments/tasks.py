"""Scheduled housekeeping for stored attachment files."""

from __future__ import annotations

import datetime

from crontask import cron
from django.tasks import task

from kartoteka.attachments import services


@cron("43 3 * * *", sentry_monitor_config=None)
@task
def sweep_orphan_attachment_files() -> int:
    # Files written by uploads still in flight are younger than a day: leave them alone.
    return services.attachment_files_sweep(older_than=datetime.timedelta(days=1))
