"""Working-time arithmetic: nights, weekends, lunch breaks, holidays, working Saturdays, daylight saving."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kartoteka.automation.models import WorkCalendar
from kartoteka.automation.tests.factories import at, make_calendar
from kartoteka.automation.worktime import (
    NoWorkingTimeError,
    add_working_time,
    is_working_time,
    working_time_between,
)

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
LUNCH_BREAK = [(day, start, end) for day in range(5) for start, end in (("09:00", "13:00"), ("14:00", "18:00"))]


@pytest.fixture
def office() -> WorkCalendar:
    """Mon–Fri 09:00–18:00 in Moscow."""
    return make_calendar()


def test_friday_half_past_five_plus_an_hour_is_monday_half_past_nine(office):
    assert add_working_time(office, at("2026-03-13 17:30"), HOUR) == at("2026-03-16 09:30")


def test_a_start_on_saturday_counts_from_monday_opening(office):
    assert add_working_time(office, at("2026-03-14 11:00"), 2 * HOUR) == at("2026-03-16 11:00")


def test_a_start_at_night_counts_from_the_morning(office):
    assert add_working_time(office, at("2026-03-11 23:10"), 30 * MINUTE) == at("2026-03-12 09:30")


def test_work_that_ends_at_closing_time_ends_that_evening(office):
    assert add_working_time(office, at("2026-03-13 17:00"), HOUR) == at("2026-03-13 18:00")


def test_zero_duration_is_the_start_itself_in_working_hours_and_the_next_opening_outside(office):
    assert add_working_time(office, at("2026-03-12 10:15"), datetime.timedelta(0)) == at("2026-03-12 10:15")
    assert add_working_time(office, at("2026-03-13 18:00"), datetime.timedelta(0)) == at("2026-03-16 09:00")


def test_three_working_days_from_wednesday_morning_end_on_monday_morning(office):
    assert add_working_time(office, at("2026-03-11 10:00"), 27 * HOUR) == at("2026-03-16 10:00")


def test_the_lunch_break_does_not_count():
    calendar = make_calendar(hours=LUNCH_BREAK)
    assert add_working_time(calendar, at("2026-03-12 12:30"), HOUR) == at("2026-03-12 14:30")
    assert add_working_time(calendar, at("2026-03-12 13:20"), 10 * MINUTE) == at("2026-03-12 14:10")
    assert working_time_between(calendar, at("2026-03-12 09:00"), at("2026-03-12 18:00")) == 8 * HOUR


def test_a_monday_holiday_moves_the_deadline_to_tuesday():
    # 8 March 2026 is a Sunday: the day off moves to Monday the 9th.
    calendar = make_calendar(days_off=["2026-03-09"])
    assert add_working_time(calendar, at("2026-03-06 17:30"), HOUR) == at("2026-03-10 09:30")
    assert not is_working_time(calendar, at("2026-03-09 12:00"))


def test_a_working_saturday_counts_with_its_own_hours():
    calendar = make_calendar(working_days=[("2026-03-14", "10:00", "15:00")])
    assert add_working_time(calendar, at("2026-03-13 17:30"), HOUR) == at("2026-03-14 10:30")
    assert add_working_time(calendar, at("2026-03-14 14:00"), 2 * HOUR) == at("2026-03-16 10:00")
    assert is_working_time(calendar, at("2026-03-14 14:59"))
    assert not is_working_time(calendar, at("2026-03-14 15:00"))


def test_a_shortened_working_day_closes_early():
    calendar = make_calendar(working_days=[("2026-03-06", "09:00", "17:00")])
    assert add_working_time(calendar, at("2026-03-06 16:30"), HOUR) == at("2026-03-09 09:30")


def test_is_working_time_follows_the_hours_and_the_lunch_break():
    calendar = make_calendar(hours=LUNCH_BREAK)
    assert is_working_time(calendar, at("2026-03-13 09:00"))
    assert is_working_time(calendar, at("2026-03-13 17:59"))
    assert not is_working_time(calendar, at("2026-03-13 18:00"))
    assert not is_working_time(calendar, at("2026-03-13 13:30"))
    assert not is_working_time(calendar, at("2026-03-14 10:00"))
    assert not is_working_time(calendar, at("2026-03-13 08:59"))


def test_a_moment_in_another_time_zone_is_read_in_the_calendars(office):
    # 06:30 UTC is 09:30 in Moscow; the deadline comes back in the calendar's time zone.
    start = datetime.datetime(2026, 3, 12, 6, 30, tzinfo=datetime.UTC)
    assert is_working_time(office, start)
    deadline = add_working_time(office, start, HOUR)
    assert deadline == at("2026-03-12 10:30")
    assert deadline.utcoffset() == 3 * HOUR


def test_across_the_spring_change_in_kyiv_opening_hours_stay_on_the_wall_clock():
    calendar = make_calendar(time_zone="Europe/Kyiv")
    # Clocks go forward on Sunday 29 March 2026 (03:00 → 04:00): Friday is UTC+2, Monday UTC+3.
    deadline = add_working_time(calendar, at("2026-03-27 17:00", "Europe/Kyiv"), 2 * HOUR)
    assert deadline == at("2026-03-30 10:00", "Europe/Kyiv")
    assert deadline.utcoffset() == 3 * HOUR
    assert working_time_between(calendar, at("2026-03-27 17:00", "Europe/Kyiv"), deadline) == 2 * HOUR


def test_a_round_the_clock_day_of_a_daylight_saving_change_lasts_what_the_wall_clock_says():
    calendar = make_calendar(time_zone="Europe/Kyiv", hours=[(day, "00:00", "00:00") for day in range(7)])
    spring_sunday = at("2026-03-29 00:00", "Europe/Kyiv")
    assert working_time_between(calendar, spring_sunday, at("2026-03-30 00:00", "Europe/Kyiv")) == 23 * HOUR
    assert add_working_time(calendar, spring_sunday, 24 * HOUR) == at("2026-03-30 01:00", "Europe/Kyiv")
    autumn_sunday = at("2026-10-25 00:00", "Europe/Kyiv")
    assert working_time_between(calendar, autumn_sunday, at("2026-10-26 00:00", "Europe/Kyiv")) == 25 * HOUR


def test_between_counts_only_working_time_and_is_negative_backwards(office):
    friday_evening, monday_morning = at("2026-03-13 17:00"), at("2026-03-16 10:00")
    assert working_time_between(office, friday_evening, monday_morning) == 2 * HOUR
    assert working_time_between(office, monday_morning, friday_evening) == -2 * HOUR
    assert working_time_between(office, at("2026-03-14 10:00"), at("2026-03-15 20:00")) == datetime.timedelta(0)


def test_a_calendar_without_working_hours_is_a_clear_error_not_an_endless_search():
    calendar = make_calendar(name="Empty", hours=[])
    with pytest.raises(NoWorkingTimeError) as error:
        add_working_time(calendar, at("2026-03-13 10:00"), HOUR)
    assert "Empty" in error.value.message
    assert error.value.code == "calendar_without_working_time"


def test_a_calendar_with_only_a_few_working_days_runs_out_of_time_with_a_clear_error():
    calendar = make_calendar(hours=[], working_days=[("2026-03-14", "10:00", "15:00")])
    assert add_working_time(calendar, at("2026-03-13 10:00"), HOUR) == at("2026-03-14 11:00")
    with pytest.raises(NoWorkingTimeError):
        add_working_time(calendar, at("2026-03-13 10:00"), 6 * HOUR)


def test_naive_datetimes_and_negative_durations_are_refused(office):
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_time(office, datetime.datetime(2026, 3, 13, 10), HOUR)
    with pytest.raises(ValueError, match="negative"):
        add_working_time(office, at("2026-03-13 10:00"), -HOUR)


def test_a_calendar_loads_its_hours_and_holidays_once_for_any_number_of_deadlines(django_assert_num_queries):
    calendar = make_calendar(days_off=["2026-03-09"], working_days=[("2026-03-14", "10:00", "15:00")])
    calendar = WorkCalendar.objects.get(pk=calendar.pk)
    # 1 working hours, 2 holidays; every later computation reads the schedule cached on the instance.
    with django_assert_num_queries(2):
        for day in range(1, 29):
            start = at(f"2026-03-{day:02d} 12:00")
            deadline = add_working_time(calendar, start, 20 * HOUR)
            assert working_time_between(calendar, start, deadline) == 20 * HOUR
            is_working_time(calendar, deadline)


@pytest.fixture
def varied_calendar() -> WorkCalendar:
    """Kyiv, lunch breaks, holidays, a working Saturday and a shortened day, for the round-trip property.

    Hypothesis runs every example against this one calendar: it is only read, so sharing it is safe.
    """
    return make_calendar(
        name="Varied",
        time_zone="Europe/Kyiv",
        hours=LUNCH_BREAK,
        days_off=["2026-03-09", "2026-05-01"],
        working_days=[("2026-03-28", "10:00", "14:00"), ("2026-04-30", "09:00", "16:00")],
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.datetimes(min_value=datetime.datetime(2026, 3, 1), max_value=datetime.datetime(2026, 11, 30)),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 20),
)
def test_between_undoes_add_for_any_start_and_duration(varied_calendar, start, minutes):
    begin = start.replace(tzinfo=ZoneInfo("Europe/Kyiv"))
    duration = datetime.timedelta(minutes=minutes)
    deadline = add_working_time(varied_calendar, begin, duration)
    assert working_time_between(varied_calendar, begin, deadline) == duration
    assert deadline >= begin
