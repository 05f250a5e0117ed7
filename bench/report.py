"""Turning results into the printed table and ``bench/results/latest.json``."""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import django
from django.db import connection
from django.utils import timezone

from bench.runner import Result

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.json"

COLUMNS = ("scenario", "persona", "median ms", "p95 ms", "queries", "raw median ms", "ratio", "p95 budget ms")
VERDICT = {None: "–", True: "ok", False: "OVER"}


def format_table(results: Sequence[Result]) -> str:
    rows = [COLUMNS] + [
        (
            result.scenario,
            result.persona,
            f"{result.median_ms:.2f}",
            f"{result.p95_ms:.2f}",
            str(result.queries),
            f"{result.raw_median_ms:.2f}",
            f"{result.ratio:.1f}×",
            "–" if result.budget_ms is None else f"{result.budget_ms:g} {VERDICT[result.within_budget]}",
        )
        for result in results
    ]
    widths = [max(len(row[index]) for row in rows) for index in range(len(COLUMNS))]
    lines = []
    for number, row in enumerate(rows):
        # Names read left-aligned, numbers right-aligned so their digits line up.
        cells = [
            cell.ljust(width) if index < 2 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths).rstrip())
    return "\n".join(lines)


def describe_database() -> dict[str, str]:
    # The name only: a URL could carry a password.
    return {"vendor": connection.vendor, "name": str(connection.settings_dict["NAME"])}


def write_json(results: Sequence[Result], *, path: Path, runs: int, warmup: int, table_rows: Mapping[str, int]) -> None:
    document: dict[str, Any] = {
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "database": describe_database(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "runs": runs,
        "warmup": warmup,
        "table_rows": dict(table_rows),
        "scenarios": [result.as_dict() for result in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
