"""Working time for SLA clocks: worked examples by hand, then properties.

Every expected instant below was computed by hand from the calendar rules and
written as a literal; the comments show the sum.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inctrack.errors import Rejected
from inctrack.sla.calendar import TWENTY_FOUR_SEVEN, Calendar, default_business, load_zone
from inctrack.sla.hours import END_OF_DAY, WorkingHours, parse_hours

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
HOUR = 3600.0

UK_HOLIDAYS_2026 = frozenset(
    {date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
     date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28)}
)  # fmt: skip

LONDON_BUSINESS = default_business("Europe/London")
NEW_YORK_BUSINESS = default_business("America/New_York")
LUNCH = Calendar(
    name="lunch",
    tz=LONDON,
    hours=parse_hours("Mon-Fri 08:00-12:00,13:00-17:00"),
    holidays=UK_HOLIDAYS_2026,
)
CHRISTMAS = default_business("Europe/London", holidays=[date(2026, 12, 25)])
ROUND_THE_CLOCK_LONDON = Calendar(
    name="all-week", tz=LONDON, hours=parse_hours("Mon-Sun 00:00-24:00")
)
NIGHT_SHIFT = Calendar(
    name="nights", tz=NEW_YORK, hours=parse_hours("Mon-Fri 22:00-24:00; Tue-Sat 00:00-06:00")
)
# Sunday ranges through 01:00-02:00 meet London's spring gap and autumn fold.
DST_EDGES = Calendar(
    name="dst-edges",
    tz=LONDON,
    hours=parse_hours("Mon-Fri 09:00-17:00; Sun 00:30-01:30,01:30-02:30"),
)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time in London."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- worked examples ---------------------------------------------------------


def test_friday_afternoon_plus_four_business_hours_is_monday_noon() -> None:
    # Fri 2026-11-20 16:00 GMT: 1 h left on Friday, 3 h on Monday from 09:00.
    due = LONDON_BUSINESS.add_working(london(2026, 11, 20, 16), 4 * HOUR)
    assert due == utc(2026, 11, 23, 12)
    assert due.tzinfo is UTC


def test_the_end_of_british_summer_time_moves_the_due_instant_by_the_clock() -> None:
    # Fri 2026-10-23 16:00 BST (15:00Z); clocks go back on Sun 25th; Mon 12:00 GMT is 12:00Z.
    due = LONDON_BUSINESS.add_working(london(2026, 10, 23, 16), 4 * HOUR)
    assert due == utc(2026, 10, 26, 12)
    assert due.astimezone(LONDON).hour == 12


def test_a_holiday_in_the_middle_is_skipped() -> None:
    # Thu 2026-12-24 15:00: 2 h on Thursday, Friday 25th off, weekend, 6 h on Monday 28th.
    due = CHRISTMAS.add_working(london(2026, 12, 24, 15), 8 * HOUR)
    assert due == utc(2026, 12, 28, 15)
    assert CHRISTMAS.working_seconds(london(2026, 12, 24, 9), london(2026, 12, 29, 9)) == 16 * HOUR


def test_new_york_across_the_start_of_daylight_saving() -> None:
    # Fri 2026-03-06 16:00 EST (21:00Z): 1 h Friday; clocks spring forward Sun 8th;
    # 3 h on Monday: 12:00 EDT is 16:00Z.
    start = datetime(2026, 3, 6, 16, tzinfo=NEW_YORK)
    assert NEW_YORK_BUSINESS.add_working(start, 4 * HOUR) == utc(2026, 3, 9, 16)
    # Fri 09:00 EST (14:00Z) to Mon 09:00 EDT (13:00Z): one working day, 8 h, not 7 or 9.
    friday, monday = utc(2026, 3, 6, 14), utc(2026, 3, 9, 13)
    assert NEW_YORK_BUSINESS.working_seconds(friday, monday) == 8 * HOUR
    assert list(NEW_YORK_BUSINESS.working_intervals(friday, monday)) == [
        (utc(2026, 3, 6, 14), utc(2026, 3, 6, 22))
    ]


def test_a_lunch_break_is_not_working_time() -> None:
    # Mon 2026-11-23 11:00 + 2 h: 11:00-12:00, then 13:00-14:00.
    assert LUNCH.add_working(london(2026, 11, 23, 11), 2 * HOUR) == utc(2026, 11, 23, 14)
    # Started at lunch, the clock waits for 13:00.
    assert LUNCH.add_working(london(2026, 11, 23, 12, 30), 1800) == utc(2026, 11, 23, 13, 30)
    assert LUNCH.working_seconds(london(2026, 11, 23, 10), london(2026, 11, 23, 14)) == 3 * HOUR
    assert list(LUNCH.working_intervals(london(2026, 11, 23, 10), london(2026, 11, 23, 14))) == [
        (utc(2026, 11, 23, 10), utc(2026, 11, 23, 12)),
        (utc(2026, 11, 23, 13), utc(2026, 11, 23, 14)),
    ]


def test_a_clock_that_runs_out_at_closing_time_is_due_at_closing_time() -> None:
    assert LONDON_BUSINESS.add_working(london(2026, 11, 20, 13), 4 * HOUR) == utc(2026, 11, 20, 17)


def test_24x7_is_plain_addition() -> None:
    start = datetime(2026, 3, 7, 23, 30, tzinfo=NEW_YORK)  # the night before the clocks change
    assert TWENTY_FOUR_SEVEN.add_working(start, 5400) == utc(2026, 3, 8, 6)
    # Sat 23:30 EST to Mon 23:30 EDT is 47 hours on a wall clock that lost one.
    two_days_later = datetime(2026, 3, 9, 23, 30, tzinfo=NEW_YORK)
    assert TWENTY_FOUR_SEVEN.working_seconds(start, two_days_later) == 47 * HOUR
    assert TWENTY_FOUR_SEVEN.is_24x7
    assert TWENTY_FOUR_SEVEN.working_day_seconds() == 86_400
    assert TWENTY_FOUR_SEVEN.next_working_instant(start) == start
    assert list(TWENTY_FOUR_SEVEN.working_intervals(start, start + timedelta(hours=1))) == [
        (utc(2026, 3, 8, 4, 30), utc(2026, 3, 8, 5, 30))
    ]


def test_a_weekend_has_no_working_time() -> None:
    assert LONDON_BUSINESS.working_seconds(london(2026, 11, 21), london(2026, 11, 23)) == 0
    assert LONDON_BUSINESS.working_seconds(london(2026, 11, 20, 17), london(2026, 11, 23, 9)) == 0
    assert list(LONDON_BUSINESS.working_intervals(london(2026, 11, 21), london(2026, 11, 23))) == []


def test_working_seconds_is_zero_when_the_end_is_not_after_the_start() -> None:
    moment = london(2026, 11, 23, 10)
    assert LONDON_BUSINESS.working_seconds(moment, moment) == 0
    assert LONDON_BUSINESS.working_seconds(moment, moment - timedelta(hours=1)) == 0


def test_zero_duration_is_due_at_the_next_working_instant() -> None:
    # Inside working time: the start itself.
    assert LONDON_BUSINESS.add_working(london(2026, 11, 23, 10), 0) == utc(2026, 11, 23, 10)
    # On Saturday, or exactly at Friday's closing time: Monday's opening.
    assert LONDON_BUSINESS.add_working(london(2026, 11, 21, 12), 0) == utc(2026, 11, 23, 9)
    assert LONDON_BUSINESS.add_working(london(2026, 11, 20, 17), 0) == utc(2026, 11, 23, 9)


def test_next_working_instant_and_is_working_time() -> None:
    assert LONDON_BUSINESS.next_working_instant(london(2026, 11, 20, 18)) == utc(2026, 11, 23, 9)
    assert LONDON_BUSINESS.next_working_instant(london(2026, 11, 23, 9)) == utc(2026, 11, 23, 9)
    assert LONDON_BUSINESS.is_working_time(london(2026, 11, 23, 9))
    assert LONDON_BUSINESS.is_working_time(london(2026, 11, 23, 16, 59))
    assert not LONDON_BUSINESS.is_working_time(london(2026, 11, 23, 17))
    assert not LONDON_BUSINESS.is_working_time(london(2026, 11, 22, 12))


def test_working_day_seconds_is_weekly_time_over_working_days() -> None:
    assert LONDON_BUSINESS.working_day_seconds() == 8 * HOUR
    assert LUNCH.working_day_seconds() == 8 * HOUR
    six_days = Calendar("six", LONDON, parse_hours("Mon-Fri 09:00-17:00; Sat 09:00-13:00"))
    assert six_days.working_day_seconds() == 44 * HOUR / 6
    assert six_days.working_week_seconds() == 44 * HOUR
    assert LONDON_BUSINESS.working_week_seconds() == 40 * HOUR
    assert TWENTY_FOUR_SEVEN.working_week_seconds() == 7 * 86_400


def test_a_whole_day_follows_the_clocks_when_they_change() -> None:
    cal = ROUND_THE_CLOCK_LONDON
    # Sun 2026-03-29: clocks spring forward at 01:00 GMT, a 23-hour day.
    assert cal.working_seconds(london(2026, 3, 29), london(2026, 3, 30)) == 23 * HOUR
    # Sun 2026-10-25: clocks fall back at 02:00 BST, a 25-hour day.
    assert cal.working_seconds(london(2026, 10, 25), london(2026, 10, 26)) == 25 * HOUR
    # A full calendar is wall-clock time across the change.
    start = utc(2026, 10, 24, 12)
    assert cal.add_working(start, 48 * HOUR) == utc(2026, 10, 26, 12)


def test_a_time_in_the_spring_gap_means_the_moment_the_clocks_jump() -> None:
    # Sun 2026-03-29, London: 01:00 GMT becomes 02:00 BST, at 01:00Z; 01:30 does not exist.
    # 00:30-01:30 is 00:30Z-01:00Z; 01:30-02:30 is 01:00Z-01:30Z (02:30 BST).
    assert list(DST_EDGES.working_intervals(utc(2026, 3, 29), utc(2026, 3, 29, 6))) == [
        (utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1)),
        (utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 30)),
    ]
    gap_start = Calendar("gap", LONDON, parse_hours("Sun 01:30-03:00"))
    assert gap_start.next_working_instant(utc(2026, 3, 29)) == utc(2026, 3, 29, 1)
    assert gap_start.working_seconds(utc(2026, 3, 28), utc(2026, 3, 30)) == 1 * HOUR


def test_a_time_in_the_autumn_fold_means_its_first_occurrence() -> None:
    # Sun 2026-10-25, London: 02:00 BST becomes 01:00 GMT, at 01:00Z; 01:00-02:00 happens twice.
    # 00:30-01:30 is 23:30Z-00:30Z (BST); 01:30-02:30 is 00:30Z (first 01:30) to 02:30Z (GMT).
    assert list(DST_EDGES.working_intervals(utc(2026, 10, 24, 18), utc(2026, 10, 25, 6))) == [
        (utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 0, 30)),
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 30)),
    ]


def test_a_holiday_switches_off_ranges_that_start_that_day() -> None:
    # Night shift in New York, Mon 22:00-24:00 and Tue 00:00-06:00; Monday 2026-11-23 off.
    cal = Calendar("nights-off", NEW_YORK, NIGHT_SHIFT.hours, frozenset({date(2026, 11, 23)}))
    monday_night = datetime(2026, 11, 23, 20, tzinfo=NEW_YORK)
    # Monday's 22:00-24:00 is off; Tuesday's 00:00-06:00 counts: EST is UTC-5.
    assert cal.next_working_instant(monday_night) == utc(2026, 11, 24, 5)
    assert cal.working_seconds(monday_night, monday_night + timedelta(hours=12)) == 6 * HOUR
    assert NIGHT_SHIFT.working_seconds(monday_night, monday_night + timedelta(hours=12)) == 8 * HOUR


def test_a_calendar_without_working_time_says_so() -> None:
    mondays = frozenset(date(2026, 11, 23) + timedelta(weeks=n) for n in range(6 * 53))
    cal = Calendar("never", LONDON, parse_hours("Mon 09:00-17:00"), mondays)
    with pytest.raises(Rejected, match="no working time in the five years after 2026-11-20"):
        cal.add_working(london(2026, 11, 20, 12), 60)
    with pytest.raises(Rejected, match="no working time"):
        cal.next_working_instant(london(2026, 11, 20, 12))
    # Counting over a bounded span still works: there is simply nothing to count.
    assert cal.working_seconds(london(2026, 11, 20), london(2027, 11, 20)) == 0


def test_a_24x7_calendar_cannot_have_holidays() -> None:
    with pytest.raises(Rejected, match="runs 24x7, so it cannot have holidays"):
        Calendar("x", UTC, None, frozenset({date(2026, 12, 25)}))


def test_naive_datetimes_and_negative_durations_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        LONDON_BUSINESS.add_working(datetime(2026, 11, 20, 9), 60)
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        LONDON_BUSINESS.working_intervals(london(2026, 11, 20), datetime(2026, 11, 21))
    with pytest.raises(ValueError, match="zero or more seconds"):
        LONDON_BUSINESS.add_working(london(2026, 11, 20, 9), -1)
    with pytest.raises(ValueError, match="zero or more seconds"):
        LONDON_BUSINESS.add_working(london(2026, 11, 20, 9), float("nan"))


def test_default_business_and_unknown_zones() -> None:
    cal = default_business()
    assert (cal.name, cal.tz, cal.hours) == (
        "business",
        ZoneInfo("UTC"),
        parse_hours("Mon-Fri 09:00-17:00"),
    )
    assert not cal.is_24x7
    assert load_zone("Asia/Tokyo") == TOKYO
    with pytest.raises(Rejected, match="'Mars/Olympus' is not a known time zone"):
        default_business("Mars/Olympus")


def test_a_long_span_is_counted_exactly() -> None:
    # 2026 in London, Mon-Fri 09:00-17:00: 261 weekdays, 8 UK bank holidays, all on weekdays.
    cal = default_business("Europe/London", holidays=UK_HOLIDAYS_2026)
    assert cal.working_seconds(london(2026, 1, 1), london(2027, 1, 1)) == (261 - 8) * 8 * HOUR
    # 253 working days from New Year's Day end at the last one's closing time.
    assert cal.add_working(london(2026, 1, 1), 253 * 8 * HOUR) == utc(2026, 12, 31, 17)


# --- parse_hours and describe ---------------------------------------------------


def test_parse_a_simple_week() -> None:
    hours = parse_hours("Mon-Fri 09:00-17:00")
    nine_to_five = ((time(9), time(17)),)
    assert hours == WorkingHours((nine_to_five,) * 5 + ((), ()))
    assert hours.working_days == 5
    assert hours.week_seconds() == 40 * HOUR


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Mon-Fri 09:00-17:00", "Mon-Fri 09:00-17:00"),
        ("Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-13:00",
         "Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-13:00"),
        ("Mon,Wed,Fri 09:00-17:00", "Mon,Wed,Fri 09:00-17:00"),
        ("Mon-Sun 00:00-24:00", "Mon-Sun 00:00-24:00"),
        ("  mon - FRI  9:00 - 17:00 , 18:00-19:00 ;", "Mon-Fri 09:00-17:00,18:00-19:00"),
        ("Sat,Sun 10:00-14:00; Mon,Tue 09:00-17:00", "Mon-Tue 09:00-17:00; Sat-Sun 10:00-14:00"),
        ("Mon-Fri 13:00-17:00; Mon 08:00-12:00",
         "Mon 08:00-12:00,13:00-17:00; Tue-Fri 13:00-17:00"),
        ("Mon 09:00-12:00,12:00-17:00", "Mon 09:00-12:00,12:00-17:00"),
        ("Mon-Wed,Fri 09:00-17:00", "Mon-Wed,Fri 09:00-17:00"),
    ],
)  # fmt: skip
def test_valid_specs_and_their_canonical_form(text: str, canonical: str) -> None:
    hours = parse_hours(text)
    assert hours.describe() == canonical
    assert parse_hours(canonical) == hours


def test_24_00_ends_the_day() -> None:
    hours = parse_hours("Sun 22:00-24:00")
    assert hours.days[6] == ((time(22), END_OF_DAY),)
    assert hours.week_seconds() == 2 * HOUR


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "An empty working-hours spec has no working time"),
        (" ; ", "An empty working-hours spec"),
        ("Mnd-Fri 09:00-17:00", "'Mnd' is not a day; use three-letter names"),
        ("Monday 09:00-17:00", "'Monday' is not a day"),
        ("Fri-Mon 09:00-17:00", "'Fri-Mon' runs backwards"),
        ("Mon-Wed-Fri 09:00-17:00", "'Mon-Wed-Fri' is not a run of days"),
        ("Mon-Fri", "'Mon-Fri' names days but no hours"),
        ("09:00-17:00", "'09:00-17:00' names no days"),
        ("Mon-Fri 09:00", "'09:00' is not a range of hours"),
        ("Mon-Fri 9am-5pm", "'9am' is not a time of day"),
        ("Mon-Fri 09:00-25:00", "'25:00' is not a time of day"),
        ("Mon-Fri 09:60-17:00", "'09:60' is not a time of day"),
        ("Mon-Fri 17:00-09:00", "On Mon, 17:00-09:00 ends before it starts"),
        ("Mon-Fri 22:00-06:00", "split a night shift"),
        ("Tue 09:00-09:00", "On Tue, 09:00-09:00 is empty"),
        ("Mon 24:00-24:00", "24:00 can only end a range"),
        ("Mon-Fri 08:00-13:00,12:00-17:00", "On Mon, 08:00-13:00 overlaps 12:00-17:00"),
        ("Mon-Fri 09:00-17:00; Wed 16:00-18:00", "On Wed, 09:00-17:00 overlaps 16:00-18:00"),
    ],
)
def test_malformed_specs_are_rejected_with_a_useful_sentence(text: str, message: str) -> None:
    with pytest.raises(Rejected, match=message) as caught:
        parse_hours(text)
    assert "as in '" in caught.value.message or "like '" in caught.value.message
    assert caught.value.exit_code == 4


def test_hours_built_in_code_are_checked_too() -> None:
    with pytest.raises(Rejected, match="needs at least one range"):
        WorkingHours(((),) * 7)
    with pytest.raises(Rejected, match="not a whole minute"):
        WorkingHours((((time(9, 0, 30), time(17)),),) + ((),) * 6)
    with pytest.raises(ValueError, match="needs 7 days"):
        WorkingHours(((),) * 5)
    # Ranges given out of order are sorted.
    hours = WorkingHours((((time(13), time(17)), (time(8), time(12))),) + ((),) * 6)
    assert hours.describe() == "Mon 08:00-12:00,13:00-17:00"


@st.composite
def schedules(draw: st.DrawFn) -> WorkingHours:
    days = []
    for _ in range(7):
        marks = draw(st.lists(st.integers(0, 24 * 60), unique=True, max_size=6).map(sorted))
        clocks = [END_OF_DAY if m == 24 * 60 else time(m // 60, m % 60) for m in marks]
        days.append(tuple(zip(clocks[0::2], clocks[1::2], strict=False)))
    if not any(days):
        days[0] = ((time(9), time(17)),)
    return WorkingHours(tuple(days))


@settings(max_examples=100, deadline=None)
@given(schedules())
def test_describe_round_trips_through_parse_hours(hours: WorkingHours) -> None:
    assert parse_hours(hours.describe()) == hours
    assert parse_hours(hours.describe().lower()) == hours


# --- properties ---------------------------------------------------------------

CALENDARS = [
    LONDON_BUSINESS,
    NEW_YORK_BUSINESS,
    LUNCH,
    CHRISTMAS,
    TWENTY_FOUR_SEVEN,
    ROUND_THE_CLOCK_LONDON,
    NIGHT_SHIFT,
    DST_EDGES,
    Calendar("tokyo", TOKYO, parse_hours("Mon-Fri 09:30-18:00")),
]
BUSINESS = [LONDON_BUSINESS, NEW_YORK_BUSINESS, CHRISTMAS]
ZONES = [UTC, LONDON, NEW_YORK, TOKYO]

instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=UTC)
)


@st.composite
def anywhere(draw: st.DrawFn) -> datetime:
    """An instant from 2020-2030, written in one of several zones."""
    return draw(instants).astimezone(draw(st.sampled_from(ZONES)))


@st.composite
def calendar_and_duration(draw: st.DrawFn) -> tuple[Calendar, float]:
    cal = draw(st.sampled_from(CALENDARS))
    limit = 30 * cal.working_day_seconds()
    duration = draw(
        st.one_of(
            st.floats(min_value=0, max_value=limit, allow_nan=False),
            st.integers(0, int(limit // 60)).map(lambda minutes: minutes * 60.0),
        )
    )
    return cal, duration


@settings(max_examples=200, deadline=None)
@given(calendar_and_duration(), anywhere())
def test_the_working_time_to_the_due_instant_is_the_duration(
    cal_duration: tuple[Calendar, float], start: datetime
) -> None:
    cal, duration = cal_duration
    due = cal.add_working(start, duration)
    assert due.tzinfo is UTC
    assert due >= start
    assert abs(cal.working_seconds(start, due) - duration) <= 1e-6


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(BUSINESS), anywhere(), st.floats(min_value=1e-3, max_value=30 * 8 * HOUR))
def test_a_business_due_instant_is_never_at_night_or_on_a_day_off(
    cal: Calendar, start: datetime, duration: float
) -> None:
    local = cal.add_working(start, duration).astimezone(cal.tz)
    assert local.weekday() < 5
    assert local.date() not in cal.holidays
    assert time(9) <= local.time() <= time(17)


@settings(max_examples=100, deadline=None)
@given(calendar_and_duration(), anywhere())
def test_a_due_instant_is_in_a_working_range_or_at_its_end(
    cal_duration: tuple[Calendar, float], start: datetime
) -> None:
    cal, duration = cal_duration
    due = cal.add_working(start, duration)
    around = cal.working_intervals(due - timedelta(days=1), due + timedelta(days=1))
    assert any(low <= due <= high for low, high in around)
    if duration == 0:
        assert cal.is_working_time(due)


@settings(max_examples=100, deadline=None)
@given(calendar_and_duration(), st.floats(min_value=0, max_value=1.0), anywhere())
def test_add_working_is_monotonic_in_the_duration(
    cal_duration: tuple[Calendar, float], fraction: float, start: datetime
) -> None:
    cal, longer = cal_duration
    shorter = longer * fraction
    assert cal.add_working(start, shorter) <= cal.add_working(start, longer)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(CALENDARS), st.lists(instants, min_size=3, max_size=3).map(sorted))
def test_working_seconds_is_additive(cal: Calendar, moments: list[datetime]) -> None:
    a, b, c = moments
    together = cal.working_seconds(a, c)
    assert abs(cal.working_seconds(a, b) + cal.working_seconds(b, c) - together) <= 1e-6
    intervals = list(cal.working_intervals(a, c))
    assert all(a <= low < high <= c for low, high in intervals)
    assert all(first[1] <= second[0] for first, second in pairwise(intervals))
    assert abs(sum((high - low).total_seconds() for low, high in intervals) - together) <= 1e-6


@settings(max_examples=100, deadline=None)
@given(anywhere(), anywhere())
def test_24x7_working_time_is_wall_clock_time(a: datetime, b: datetime) -> None:
    expected = max((b.astimezone(UTC) - a.astimezone(UTC)).total_seconds(), 0.0)
    assert TWENTY_FOUR_SEVEN.working_seconds(a, b) == expected


def reference_working_seconds(cal: Calendar, start: datetime, end: datetime) -> float:
    """Day by day, the slow and obvious way; fine for zones whose changes avoid 09:00-17:00."""
    assert cal.hours is not None
    total = 0.0
    day = start.astimezone(cal.tz).date() - timedelta(days=1)
    while day <= end.astimezone(cal.tz).date():
        if day not in cal.holidays:
            for opens, closes in cal.hours.days[day.weekday()]:
                low = max(datetime.combine(day, opens, tzinfo=cal.tz), start)
                high = min(datetime.combine(day, closes, tzinfo=cal.tz), end)
                total += max((high - low).total_seconds(), 0.0)
        day += timedelta(days=1)
    return total


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([*BUSINESS, LUNCH]),
    anywhere(),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=90)),
)
def test_working_seconds_agrees_with_counting_day_by_day(
    cal: Calendar, start: datetime, span: timedelta
) -> None:
    end = start + span
    assert abs(cal.working_seconds(start, end) - reference_working_seconds(cal, start, end)) < 1e-6


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(CALENDARS), anywhere())
def test_the_next_working_instant_is_the_first_working_moment(
    cal: Calendar, moment: datetime
) -> None:
    found = cal.next_working_instant(moment)
    assert found >= moment
    assert cal.is_working_time(found)
    assert cal.working_seconds(moment, found) == 0
    assert cal.is_working_time(moment) == (found == moment.astimezone(UTC))
