"""Reading the times and durations people type: ``--at``, ``--since``, ``--as-of``.

Accepted: ISO 8601 (``2026-11-20T09:30+01:00``, ``2026-11-20 09:30``), ``now``,
relative forms (``15m ago``, ``2h ago``, ``3 days ago``, ``12 months ago``,
``1 year ago``, ``last week``), ``today 14:00``, ``yesterday 09:00``, and times to
come (``tomorrow 22:00``, ``in 2h``, ``in 3 days``: for scheduling), a weekday
(``friday``, ``monday 09:00``, ``last friday``: always the last one, never one to
come), and any other text python-dateutil understands. ``5/12/2026`` could be
either of two days, so it is refused unless ``dayfirst`` says which. A time
without an offset is read in the given time zone; the result is always UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

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

_CALENDAR_UNITS = {
    "mo": "months", "month": "months", "months": "months",
    "y": "years", "yr": "years", "yrs": "years", "year": "years", "years": "years",
}  # fmt: skip
"""Units of different lengths: counted back on the calendar, not as a duration."""

_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$", re.IGNORECASE)
_AGO = re.compile(r"^\s*(.+?)\s+ago\s*$", re.IGNORECASE)
_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?|an?)\s*([a-z]+)\s*$", re.IGNORECASE)
_DAYWORD = re.compile(r"^\s*(today|yesterday|tomorrow)(?:\s+(.*))?$", re.IGNORECASE)
_IN = re.compile(r"^\s*in\s+(.+?)\s*$", re.IGNORECASE)
_DAY_OFFSET = {"yesterday": -1, "today": 0, "tomorrow": 1}
_WORD = re.compile(r"^\s*(last\s+)?(?:(\d+)\s+)?([a-z]+)(?:\s+(.*))?$", re.IGNORECASE)
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?=$|[\sT])")

_HINT = (
    "use ISO 8601 (2026-11-20 09:30), a relative time (15m ago, 2h ago, yesterday 09:00, "
    "friday 14:00, tomorrow 22:00, in 2h) or 'now'."
)


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""The earliest moment a WHEN may name: nothing an incident tracker holds is older."""
YEARS_AHEAD = 100
"""How far past now a WHEN may reach (``--as-of`` may look ahead; ``--at`` may not)."""
_LONGEST = timedelta(days=366 * YEARS_AHEAD)


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``7d``, ``1w``, ``1.5h`` (also ``2 hours``), up to 100 years."""
    match = _DURATION.match(text)
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        raise Rejected(f"{text!r} is not a duration; use a number and a unit, like 15m, 2h or 7d.")
    try:
        duration = timedelta(**{unit: float(match.group(1))})
    except OverflowError:
        duration = timedelta.max
    if duration > _LONGEST:
        raise Rejected(f"{text!r} is longer than {YEARS_AHEAD} years; use a shorter duration.")
    return duration


def parse_when(text: str, *, now: datetime, tz: tzinfo, dayfirst: bool | None = None) -> datetime:
    """Read a moment typed by a person; return it timezone-aware in UTC.

    ``dayfirst`` says how to read ``5/12/2026`` (True: 5 December, False: 12 May);
    None refuses such a date when both readings are possible. A moment before 1970 or
    more than 100 years after ``now`` is refused: no incident is there, and the SLA
    clocks would count working time for minutes to get there.
    """
    try:
        moment: datetime | None = _parse_when(text, now=now, tz=tz, dayfirst=dayfirst)
    except OverflowError:  # past year 1 or 9999 on the way
        moment = None
    except ValueError:  # a date that does not exist, found on the way
        raise Rejected(f"{text!r} is not a time; {_HINT}") from None
    latest = now + timedelta(days=365 * YEARS_AHEAD)
    if moment is None or not EARLIEST <= moment <= latest:
        raise Rejected(
            f"{text!r} is not between 1970-01-01 and {latest.date().isoformat()}; "
            "inctrack reads times in that range only."
        )
    return moment


def _parse_when(text: str, *, now: datetime, tz: tzinfo, dayfirst: bool | None) -> datetime:
    raw = text.strip()
    if not raw:
        raise Rejected(f"An empty time is not a time; {_HINT}")
    lowered = raw.lower()
    if lowered == "now":
        return now.astimezone(UTC)

    ago = _AGO.match(raw)
    if ago:
        return _ago(ago.group(1), text, now=now, tz=tz)
    ahead = _IN.match(raw)
    if ahead:  # a time to come: scheduled maintenance, --as-of ahead
        return _ago(ahead.group(1), text, now=now, tz=tz, ahead=True)

    local_now = now.astimezone(tz)
    dayword = _DAYWORD.match(raw)
    if dayword:
        day = local_now.date() + timedelta(days=_DAY_OFFSET[dayword.group(1).lower()])
        clock = _parse_time_of_day(dayword.group(2), text) if dayword.group(2) else time(0, 0)
        return _localize(datetime.combine(day, clock), tz)

    relative = _relative_word(raw, text, now=now, tz=tz)
    if relative is not None:
        return relative

    _refuse_ambiguous_day(raw, text, dayfirst=dayfirst, this_year=local_now.year)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        parsed = _parse_free_text(raw, text, local_now, dayfirst=bool(dayfirst))
    if parsed.tzinfo is None:
        return _localize(parsed, tz)
    return parsed.astimezone(UTC)


def _ago(amount: str, original: str, *, now: datetime, tz: tzinfo, ahead: bool = False) -> datetime:
    """``15m``, ``an hour``, ``3 days``, ``12 months``, ``1 year`` before ``now`` (after
    it, ``ahead``)."""
    sign = 1 if ahead else -1
    match = _AMOUNT.match(amount)
    unit = match.group(2).lower() if match else ""
    if match is None or (unit not in _UNITS and unit not in _CALENDAR_UNITS):
        raise Rejected(f"{original!r} is not a time; {_HINT}")
    count = match.group(1).lower()
    number = 1.0 if count in ("a", "an") else float(count)
    if unit in _UNITS:
        return (now + sign * timedelta(**{_UNITS[unit]: number})).astimezone(UTC)
    if not number.is_integer():
        raise Rejected(f"{original!r} is not a time; count months and years in whole numbers.")
    from dateutil.relativedelta import relativedelta

    local = now.astimezone(tz).replace(tzinfo=None)  # the same wall-clock time, months back
    return _localize(local + sign * relativedelta(**{_CALENDAR_UNITS[unit]: int(number)}), tz)


def _relative_word(raw: str, original: str, *, now: datetime, tz: tzinfo) -> datetime | None:
    """``friday``, ``monday 09:00``, ``last friday``, ``last week``, ``last 2 months``;
    None when ``raw`` is none of these."""
    match = _WORD.match(raw)
    if match is None:
        return None
    last, count, word, rest = match.groups()
    word = word.lower()
    if last and rest is None and (word in _UNITS or word in _CALENDAR_UNITS):
        return _ago(f"{count or 1} {word}", original, now=now, tz=tz)
    if word not in _WEEKDAYS or count is not None:
        return None
    try:
        clock = _parse_time_of_day(rest, original) if rest else time(0, 0)
    except Rejected:
        return None  # "friday 20 nov 2026" is a date: dateutil's to read
    return _last_weekday(_WEEKDAYS[word], clock, now=now, tz=tz, before_today=bool(last))


def _last_weekday(
    weekday: int, clock: time, *, now: datetime, tz: tzinfo, before_today: bool
) -> datetime:
    """The latest such weekday at ``clock`` that is not after ``now`` (today counts,
    unless ``before_today``: "last friday" said on a Friday is a week ago)."""
    local_now = now.astimezone(tz)
    back = (local_now.weekday() - weekday) % 7 or (7 if before_today else 0)
    day = local_now.date() - timedelta(days=back)
    moment = _localize(datetime.combine(day, clock), tz)
    if moment > now:
        moment = _localize(datetime.combine(day - timedelta(days=7), clock), tz)
    return moment


def _refuse_ambiguous_day(
    raw: str, original: str, *, dayfirst: bool | None, this_year: int
) -> None:
    """Rejected for ``5/12/2026`` when nothing says which number is the day."""
    match = _DAY_MONTH.match(raw)
    if match is None or dayfirst is not None:
        return
    first, second = int(match.group(1)), int(match.group(3))
    if first == second or not (1 <= first <= 12 and 1 <= second <= 12):
        return  # one reading only (or none: dateutil says so)
    year = match.group(4) or str(this_year)
    year = f"20{year}" if len(year) == 2 else year
    day_first, month_first = date(int(year), second, first), date(int(year), first, second)
    raise Rejected(
        f"{original!r} could be {first} {_MONTHS[second - 1]} or {second} "
        f"{_MONTHS[first - 1]}; write {day_first.isoformat()} or {month_first.isoformat()}, "
        "or set dayfirst = true (day first) or false (month first) in your config file or "
        "INCTRACK_DAYFIRST."
    )


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


def _parse_free_text(raw: str, original: str, local_now: datetime, *, dayfirst: bool) -> datetime:
    from dateutil import parser as dateutil_parser

    default = local_now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    try:
        parsed: datetime = dateutil_parser.parse(raw, default=default, dayfirst=dayfirst)
        return parsed
    except (ValueError, OverflowError):
        raise Rejected(f"{original!r} is not a time; {_HINT}") from None


def _localize(naive: datetime, tz: tzinfo) -> datetime:
    return naive.replace(tzinfo=tz).astimezone(UTC)
