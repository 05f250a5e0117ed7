"""The browser tests' "a zone where it is midday now" has a zone for every moment of the year, DST included."""

from __future__ import annotations

import datetime
import zoneinfo

from kartoteka.testing import browser


def test_every_quarter_hour_of_a_year_has_a_zone_at_midday():
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    zones = [zoneinfo.ZoneInfo(name) for name in browser._ZONES]
    for step in range(0, 365 * 24 * 4, 1):
        moment = start + datetime.timedelta(minutes=15 * step)
        assert any(10 <= moment.astimezone(zone).hour < 14 for zone in zones), moment


def test_the_zone_given_now_is_at_midday():
    zone = zoneinfo.ZoneInfo(browser.midday_zone())
    assert 10 <= datetime.datetime.now(datetime.UTC).astimezone(zone).hour < 14
