"""Loaded with ``-p`` before Django starts, so the environment below shapes the settings under test."""

from __future__ import annotations

import os

# Tests find static files in place (no collectstatic) and never send real mail.
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ["DEBUG"] = "false"
# Live-server browser tests run Django's sync ORM from Playwright's event loop thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
