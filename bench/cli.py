"""``python -m bench``: run the registered scenarios, print the table, write the JSON.

:func:`main` prepares Django for a benchmark process; :func:`run` assumes Django is ready, which
lets the tests drive the same code inside pytest-django's test database.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bench import registry

if TYPE_CHECKING:
    from bench.runner import Result

DEFAULT_RUNS = 30
DEFAULT_WARMUP = 3


class UnknownScenario(LookupError):
    """An --only pattern matched no scenario (a typo would otherwise silently run nothing)."""


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    # Static files are found in place, so templates render without `collectstatic`.
    os.environ.setdefault("STATIC_MANIFEST", "false")
    # Measure what production runs: DEBUG would keep every query in memory and render debug pages.
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from bench.personas import MissingBenchData

    try:
        run(argv)
    except (MissingBenchData, UnknownScenario) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    return 0


def run(argv: Sequence[str] | None = None) -> list[Result]:
    # Imported here: they reach Django models and settings, which main() has to configure first.
    from bench import personas, report, runner

    options = _parser().parse_args(argv)
    selected = _select(registry.scenarios(), options.only)
    if options.list:
        for scenario in selected:
            print(f"{scenario.name:<28} {scenario.persona:<14} {scenario.description}")
        return []
    for key in sorted({scenario.persona for scenario in selected}):
        personas.persona_user(key)  # fail before any timing when the bench data is missing
    database = report.describe_database()
    print(
        f"Benchmarking {len(selected)} scenario(s) on {database['vendor']} database {database['name']}: "
        f"{options.warmup} warm-up + {options.runs} timed runs each"
    )
    results = []
    for scenario in selected:
        print(f"  {scenario.name} …", end="", flush=True)
        results.append(runner.run_scenario(scenario, runs=options.runs, warmup=options.warmup))
        print(" done", flush=True)
    print()
    print(report.format_table(results))
    report.write_json(results, path=options.output, runs=options.runs, warmup=options.warmup, table_rows=runner.table_rows())
    print(f"\nResults written to {options.output}")
    return results


def _parser() -> argparse.ArgumentParser:
    from bench.report import DEFAULT_OUTPUT

    parser = argparse.ArgumentParser(prog="python -m bench", description="Time Kartoteka's scenarios against the bench data set.")
    parser.add_argument(
        "--runs", type=_at_least_one, default=DEFAULT_RUNS, help=f"Timed runs per scenario (default {DEFAULT_RUNS})."
    )
    parser.add_argument(
        "--warmup",
        type=_at_least_one,
        default=DEFAULT_WARMUP,
        help=f"Untimed runs first; they count the queries (default {DEFAULT_WARMUP}).",
    )
    parser.add_argument("--only", action="append", metavar="NAME", help="Scenario name or glob, e.g. 'api_*' (repeatable).")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Where to write the JSON results.")
    parser.add_argument("--list", action="store_true", help="List the scenarios and exit.")
    return parser


def _select(scenarios: Sequence[registry.Scenario], patterns: Sequence[str] | None) -> list[registry.Scenario]:
    if not patterns:
        return list(scenarios)
    unmatched = [pattern for pattern in patterns if not any(fnmatch.fnmatchcase(s.name, pattern) for s in scenarios)]
    if unmatched:
        raise UnknownScenario(f"No scenario matches {', '.join(unmatched)}; known: {', '.join(s.name for s in scenarios)}.")
    return [scenario for scenario in scenarios if any(fnmatch.fnmatchcase(scenario.name, pattern) for pattern in patterns)]


def _at_least_one(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number
