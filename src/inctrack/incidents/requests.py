"""What ``log`` is asked to record: one request, or a batch of JSON lines.

A :class:`LogRequest` holds ``log``'s options (``None`` means "not given");
:func:`parse_batch` turns the bytes of a JSON Lines file into requests and
needs no database. The first bad line raises :class:`Rejected` naming it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from inctrack.domain import format_incident_id
from inctrack.errors import NotFound, Rejected

MAX_KEY = 200
"""The longest dedup key, in characters."""


@dataclass(frozen=True)
class LogRequest:
    """What ``log`` is asked to record; ``None`` means "not given"."""

    title: str | None = None
    reporter: str | None = None
    contact: str | None = None
    description: str | None = None
    reported_at: datetime | None = None
    channel: str | None = None
    service: str | None = None
    category: str | None = None
    """``cat`` or ``cat/sub``."""
    impact: str | None = None
    urgency: str | None = None
    dedup_key: str | None = None
    template: str | None = None

    def over(self, defaults: LogRequest) -> LogRequest:
        """These values, with ``defaults`` filling in the ones not given."""
        return LogRequest(
            **{
                name: mine if (mine := getattr(self, name)) is not None else getattr(defaults, name)
                for name in _REQUEST_FIELDS
            }
        )


_REQUEST_FIELDS = tuple(f.name for f in fields(LogRequest))
BATCH_KEYS = _REQUEST_FIELDS
"""The keys a batch line may have: ``log``'s options, ``reported_at`` for ``--at``."""
_LEVEL_KEYS = frozenset({"impact", "urgency"})


@dataclass(frozen=True)
class Logged:
    """What became of one request: a new incident, or a repeat on an open one."""

    number: int
    """The incident's number: the new one, or the open one that counted the repeat."""
    created: bool

    @property
    def id(self) -> str:
        return format_incident_id(self.number)


# -- parsing a batch ------------------------------------------------------------


def parse_batch(
    data: bytes, *, when: Callable[[str], datetime | None]
) -> list[tuple[int, LogRequest]]:
    """Requests from JSON Lines bytes, each with its line number (from 1).

    One JSON object per line, UTF-8 (a byte-order mark is allowed), keys from
    :data:`BATCH_KEYS`; blank lines are skipped. ``when`` reads ``reported_at``
    (the CLI passes the reader of ``--at``). The first bad line raises
    :class:`Rejected` naming it.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    requests = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _line_error(
                number,
                f"is not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
                hint="save the file as UTF-8 and run it again",
            ) from None
        if not text.strip():
            continue
        requests.append((number, _request_from_line(number, text, when)))
    return requests


def _request_from_line(
    number: int, text: str, when: Callable[[str], datetime | None]
) -> LogRequest:
    try:
        value = json.loads(text, object_pairs_hook=_no_twice)
    except _TwiceError as twice:
        raise _line_error(number, f"has the key {twice.key!r} twice") from None
    except json.JSONDecodeError as exc:
        raise _line_error(number, f"is not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, dict):
        raise _line_error(number, 'is not a JSON object; write one per line: {"title": "..."}')
    values: dict[str, Any] = {}
    for key, item in value.items():
        if key not in BATCH_KEYS:
            close = difflib.get_close_matches(key, BATCH_KEYS, n=1)
            hint = f"did you mean {close[0]}?" if close else "use " + ", ".join(BATCH_KEYS)
            raise _line_error(number, f"has an unknown key {key!r}", hint=hint)
        if item is None:
            continue
        if key in _LEVEL_KEYS and isinstance(item, int) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str):
            wanted = 'a string like "high" or a number 1-3' if key in _LEVEL_KEYS else "a string"
            raise _line_error(number, f"has {key!r} as {_json_type(item)}, not {wanted}")
        values[key] = item
    if "reported_at" in values:
        try:
            values["reported_at"] = when(values["reported_at"])
        except Rejected as exc:
            raise line_refused(number, exc) from None
    return LogRequest(**values)


class _TwiceError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_twice(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _TwiceError(key)
        found[key] = value
    return found


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _line_error(number: int, problem: str, *, hint: str | None = None) -> Rejected:
    tail = f"; {hint}" if hint else ""
    end = "" if tail.endswith("?") else "."
    return Rejected(f"Line {number} of the batch {problem}, so nothing was logged{tail}{end}")


def line_refused(number: int, exc: NotFound | Rejected) -> Rejected:
    message = exc.message
    if message[:1].isupper() and message[1:2].islower():
        message = message[0].lower() + message[1:]
    return Rejected(f"Line {number} of the batch was refused, so nothing was logged: {message}")
