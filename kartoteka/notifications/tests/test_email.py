"""Notices by email, over a real SMTP conversation with aiosmtpd on loopback."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.jobs.models import Job
from kartoteka.jobs.services import job_run
from kartoteka.notifications import services
from kartoteka.notifications.models import Notification, NotificationKind
from kartoteka.notifications.tasks import send_notification_email
from kartoteka.testing.factories import UserFactory
from kartoteka.testing.smtp import part

pytestmark = pytest.mark.django_db


def _notice(user, **extra) -> Notification:  # type: ignore[no-untyped-def]
    values = {"title": "Новая задача: позвонить", "body": "Клиент: Ромашка.", "url": "/work/tasks/7/"} | extra
    notification = services.notify(recipient=user, kind=NotificationKind.TASK_ASSIGNED, **values)
    assert notification is not None
    return notification


def test_a_notice_is_mailed_as_text_and_html_with_absolute_links(smtp_server, settings):
    settings.SITE_URL = "https://crm.example.test"
    user = UserFactory(email="nina@example.test", language="ru")
    notification = _notice(user)

    assert send_notification_email(notification.pk) == "sent"

    (message,) = smtp_server.messages
    assert smtp_server.envelopes[0].rcpt_tos == ["nina@example.test"]
    assert message["Subject"] == "[Kartoteka] Новая задача: позвонить"
    assert message.get_content_type() == "multipart/alternative"
    text, html = part(message, "text/plain"), part(message, "text/html")
    for body in (text, html):
        assert "Клиент: Ромашка." in body
        assert "https://crm.example.test/work/tasks/7/" in body
        assert "https://crm.example.test" + reverse("notifications:preferences") in body
    assert '<html lang="ru">' in html
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_the_email_is_in_the_recipients_language(smtp_server):
    user = UserFactory(language="en")
    send_notification_email(_notice(user).pk)
    (message,) = smtp_server.messages
    assert "Open in Kartoteka" in part(message, "text/plain")
    assert '<html lang="en">' in part(message, "text/html")


def test_a_notice_without_a_link_is_mailed_without_one(smtp_server):
    user = UserFactory(language="en")
    send_notification_email(_notice(user, url="").pk)
    (message,) = smtp_server.messages
    assert "Open in Kartoteka" not in part(message, "text/plain")


def test_a_multi_line_title_makes_a_one_line_subject(smtp_server):
    user = UserFactory()
    send_notification_email(_notice(user, title="Позвонить\nзавтра").pk)
    assert smtp_server.messages[0]["Subject"] == "[Kartoteka] Позвонить завтра"


def test_an_email_is_sent_once_even_if_the_job_runs_twice(smtp_server):
    notification = _notice(UserFactory())
    assert send_notification_email(notification.pk) == "sent"
    assert send_notification_email(notification.pk) == "skipped"
    assert len(smtp_server.messages) == 1


def test_a_deactivated_person_gets_no_email(smtp_server):
    user = UserFactory()
    notification = _notice(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert send_notification_email(notification.pk) == "skipped"
    assert smtp_server.messages == []


def test_the_enqueued_job_sends_through_the_job_layer(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notice(UserFactory())
    job = Job.objects.get(idempotency_key=f"notification-email:{notification.pk}")
    assert job_run(job.pk) == "succeeded"
    assert len(smtp_server.messages) == 1


def test_a_refused_connection_leaves_the_notice_unsent_for_the_retry(settings):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    notification = _notice(UserFactory())
    with pytest.raises(ConnectionRefusedError):
        send_notification_email(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None
