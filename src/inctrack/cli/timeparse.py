"""Reading the times and durations people type: ``--at``, ``--since``, ``--as-of``.

Accepted: ISO 8601 (``2026-11-20T09:30+01:00``, ``2026-11-20 09:30``), ``now``,
relative forms (``15m ago``, ``2h ago``, ``3 days ago``), ``today 14:00``,
``yesterday 09:00``, and any other text python-dateutil understands. A time
without an offset is read in the given time zone; the result is always UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, tzinfo

from inctrack.errors import Rejected

_UNITS = {
    "s": "seconds", "sec": "seconds", "secs": "seconds", "second": "seconds",
    "seconds": "seconds",
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes",
    "minutes": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "week": "weeks", "weeks": "weeks",
}  # fmt: skip

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$", re.IGNORECASE)
_AGO = re.compile(r"^\s*(.+?)\s+ago\s*$", re.IGNORECASE)
_DAYWORD = re.compile(r"^\s*(today|yesterday)(?:\s+(.*))?$", re.IGNORECASE)

_HINT = (
    "use ISO 8601 (2026-11-20 09:30), a relative time (15m ago, 2h ago, yesterday 09:00) or 'now'."
)


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``7d``, ``1w``, ``1.5h`` (also ``2 hours``)."""
    match = _DURATION.match(text)
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        raise Rejected(f"{text!r} is not a duration; use a number and a unit, like 15m, 2h or 7d.")
    return timedelta(**{unit: float(match.group(1))})


def parse_when(text: str, *, now: datetime, tz: tzinfo) -> datetime:
    """Read a moment typed by a person; return it timezone-aware in UTC."""
    raw = text.strip()
    if not raw:
        raise Rejected(f"An empty time is not a time; {_HINT}")
    lowered = raw.lower()
    if lowered == "now":
        return now.astimezone(UTC)

    ago = _AGO.match(raw)
    if ago:
        try:
            return (now - parse_duration(ago.group(1))).astimezone(UTC)
        except Rejected:
            raise Rejected(f"{text!r} is not a time; {_HINT}") from None

    local_now = now.astimezone(tz)
    dayword = _DAYWORD.match(raw)
    if dayword:
        day = local_now.date() - timedelta(days=1 if dayword.group(1).lower() == "yesterday" else 0)
        clock = _parse_time_of_day(dayword.group(2), text) if dayword.group(2) else time(0, 0)
        return _localize(datetime.combine(day, clock), tz)

    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        parsed = _parse_free_text(raw, text, local_now)
    if parsed.tzinfo is None:
        return _localize(parsed, tz)
    return parsed.astimezone(UTC)


def _parse_time_of_day(part: str, original: str) -> time:
    """``09:00``, ``9am``, ``4:30 pm``: a clock time with no date in it."""
    from dateutil import parser as dateutil_parser

    try:
        return time.fromisoformat(part.strip())
    except ValueError:
        pass
    anchor = datetime(2000, 1, 1)
    try:
        parsed = dateutil_parser.parse(part, default=anchor)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None or parsed.date() != anchor.date():
        raise Rejected(f"{original!r} is not a time; {_HINT}")
    time_of_day: time = parsed.time()
    return time_of_day


def _parse_free_text(raw: str, original: str, local_now: datetime) -> datetime:
    from dateutil import parser as dateutil_parser

    default = local_now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    try:
        parsed: datetime = dateutil_parser.parse(raw, default=default)
        return parsed
    except (ValueError, OverflowError):
        raise Rejected(f"{original!r} is not a time; {_HINT}") from None


def _localize(naive: datetime, tz: tzinfo) -> datetime:
    return naive.replace(tzinfo=tz).astimezone(UTC)
