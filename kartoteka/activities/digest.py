"""The morning digest: each person's day plan by email at ``DIGEST_HOUR`` in their own time zone.

An hourly schedule (:func:`digest_hourly`) only enqueues :func:`digest_dispatch` for that hour.
The dispatch finds the active people whose local time is between ``DIGEST_HOUR`` and
``DIGEST_HOUR + CATCH_UP_HOURS`` (so a scheduler that was down at 8:00 still sends at 9:00 or 10:00,
never in the evening) and enqueues one :func:`send_digest` per person, keyed by the person and
their local date: whatever runs twice, a person gets one digest a day.

:func:`send_digest` re-reads the person, checks they still want the digest by email
(:func:`kartoteka.notifications.services.channels_for`, kind ``DIGEST``), builds their day with
:func:`kartoteka.activities.myday.my_day` (their own scope, their own time zone) and sends a plain
text and HTML email in their language, with times in their time zone.

Who gets nothing: a person whose day is completely empty — no overdue or due tasks, meetings,
tails, birthdays, renewals or newly assigned clients. An email that says "nothing today" every
morning teaches people to ignore the digest, so it is skipped; anything at all to act on
(even only an old tail or an overdue task) sends it.
"""

from __future__ import annotations

import datetime
import zoneinfo

from crontask import cron
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kartoteka.activities import myday
from kartoteka.jobs.registry import job
from kartoteka.notifications import services as notification_services
from kartoteka.notifications.formatting import user_zone
from kartoteka.notifications.models import NotificationKind
from kartoteka.users.models import User

CATCH_UP_HOURS = 3


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def due_time_zones(names: list[str], moment: datetime.datetime) -> list[str]:
    """Of the time zone names ``names``, those where ``moment`` is in the digest hours."""
    first = settings.DIGEST_HOUR
    due: list[str] = []
    for name in names:
        try:
            zone = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        if first <= moment.astimezone(zone).hour < first + CATCH_UP_HOURS:
            due.append(name)
    return due


def recipients(moment: datetime.datetime) -> QuerySet[User]:
    """Active people with an email address whose morning it is at ``moment`` (two queries)."""
    people = User.objects.filter(is_active=True).exclude(email="")
    zones = sorted(set(people.values_list("time_zone", flat=True)))
    return people.filter(time_zone__in=due_time_zones(zones, moment)).order_by("pk")


@job(max_attempts=3, timeout=300, backoff=60)
def digest_dispatch(moment: str) -> int:
    """Enqueue a digest for everyone whose morning it is at ``moment`` (ISO, UTC); returns how many."""
    from kartoteka.jobs.services import job_enqueue

    at = datetime.datetime.fromisoformat(moment)
    count = 0
    for person in recipients(at).only("pk", "time_zone"):
        local_date = timezone.localdate(at, user_zone(person)).isoformat()
        job_enqueue(send_digest, person.pk, local_date, idempotency_key=f"digest:{person.pk}:{local_date}")
        count += 1
    return count


def subject(plan: myday.MyDay) -> str:
    tasks = len(plan.overdue) + len(plan.today)
    parts = [
        ngettext("%(count)d task", "%(count)d tasks", tasks) % {"count": tasks},
    ]
    if plan.overdue:
        parts.append(ngettext("%(count)d overdue", "%(count)d overdue", len(plan.overdue)) % {"count": len(plan.overdue)})
    if plan.meetings:
        parts.append(ngettext("%(count)d meeting", "%(count)d meetings", len(plan.meetings)) % {"count": len(plan.meetings)})
    title = _("My day, %(date)s: %(summary)s") % {"date": plan.day.strftime("%d.%m.%Y"), "summary": ", ".join(parts)}
    return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + title


# Sending talks to an SMTP server for seconds: not inside a transaction that holds SQLite's write lock.
@job(max_attempts=5, timeout=120, backoff=60, atomic=False)
def send_digest(user_id: int, local_date: str) -> str:
    """Send one person their plan for ``local_date`` (YYYY-MM-DD in their zone); see the module docstring."""
    person = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if person is None:
        return "skipped (inactive)"
    if not notification_services.channels_for(person, NotificationKind.DIGEST).email:
        return "skipped (not wanted)"
    zone = user_zone(person)
    day = datetime.date.fromisoformat(local_date)
    with translation.override(person.language), timezone.override(zone):
        plan = myday.my_day(person, day=day)
        if plan.is_empty:
            return "skipped (nothing planned)"
        context = {
            "plan": plan,
            "recipient": person,
            "link": _absolute(reverse("activities:my_day")),
            "preferences_link": _absolute(reverse("notifications:preferences")),
            "site_url": settings.SITE_URL,
        }
        message = EmailMultiAlternatives(
            subject=subject(plan),
            body=render_to_string("activities/digest/digest.txt", context),
            to=[person.email],
        )
        message.attach_alternative(render_to_string("activities/digest/digest.html", context), "text/html")
        message.send()
    return "sent"


def hour_stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0).isoformat()


def digest_enqueue(moment: datetime.datetime | None = None) -> None:
    """Enqueue the dispatch for the hour of ``moment`` (once per hour, however often called)."""
    from kartoteka.jobs.services import job_enqueue

    stamp = hour_stamp(moment or timezone.now())
    job_enqueue(digest_dispatch, stamp, idempotency_key=f"digest-dispatch:{stamp}")


@cron("1 * * * *", sentry_monitor_config=None)
@task
def digest_hourly() -> None:
    """Every hour: find whose morning it is (only enqueues; the sending runs as jobs)."""
    digest_enqueue()
