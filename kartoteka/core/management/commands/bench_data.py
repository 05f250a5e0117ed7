"""Generate or top up the synthetic benchmark data set (DESIGN §9) in the configured database.

The entities come from the generator registry in ``bench/`` (see ``bench/README.md``), so each
issue that adds a model adds its generator there and this command never changes. Bench rows carry
a marker, so running it again at the same scale creates nothing and a larger scale only tops up.
Never point it at a production database: it adds thousands of people with a published password.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from bench import registry

DEFAULT_SEED = 2026


def positive_scale(value: str) -> float:
    try:
        scale = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < scale <= 100:
        raise argparse.ArgumentTypeError("the scale must be above 0 and at most 100 (1 = the full DESIGN §9 data set)")
    return scale


class Command(BaseCommand):
    help = "Generate the benchmark data set at --scale (1 = full size); safe to repeat, a larger scale tops up."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=positive_scale, required=True, help="Fraction of the full data set, e.g. 0.1.")
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"Random seed (default {DEFAULT_SEED}); same seed, same data."
        )
        parser.add_argument("--only", action="append", metavar="NAME", help="Run only this generator (repeatable).")

    def handle(self, *args: Any, scale: float, seed: int, only: list[str] | None, **options: Any) -> None:
        generators = registry.generators()
        if only:
            unknown = sorted(set(only) - {item.name for item in generators})
            if unknown:
                raise CommandError(f"Unknown generator(s) {', '.join(unknown)}; known: {', '.join(g.name for g in generators)}.")
            generators = [item for item in generators if item.name in only]

        self.stdout.write(
            f"Bench data at scale {scale} (seed {seed}) into {connection.vendor} database {connection.settings_dict['NAME']}"
        )
        started = time.perf_counter()
        total = 0
        for item in generators:
            step_started = time.perf_counter()
            # One transaction per generator: a failure leaves no half-made entity, and SQLite writes
            # many times faster inside a transaction than in autocommit.
            with transaction.atomic():
                created = item.run(scale=scale, seed=seed)
            total += created
            self.stdout.write(f"  {item.name:<16} {created:>+10,} rows  {time.perf_counter() - step_started:8.2f} s")
        self.stdout.write(self.style.SUCCESS(f"Done: {total:,} new rows in {time.perf_counter() - started:.2f} s."))
