"""The client card's activity parts: the quick-log box, the timeline, contact frequency and the contract."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities.models import Activity, ActivityResult, Task
from kartoteka.clients import services as client_services
from kartoteka.clients.history import card_timeline_page
from kartoteka.testing.factories import ActivityFactory, ClientFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(world):
    return world.users["mgr_north1"]


@pytest.fixture
def own(manager):
    return ClientFactory(responsible=manager, name="Ромашка")


def test_the_card_shows_the_quick_log_box_to_who_may_change_the_client(client_for, manager, own, world):
    page = client_for(manager).get(reverse("clients:card", args=[own.pk])).content.decode()
    assert 'data-testid="quicklog"' in page
    assert 'data-testid="panel-frequency"' in page
    page = client_for(world.users["marketer"]).get(reverse("clients:card", args=[own.pk])).content.decode()
    assert 'data-testid="quicklog"' not in page


def test_quick_log_without_javascript_logs_plans_and_redirects(client_for, manager, own):
    contact = ContactFactory(client=own)
    agreed = ActivityResult.objects.get(code="agreed")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(manager).post(
        reverse("activities:quick_log", args=[own.pk]),
        {"kind": "call", "contact": contact.pk, "result": agreed.pk, "productive": "on", "summary": "Договорились",
         "direction": "outbound", "duration_minutes": "5", "place": "ignored for a call", "initiator": "us",
         "next_kind": "call", "next_date": tomorrow.isoformat(), "next_time": "10:00"},
    )  # fmt: skip
    assert response.status_code == 302
    activity = Activity.objects.get(client=own)
    assert (activity.contact, activity.result, activity.productive, activity.duration_minutes) == (contact, agreed, True, 5)
    assert activity.place == ""  # not a field of a call
    task = Task.objects.get(client=own)
    assert timezone.localtime(task.due_at).hour == 10
    assert timezone.localdate(task.due_at) == tomorrow


def test_quick_log_with_htmx_returns_a_fresh_box_and_reloads_the_timeline(client_for, manager, own):
    response = client_for(manager).post(
        reverse("activities:quick_log", args=[own.pk]),
        {"kind": "meeting", "initiator": "client", "place": "Офис"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "client-history-changed" in response.headers["HX-Trigger"]
    assert "client-contacts-changed" in response.headers["HX-Trigger"]
    assert Activity.objects.get(client=own).place == "Офис"


def test_quick_log_errors_show_next_to_the_fields_and_nothing_is_logged(client_for, manager, own):
    other = ContactFactory(client=ClientFactory(responsible=manager))
    future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(manager).post(
        reverse("activities:quick_log", args=[own.pk]),
        {"kind": "call", "contact": other.pk, "occurred_at": future, "initiator": "us", "next_time": "10:00"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-field-error="contact"' in page  # not one of this client's contacts
    assert 'data-field-error="next_kind"' in page  # a time without a kind
    assert not Activity.objects.filter(client=own).exists()


def test_the_service_refuses_a_future_date_next_to_the_field(client_for, manager, own):
    future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(manager).post(
        reverse("activities:quick_log", args=[own.pk]), {"kind": "call", "occurred_at": future, "initiator": "us"}
    )
    assert response.status_code == 422
    assert 'data-field-error="occurred_at"' in response.content.decode()


def test_a_file_is_attached_to_the_activity(client_for, manager, own, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kartoteka.attachments.models import Attachment

    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    upload = SimpleUploadedFile("notes.txt", b"call notes\n", content_type="text/plain")
    response = client_for(manager).post(
        reverse("activities:quick_log", args=[own.pk]), {"kind": "call", "initiator": "us", "attachment": upload}
    )
    assert response.status_code == 302
    activity = Activity.objects.get(client=own)
    attachment = Attachment.objects.get(client=own)
    assert attachment.target == activity
    page = client_for(manager).get(reverse("clients:card", args=[own.pk])).content.decode()
    assert reverse("attachments:download", args=[attachment.pk]) in page


def test_another_manager_cannot_log_edit_or_delete_by_any_path(client_for, world, own, manager):
    activity = ActivityFactory(client=own, actor=manager)
    http = client_for(world.users["mgr_south"])
    assert http.post(reverse("activities:quick_log", args=[own.pk]), {"kind": "call"}).status_code == 404
    assert http.get(reverse("activities:activity_edit", args=[activity.pk])).status_code == 404
    assert http.post(reverse("activities:activity_edit", args=[activity.pk]), {"kind": "note"}).status_code == 404
    assert http.post(reverse("activities:activity_delete", args=[activity.pk])).status_code == 404
    assert http.get(reverse("activities:activity_edit", args=[activity.pk + 1000])).status_code == 404
    assert Activity.objects.filter(pk=activity.pk, kind="call").exists()


def test_a_reader_sees_the_activity_but_cannot_edit_it(client_for, world, own, manager):
    activity = ActivityFactory(client=own, actor=manager)
    http = client_for(world.users["marketer"])
    page = http.get(reverse("clients:card", args=[own.pk])).content.decode()
    assert 'data-testid="activity-entry"' in page
    assert 'data-testid="activity-edit"' not in page
    assert http.post(reverse("activities:activity_delete", args=[activity.pk])).status_code == 403


def test_edit_and_delete_an_activity(client_for, manager, own):
    activity = ActivityFactory(client=own, actor=manager, summary="old")
    http = client_for(manager)
    form = http.get(reverse("activities:activity_edit", args=[activity.pk]), HTTP_HX_REQUEST="true")
    assert 'data-testid="activity-form"' in form.content.decode()
    assert http.get(reverse("activities:activity_edit", args=[activity.pk])).status_code == 200  # a page without JS
    history = http.get(reverse("clients:card_history", args=[own.pk]), {"show": "activities:call"}).content.decode()
    assert history.count('data-testid="activity-entry"') == 1
    assert 'value="activities:call" selected' in history
    when = timezone.localtime(activity.occurred_at).strftime("%Y-%m-%dT%H:%M")
    response = http.post(
        reverse("activities:activity_edit", args=[activity.pk]),
        {"kind": "meeting", "summary": "new", "initiator": "us", "occurred_at": when},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "client-history-changed" in response.headers["HX-Trigger"]
    activity.refresh_from_db()
    assert (activity.kind, activity.summary) == ("meeting", "new")
    assert http.post(reverse("activities:activity_delete", args=[activity.pk])).status_code == 302
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_the_timeline_merges_activities_tasks_and_changes_newest_first(manager, own):
    now = timezone.now()
    ActivityFactory(client=own, actor=manager, occurred_at=now - datetime.timedelta(days=3), summary="звонок")
    task = TaskFactory(client=own, assignee=manager, actor=manager, title="Отправить КП")
    from kartoteka.activities import services

    services.task_complete(actor=manager, task=task)
    client_services.client_update(actor=manager, client=own, changes={"staff_count": 7})
    entries = card_timeline_page(own, viewer=manager, limit=50).entries
    kinds = [entry.kind for entry in entries]
    assert kinds[:2] == ["client", "task"]  # the change of the card is the newest, then the task completed
    assert "activity" in kinds
    assert [e.kind for e in card_timeline_page(own, viewer=manager, show="activities").entries] == ["activity"]
    assert card_timeline_page(own, viewer=manager, show="activities:meeting").entries == []
    assert {e.kind for e in card_timeline_page(own, viewer=manager, show="tasks").entries} == {"task"}
    assert "activity" not in {e.kind for e in card_timeline_page(own, viewer=manager, show="changes").entries}


def test_show_older_walks_through_everything_once(manager, own):
    now = timezone.now()
    for day in range(7):
        ActivityFactory(client=own, actor=manager, occurred_at=now - datetime.timedelta(days=day, hours=1), summary=f"#{day}")
    seen, before = [], None
    while True:
        page = card_timeline_page(own, viewer=manager, limit=3, before=before)
        seen += [(e.kind, e.object_id) for e in page.entries]
        if page.next_cursor is None:
            break
        before = page.next_cursor
    assert len(seen) == len(set(seen))
    assert sum(1 for kind, _pk in seen if kind == "activity") == 7


@pytest.mark.parametrize("rounds", [2, 20])
def test_the_timeline_runs_the_same_queries_however_many_activities(client_for, manager, own, rounds, django_assert_num_queries):
    now = timezone.now()
    agreed = ActivityResult.objects.get(code="agreed")
    for number in range(rounds):
        contact = ContactFactory(client=own, actor=manager)
        ActivityFactory(
            client=own, actor=manager, contact=contact, result=agreed, occurred_at=now - datetime.timedelta(hours=number + 1)
        )
        task = TaskFactory(client=own, assignee=manager, actor=manager)
        from kartoteka.activities import services

        services.task_complete(actor=manager, task=task)
    http = client_for(manager)
    url = reverse("clients:card_history", args=[own.pk])
    http.get(url, HTTP_HX_REQUEST="true")  # warm the session
    # 1 the user, 2 the access context, 3 the client; the changes: 4-10 one per audited table (client, requisites,
    # bank accounts, addresses, contacts, phones, files), 11 role snapshots of contacts, 12 tag snapshots of the client,
    # 13 names of who changed what; 14 activities with author, contact and result, 15 their files, 16 closed tasks
    # with who closed them; 17 rules that fired on the client (automation's source).
    with django_assert_num_queries(EXPECTED_TIMELINE_QUERIES):
        response = http.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


EXPECTED_TIMELINE_QUERIES = 17


def test_contact_frequency_and_contract_warning(client_for, manager, own):
    now = timezone.now()
    ActivityFactory(client=own, actor=manager, occurred_at=now - datetime.timedelta(days=4), productive=True)
    ActivityFactory(client=own, actor=manager, occurred_at=now - datetime.timedelta(days=9), productive=False)
    client_services.client_update(
        actor=manager, client=own,
        changes={"contract_number": "Д-17", "contract_valid_until": timezone.localdate() + datetime.timedelta(days=12)},
    )  # fmt: skip
    page = client_for(manager).get(reverse("clients:card", args=[own.pk])).content.decode()
    assert "4 days ago" in page
    assert 'data-testid="productive-share">50%' in page
    assert "The contract expires in 12 days." in page


def test_the_contract_is_edited_with_the_general_fields(client_for, manager, own):
    from kartoteka.clients.forms import GeneralForm

    form = GeneralForm(client=own, viewer=manager)
    data = {name: form[name].value() or "" for name in form.fields if not form.fields[name].disabled}
    data.update({"contract_number": "Д-5", "contract_signed_on": "2026-01-10", "contract_valid_until": "2027-01-09"})
    data = {key: value.pk if hasattr(value, "pk") else value for key, value in data.items()}
    response = client_for(manager).post(reverse("clients:card_edit", args=[own.pk, "general"]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    own.refresh_from_db()
    assert (own.contract_number, str(own.contract_valid_until)) == ("Д-5", "2027-01-09")


def test_the_client_list_filters_clients_not_contacted_for_n_days(client_for, manager):
    now = timezone.now()
    recent = ClientFactory(responsible=manager, name="Недавний")
    stale = ClientFactory(responsible=manager, name="Забытый")
    never = ClientFactory(responsible=manager, name="Новенький")
    ActivityFactory(client=recent, actor=manager, occurred_at=now - datetime.timedelta(days=3))
    ActivityFactory(client=stale, actor=manager, occurred_at=now - datetime.timedelta(days=45))
    http = client_for(manager)
    page = http.get(reverse("clients:list"), {"not_contacted": "30", "cols": ["name", "last_contact"]}).content.decode()
    assert stale.name in page
    assert never.name in page
    assert recent.name not in page
    assert "45 days" in page  # the "last contact" column
    # A value that is not a number of days is ignored rather than an error.
    assert recent.name in http.get(reverse("clients:list"), {"not_contacted": "soon"}).content.decode()


def test_the_export_has_the_last_contact_and_the_contract():
    from kartoteka.clients.exports import base_columns

    labels = [str(column.header) for column in base_columns()]
    assert {"Last contact", "Contract number", "Contract valid until"} <= set(labels)
