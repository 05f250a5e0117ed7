"""Browser tests drive Debian's Chromium (Playwright cannot download browsers here)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

# CI runs the SQLite and PostgreSQL suites side by side on two cores: give assertions room to wait.
expect.set_options(timeout=10_000)

RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is not installed: run `make chromium` (apt-get install chromium).")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        # The machine has no network beyond loopback: stop Chromium from trying.
        "args": ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
    }


@pytest.fixture
def console_errors(page: Any) -> list[str]:
    """Console errors (CSP violations included) collected while the test runs."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


@pytest.fixture
def screenshot(page: Any, pytestconfig: pytest.Config) -> Any:
    """Full-page screenshots into pytest-playwright's output folder (``--output``, default test-results/)."""
    results = Path(pytestconfig.getoption("output") or RESULTS).resolve()
    results.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = results / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
