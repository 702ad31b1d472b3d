"""Getting incidents in: one ``log``, a batch of JSON lines, dedup keys, templates.

:class:`Intake` is the way in that ``inctrack log`` uses, on top of a
:class:`~inctrack.tracker.Tracker`:

- a :class:`LogRequest` is merged with its template (the request's own values
  win), validated like :meth:`Tracker.log`, and written;
- when an *open* incident (new, in progress or on hold) has the request's
  ``dedup_key``, no twin is created: the open incident counts one more
  occurrence, with an ``occurred`` event. Resolved, closed and cancelled
  incidents do not absorb repeats: a fault that comes back after its fix is news
  that belongs in the queue (see docs/how-to/monitoring.md);
- a batch is all or nothing: every line is validated before anything is
  written, and the first bad line rejects the whole batch, named by its line
  number. Numbers come from one counter update, rows from one flush.

:func:`parse_batch` turns the bytes of a JSON Lines file into requests; it
needs no database. :class:`Templates` keeps the named sets of defaults.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlmodel import SQLModel, col

from inctrack.admin.taxonomy import join
from inctrack.domain import OPEN_STATUSES, Level, Status, format_incident_id
from inctrack.errors import NotFound, Rejected, UsageError
from inctrack.incidents.tracker import (
    MAX_TITLE,
    Tracker,
    _Change,
    _channel,
    _optional_text,
    _required_text,
)
from inctrack.records import TEMPLATE_KEYS, Record, timestamp
from inctrack.storage.models import Counter, Event, Incident, Template

MAX_KEY = 200
"""The longest dedup key, in characters."""

MAX_TEMPLATE_NAME = 64
_TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


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
            raise _refused(number, exc) from None
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


def _refused(number: int, exc: NotFound | Rejected) -> Rejected:
    message = exc.message
    if message[:1].isupper() and message[1:2].islower():
        message = message[0].lower() + message[1:]
    return Rejected(f"Line {number} of the batch was refused, so nothing was logged: {message}")


# -- logging ----------------------------------------------------------------------


class Intake:
    """``log`` with templates, batches and dedup keys, inside the tracker's transaction."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.session = tracker.session
        self.templates = Templates(tracker)
        self._categories: dict[str, tuple[str, str | None]] = {}

    def log(self, request: LogRequest) -> Logged:
        """Log one incident, or count a repeat on the open incident with its dedup key."""
        self.tracker.people.authorize(self.tracker.actor, "log")
        now = self.tracker._now()
        return self._write([self._prepare(request, now, batch=False)], now)[0]

    def log_batch(
        self, lines: Sequence[tuple[int, LogRequest]], *, defaults: LogRequest | None = None
    ) -> list[Logged]:
        """Log every line (numbered as in :func:`parse_batch`) or none.

        ``defaults`` fills what a line leaves out, before its template does. The
        result has one entry per line, in order; lines with the same dedup key as
        an open incident, or as an earlier line, are repeats of that incident.
        """
        self.tracker.people.authorize(self.tracker.actor, "log")
        now = self.tracker._now()
        prepared = []
        for number, request in lines:
            try:
                merged = request.over(defaults) if defaults is not None else request
                prepared.append(self._prepare(merged, now, batch=True))
            except (NotFound, Rejected) as exc:
                raise _refused(number, exc) from None
        return self._write(prepared, now)

    def incidents(self, results: Sequence[Logged]) -> list[Incident]:
        """The incidents of ``results``, in the same order (read in one go)."""
        wanted = sorted({r.number for r in results})
        found: dict[int, Incident] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            statement = select(Incident).where(col(Incident.id).in_(chunk))
            found.update((i.id, i) for i in self.session.scalars(statement))
        return [found[r.number] for r in results]

    def records(self, results: Sequence[Logged]) -> list[Record]:
        """The incidents' records, one per result, with clocks evaluated once each."""
        incidents = self.incidents(results)
        unique = list({i.id: i for i in incidents}.values())
        clocks = self.tracker.clocks(unique)
        built = {i.id: self.tracker.record(i, clocks=clocks[i.id]) for i in unique}
        return [built[i.id] for i in incidents]

    def _prepare(self, request: LogRequest, now: datetime, *, batch: bool) -> dict[str, Any]:
        """The new incident's row (without its number), checked as ``log`` checks it."""
        if request.template is not None:
            request = request.over(self.templates.defaults(request.template))
        if request.title is None:
            if batch:
                raise Rejected('The line has no title; give "title", or a "template" with one.')
            raise UsageError("Give the incident a TITLE, or a --template whose preset has one.")
        key = _optional_text(request.dedup_key)
        if key is not None and len(key) > MAX_KEY:
            raise Rejected(f"The dedup key has {len(key)} characters, more than {MAX_KEY}.")
        return self.tracker.incident_values(
            request.title, reporter=request.reporter, reporter_contact=request.contact,
            description=request.description, channel=request.channel, service=request.service,
            category=self._category(request.category) if request.category else None,
            impact=request.impact, urgency=request.urgency, dedup_key=key,
            reported_at=self.tracker._when(request.reported_at, now), now=now,
        )  # fmt: skip

    def _category(self, text: str) -> tuple[str, str | None]:
        found = self._categories.get(text)
        if found is None:
            found = self._categories[text] = self.tracker.taxonomy.validate(text)
        return found

    def _write(self, prepared: Sequence[dict[str, Any]], now: datetime) -> list[Logged]:
        """Create the new incidents and count the repeats, in the order given.

        New incidents and their events go in as plain rows (two multi-row
        INSERTs, not an ORM object each); a repeat of an incident that already
        existed goes through the tracker's usual change and event.
        """
        keys = {row["dedup_key"] for row in prepared if row["dedup_key"]}
        existing = self._open_incidents(keys)
        new_by_key: dict[str, dict[str, Any]] = {}
        created = [row for row in prepared if not _repeat(row, existing, new_by_key)]
        first = self.tracker._next_number("incident", len(created)) if created else 0
        events: list[dict[str, Any]] = []
        for offset, row in enumerate(created):
            row |= {"id": first + offset, "occurrences": 1}
            events.append(_event_row(row, "logged", at=row["reported_at"], actor=self.tracker.actor,
                                     recorded_at=now, message=row["title"]))  # fmt: skip
            self.tracker.written.append((row["id"], "logged"))
        results = []
        for row in prepared:
            if "id" in row:  # created above
                results.append(Logged(row["id"], created=True))
                continue
            key = row["dedup_key"]
            if key in new_by_key:
                original = new_by_key[key]
                events.append(self._repeat_new(original, row, now))
                results.append(Logged(original["id"], created=False))
            else:
                incident = existing[key]
                self._repeat_existing(incident, row, now)
                results.append(Logged(incident.id, created=False))
        if created:  # Core, not the ORM's bulk insert, which groups rows by their NULLs
            self.session.execute(insert(_table(Incident)), created)
            self.session.execute(insert(_table(Event)), events)
        self.session.flush()
        return results

    def _open_incidents(self, keys: set[str]) -> dict[str, Incident]:
        """The oldest open incident of each key, locked against concurrent writers."""
        if not keys:
            return {}
        # Take the incident counter's row lock first, so that two writers with the
        # same key (PostgreSQL) cannot both see "no open incident" and both create
        # one; on SQLite, BEGIN IMMEDIATE has already serialized the writers.
        lock = select(Counter).where(col(Counter.name) == "incident").with_for_update()
        self.session.execute(lock)
        statement = (
            select(Incident)
            .where(col(Incident.dedup_key).in_(sorted(keys)))
            .where(col(Incident.status).in_([s.value for s in OPEN_STATUSES]))
            .order_by(col(Incident.id))
            .with_for_update()
        )
        found: dict[str, Incident] = {}
        for incident in self.session.scalars(statement):
            assert incident.dedup_key is not None
            found.setdefault(incident.dedup_key, incident)
        return found

    def _repeat_existing(self, incident: Incident, repeat: dict[str, Any], now: datetime) -> None:
        """One more occurrence of an incident that was there before: a tracker change."""
        at = max(repeat["reported_at"], incident.updated_at)
        change = _Change(self.tracker, incident, target=Status(incident.status), at=at, now=now)
        change.set("occurrences", incident.occurrences + 1, kind="occurred",
                   message=_repeat_message(repeat))  # fmt: skip

    def _repeat_new(
        self, original: dict[str, Any], repeat: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        """One more occurrence of an incident created by this same batch: its row changes."""
        at = max(repeat["reported_at"], original["updated_at"])
        old, original["occurrences"] = original["occurrences"], original["occurrences"] + 1
        original["updated_at"] = at
        self.tracker.written.append((original["id"], "occurred"))
        return _event_row(original, "occurred", at=at, actor=self.tracker.actor, recorded_at=now,
                          field="occurrences", old=str(old), new=str(old + 1),
                          message=_repeat_message(repeat))  # fmt: skip


_CHUNK = 500
"""Incidents read per query (SQLite limits the number of bound values)."""


def _table(model: type[SQLModel]) -> Table:
    table = getattr(model, "__table__", None)
    assert isinstance(table, Table)
    return table


def _repeat(
    row: dict[str, Any], existing: dict[str, Incident], new_by_key: dict[str, dict[str, Any]]
) -> bool:
    """Whether ``row`` repeats an open incident or an earlier new row with its key."""
    key = row["dedup_key"]
    if not key:
        return False
    if key in existing or key in new_by_key:
        return True
    new_by_key[key] = row
    return False


def _repeat_message(repeat: dict[str, Any]) -> str:
    return f"reported again by {repeat['reporter']} at {timestamp(repeat['reported_at'])}"


def _event_row(
    incident: dict[str, Any],
    kind: str,
    *,
    at: datetime,
    recorded_at: datetime,
    actor: str,
    field: str | None = None,
    old: str | None = None,
    new: str | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    return {"incident_id": incident["id"], "at": at, "recorded_at": recorded_at, "actor": actor,
            "kind": kind, "field": field, "old": old, "new": new, "message": message}  # fmt: skip


# -- templates ----------------------------------------------------------------------


class Templates:
    """Named sets of ``log`` values (the ``templates`` table)."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.session = tracker.session
        self._defaults: dict[str, LogRequest] = {}

    def all(self) -> list[Template]:
        return list(self.session.scalars(select(Template).order_by(col(Template.name))))

    def get(self, name: str) -> Template | None:
        return self.session.get(Template, name.strip().lower())

    def get_or_raise(self, name: str) -> Template:
        template = self.get(name)
        if template is None:
            known = [t.name for t in self.all()]
            close = difflib.get_close_matches(name.strip().lower(), known, n=3, cutoff=0.5)
            hint = (
                "did you mean " + " or ".join(close) + "?"
                if close
                else "`inctrack template list` shows them."
            )
            raise NotFound(f"There is no template {name.strip()!r}; {hint}")
        return template

    def defaults(self, name: str) -> LogRequest:
        """The template's preset values as a request, read once per intake."""
        key = name.strip().lower()
        if key not in self._defaults:
            preset = self.get_or_raise(name).fields or {}
            self._defaults[key] = LogRequest(**{k: preset[k] for k in TEMPLATE_KEYS if k in preset})
        return self._defaults[key]

    def add(self, name: str, preset: LogRequest) -> Template:
        """A new template; its values are checked as ``log`` would check them."""
        self.tracker.people.authorize(self.tracker.actor, "manage-templates")
        template_name = _template_name(name)
        if preset.reported_at is not None or preset.template is not None:
            raise Rejected("A template presets log's values; it cannot hold a time or a template.")
        values = self._checked(preset)
        if not values:
            raise Rejected(
                "A template needs at least one value to preset, such as --title, --category, "
                "--impact or --channel."
            )
        if self.session.get(Template, template_name) is not None:
            raise Rejected(
                f"There is already a template {template_name}; remove it first "
                f"(`inctrack template remove {template_name}`) to replace it."
            )
        template = Template(
            name=template_name, fields=values, created_at=self.tracker._now(),
            created_by=self.tracker.actor,
        )  # fmt: skip
        self.session.add(template)
        self.session.flush()
        return template

    def remove(self, name: str) -> Template:
        """Delete a template; incidents logged with it keep their values."""
        self.tracker.people.authorize(self.tracker.actor, "manage-templates")
        template = self.get_or_raise(name)
        self.session.delete(template)
        self.session.flush()
        return template

    def _checked(self, preset: LogRequest) -> dict[str, str]:
        values: dict[str, str | None] = {
            "title": (
                _required_text(preset.title, "title", limit=MAX_TITLE)
                if preset.title is not None
                else None
            ),
            "reporter": _optional_text(preset.reporter),
            "contact": _optional_text(preset.contact),
            "description": _optional_text(preset.description),
            "channel": _channel(preset.channel),
            "service": _optional_text(preset.service),
            "category": (
                join(*self.tracker.taxonomy.validate(preset.category)) if preset.category else None
            ),
            "impact": Level.parse(preset.impact).value if preset.impact is not None else None,
            "urgency": Level.parse(preset.urgency).value if preset.urgency is not None else None,
            "dedup_key": _optional_text(preset.dedup_key),
        }
        key = values["dedup_key"]
        if key is not None and len(key) > MAX_KEY:
            raise Rejected(f"The dedup key has {len(key)} characters, more than {MAX_KEY}.")
        return {k: v for k, v in values.items() if v is not None}


def _template_name(name: str) -> str:
    cleaned = name.strip().lower()
    if not _TEMPLATE_NAME.match(cleaned) or len(cleaned) > MAX_TEMPLATE_NAME:
        raise Rejected(
            f"{name!r} is not a template name; use letters, digits, '-', '_' and '.', "
            f"starting with a letter or digit, at most {MAX_TEMPLATE_NAME} characters "
            "(printer-jam)."
        )
    return cleaned
