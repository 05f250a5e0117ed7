"""Measuring one scenario: warm-up runs that count queries, timed runs, then the same for its raw SQL.

Queries are counted only during warm-up: ``CaptureQueriesContext`` switches on Django's debug
cursor, whose bookkeeping (on SQLite an extra ``SELECT QUOTE(…)`` per query) would inflate the timed
runs of the ORM path and flatter the single raw query. The last warm-up run gives the steady-state
count; a first run may still fill caches.
"""

from __future__ import annotations

import contextlib
import math
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import personas
from bench.http import allow_test_client_host
from bench.registry import Scenario


@dataclass(frozen=True)
class Result:
    scenario: str
    persona: str
    description: str
    samples_ms: list[float]
    warmup_queries: list[int]
    raw_samples_ms: list[float]
    raw_rows: int
    budget_ms: float | None

    @property
    def runs(self) -> int:
        return len(self.samples_ms)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95_ms(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def queries(self) -> int:
        return self.warmup_queries[-1]

    @property
    def raw_median_ms(self) -> float:
        return statistics.median(self.raw_samples_ms)

    @property
    def ratio(self) -> float:
        """How many times slower the real code path is than the bare query (medians)."""
        return self.median_ms / self.raw_median_ms

    @property
    def within_budget(self) -> bool | None:
        return None if self.budget_ms is None else self.p95_ms <= self.budget_ms

    def as_dict(self) -> dict[str, Any]:
        summary = {
            name: getattr(self, name)
            for name in ("runs", "median_ms", "p95_ms", "queries", "raw_median_ms", "ratio", "within_budget")
        }
        return {**asdict(self), **summary}


def percentile(samples: Sequence[float], rank: float) -> float:
    """Nearest-rank percentile: a value that was actually measured, defined for any number of runs."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(rank / 100 * len(ordered)) - 1, 0)]


def run_scenario(scenario: Scenario, *, runs: int, warmup: int) -> Result:
    if runs < 1 or warmup < 1:
        raise ValueError("A scenario needs at least one warm-up run (to count queries) and one timed run.")
    allow_test_client_host()
    viewer = personas.persona_user(scenario.persona)
    params = scenario.raw_params(viewer) if scenario.raw_params else personas.sql_params(viewer)
    with contextlib.contextmanager(scenario.function)(viewer=viewer) as measured:
        warmup_queries = []
        for _ in range(warmup):
            with CaptureQueriesContext(connection) as captured:
                measured()
            warmup_queries.append(len(captured))
        samples = [_time(measured) for _ in range(runs)]

    def raw() -> int:
        with connection.cursor() as cursor:
            cursor.execute(scenario.raw_sql, params)
            return len(cursor.fetchall())

    raw_rows = 0
    for _ in range(warmup):
        raw_rows = raw()
    raw_samples = [_time(raw) for _ in range(runs)]
    return Result(
        scenario=scenario.name,
        persona=scenario.persona,
        description=scenario.description,
        samples_ms=samples,
        warmup_queries=warmup_queries,
        raw_samples_ms=raw_samples,
        raw_rows=raw_rows,
        budget_ms=scenario.budget_ms,
    )


def _time(work: Callable[[], object]) -> float:
    started = time.perf_counter_ns()
    work()
    return (time.perf_counter_ns() - started) / 1_000_000


def table_rows() -> Mapping[str, int]:
    """Row counts of Kartoteka's own tables: the size of the data set the timings belong to."""
    from django.apps import apps

    counts = {}
    for model in apps.get_models():
        if model.__module__.startswith("kartoteka.") and model._meta.managed and not model._meta.proxy:
            counts[model._meta.db_table] = model._base_manager.count()
    return dict(sorted(counts.items()))
