"""Issue 4's tails story end to end over HTTP: a callback four days overdue is a tail; the supervisor
reassigns it from the tails page; both managers are told in the app and by email (a real SMTP server);
the card's history shows the reassignment."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from kartoteka.activities.models import Task
from kartoteka.jobs.models import Job
from kartoteka.jobs.services import job_run
from kartoteka.notifications.models import Notification, NotificationKind
from kartoteka.testing.factories import ClientFactory, TaskFactory, UserFactory


def test_a_tail_is_reassigned_by_the_supervisor_and_both_managers_hear_of_it(
    world, client_for, django_capture_on_commit_callbacks, smtp_server
):
    supervisor = world.users["sup_north"]
    old = world.users["mgr_north1"]
    new = UserFactory(email="olga@example.test", roles="manager", team=world.teams["north1"], language="ru")
    client = ClientFactory(responsible=old, name="Ромашка")
    with django_capture_on_commit_callbacks(execute=True):
        tail = TaskFactory(
            assignee=old, client=client, kind="call", title="Перезвонить по прайсу",
            due_at=timezone.now() - datetime.timedelta(days=4, hours=1),
        )  # fmt: skip

    http = client_for(supervisor)
    page = http.get(reverse("activities:tails")).content.decode()
    assert "Перезвонить по прайсу" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(reverse("activities:tail_reassign", args=[tail.pk]), {"to_user": new.pk})
    assert response.status_code in (200, 302)

    client.refresh_from_db()
    assert client.responsible == new
    assert Task.objects.get(pk=tail.pk).assignee == new
    # In the app: the new manager got the client, the old one was told it was taken.
    assert Notification.objects.filter(recipient=new, kind=NotificationKind.CLIENT_ASSIGNED, client=client).exists()
    assert Notification.objects.filter(recipient=old, kind=NotificationKind.CLIENT_TAKEN).exists()
    # By email: run the queued sends against the loopback SMTP server.
    for job in Job.objects.filter(name__endswith="send_notification_email"):
        job_run(job.pk)
    subjects = {message["To"].addresses[0].addr_spec: message["Subject"] for message in smtp_server.messages}
    assert {old.email, new.email} <= set(subjects)
    assert subjects[new.email].startswith("[Kartoteka] Клиент")  # in Olga's language: Russian
    # The card's history shows who reassigned it and why.
    history = http.get(reverse("clients:card_history", args=[client.pk])).content.decode()
    assert "Tail reassigned" in history or "Хвост" in history
