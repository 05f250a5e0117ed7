"""activity_log / activity_update / activity_delete: validation, last contact, the next step, access."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from kartoteka.activities import services
from kartoteka.activities.models import Activity, ActivityResult, Task, TaskStatus
from kartoteka.clients.models import Client
from kartoteka.testing.factories import ActivityFactory, ClientFactory, ContactFactory
from kartoteka.users import access

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(world):
    return world.users["mgr_north1"]


@pytest.fixture
def own(manager):
    return ClientFactory(responsible=manager, name="Ромашка")


@pytest.fixture
def foreign(world):
    return ClientFactory(responsible=world.users["mgr_south"], name="Лютик")


def result(code: str) -> ActivityResult:
    return ActivityResult.objects.get(code=code)


def last_contact(client: Client) -> datetime.datetime | None:
    return Client.objects.values_list("last_contact_at", flat=True).get(pk=client.pk)


def test_logging_a_call_records_it_with_the_defaults(manager, own):
    logged = services.activity_log(actor=manager, client=own, values={"kind": "call", "result": result("agreed")})
    activity = logged.activity
    assert activity.author == manager
    assert activity.channel == "phone"  # the kind's usual channel
    assert activity.productive is True  # preselected from the result
    assert logged.next_task is None
    assert last_contact(own) == activity.occurred_at


def test_the_kind_is_required(manager, own):
    with pytest.raises(ValidationError) as error:
        services.activity_log(actor=manager, client=own, values={"summary": "?"})
    assert "kind" in error.value.message_dict


def test_a_contact_of_another_client_is_refused(manager, own):
    stranger = ContactFactory(client=ClientFactory(responsible=manager))
    with pytest.raises(ValidationError) as error:
        services.activity_log(actor=manager, client=own, values={"kind": "call", "contact": stranger})
    assert "contact" in error.value.message_dict
    assert not Activity.objects.filter(client=own).exists()


def test_a_future_date_is_refused(manager, own):
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.activity_log(actor=manager, client=own, values={"kind": "call", "occurred_at": tomorrow})
    assert "occurred_at" in error.value.message_dict


def test_a_deactivated_result_is_refused(manager, own):
    ActivityResult.objects.filter(code="refused").update(is_active=False)
    with pytest.raises(ValidationError) as error:
        services.activity_log(actor=manager, client=own, values={"kind": "call", "result": result("refused")})
    assert "result" in error.value.message_dict


def test_last_contact_follows_the_newest_contact_and_ignores_notes(manager, own):
    now = timezone.now()
    older = ActivityFactory(client=own, actor=manager, occurred_at=now - datetime.timedelta(days=10))
    newer = ActivityFactory(client=own, actor=manager, kind="meeting", occurred_at=now - datetime.timedelta(days=2))
    ActivityFactory(client=own, actor=manager, kind="note", occurred_at=now)  # a note is not a contact
    assert last_contact(own) == newer.occurred_at

    services.activity_delete(actor=manager, activity=newer)
    assert last_contact(own) == older.occurred_at

    services.activity_update(actor=manager, activity=older, changes={"kind": "note"})
    assert last_contact(own) is None


def test_moving_an_activity_back_in_time_recounts_the_last_contact(manager, own):
    now = timezone.now()
    first = ActivityFactory(client=own, actor=manager, occurred_at=now - datetime.timedelta(days=5))
    second = ActivityFactory(client=own, actor=manager, occurred_at=now - datetime.timedelta(days=1))
    services.activity_update(actor=manager, activity=second, changes={"occurred_at": now - datetime.timedelta(days=20)})
    assert last_contact(own) == first.occurred_at


def test_the_next_contact_is_planned_in_the_same_step(manager, own):
    contact = ContactFactory(client=own)
    due = (timezone.localtime() + datetime.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    logged = services.activity_log(
        actor=manager,
        client=own,
        values={"kind": "call", "contact": contact},
        next_task={"kind": "call", "due_at": due},
    )
    task = logged.next_task
    assert task is not None
    assert (task.client, task.contact, task.assignee, task.due_at, task.status) == (own, contact, manager, due, TaskStatus.OPEN)
    assert task.title  # a title is made up from the kind and the client


def test_a_bad_next_task_rolls_the_activity_back(manager, own):
    with pytest.raises(ValidationError):
        services.activity_log(actor=manager, client=own, values={"kind": "call"}, next_task={"kind": "call"})  # no deadline
    assert not Activity.objects.filter(client=own).exists()
    assert not Task.objects.filter(client=own).exists()
    assert last_contact(own) is None


def test_update_changes_fields_and_keeps_the_author(manager, own, world):
    activity = ActivityFactory(client=own, actor=manager, summary="first")
    changed = services.activity_update(actor=world.users["head"], activity=activity, changes={"summary": "second"})
    assert changed.summary == "second"
    assert changed.author == manager


def test_update_refuses_a_contact_of_another_client(manager, own):
    activity = ActivityFactory(client=own, actor=manager)
    stranger = ContactFactory(client=ClientFactory(responsible=manager))
    with pytest.raises(ValidationError):
        services.activity_update(actor=manager, activity=activity, changes={"contact": stranger})
    activity.refresh_from_db()
    assert activity.contact_id is None


def test_another_manager_cannot_log_on_a_foreign_client(manager, foreign):
    with pytest.raises(PermissionDenied):
        services.activity_log(actor=manager, client=foreign, values={"kind": "call"})
    assert not Activity.objects.filter(client=foreign).exists()


def test_another_manager_cannot_change_or_delete_a_foreign_activity(manager, foreign, world):
    activity = ActivityFactory(client=foreign, actor=world.users["mgr_south"])
    with pytest.raises(PermissionDenied):
        services.activity_update(actor=manager, activity=activity, changes={"summary": "mine now"})
    with pytest.raises(PermissionDenied):
        services.activity_delete(actor=manager, activity=activity)
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_another_manager_cannot_fetch_a_foreign_activity_by_a_guessed_id(manager, foreign, world):
    activity = ActivityFactory(client=foreign, actor=world.users["mgr_south"])
    with pytest.raises(Http404):
        access.get_visible_or_404(manager, Activity, pk=activity.pk)
    assert not access.visible(manager, Activity).filter(pk=activity.pk).exists()


def test_a_marketer_reads_but_cannot_log(world, own):
    marketer = world.users["marketer"]
    with pytest.raises(PermissionDenied):
        services.activity_log(actor=marketer, client=own, values={"kind": "call"})
