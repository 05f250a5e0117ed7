"""Helpers every generator needs: sizes per scale, batched inserts with progress, and fake names.

Generators stay fast by building model instances in memory and inserting them with
``bulk_create`` in batches, and stay reproducible by drawing every random value from the ``rng``
the command hands them (seeded per generator, so adding a generator does not shift the others).
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

logger = logging.getLogger("bench")

BATCH_SIZE = 2_000
PROGRESS_EVERY = 50_000  # rows; small data sets stay quiet, a million-row table reports as it goes


def target(base: int, *, scale: float, minimum: int = 1) -> int:
    """How many rows an entity should have at ``scale``; ``base`` is the count at scale 1 (DESIGN §9)."""
    return max(minimum, round(base * scale))


def insert_in_batches[RowT](
    rows: Iterable[RowT], *, insert: Callable[[list[RowT]], object], label: str, total: int | None = None
) -> int:
    """Feed ``rows`` to ``insert`` ``BATCH_SIZE`` at a time and return how many were inserted.

    ``rows`` may be a lazy generator, so a million activities never sit in memory at once; ``insert``
    usually is ``Model.objects.bulk_create`` or a function that also inserts dependent rows (links
    that need the new primary keys, which PostgreSQL and SQLite ≥ 3.35 return from ``bulk_create``).
    """
    done = 0
    reported = 0
    started = time.perf_counter()
    for batch in itertools.batched(rows, BATCH_SIZE):
        chunk = list(batch)
        insert(chunk)
        done += len(chunk)
        if done - reported >= PROGRESS_EVERY:
            reported = done
            of_total = f" of {total:,}" if total else ""
            logger.info("%s: %s%s rows in %.1f s", label, f"{done:,}", of_total, time.perf_counter() - started)
    return done


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    patronymic: str
    language: str


class NamePool:
    """A few hundred names per locale and gender, drawn once from Faker with a fixed seed.

    Calling Faker per row would dominate the run time of a million-row generator; picking from
    pools with the generator's ``rng`` is fast and just as reproducible. Four people in five get
    Russian names with patronymics (the product's main market), the rest English names.
    """

    RUSSIAN_SHARE = 0.8

    def __init__(self, *, seed: int, size: int = 300) -> None:
        from faker import Faker

        russian = Faker("ru_RU")
        russian.seed_instance(seed)
        english = Faker("en_US")
        english.seed_instance(seed)
        self._russian = {
            gender: (
                _unique(getattr(russian, f"last_name_{gender}"), size),
                _unique(getattr(russian, f"first_name_{gender}"), size),
                _unique(getattr(russian, f"middle_name_{gender}"), size),
            )
            for gender in ("male", "female")
        }
        self._english = (_unique(english.last_name, size), _unique(english.first_name, size))

    @classmethod
    def from_rng(cls, rng: random.Random) -> NamePool:
        return cls(seed=rng.getrandbits(32))

    def person(self, rng: random.Random) -> Person:
        if rng.random() < self.RUSSIAN_SHARE:
            last_names, first_names, patronymics = self._russian[rng.choice(("male", "female"))]
            return Person(rng.choice(last_names), rng.choice(first_names), rng.choice(patronymics), "ru")
        last_names, first_names = self._english
        return Person(rng.choice(last_names), rng.choice(first_names), "", "en")


def _unique(draw: Callable[[], str], size: int) -> list[str]:
    # dict keeps first-seen order; a set's order would change with PYTHONHASHSEED and break reproducibility.
    return list(dict.fromkeys(draw() for _ in range(size)))
