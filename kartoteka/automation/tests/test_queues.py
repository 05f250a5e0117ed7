"""Assignment queues: whose turn it is, who is skipped, who is least loaded, and picks that race."""

from __future__ import annotations

import datetime
import threading
from collections import Counter
from collections.abc import Collection, Mapping

import pytest
from django.db import connections
from django.utils import timezone

from kartoteka.activities import services as activity_services
from kartoteka.automation.loads import register_load_counter, unregister_load_counter
from kartoteka.automation.models import AssignmentQueue, QueueMember, QueueStrategy
from kartoteka.automation.services import queue_pick
from kartoteka.automation.tests.factories import make_queue
from kartoteka.testing.factories import TaskFactory, UserFactory
from kartoteka.users import services as user_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return [UserFactory(last_name=name, email=f"{name.lower()}@example.test") for name in ("Anna", "Boris", "Vera")]


def _picks(queue: AssignmentQueue, times: int, on: datetime.date | None = None) -> list[str]:
    return [getattr(queue_pick(queue=queue, on=on), "last_name", "nobody") for _turn in range(times)]


def test_round_robin_goes_around_the_queue_in_order(people):
    queue = make_queue(people)
    assert _picks(queue, 4) == ["Anna", "Boris", "Vera", "Anna"]
    queue.refresh_from_db()
    assert queue.last_member.user.last_name == "Anna"


def test_round_robin_skips_a_manager_on_vacation_today(people):
    boris = people[1]
    today = timezone.localdate()
    user_services.absence_create(actor=None, user=boris, starts_on=today - datetime.timedelta(days=2), ends_on=today)
    queue = make_queue(people)
    assert _picks(queue, 3) == ["Anna", "Vera", "Anna"]
    # Back from vacation tomorrow: in turn again.
    assert _picks(queue, 1, on=today + datetime.timedelta(days=1)) == ["Boris"]


def test_a_vacation_next_week_counts_on_the_day_it_is_asked_about(people):
    anna = people[0]
    monday = timezone.localdate() + datetime.timedelta(days=7)
    user_services.absence_create(actor=None, user=anna, starts_on=monday, ends_on=monday + datetime.timedelta(days=4))
    queue = make_queue(people)
    assert _picks(queue, 2, on=monday) == ["Boris", "Vera"]
    assert _picks(queue, 1) == ["Anna"]


def test_deactivated_users_and_members_who_stopped_taking_work_are_skipped(people):
    _anna, boris, vera = people
    boris.is_active = False
    boris.save(update_fields=["is_active"])
    queue = make_queue(people)
    QueueMember.objects.filter(queue=queue, user=vera).update(is_active=False)
    assert _picks(queue, 3) == ["Anna", "Anna", "Anna"]


def test_positions_set_the_order_of_turns(people):
    anna, boris, vera = people
    queue = make_queue(people)
    QueueMember.objects.filter(queue=queue, user=vera).update(position=0)
    QueueMember.objects.filter(queue=queue, user=anna).update(position=5)
    QueueMember.objects.filter(queue=queue, user=boris).update(position=3)
    assert _picks(queue, 3) == ["Vera", "Boris", "Anna"]


def test_removing_the_last_assigned_member_starts_the_round_again(people):
    queue = make_queue(people)
    assert _picks(queue, 2) == ["Anna", "Boris"]
    QueueMember.objects.filter(queue=queue, user=people[1]).delete()
    queue.refresh_from_db()
    assert _picks(queue, 2) == ["Anna", "Vera"]


def test_nobody_available_gives_none_and_keeps_the_turn(people):
    today = timezone.localdate()
    queue = make_queue(people)
    assert _picks(queue, 1) == ["Anna"]
    for person in people:
        user_services.absence_create(actor=None, user=person, starts_on=today, ends_on=today)
    assert queue_pick(queue=queue) is None
    assert make_queue([], name="Empty") is not None
    assert queue_pick(queue=AssignmentQueue.objects.get(name="Empty")) is None
    assert _picks(queue, 1, on=today + datetime.timedelta(days=1)) == ["Boris"]


def test_least_loaded_picks_whoever_has_the_fewest_open_tasks(people):
    anna, boris, vera = people
    for assignee, count in ((anna, 2), (boris, 1), (vera, 3)):
        for _number in range(count):
            TaskFactory(assignee=assignee)
    done = TaskFactory(assignee=boris)
    activity_services.task_complete(actor=None, task=done)
    queue = make_queue(people, strategy=QueueStrategy.LEAST_LOADED)
    assert _picks(queue, 1) == ["Boris"]
    TaskFactory(assignee=boris)
    TaskFactory(assignee=boris)
    # Anna and Boris both have 2 now: the tie goes to whoever is next in turn after Boris.
    assert _picks(queue, 1) == ["Anna"]


def test_least_loaded_adds_up_every_registered_load_measure(people):
    anna, boris, _vera = people
    TaskFactory(assignee=anna)

    def open_deals(user_ids: Collection[int]) -> Mapping[int, int]:
        return {boris.pk: 5}

    register_load_counter(open_deals)
    try:
        queue = make_queue(people, strategy=QueueStrategy.LEAST_LOADED)
        assert _picks(queue, 1) == ["Vera"]
    finally:
        unregister_load_counter(open_deals)


@pytest.mark.parametrize("strategy", [QueueStrategy.ROUND_ROBIN, QueueStrategy.LEAST_LOADED])
def test_a_pick_runs_the_same_queries_however_many_members(people, strategy, django_assert_num_queries):
    queue = make_queue([*people, *(UserFactory() for _number in range(7))], strategy=strategy)
    extra = 1 if strategy == QueueStrategy.LEAST_LOADED else 0
    # The service's atomic block opens and releases a savepoint inside the test's transaction (2);
    # 1 lock the queue row, 2 its members with their users and whether each is available that day,
    # (least loaded: open tasks per member, one aggregate), 3 save the turn.
    with django_assert_num_queries(5 + extra):
        queue_pick(queue=queue)


def test_concurrent_picks_never_give_the_same_turn_twice(transactional_db):
    people = [UserFactory() for _number in range(3)]
    queue = make_queue(people)
    rounds, workers = 4, 3
    start = threading.Barrier(workers)
    picked: list[int] = []
    failures: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            for _round in range(rounds):
                user = queue_pick(queue=queue)
                picked.append(user.pk if user else 0)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _number in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    # 12 picks over 3 people: with every pick serialised on the queue row, each person gets exactly 4.
    assert Counter(picked) == {person.pk: rounds for person in people}
