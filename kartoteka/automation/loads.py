"""How busy each person is, for least-loaded assignment.

Load is the sum of what the registered counters report: open tasks here; other apps add theirs
("open deals") with :func:`register_load_counter`. A counter answers for all the candidates at
once with one aggregate query, never one query per person.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from django.db.models import Count

from kartoteka.activities.models import Task, TaskStatus

LoadCounter = Callable[[Collection[int]], Mapping[int, int]]  # user ids → their count (missing means 0)

_counters: dict[str, LoadCounter] = {}


def register_load_counter(counter: LoadCounter) -> LoadCounter:
    """Add a load measure (usable as a decorator); registering the same function again replaces it."""
    _counters[f"{counter.__module__}.{counter.__qualname__}"] = counter
    return counter


def unregister_load_counter(counter: LoadCounter) -> None:
    _counters.pop(f"{counter.__module__}.{counter.__qualname__}", None)


def user_loads(user_ids: Collection[int]) -> dict[int, int]:
    """Each user's load: one query per registered counter, whatever the number of users."""
    totals = dict.fromkeys(user_ids, 0)
    if not totals:
        return totals
    for counter in _counters.values():
        for user_id, count in counter(user_ids).items():
            if user_id in totals:
                totals[user_id] += count
    return totals


@register_load_counter
def open_tasks(user_ids: Collection[int]) -> Mapping[int, int]:
    rows = (
        Task.objects.filter(assignee_id__in=list(user_ids), status=TaskStatus.OPEN)
        .order_by()
        .values("assignee_id")
        .annotate(count=Count("id"))
        .values_list("assignee_id", "count")
    )
    return dict(rows)
