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
