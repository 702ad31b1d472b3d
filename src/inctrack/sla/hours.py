"""The weekly working-hours model of a business calendar, and its parser.

Apart from :mod:`inctrack.sla.calendar` because it is wall-clock arithmetic
only: no time zone, no holidays, no time line. Its rules:

- **Hours** are a weekly schedule of local wall-clock ranges, written like
  ``Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-13:00`` (:func:`parse_hours`).
- A range never crosses midnight; ``24:00`` ends a range at the midnight that
  closes its day (stored as :data:`END_OF_DAY`). A night shift is two ranges:
  ``Mon-Fri 22:00-24:00; Tue-Sat 00:00-06:00``.
- Ranges are on whole minutes, start before they end and do not overlap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from itertools import pairwise
from typing import TypeAlias

from inctrack.errors import Rejected

END_OF_DAY = time.max
"""The end of a range written ``24:00``: the midnight that closes its day."""

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Weekday names as schedules spell them, Monday (0) to Sunday (6)."""

TimeRange: TypeAlias = tuple[time, time]
"""A local ``(start, end)`` on one day; ``end`` may be :data:`END_OF_DAY`."""

_DAY_INDEX = {name.lower(): index for index, name in enumerate(DAY_NAMES)}
_EXAMPLE = "'Mon-Fri 09:00-17:00'"
_LUNCH_EXAMPLE = "'Mon-Fri 08:00-12:00,13:00-17:00'"
_NIGHT_EXAMPLE = "'Mon-Fri 22:00-24:00; Tue-Sat 00:00-06:00'"
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_AROUND_SEPARATORS = re.compile(r"\s*([,-])\s*")


def _minutes(clock: time) -> int:
    """Minutes since midnight; :data:`END_OF_DAY` counts as 24:00."""
    return 24 * 60 if clock == END_OF_DAY else clock.hour * 60 + clock.minute


def _format_clock(clock: time) -> str:
    return "24:00" if clock == END_OF_DAY else f"{clock.hour:02d}:{clock.minute:02d}"


def _format_range(span: TimeRange) -> str:
    return f"{_format_clock(span[0])}-{_format_clock(span[1])}"


@dataclass(frozen=True)
class WorkingHours:
    """A weekly schedule: for each weekday (0 = Monday … 6 = Sunday) its local ranges.

    Ranges are on whole minutes, start before they end, and do not overlap
    (touching, as in ``09:00-12:00,12:00-17:00``, is allowed). They are kept
    sorted. At least one day must have a range. Build one with
    :func:`parse_hours`; :meth:`describe` writes it back in the same form.
    """

    days: tuple[tuple[TimeRange, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError(f"WorkingHours needs 7 days (Monday to Sunday), got {len(self.days)}.")
        normalized = tuple(tuple(sorted(ranges)) for ranges in self.days)
        object.__setattr__(self, "days", normalized)
        for weekday, ranges in enumerate(normalized):
            _check_day(DAY_NAMES[weekday], ranges)
        if not any(normalized):
            raise Rejected(
                f"A working-hours schedule needs at least one range of hours, as in {_EXAMPLE}."
            )

    @property
    def working_days(self) -> int:
        """How many weekdays have any working time."""
        return sum(1 for ranges in self.days if ranges)

    def week_seconds(self) -> float:
        """Nominal working seconds in a week, by the wall clock (no holidays, no DST)."""
        return 60.0 * sum(
            _minutes(end) - _minutes(start) for ranges in self.days for start, end in ranges
        )

    def describe(self) -> str:
        """The canonical spec, e.g. ``Mon-Fri 09:00-17:00; Sat 09:00-13:00``.

        Days with the same ranges are grouped, in week order of their first
        day; runs of consecutive days are written ``Mon-Fri``, others
        ``Mon,Wed``. ``parse_hours(hours.describe()) == hours`` always holds.
        """
        groups: dict[tuple[TimeRange, ...], list[int]] = {}
        for weekday, ranges in enumerate(self.days):
            if ranges:
                groups.setdefault(ranges, []).append(weekday)
        return "; ".join(
            f"{_describe_days(weekdays)} {','.join(_format_range(span) for span in ranges)}"
            for ranges, weekdays in groups.items()
        )


def _check_day(day_name: str, ranges: tuple[TimeRange, ...]) -> None:
    for start, end in ranges:
        for clock in (start, end):
            if clock.tzinfo is not None:
                raise ValueError(f"Working hours are local wall-clock times, got {clock!r}.")
            if clock != END_OF_DAY and (clock.second or clock.microsecond):
                raise Rejected(
                    f"On {day_name}, {clock.isoformat()} is not a whole minute; "
                    f"working hours are set in minutes, as in {_EXAMPLE}."
                )
        if _minutes(end) <= _minutes(start):
            problem = "is empty" if _minutes(end) == _minutes(start) else "ends before it starts"
            raise Rejected(
                f"On {day_name}, {_format_range((start, end))} {problem}; a range runs forward "
                f"within one day, so split a night shift, as in {_NIGHT_EXAMPLE}."
            )
    for earlier, later in pairwise(ranges):
        if _minutes(later[0]) < _minutes(earlier[1]):
            raise Rejected(
                f"On {day_name}, {_format_range(earlier)} overlaps {_format_range(later)}; "
                f"ranges on one day must not overlap, as in {_LUNCH_EXAMPLE}."
            )


def _describe_days(weekdays: list[int]) -> str:
    runs: list[list[int]] = []
    for weekday in weekdays:
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    return ",".join(
        DAY_NAMES[run[0]] if len(run) == 1 else f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}"
        for run in runs
    )


def parse_hours(text: str) -> WorkingHours:
    """Read a working-hours spec such as ``Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-13:00``.

    The spec is clauses separated by ``;``. Each clause is days, then ranges:
    days are three-letter names (any case) or ``Mon-Fri`` runs, joined by
    commas; ranges are ``HH:MM-HH:MM`` joined by commas, ``24:00`` allowed as
    an end. A day named in several clauses gets all their ranges. Raises
    :class:`~inctrack.errors.Rejected` with one sentence naming the problem.
    """
    days: list[list[TimeRange]] = [[] for _ in DAY_NAMES]
    clauses = [clause.strip() for clause in text.split(";")]
    if not any(clauses):
        raise Rejected(
            f"An empty working-hours spec has no working time; write days and hours, "
            f"as in {_EXAMPLE}."
        )
    for clause in filter(None, clauses):
        digit = re.search(r"\d", clause)
        day_part = clause[: digit.start()] if digit else clause
        range_part = clause[digit.start() :] if digit else ""
        if not day_part.strip():
            raise Rejected(f"{clause!r} names no days; start it with them, as in {_EXAMPLE}.")
        if not range_part:
            raise Rejected(
                f"{clause!r} names days but no hours; add them, as in '{clause} 09:00-17:00'."
            )
        ranges = [_parse_range(item) for item in _items(range_part)]
        for weekday in sorted(set(_parse_days(day_part))):
            days[weekday].extend(ranges)
    return WorkingHours(tuple(tuple(ranges) for ranges in days))


def _items(part: str) -> list[str]:
    return _AROUND_SEPARATORS.sub(r"\1", part.strip()).split(",")


def _parse_days(part: str) -> list[int]:
    weekdays: list[int] = []
    for item in _items(part):
        ends = item.split("-")
        if len(ends) > 2:
            raise Rejected(f"{item!r} is not a run of days; write first and last, like 'Mon-Fri'.")
        first, last = _parse_day(ends[0]), _parse_day(ends[-1])
        if last < first:
            raise Rejected(
                f"{item!r} runs backwards; list days in week order, "
                f"as in 'Mon,Fri-Sun 09:00-17:00'."
            )
        weekdays.extend(range(first, last + 1))
    return weekdays


def _parse_day(word: str) -> int:
    index = _DAY_INDEX.get(word.lower())
    if index is None:
        raise Rejected(
            f"{word!r} is not a day; use three-letter names ({', '.join(DAY_NAMES)}), "
            f"as in {_EXAMPLE}."
        )
    return index


def _parse_range(item: str) -> TimeRange:
    ends = item.split("-")
    if len(ends) != 2:
        raise Rejected(f"{item!r} is not a range of hours; write start-end, as in {_EXAMPLE}.")
    start, end = _parse_clock(ends[0]), _parse_clock(ends[1])
    if start == END_OF_DAY:
        raise Rejected(f"24:00 can only end a range, as in 'Mon-Sun 00:00-24:00', not {item!r}.")
    return start, end


def _parse_clock(word: str) -> time:
    match = _CLOCK.match(word)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour == 24 and minute == 0:
            return END_OF_DAY
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise Rejected(
        f"{word!r} is not a time of day; write HH:MM from 00:00 to 24:00, as in {_EXAMPLE}."
    )
