"""Report periods: days, weeks (Monday to Sunday) and months, as UTC instants.

They are periods of the *business calendar's* time zone (``calendar set
--timezone``; UTC until set), so that everyone who shares a database sees the
same periods. Their boundaries are worked out here with :mod:`zoneinfo`
(daylight saving included) and sent to the database as UTC instants; each
count is one index range on ``(key, reported_at)``, so the database never
converts a time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from inctrack.errors import Rejected

Every = Literal["day", "week", "month"]

EVERY: tuple[Every, ...] = ("day", "week", "month")

DEFAULT_PERIODS = 12
"""Without ``--since``: the last twelve periods (weeks for ``mttr``), the current one included."""
MAX_PERIODS = 900
"""At most this many periods in one trend report (each is one bound parameter)."""


@dataclass(frozen=True)
class Period:
    """One period of a trend report, bounded by local midnights."""

    label: str
    """``2026-11-16`` (the first day of a day or week) or ``2026-11`` (a month)."""
    start: datetime
    end: datetime
    """UTC instants; the period is ``[start, end)``."""


def period_start(moment: datetime, every: Every, tz: tzinfo) -> date:
    """The first local day of the period that contains ``moment``."""
    day = moment.astimezone(tz).date()
    if every == "week":
        return day - timedelta(days=day.weekday())
    if every == "month":
        return day.replace(day=1)
    return day


def _next(day: date, every: Every) -> date:
    if every == "week":
        return day + timedelta(days=7)
    if every == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def _back(day: date, every: Every, count: int) -> date:
    if every == "month":
        months = day.year * 12 + day.month - 1 - count
        return date(months // 12, months % 12 + 1, 1)
    return day - timedelta(days=count * (7 if every == "week" else 1))


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The first instant of local ``day``, in UTC (after the gap, if midnight is skipped)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _label(day: date, every: Every) -> str:
    return f"{day:%Y-%m}" if every == "month" else day.isoformat()


def whole_periods(since: datetime, until: datetime, every: Every, tz: tzinfo) -> list[Period]:
    """Whole periods: from the one that contains ``since`` to the one that contains
    the moment just before ``until``."""
    if until <= since:
        raise Rejected(
            f"--until ({until.isoformat()}) is not after --since ({since.isoformat()}); "
            "give a --since before --until."
        )
    first = period_start(since, every, tz)
    last = period_start(until - timedelta(microseconds=1), every, tz)
    found: list[Period] = []
    day = first
    while day <= last:
        if len(found) == MAX_PERIODS:
            raise Rejected(
                f"That is more than {MAX_PERIODS} {every}s; choose a later --since or "
                "a longer --every (week or month)."
            )
        following = _next(day, every)
        found.append(
            Period(_label(day, every), local_midnight(day, tz), local_midnight(following, tz))
        )
        day = following
    return found


def default_since(now: datetime, every: Every, tz: tzinfo) -> datetime:
    """The start of the period :data:`DEFAULT_PERIODS` - 1 periods before the current one."""
    current = period_start(now, every, tz)
    return local_midnight(_back(current, every, DEFAULT_PERIODS - 1), tz)
