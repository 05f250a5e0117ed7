"""Run the whole embedded installation in one terminal: web server, job worker and scheduler.

Production runs the three separately (see README); this is for ``make run`` and small installs.
If any of the three stops, the others are stopped too, so a half-working install never lingers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from kartoteka.users.management.commands.demo_data import demo_logins


class Command(BaseCommand):
    help = "Serve the web app together with the job worker and the scheduler."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="Address for the web server (default: %(default)s).")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-demo-logins", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args: Any, bind: str, web_workers: int, no_demo_logins: bool, **options: Any) -> None:
        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "kartoteka.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ],
            "worker": [python, manage, "db_worker", "--queue-name", "*", "--interval", "1", "--no-reload"],
            "scheduler": [python, manage, "crontask", "--no-heartbeat"],
        }
        processes: dict[str, subprocess.Popen[bytes]] = {}
        stopping = False

        def stop(signum: int | None = None, frame: Any = None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command, env=os.environ.copy())

        host = bind if "://" in bind else f"http://{bind}"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Kartoteka is running at {host}/  (Ctrl+C to stop)"))
        if not no_demo_logins:
            self.stdout.write(demo_logins())
        self.stdout.write("")

        exit_code = 0
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    self.stderr.write(f"The {name} process stopped (exit code {process.returncode}); stopping the others.")
                    exit_code = process.returncode or 1
                    stopping = True
                    break
            time.sleep(0.5)

        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 15
        for process in processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
        if exit_code:
            sys.exit(exit_code)
