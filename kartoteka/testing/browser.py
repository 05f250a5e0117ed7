"""Helpers for browser tests (Playwright in Debian's Chromium)."""

from __future__ import annotations

from typing import Any

from kartoteka.testing.factories import PASSWORD


def sign_in(page: Any, live_server: Any, email: str) -> None:
    """Sign in through the real form, from the keyboard, and wait for the home page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")  # the keyboard is enough
    page.wait_for_url(f"{live_server.url}/")


def htmx_settled(page: Any) -> None:
    """Wait until no htmx request is in flight (htmx marks the requesting element with ``htmx-request``).

    A write answers with events that make other parts of the page reload themselves; a click on a
    button that such a reload is about to replace would be lost.
    """
    from playwright.sync_api import expect

    expect(page.locator(".htmx-request")).to_have_count(0)
