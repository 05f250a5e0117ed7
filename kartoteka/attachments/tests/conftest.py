from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Every test stores files in its own temporary MEDIA_ROOT, never in var/."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


# The browser test here uses the same Chromium set-up as tests/browser (Debian's chromium, no downloads).
from tests.browser.conftest import browser_type_launch_args, console_errors, screenshot  # noqa: E402, F401
