"""Working time for SLA clocks: business hours in a time zone, with holidays.

A :class:`Calendar` answers three questions for the SLA code: how much working
time lies between two instants (:meth:`Calendar.working_seconds`), when a given
amount of working time has run out (:meth:`Calendar.add_working`), and which
stretches of a period count (:meth:`Calendar.working_intervals`, the segments
``inctrack sla ID`` explains). It is pure: no database, no clock, no I/O.

The rules, in one place:

- **Hours** are a weekly schedule of local wall-clock ranges, written like
  ``Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-13:00``; their model and parser
  are in :mod:`inctrack.sla.hours`.
- **A calendar without hours** is 24x7: every instant counts, working time is
  wall-clock time, and it has no holidays.
- **Holidays** are local dates. A holiday switches off every range that
  *starts* on that date (so ``22:00-24:00`` on the holiday is off, and
  ``00:00-06:00`` on the day after is on).
- **Daylight saving**: each range is placed on the time line from its local
  date and local times in the calendar's zone, so a range keeps its wall-clock
  times and its length follows the clocks (``00:00-24:00`` lasts 23 hours on
  the day clocks go forward, 25 when they go back). A local time that occurs
  twice (the autumn fold) means its *first* occurrence (``fold=0``). A local
  time that does not exist (the spring gap) means the moment the clocks jump,
  the first instant after the gap. Both rules keep ranges in order and never
  let two ranges overlap.
- **Inputs** are timezone-aware datetimes in any zone; naive ones are refused
  with ``ValueError``. **Results** are aware datetimes in UTC.
- **Intervals** are half-open: an instant exactly at the end of a range is
  not working time, but a due instant may fall exactly on it (a four-hour
  clock started at 13:00 on a 09:00-17:00 day is due at 17:00, not the next
  morning).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inctrack.errors import Rejected
from inctrack.sla.hours import END_OF_DAY, WorkingHours, parse_hours

Interval: TypeAlias = tuple[datetime, datetime]
"""A half-open ``[start, end)`` stretch of working time, aware UTC datetimes."""

_ONE_DAY = timedelta(days=1)
_ONE_WEEK = timedelta(weeks=1)
_TICK = timedelta(microseconds=1)
_IDLE_WEEKS = 5 * 52 + 2
"""Searching for working time gives up after this many weeks (five years) without any."""
_LAST_MONDAY = date(9999, 12, 20)
_CACHE_WEEKS = 4096


def load_zone(name: str) -> ZoneInfo:
    """The IANA time zone called ``name``; :class:`Rejected` if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Rejected(
            f"{name!r} is not a known time zone; use an IANA name such as Europe/London or UTC."
        ) from None


class _Week(NamedTuple):
    """One local week (Monday to Sunday) placed on the UTC time line."""

    begins: datetime
    ends: datetime
    ranges: tuple[Interval, ...]
    total: timedelta


@dataclass(frozen=True)
class Calendar:
    """When an SLA clock runs: ``hours`` in the zone ``tz``, except on ``holidays``.

    ``hours=None`` means 24x7 (and then ``holidays`` must be empty). See the
    module docstring for the daylight-saving and holiday rules. Calendars are
    immutable and safe to share; each keeps a small private cache of the
    weeks it has placed on the time line.
    """

    name: str
    tz: tzinfo
    hours: WorkingHours | None
    holidays: frozenset[date] = frozenset()
    _weeks: dict[date, _Week] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _spans: dict[tuple[date, date], timedelta] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if self.hours is None and self.holidays:
            raise Rejected(
                f"Calendar {self.name!r} runs 24x7, so it cannot have holidays; give it hours "
                f"such as 'Mon-Sun 00:00-24:00' to take days off."
            )

    @property
    def is_24x7(self) -> bool:
        """True when every instant is working time."""
        return self.hours is None

    def working_day_seconds(self) -> float:
        """The length of a nominal working day, what "1 business day" means.

        It is the schedule's weekly working time divided by the number of days
        that have any: 28,800 (8 h) for ``Mon-Fri 09:00-17:00``; 26,400 for
        ``Mon-Fri 09:00-17:00; Sat 09:00-13:00`` (44 h over 6 days). A 24x7
        calendar's day is 86,400 seconds.
        """
        if self.hours is None:
            return 86_400.0
        return self.hours.week_seconds() / self.hours.working_days

    def working_week_seconds(self) -> float:
        """The nominal working time of a week, by the wall clock: what "1 business week" means.

        40 h (144,000 s) for ``Mon-Fri 09:00-17:00``; 604,800 s on a 24x7 calendar.
        Holidays and clock changes are not subtracted; :meth:`working_seconds`
        counts those for a real week.
        """
        if self.hours is None:
            return 7 * 86_400.0
        return self.hours.week_seconds()

    def working_intervals(self, start: datetime, end: datetime) -> Iterator[Interval]:
        """The working intervals that meet ``[start, end)``, clipped to it, in order, in UTC.

        Intervals from consecutive ranges that touch (``24:00`` then ``00:00``)
        are yielded separately. Nothing when ``end <= start``.
        """
        return self._intervals(_utc(start, "start"), _utc(end, "end"))

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working seconds in ``[start, end)``; 0 when ``end <= start``."""
        start, end = _utc(start, "start"), _utc(end, "end")
        if end <= start:
            return 0.0
        if self.hours is None:
            return (end - start).total_seconds()
        total = timedelta()
        # Whole weeks between the two ends count as one cached sum, so a clock that
        # has run for months costs the same as one that has run for a day.
        end_monday = _monday(end.astimezone(self.tz).date())
        monday = _monday(start.astimezone(self.tz).date() - _ONE_DAY)
        while True:
            week = self._checked_week(monday)
            if week.begins >= end:
                break
            if week.begins >= start and monday < end_monday:
                total += self._whole_weeks(monday, end_monday)
                monday = end_monday
                continue
            for range_start, range_end in week.ranges:
                low, high = max(range_start, start), min(range_end, end)
                if high > low:
                    total += high - low
            monday += _ONE_WEEK
        return total.total_seconds()

    def _whole_weeks(self, first: date, stop: date) -> timedelta:
        """The working time of the weeks from Monday ``first`` up to (not including) ``stop``."""
        cached = self._spans.get((first, stop))
        if cached is None:
            cached = sum(
                (self._week(first + k * _ONE_WEEK).total for k in range((stop - first).days // 7)),
                timedelta(),
            )
            if len(self._spans) >= _CACHE_WEEKS:
                self._spans.clear()
            self._spans[(first, stop)] = cached
        return cached

    def add_working(self, start: datetime, seconds: float) -> datetime:
        """The instant (UTC) when ``seconds`` of working time have passed since ``start``.

        Counting begins at ``start``, or at the next working instant when
        ``start`` is outside working time. A positive duration that runs out
        exactly at the end of a range is due at that end, not at the start of
        the next range. Zero seconds gives :meth:`next_working_instant`, which
        is ``start`` itself when ``start`` is working time. Durations are
        counted to the microsecond. Raises ``ValueError`` for a negative or
        non-finite duration and :class:`Rejected` when the calendar has no
        working time for five years.
        """
        start = _utc(start, "start")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"A working duration must be zero or more seconds, got {seconds!r}.")
        remaining = timedelta(seconds=seconds)
        if self.hours is None:
            return start + remaining
        if not remaining:
            return self.next_working_instant(start)
        idle = 0
        for week in self._weeks_from(start):
            if week.ends <= start:
                continue
            if week.begins >= start and remaining > week.total:
                remaining -= week.total
            else:
                for range_start, range_end in week.ranges:
                    if range_end <= start:
                        continue
                    counted_from = max(range_start, start)
                    if remaining <= range_end - counted_from:
                        return counted_from + remaining
                    remaining -= range_end - counted_from
            idle = 0 if week.total else idle + 1
            if idle > _IDLE_WEEKS:
                raise self._no_working_time(start)
        raise AssertionError("unreachable: the week iterator ends by raising")  # pragma: no cover

    def next_working_instant(self, moment: datetime) -> datetime:
        """``moment`` (in UTC) if it is working time, else the start of the next range."""
        moment = _utc(moment, "moment")
        if self.hours is None:
            return moment
        for idle, week in enumerate(self._weeks_from(moment)):
            for range_start, range_end in week.ranges:
                if range_end > moment:
                    return max(range_start, moment)
            if idle > _IDLE_WEEKS:
                raise self._no_working_time(moment)
        raise AssertionError("unreachable: the week iterator ends by raising")  # pragma: no cover

    def is_working_time(self, moment: datetime) -> bool:
        """True when ``moment`` lies in a working range (its end excluded)."""
        moment = _utc(moment, "moment")
        return next(self._intervals(moment, moment + _TICK), None) is not None

    def _intervals(self, start: datetime, end: datetime) -> Iterator[Interval]:
        if end <= start:
            return
        if self.hours is None:
            yield start, end
            return
        for week in self._weeks_from(start):
            if week.begins >= end:
                return
            for range_start, range_end in week.ranges:
                if range_end <= start:
                    continue
                if range_start >= end:
                    return
                yield max(range_start, start), min(range_end, end)

    def _weeks_from(self, moment: datetime) -> Iterator[_Week]:
        """Every week from the one before ``moment``'s local date, forever (or year 9999)."""
        monday = _monday(moment.astimezone(self.tz).date() - _ONE_DAY)
        while True:
            yield self._checked_week(monday)
            monday += _ONE_WEEK

    def _checked_week(self, monday: date) -> _Week:
        if monday > _LAST_MONDAY:
            raise Rejected(f"Calendar {self.name!r} cannot count working time past the year 9999.")
        return self._week(monday)

    def _week(self, monday: date) -> _Week:
        cached = self._weeks.get(monday)
        if cached is not None:
            return cached
        assert self.hours is not None
        ranges: list[Interval] = []
        for weekday, day_ranges in enumerate(self.hours.days):
            day = monday + timedelta(days=weekday)
            if day in self.holidays:
                continue
            for local_start, local_end in day_ranges:
                range_start = self._instant(day, local_start)
                range_end = self._instant(day, local_end)
                if range_end > range_start:
                    ranges.append((range_start, range_end))
        week = _Week(
            begins=self._instant(monday, time(0)),
            ends=self._instant(monday + _ONE_WEEK, time(0)),
            ranges=tuple(ranges),
            total=sum((range_end - range_start for range_start, range_end in ranges), timedelta()),
        )
        if len(self._weeks) >= _CACHE_WEEKS:
            self._weeks.clear()
        self._weeks[monday] = week
        return week

    def _instant(self, day: date, clock: time) -> datetime:
        """Local ``day`` at ``clock`` as a UTC instant, by the fold and gap rules."""
        if clock == END_OF_DAY:
            day, clock = day + _ONE_DAY, time(0)
        local = datetime.combine(day, clock, tzinfo=self.tz)
        instant = local.astimezone(UTC)
        if instant.astimezone(self.tz).replace(tzinfo=None) == local.replace(tzinfo=None):
            return instant
        return _end_of_gap(local)

    def _no_working_time(self, moment: datetime) -> Rejected:
        return Rejected(
            f"Calendar {self.name!r} has no working time in the five years after "
            f"{moment:%Y-%m-%d}; give it working hours or remove some of its holidays."
        )


def _end_of_gap(local: datetime) -> datetime:
    """The instant the clocks jump over ``local``, a wall time in a spring-forward gap.

    ``fold=1`` reads it with the offset after the change (an instant before
    the jump), ``fold=0`` with the offset before (an instant after the jump);
    the jump lies between, and bisection finds it to the microsecond.
    """
    zone = local.tzinfo
    before = local.replace(fold=1).astimezone(UTC)
    after = local.replace(fold=0).astimezone(UTC)
    offset_after = after.astimezone(zone).utcoffset()
    while after - before > _TICK:
        middle = before + (after - before) // 2
        if middle.astimezone(zone).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return after


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {moment!r}; attach a tzinfo.")
    return moment.astimezone(UTC)


TWENTY_FOUR_SEVEN = Calendar(name="24x7", tz=ZoneInfo("UTC"), hours=None, holidays=frozenset())
"""Every instant is working time: P1 and P2 clocks run on it."""

BUSINESS_HOURS = "Mon-Fri 09:00-17:00"
"""The working hours of :func:`default_business`."""


def default_business(tz_name: str = "UTC", *, holidays: Iterable[date] = ()) -> Calendar:
    """The seeded ``business`` calendar: Mon-Fri 09:00-17:00 in ``tz_name``.

    Raises :class:`Rejected` for an unknown time zone.
    """
    return Calendar(
        name="business",
        tz=load_zone(tz_name),
        hours=parse_hours(BUSINESS_HOURS),
        holidays=frozenset(holidays),
    )
