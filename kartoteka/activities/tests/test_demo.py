"""The demo history: months of contacts, today's work, overdue tasks and tails, each visible to its demo person."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kartoteka.activities import selectors
from kartoteka.activities.demo import (
    DEMO_TAG,
    HANDED_OVER,
    MANAGER,
    SUPERVISOR,
    WEEKLY_SERIES_WEEKS,
    demo_activities,
    demo_people,
)
from kartoteka.activities.models import Activity, Recurrence, Task, TaskStatus
from kartoteka.clients.models import Client
from kartoteka.contacts.models import Contact
from kartoteka.users import access
from kartoteka.users.models import User

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {"activities": Activity.objects.count(), "tasks": Task.objects.count()}


def test_demo_data_gives_the_demo_clients_a_living_history_once():
    call_command("demo_data", verbosity=0, stdout=StringIO())
    first = counts()
    now = timezone.now()
    today = timezone.localdate()
    demo = Client.objects.filter(tags__name=DEMO_TAG)
    manager = User.objects.get(email=MANAGER)

    # Months of history on every demo client, all in the past, through the services (last contact derived).
    assert first["activities"] > 800
    assert not demo.filter(activities__isnull=True).exists()
    assert not Activity.objects.filter(occurred_at__gt=now).exists()
    assert Activity.objects.filter(occurred_at__lt=now - datetime.timedelta(days=90)).exists()
    assert not demo.filter(last_contact_at__isnull=True).exists()
    # Completed tasks were completed back then, not all at once today.
    done = Task.objects.filter(status=TaskStatus.DONE)
    assert done.count() > 100
    assert done.filter(completed_at__lt=now - datetime.timedelta(days=30)).exists()

    # The demo manager's day: timed tasks today (a meeting with its place), tomorrow, overdue ones and tails.
    mine = selectors.open_tasks(manager).filter(assignee=manager)
    today_tasks = mine.filter(due_at__date=today, all_day=False)
    assert today_tasks.count() >= 5
    assert today_tasks.filter(kind="meeting").exclude(place="").exists()
    assert mine.filter(due_at__date=today + datetime.timedelta(days=1)).exists()
    overdue = mine.filter(due_at__lt=now - datetime.timedelta(days=1), due_at__gt=now - datetime.timedelta(days=3))
    assert overdue.exists()
    tails = list(selectors.tails(manager).filter(assignee=manager))
    assert len(tails) >= 3
    assert all(4 <= selectors.tail_days(task) <= 11 for task in tails), [selectors.tail_days(task) for task in tails]

    # A weekly call to a key client: done every week for six weeks, the next occurrence open.
    weekly = Task.objects.filter(recurrence=Recurrence.WEEKLY, assignee=manager)
    assert weekly.filter(status=TaskStatus.DONE).count() == WEEKLY_SERIES_WEEKS
    assert weekly.filter(status=TaskStatus.OPEN).count() == 1

    # Renewals, birthdays and clients just handed over.
    ending = demo.filter(responsible=manager, contract_valid_until__range=(today, today + datetime.timedelta(days=30)))
    assert ending.count() >= 3
    birthdays = Contact.objects.filter(client__responsible=manager, birthday__month=today.month, birthday__day=today.day)
    assert birthdays.exists()
    # Handed over: the supervisor's history, now the manager's, with the supervisor's request to introduce themselves.
    handed = demo.filter(responsible=manager, activities__author__email=SUPERVISOR).distinct()
    assert handed.count() == HANDED_OVER
    assert mine.filter(client__in=handed, created_by__email=SUPERVISOR).count() == HANDED_OVER
    assert not handed.filter(responsible_since__lt=now - datetime.timedelta(minutes=10)).exists()

    # Everything a demo person owns or must do is visible to them through the access policy.
    for email in demo_people():
        person = User.objects.get(email=email)
        their_tasks = Task.objects.filter(assignee=person)
        assert their_tasks.exists(), email
        assert access.visible(person, Task).filter(pk__in=their_tasks).count() == their_tasks.count(), email
        history = Activity.objects.filter(client__responsible=person)
        assert access.visible(person, Activity).filter(pk__in=history).count() == history.count(), email
        assert history.filter(author=person).exists(), email

    # A second run creates nothing.
    call_command("demo_data", verbosity=0, stdout=StringIO())
    assert counts() == first
    assert demo_activities().activities == 0
