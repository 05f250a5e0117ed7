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


# Zones an hour or more apart, around the world: at any moment one of them is in its working day.
_ZONES = (
    "Pacific/Kiritimati", "Pacific/Auckland", "Asia/Tokyo", "Asia/Shanghai", "Asia/Bangkok", "Asia/Dhaka",
    "Asia/Yekaterinburg", "Asia/Dubai", "Europe/Moscow", "Europe/Bucharest", "Europe/Berlin", "Europe/London",
    "Atlantic/Azores", "America/Sao_Paulo", "America/Santo_Domingo", "America/New_York", "America/Chicago",
    "America/Denver", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
)  # fmt: skip


def midday_zone() -> str:
    """A time zone where it is now between 10:00 and 14:00, for a browser story about "today".

    A test that plans things "in an hour" for today fails when run late in the evening of the zone it
    assumes; giving its person this zone keeps the whole story inside one working day.
    """
    import datetime
    import zoneinfo

    now = datetime.datetime.now(datetime.UTC)
    for name in _ZONES:
        if 10 <= now.astimezone(zoneinfo.ZoneInfo(name)).hour < 14:
            return name
    raise LookupError("no zone at midday: the list has a gap")
