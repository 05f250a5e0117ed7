"""The activities generator: idempotent, topped up at a larger scale, and what the services would have derived.

Nothing here asserts a duration: performance is shown by `make bench`, never by timed tests.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max

from bench.generators.clients import bench_clients
from bench.personas import HEAD, MANAGER, PERSONAS
from kartoteka.activities import selectors
from kartoteka.activities.models import CONTACT_KINDS, Activity, ActivityResult, Task, TaskStatus
from kartoteka.users.models import User

pytestmark = pytest.mark.django_db

TINY = 0.002  # 200 clients: about 2,000 activities and 400 tasks
GENERATORS = ["teams", "users", "clients", "contacts", "activities"]


def generate(scale: float) -> None:
    call_command("bench_data", scale=scale, seed=7, only=GENERATORS, stdout=StringIO())


def row_counts() -> dict[str, int]:
    return {
        "activities": Activity.objects.filter(client__in=bench_clients()).count(),
        "tasks": Task.objects.filter(client__in=bench_clients()).count(),
    }


def test_generating_activities_twice_at_the_same_scale_creates_nothing_new():
    generate(TINY)
    first = row_counts()

    generate(TINY)

    assert row_counts() == first
    assert 1_400 <= first["activities"] <= 2_800  # about ten per client
    assert 250 <= first["tasks"] <= 600  # about two per client
    assert not bench_clients().filter(activities__isnull=True).exists()


def test_a_larger_scale_gives_history_to_the_new_clients_only():
    generate(TINY)
    before = list(Activity.objects.order_by("pk").values_list("client_id", "kind", "occurred_at", "summary"))

    generate(TINY * 5)
    topped_up = row_counts()
    generate(TINY * 5)

    assert row_counts() == topped_up
    assert topped_up["activities"] > 4 * len(before)
    assert (
        list(Activity.objects.order_by("pk").values_list("client_id", "kind", "occurred_at", "summary")[: len(before)]) == before
    )
    assert not bench_clients().filter(activities__isnull=True).exists()


def test_bench_history_has_what_the_services_would_have_derived():
    generate(TINY)
    activities = Activity.objects.filter(client__in=bench_clients())

    # Written by the client's responsible manager, with results from the reference list.
    assert not activities.exclude(author_id=F("client__responsible_id")).exists()
    assert activities.filter(result__isnull=False).count() > activities.count() // 2
    productive = set(ActivityResult.objects.filter(productive=True).values_list("pk", flat=True))
    for result_id, is_productive in activities.filter(result__isnull=False).values_list("result_id", "productive"):
        assert is_productive == (result_id in productive)
    # The last contact is the newest contact activity of each client.
    latest = dict(
        activities.filter(kind__in=sorted(CONTACT_KINDS))
        .values("client_id")
        .annotate(last=Max("occurred_at"))
        .values_list("client_id", "last")
    )
    assert dict(bench_clients().filter(pk__in=latest).values_list("pk", "last_contact_at")) == latest
    # A completed contact task names the activity it became, on the same client.
    linked = activities.filter(task__isnull=False)
    assert linked.exists()
    assert not linked.exclude(task__client_id=F("client_id")).exists()
    assert not linked.exclude(task__status=TaskStatus.DONE).exists()

    tasks = Task.objects.filter(client__in=bench_clients())
    by_status = dict(tasks.values("status").annotate(n=Count("id")).values_list("status", "n"))
    assert 0.04 < by_status[TaskStatus.OPEN] / tasks.count() < 0.3  # about one in ten open
    assert not tasks.exclude(status=TaskStatus.OPEN).filter(completed_at__isnull=True).exists()


def test_the_manager_persona_finds_open_work_and_the_head_finds_tails():
    generate(TINY * 5)  # the persona owns 6 of 1,000 clients here, about 300 at scale 1
    persona = User.objects.get(email=PERSONAS[MANAGER].email)

    head = User.objects.get(email=PERSONAS[HEAD].email)

    mine = selectors.open_tasks(persona).filter(assignee=persona)

    assert mine.count() >= 2  # most of the persona's clients have a next contact planned
    assert selectors.tails(head).count() > 10  # tails over the whole data set, through the access policy
