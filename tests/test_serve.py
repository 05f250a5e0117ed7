"""`manage.py serve` (what `make run` ends with): web, worker and scheduler up together, down together."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import urllib.request

import pytest
from django.conf import settings

from kartoteka.testing.processes import env_for_test_database, free_port, wait_for


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback only
            return response.status == 200
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_serve_runs_web_worker_and_scheduler_and_stops_them_together():
    port = free_port()
    env = env_for_test_database() | {"STATIC_MANIFEST": "false"}
    process = subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "serve", "--bind", f"127.0.0.1:{port}", "--web-workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.decode() for line in process.stdout), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        wait_for(lambda: _healthy(f"http://127.0.0.1:{port}/healthz"), timeout=60)
        # All three are up: the web answers, the worker and the scheduler have said so.
        wait_for(lambda: any("Starting worker" in line for line in lines) and any("Starting scheduler" in line for line in lines))
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=10)
    output = "".join(lines)
    assert f"Kartoteka is running at http://127.0.0.1:{port}/" in output
    assert "manager@example.com" in output  # the demo logins are printed
    assert process.returncode == 0
