"""Reading WHEN as people type it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inctrack.cli.timeparse import parse_duration, parse_when
from inctrack.errors import Rejected

NOW = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def when(text: str, tz: ZoneInfo = LONDON) -> datetime:
    return parse_when(text, now=NOW, tz=tz)


def test_iso_without_offset_is_local_time() -> None:
    # New York is UTC-5 in November.
    assert when("2026-11-20 09:30", NEW_YORK) == datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


def test_iso_with_offset_keeps_its_offset() -> None:
    assert when("2026-11-20T09:30+01:00") == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def test_summer_time_is_applied_for_summer_dates() -> None:
    assert when("2026-07-01 09:00") == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "delta"),
    [("15m ago", timedelta(minutes=15)), ("2h ago", timedelta(hours=2)),
     ("3 days ago", timedelta(days=3)), ("90s ago", timedelta(seconds=90)),
     ("1.5h ago", timedelta(minutes=90)), ("now", timedelta(0))],
)  # fmt: skip
def test_relative_times(text: str, delta: timedelta) -> None:
    assert when(text) == NOW - delta


def test_yesterday_and_today_use_the_local_calendar_day() -> None:
    assert when("yesterday 09:00", NEW_YORK) == datetime(2026, 11, 19, 14, 0, tzinfo=UTC)
    assert when("today 08:15", NEW_YORK) == datetime(2026, 11, 20, 13, 15, tzinfo=UTC)
    assert when("today", LONDON) == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    assert when("yesterday 9am", LONDON) == datetime(2026, 11, 19, 9, 0, tzinfo=UTC)
    assert when("today 4:30 pm", LONDON) == datetime(2026, 11, 20, 16, 30, tzinfo=UTC)


def test_times_to_come_for_scheduling() -> None:
    """Maintenance is scheduled ahead: "tomorrow 22:00" and "in 2h" (``--at`` refuses
    the future elsewhere, whatever the form)."""
    assert when("tomorrow 22:00", NEW_YORK) == datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    assert when("tomorrow", LONDON) == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    assert when("in 2h") == NOW + timedelta(hours=2)
    assert when("in 3 days") == NOW + timedelta(days=3)
    assert when("in 1 month") == datetime(2026, 12, 20, 14, 30, tzinfo=UTC)


def test_free_text_through_dateutil() -> None:
    assert when("20 Nov 2026 9:05am") == datetime(2026, 11, 20, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["", "soonish", "2h from now", "yesterday noonish", "yesterday 2026-01-01", "31 Feb"]
)
def test_nonsense_is_rejected_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(Rejected, match="ISO 8601"):
        when(text)


@pytest.mark.parametrize(("text", "delta"), [("7d", timedelta(days=7)), ("1w", timedelta(weeks=1)),
                                             ("2 hours", timedelta(hours=2))])  # fmt: skip
def test_durations(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["7", "d", "7 fortnights", "-2h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(Rejected, match="not a duration"):
        parse_duration(text)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)))
def test_iso_round_trip_in_any_zone(moment: datetime) -> None:
    aware = moment.replace(microsecond=0, tzinfo=UTC)
    assert parse_when(aware.isoformat(), now=NOW, tz=NEW_YORK) == aware


# NOW is Friday 20 November 2026, 14:30 UTC (14:30 in London, 09:30 in New York).


@pytest.mark.parametrize(
    ("text", "expected"),
    [("friday", datetime(2026, 11, 20, 0, 0, tzinfo=UTC)),  # today counts
     ("fri 09:00", datetime(2026, 11, 20, 9, 0, tzinfo=UTC)),
     ("friday 15:00", datetime(2026, 11, 13, 15, 0, tzinfo=UTC)),  # later today: last week's
     ("last friday", datetime(2026, 11, 13, 0, 0, tzinfo=UTC)),
     ("monday", datetime(2026, 11, 16, 0, 0, tzinfo=UTC)),
     ("Saturday", datetime(2026, 11, 14, 0, 0, tzinfo=UTC)),
     ("sun 4pm", datetime(2026, 11, 15, 16, 0, tzinfo=UTC))],
)  # fmt: skip
def test_a_weekday_is_the_last_one_never_one_to_come(text: str, expected: datetime) -> None:
    assert when(text) == expected


@given(st.sampled_from(["mon", "tuesday", "wed", "thursday", "fri", "sat", "sunday"]),
       st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
       st.sampled_from([LONDON, NEW_YORK]))  # fmt: skip
def test_no_weekday_is_ever_in_the_future(day: str, moment: datetime, tz: ZoneInfo) -> None:
    now = moment.replace(tzinfo=UTC)
    parsed = parse_when(f"{day} 23:59", now=now, tz=tz)
    assert now - timedelta(days=7) - timedelta(hours=2) < parsed <= now


def test_a_weekday_with_a_date_is_still_a_date() -> None:
    assert when("friday 20 nov 2026 9:05") == datetime(2026, 11, 20, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12 months ago", datetime(2025, 11, 20, 14, 30, tzinfo=UTC)),
     ("1 year ago", datetime(2025, 11, 20, 14, 30, tzinfo=UTC)),
     ("a year ago", datetime(2025, 11, 20, 14, 30, tzinfo=UTC)),
     ("an hour ago", datetime(2026, 11, 20, 13, 30, tzinfo=UTC)),
     ("last week", datetime(2026, 11, 13, 14, 30, tzinfo=UTC)),
     ("last 2 weeks", datetime(2026, 11, 6, 14, 30, tzinfo=UTC)),
     # 14:30 in London a month back, when London was on summer time
     ("last month", datetime(2026, 10, 20, 13, 30, tzinfo=UTC)),
     ("1 month ago", datetime(2026, 10, 20, 13, 30, tzinfo=UTC))],
)  # fmt: skip
def test_months_and_years_count_back_on_the_calendar(text: str, expected: datetime) -> None:
    assert when(text) == expected


def test_a_fraction_of_a_month_is_refused() -> None:
    with pytest.raises(Rejected, match="whole numbers"):
        when("1.5 months ago")


@pytest.mark.parametrize("text", ["5/12/2026", "5.12.2026 09:30", "5-12-26", "05/12"])
def test_a_day_and_month_that_could_swap_are_refused_with_both_readings(text: str) -> None:
    with pytest.raises(Rejected) as refused:
        when(text)
    message = refused.value.message
    assert "could be 5 December or 12 May" in message
    assert "-12-05 or 2026-05-12" in message
    assert "dayfirst = true" in message
    assert "INCTRACK_DAYFIRST" in message


def test_dayfirst_says_which_number_is_the_day() -> None:
    assert parse_when("5/12/2026", now=NOW, tz=UTC, dayfirst=True) == datetime(
        2026, 12, 5, tzinfo=UTC
    )
    assert parse_when("5/12/2026", now=NOW, tz=UTC, dayfirst=False) == datetime(
        2026, 5, 12, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("13/5/2026", datetime(2026, 5, 13, tzinfo=UTC)),  # 13 can only be the day
     ("11/20/2026", datetime(2026, 11, 20, tzinfo=UTC)),
     ("5/5/2026", datetime(2026, 5, 5, tzinfo=UTC))],
)  # fmt: skip
def test_a_date_with_one_reading_needs_no_dayfirst(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW, tz=UTC) == expected
