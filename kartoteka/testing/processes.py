"""Helpers for tests that start real Kartoteka processes (worker, web server) against the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection


def env_for_test_database() -> dict[str, str]:
    """The environment a child process needs to use the database this test runs on."""
    env = os.environ.copy()
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{Path(db['NAME']).resolve()}"
    else:
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env["DJANGO_SETTINGS_MODULE"] = "kartoteka.settings"
    return env


def start_worker(*extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A real ``db_worker`` on every queue against the test database, polling every 0.1 s.

    ``extra``: more options (``--batch`` to stop when the queue is empty); ``env``: variables to add
    (an SMTP server for the jobs that send mail). The caller stops it (``kill()``, ``wait()``).
    """
    from django.conf import settings

    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "db_worker", "--queue-name", "*", "--interval", "0.1"]
    command += ["--no-startup-delay", "--no-reload", *extra]
    return subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
        command, env={**env_for_test_database(), **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(predicate: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")
