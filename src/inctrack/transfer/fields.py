"""Reading the values of imported files: dates, levels, priorities, statuses, IDs.

Each reader takes the text (or JSON value) of one field and returns the value
inctrack stores, or raises :class:`Bad` with the end of a sentence that names
the problem (``"is not a level: use high, medium or low (or 1, 2, 3)"``); the
caller puts the field, the value and the line in front of it. Canonical values
(what ``export`` writes) are recognized first, since imports read millions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from functools import lru_cache, partial

from inctrack.domain import (
    MAX_ID,
    MAX_TIER,
    PRIORITY_LABELS,
    Channel,
    HoldReason,
    ResolutionCode,
    Status,
    id_number,
)


class Bad(ValueError):
    """One value that cannot be imported; the message says why, after the value."""


_NUMERIC_DATE = re.compile(
    r"^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


fromisoformat = datetime.fromisoformat


class DateReader:
    """Reads the dates of a file: ISO 8601 always; when ``lenient`` (CSV) also numeric
    dates, month first or (``dayfirst``) day first, and whatever python-dateutil reads;
    or only exactly ``date_format``. A time without an offset is in ``tz``.

    Numeric dates are strict: with month first, ``29/2/2016`` is refused (and the
    hint says ``--dayfirst``) instead of being swapped silently the way dateutil
    would, so a file cannot be half read one way and half the other.
    """

    def __init__(
        self,
        tz: tzinfo,
        *,
        dayfirst: bool = False,
        date_format: str | None = None,
        lenient: bool = True,
    ) -> None:
        self.tz = tz
        self.dayfirst = dayfirst
        self.date_format = date_format
        self.lenient = lenient
        self.parse: Callable[[str], datetime] = lru_cache(maxsize=1 << 16)(self._parse)
        """The moment, timezone-aware in UTC; :class:`Bad` when it is not a date (cached:
        files repeat their dates)."""

    def __call__(self, text: str) -> datetime:
        return self.parse(text)

    def hint(self) -> str:
        if self.date_format:
            return f"dates must match --date-format {self.date_format}"
        if not self.lenient:
            return "write ISO 8601, like 2026-11-20T09:30:00+00:00"
        other = "without --dayfirst" if self.dayfirst else "with --dayfirst"
        return f"try {other} or --date-format FMT, or --null TEXT if it stands for no value"

    def _parse(self, text: str) -> datetime:
        if text.__class__ is not str:
            raise Bad("is not a date")
        if self.date_format:
            value = self._read(text.strip())
        else:
            try:  # what an export writes, at once
                value = fromisoformat(text)
            except ValueError:
                value = self._read(text.strip())
        zone = value.tzinfo
        if zone is UTC:
            return value
        if zone is None:
            value = value.replace(tzinfo=self.tz)
        return value.astimezone(UTC)

    def _read(self, text: str) -> datetime:
        if self.date_format:
            try:
                return datetime.strptime(text, self.date_format)
            except ValueError:
                raise Bad("is not a date") from None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            if not self.lenient:
                raise Bad("is not an ISO 8601 date") from None
        numeric = _NUMERIC_DATE.match(text)
        if numeric:
            return self._numeric(numeric)
        from dateutil import parser as dateutil_parser

        try:
            parsed: datetime = dateutil_parser.parse(text, dayfirst=self.dayfirst)
        except (ValueError, OverflowError):
            raise Bad("is not a date") from None
        return parsed

    def _numeric(self, match: re.Match[str]) -> datetime:
        first, second, third, hour, minute, seconds = match.groups()
        if len(first) == 4:  # 2016/02/29
            year, month, day = first, second, third
        elif self.dayfirst:
            day, month, year = first, second, third
        else:
            month, day, year = first, second, third
        if len(year) == 2:
            year = "20" + year
        try:
            return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                            int(seconds or 0))  # fmt: skip
        except ValueError:
            raise Bad("is not a date") from None


_LEVELS = ("high", "medium", "low")
_LEVEL_NUMBER = re.compile(r"^([1-3])(?:\s*-.*)?$")
_PRIORITY_NUMBER = re.compile(r"^P?([1-5])(?:\s*-.*)?$")


def level(text: str) -> str:
    """``high``, ``medium``, ``low``; also ``1``-``3`` and ServiceNow's ``2 - Medium``."""
    if text in _LEVELS:
        return text
    value = text.strip().lower()
    number = _LEVEL_NUMBER.match(value)
    if number:
        return _LEVELS[int(number.group(1)) - 1]
    if value in _LEVELS:
        return value
    raise Bad("is not a level: use high, medium or low (or 1, 2, 3)")


_PRIORITY_WORDS = {label: priority.value for priority, label in PRIORITY_LABELS.items()}


def priority(text: str) -> str:
    """``P1``-``P5``; also ``1``-``5``, ServiceNow's ``1 - Critical``, and the labels
    ``critical``, ``high``, ``moderate``, ``low``, ``planning``."""
    number = _PRIORITY_NUMBER.match(text.strip().upper())
    if number is None:
        word = _PRIORITY_WORDS.get(text.strip().lower())
        if word is None:
            raise Bad("is not a priority: use P1 to P5 (or critical, high, moderate, low)")
        return word
    return f"P{number.group(1)}"


def choice(enum: type[StrEnum], what: str) -> Callable[[str], str]:
    """A reader of one of ``enum``'s values, in any case, with spaces for ``_`` or ``-``."""
    names = frozenset(member.value for member in enum)
    joiner = "_" if enum is Status else "-"

    def read(text: str) -> str:
        if text in names:
            return text
        value = text.strip().lower()
        if value not in names:
            value = re.sub(r"[\s_-]+", joiner, value)
        if value not in names:
            raise Bad(f"is not a {what}: use {', '.join(m.value for m in enum)}")
        return value

    return read


status = choice(Status, "status")
channel = choice(Channel, "channel")
hold_reason = choice(HoldReason, "hold reason")
resolution_code = choice(ResolutionCode, "resolution code")


def textual(parse: Callable[[str], str]) -> Callable[[object], str]:
    """``parse`` for a JSON value: text as it is, a whole number as its digits (``"priority":
    1``), anything else (an object, a list, true) is not a value of this field."""

    def read(value: object) -> str:
        if isinstance(value, str):
            return parse(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return parse(str(value))
        raise Bad("is not text")

    return read


def text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Bad("is not text")
    return str(value)


def integer(value: object, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Bad("is not a whole number")
    try:
        number = int(value)
    except ValueError:
        raise Bad("is not a whole number") from None
    if number < low or (high is not None and number > high):
        raise Bad(f"is out of range ({low} to {high})" if high else f"is less than {low}")
    return number


tier = partial(integer, low=1, high=MAX_TIER)
count = partial(integer, low=0)
occurrences = partial(integer, low=1)


def boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("true", "1", "yes"):
        return True
    if word in ("false", "0", "no"):
        return False
    raise Bad("is not true or false")


def reference(prefix: str) -> Callable[[object], int]:
    """A reader of ``INC-42``, ``inc-42`` or ``42`` (``PRB-7`` for problems)."""
    pattern = re.compile(rf"^(?:{prefix}-?)?(\d+)$", re.IGNORECASE)

    def read(value: object) -> int:
        if value.__class__ is int and 0 < value <= MAX_ID:
            return value
        match = pattern.match(str(value).strip())
        number = None if match is None else id_number(match.group(1))
        if number is None:
            raise Bad(f"is not an ID like {prefix}-42 (numbers go from 1 to {MAX_ID})")
        return number

    return read


incident_ref = reference("INC")
problem_ref = reference("PRB")


def slug(label: str) -> str:
    """A taxonomy name from another tool's label: ``Inquiry / Help`` -> ``inquiry-help``."""
    return re.sub(r"[^a-z0-9]+", "-", label.strip().lower()).strip("-")


def updates(
    value: object, *, parse_date: Callable[[str], datetime]
) -> list[tuple[datetime, str, str, str, bool]]:
    """An export's stakeholder updates: (at, actor, state, message, public) each, to
    tell which of the timeline's ``update`` events were public."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise Bad("is not a JSON array of updates") from None
    if not isinstance(value, list):
        raise Bad("is not an array of updates")
    found: list[tuple[datetime, str, str, str, bool]] = []
    for index, item in enumerate(value, 1):
        if item.__class__ is not dict:
            raise Bad(f"has an update ({index}) that is not an object")
        texts = [item.get(key) for key in ("at", "actor", "state", "message")]
        public = item.get("public", False)
        if not all(isinstance(v, str) for v in texts):
            raise Bad(f"has an update ({index}) without at, actor, state or message")
        at, actor, state, message = (str(v) for v in texts)
        if public.__class__ is not bool:
            raise Bad(f"has an update ({index}) whose public is not true or false")
        try:
            found.append((parse_date(at), actor, state, message, public))
        except Bad:
            raise Bad(f"has an update ({index}) whose time is not a date") from None
    return found
