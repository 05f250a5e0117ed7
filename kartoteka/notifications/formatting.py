"""Moments shown to a person: in their own time zone, whatever the server's."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from kartoteka.activities.models import Task
    from kartoteka.users.models import User


def user_zone(user: User) -> datetime.tzinfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def task_deadline(task: Task, recipient: User) -> str:
    """The task's deadline as the recipient reads it: a date for an all-day task, else date and time."""
    local = timezone.localtime(task.due_at, timezone=user_zone(recipient))
    return local.strftime("%d.%m.%Y") if task.all_day else local.strftime("%d.%m.%Y %H:%M")
