"""Search tests create data through the services; the index follows their events after commit.

Tests run inside a transaction that never commits, so ``committed()`` runs the on-commit callbacks
(the event handlers that reindex) when its block ends, as a real commit would.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[], AbstractContextManager[Any]]:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def skip_unless_postgresql() -> Any:
    from django.db import connection

    return pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (Russian stemming, typos)")
