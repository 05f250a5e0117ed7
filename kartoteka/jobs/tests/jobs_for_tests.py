"""Job functions used by the tests (and by the real worker process the tests start)."""

from __future__ import annotations

import time
from pathlib import Path

from kartoteka.jobs.registry import job


def _append(path: str, line: str) -> None:
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


@job(max_attempts=3, backoff=10)
def record(path: str, text: str) -> str:
    _append(path, text)
    return text


@job(max_attempts=3, backoff=10)
def always_fails(path: str) -> None:
    _append(path, "attempt")
    raise RuntimeError("the remote system said no")


@job(max_attempts=3, backoff=0)
def always_fails_fast(path: str) -> None:
    _append(path, "attempt")
    raise RuntimeError("the remote system said no")


@job(max_attempts=2, timeout=1, backoff=10)
def sleeps(seconds: float) -> None:
    time.sleep(seconds)


@job(max_attempts=3, timeout=5, backoff=10)
def hangs_while_marker_exists(marker: str, done: str) -> None:
    _append(done + ".started", "started")
    while Path(marker).exists():
        time.sleep(0.05)
    _append(done, "done")
