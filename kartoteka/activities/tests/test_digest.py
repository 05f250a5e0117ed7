"""The morning digest, over a real SMTP conversation with aiosmtpd on loopback."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities import digest
from kartoteka.jobs.models import Job
from kartoteka.jobs.services import job_run
from kartoteka.notifications.models import NotificationKind
from kartoteka.notifications.services import Channels, preferences_save
from kartoteka.testing.factories import ClientFactory, TaskFactory, UserFactory
from kartoteka.testing.smtp import part, smtp_server  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.django_db

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
EKATERINBURG = zoneinfo.ZoneInfo("Asia/Yekaterinburg")


def moscow(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)), MOSCOW)


@pytest.fixture
def ural_manager() -> Any:
    return UserFactory(
        email="olga@example.test", last_name="Uralova", language="ru", time_zone="Asia/Yekaterinburg", roles="manager"
    )


def test_the_digest_arrives_in_russian_with_times_in_the_users_zone(smtp_server: Any, settings: Any, ural_manager: Any) -> None:  # noqa: F811
    settings.SITE_URL = "https://crm.example.test"
    day = timezone.localdate(timezone.now(), EKATERINBURG) + datetime.timedelta(days=1)  # a day still ahead
    client = ClientFactory(name="Уралмаш", responsible=ural_manager)
    task = TaskFactory(assignee=ural_manager, client=client, title="Позвонить по прайсу", due_at=moscow(day, 10))

    assert digest.send_digest(ural_manager.pk, day.isoformat()) == "sent"

    (message,) = smtp_server.messages
    assert smtp_server.envelopes[0].rcpt_tos == ["olga@example.test"]
    assert message["Subject"].startswith("[Kartoteka] ")
    assert day.strftime("%d.%m.%Y") in message["Subject"]
    text, html = part(message, "text/plain"), part(message, "text/html")
    months = [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ]
    for body in (text, html):
        assert "12:00" in body  # 10:00 in Moscow is noon in Yekaterinburg
        assert "10:00" not in body
        assert "Позвонить по прайсу" in body
        assert "Уралмаш" in body
        assert f"{day.day} {months[day.month - 1]}" in body  # the date in Russian
        assert "https://crm.example.test" + reverse("activities:my_day") in body
        assert "https://crm.example.test" + reverse("notifications:preferences") in body
    assert "https://crm.example.test" + reverse("activities:task", args=[task.pk]) in html
    assert '<html lang="ru">' in html
    assert "Картотека" in html  # the Russian catalogue is active


def test_the_same_task_reads_ten_oclock_for_a_moscow_user(smtp_server: Any) -> None:  # noqa: F811
    person = UserFactory(language="en", time_zone="Europe/Moscow", roles="manager")
    day = timezone.localdate(timezone.now(), MOSCOW) + datetime.timedelta(days=1)
    TaskFactory(assignee=person, client=ClientFactory(responsible=person), title="Price list call", due_at=moscow(day, 10))

    assert digest.send_digest(person.pk, day.isoformat()) == "sent"

    text = part(smtp_server.messages[0], "text/plain")
    assert "10:00" in text
    assert "Price list call" in text
    assert "Overdue" not in text


def test_nothing_planned_sends_nothing(smtp_server: Any, ural_manager: Any) -> None:  # noqa: F811
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    assert digest.send_digest(ural_manager.pk, tomorrow.isoformat()) == "skipped (nothing planned)"
    assert smtp_server.messages == []


def test_an_overdue_task_alone_is_worth_a_digest(smtp_server: Any, ural_manager: Any) -> None:  # noqa: F811
    TaskFactory(
        assignee=ural_manager,
        client=ClientFactory(responsible=ural_manager),
        title="Забытый звонок",
        due_at=timezone.now() - datetime.timedelta(days=2),
    )
    today = timezone.localdate(timezone.now(), EKATERINBURG)

    assert digest.send_digest(ural_manager.pk, today.isoformat()) == "sent"
    assert "Забытый звонок" in part(smtp_server.messages[0], "text/plain")


def test_a_person_who_turned_the_digest_off_gets_none(smtp_server: Any, ural_manager: Any) -> None:  # noqa: F811
    preferences_save(user=ural_manager, choices={NotificationKind.DIGEST: Channels(in_app=False, email=False)})
    TaskFactory(assignee=ural_manager, title="Something", kind="todo", due_at=timezone.now() - datetime.timedelta(hours=1))

    assert digest.send_digest(ural_manager.pk, timezone.localdate().isoformat()) == "skipped (not wanted)"
    assert smtp_server.messages == []


def test_a_deactivated_person_gets_none(smtp_server: Any, ural_manager: Any) -> None:  # noqa: F811
    ural_manager.is_active = False
    ural_manager.save(update_fields=["is_active"])

    assert digest.send_digest(ural_manager.pk, timezone.localdate().isoformat()) == "skipped (inactive)"


def test_the_dispatch_picks_people_whose_morning_it_is(settings: Any) -> None:
    settings.DIGEST_HOUR = 8
    ural = UserFactory(time_zone="Asia/Yekaterinburg")
    muscovite = UserFactory(time_zone="Europe/Moscow")
    UserFactory(time_zone="Europe/Moscow", is_active=False)
    # 03:00 UTC: 08:00 in Yekaterinburg, 06:00 in Moscow.
    moment = datetime.datetime(2026, 3, 10, 3, 0, tzinfo=datetime.UTC)

    assert list(digest.recipients(moment)) == [ural]
    # 05:00 UTC: 10:00 in Yekaterinburg (still catching up), 08:00 in Moscow.
    later = moment + datetime.timedelta(hours=2)
    assert set(digest.recipients(later)) == {ural, muscovite}
    # 07:00 UTC: 12:00 in Yekaterinburg — too late for a morning digest; 10:00 in Moscow.
    assert list(digest.recipients(moment + datetime.timedelta(hours=4))) == [muscovite]


def test_a_person_gets_one_digest_a_day_however_often_the_dispatch_runs(
    smtp_server: Any,  # noqa: F811
    settings: Any,
    ural_manager: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.DIGEST_HOUR = 8
    TaskFactory(assignee=ural_manager, title="Утренний звонок", kind="todo", due_at=timezone.now() - datetime.timedelta(hours=1))
    today = timezone.localdate(timezone.now(), EKATERINBURG)
    moment = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8, 5)), EKATERINBURG)

    with django_capture_on_commit_callbacks(execute=True):
        digest.digest_enqueue(moment)
        digest.digest_enqueue(moment + datetime.timedelta(minutes=30))  # the same hour: the same dispatch
    (dispatch,) = Job.objects.filter(name=digest.digest_dispatch.job_name)  # type: ignore[attr-defined]
    assert job_run(dispatch.pk) == "succeeded"
    assert digest.digest_dispatch((moment + datetime.timedelta(hours=1)).isoformat()) == 1  # the catch-up hour again

    (sending,) = Job.objects.filter(name=digest.send_digest.job_name)  # type: ignore[attr-defined]
    assert sending.idempotency_key == f"digest:{ural_manager.pk}:{today.isoformat()}"
    assert job_run(sending.pk) == "succeeded"
    job_run(sending.pk)  # a second delivery of the same job sends nothing
    assert len(smtp_server.messages) == 1
