"""Domain events that become notices: a task given to someone, a client handed over."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.activities import services as activity_services
from kartoteka.notifications.models import Notification, NotificationKind
from kartoteka.testing.factories import ClientFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_a_task_given_to_someone_else_notifies_them_in_their_language(world, django_capture_on_commit_callbacks):
    supervisor, manager = world.users["sup_north"], world.users["mgr_north1"]
    manager.language = "en"
    manager.save(update_fields=["language"])
    client = ClientFactory(responsible=manager)
    with django_capture_on_commit_callbacks(execute=True):
        task = TaskFactory(actor=supervisor, assignee=manager, client=client, title="Call back")
    (notice,) = Notification.objects.filter(recipient=manager)
    assert notice.kind == NotificationKind.TASK_ASSIGNED
    assert notice.title == f"New task from {supervisor}: Call back"
    assert notice.url == reverse("activities:task", args=[task.pk])
    assert notice.actor == supervisor
    assert notice.task == task
    assert notice.client == client
    assert not Notification.objects.filter(recipient=supervisor).exists()


def test_a_task_one_plans_for_oneself_notifies_nobody(world, django_capture_on_commit_callbacks):
    manager = world.users["mgr_north1"]
    with django_capture_on_commit_callbacks(execute=True):
        TaskFactory(actor=manager, assignee=manager)
    assert not Notification.objects.filter(kind=NotificationKind.TASK_ASSIGNED).exists()


def test_handing_a_task_over_notifies_the_new_assignee(world, django_capture_on_commit_callbacks):
    supervisor, north1 = world.users["sup_north"], world.users["mgr_north1"]
    with django_capture_on_commit_callbacks(execute=True):
        task = TaskFactory(actor=supervisor, assignee=supervisor)
        activity_services.task_update(actor=supervisor, task=task, changes={"assignee": north1})
    assert Notification.objects.filter(recipient=north1, kind=NotificationKind.TASK_ASSIGNED, task=task).count() == 1


def test_a_reassigned_client_notifies_the_new_and_the_previous_manager(world, django_capture_on_commit_callbacks):
    from kartoteka.clients.services import client_update

    head, old, new = world.users["head"], world.users["mgr_north1"], world.users["mgr_south"]
    client = ClientFactory(responsible=old)
    with django_capture_on_commit_callbacks(execute=True):
        client_update(actor=head, client=client, changes={"responsible": new})
    given = Notification.objects.get(recipient=new)
    assert given.kind == NotificationKind.CLIENT_ASSIGNED
    assert given.url == reverse("clients:card", args=[client.pk])
    assert given.client == client
    taken = Notification.objects.get(recipient=old)
    assert taken.kind == NotificationKind.CLIENT_TAKEN
    # The previous manager may no longer see the card: told by name, with no link to it.
    assert taken.url == ""
    assert taken.client is None
    assert str(client) in taken.title
    assert not Notification.objects.filter(recipient=head).exists()
