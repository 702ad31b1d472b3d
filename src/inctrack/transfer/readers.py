"""Reading inctrack's own export files, and any CSV through a column mapping.

A record is a JSON object (JSON Lines, or one JSON array) or a CSV row, keyed
by the field names of an export (``title``, ``reported_at``, ``group``,
``roles_commander``, ``events``, …; ``--map`` renames CSV columns to them). Each
becomes a :class:`~inctrack.transfer.timeline.Draft`, or problems with its line number.
A record without ``events`` gets a timeline synthesized from its fields.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from operator import itemgetter
from typing import IO, Any

from inctrack.admin.taxonomy import join
from inctrack.domain import (
    MAX_TIER,
    MAX_TITLE,
    Channel,
    HoldReason,
    Level,
    Priority,
    ResolutionCode,
    Status,
    parse_category,
)
from inctrack.errors import Rejected, UsageError
from inctrack.records import ROLE_NAMES, csv_original
from inctrack.transfer import fields as read
from inctrack.transfer.encoding import undecodable
from inctrack.transfer.fields import Bad, DateReader
from inctrack.transfer.importer import Importer
from inctrack.transfer.summary import MAX_PROBLEMS, Summary
from inctrack.transfer.timeline import (
    EVENT_KEYS,
    Draft,
    EventRow,
    History,
    Snapshot,
    apply_history,
    row_digest,
)

_EVENT_VALUES = itemgetter(*EVENT_KEYS)

_TEXT = {
    "title": "title", "description": "description", "reporter": "reporter",
    "reporter_contact": "reporter_contact", "logged_by": "logged_by", "service": "service",
    "group": "assignment_group", "assignee": "assignee", "owner": "owner",
    "resolution_note": "resolution_note", "closed_by": "closed_by",
    "confirmed_by": "confirmed_by", "dedup_key": "dedup_key", "external_id": "external_id",
    "category": "category", "subcategory": "subcategory",
}  # fmt: skip
"""Text fields of a record -> their column."""
_TIMES = ("reported_at", "logged_at", "responded_at", "resolved_at", "closed_at", "updated_at")
_CHOICES: dict[str, tuple[Callable[[str], str], frozenset[str | None]]] = {
    "channel": (read.channel, frozenset(c.value for c in Channel)),
    "impact": (read.level, frozenset(level.value for level in Level)),
    "urgency": (read.level, frozenset(level.value for level in Level)),
    "priority": (read.priority, frozenset(p.value for p in Priority)),
    "status": (read.status, frozenset(s.value for s in Status)),
    "hold_reason": (read.hold_reason, frozenset(h.value for h in HoldReason)),
    "resolution_code": (read.resolution_code, frozenset(r.value for r in ResolutionCode)),
}
"""Fields with a fixed set of values: the reader, and the values as exports write them."""
_COUNTS = {"tier": (1, MAX_TIER), "reopen_count": (0, None),
           "reassignment_count": (0, None), "occurrences": (1, None)}  # fmt: skip
_OTHERS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "major": ("major", read.boolean),
    "problem": ("problem_id", read.problem_ref),
    "id": ("_number", read.incident_ref),
    "duplicate_of": ("_duplicate_of", read.incident_ref),
    **{f"roles_{role}": (f"_role_{role}", read.text) for role in ROLE_NAMES},
}
FIELDS = (
    "id", *_TEXT, *_TIMES, *_CHOICES, *_COUNTS, *(k for k in _OTHERS if k != "id"), "roles",
    "events", "updates",
)  # fmt: skip
"""Every field an import reads (and ``--map`` may name)."""
_KNOWN = frozenset(FIELDS)
_DERIVED = frozenset({"version"})
"""Keys of our own exports that an import recognizes and never reads: the target
database counts an incident's versions itself."""
_READ = _KNOWN | _DERIVED


class RecordReader:
    """Records in, drafts out; every bad value is reported with its line."""

    def __init__(
        self,
        importer: Importer,
        *,
        dates: DateReader,
        nulls: Iterable[str] = (),
        translate: dict[str, dict[str, str]] | None = None,
        actor: str = "import",
    ) -> None:
        self.importer = importer
        self.summary: Summary = importer.summary
        self.dates = dates
        self.nulls = frozenset(nulls)
        self.translate = translate or {}
        """field -> {text in the file: value to read instead} (``--value``)."""
        self.source_actor = actor
        self.policy = importer.tracker.policy()
        self.parse_date = dates.parse
        self.texts = tuple(_TEXT.items())
        self.choices = tuple(
            (key, read.textual(parse), allowed | {None})
            for key, (parse, allowed) in _CHOICES.items()
        )
        self.counts = tuple(
            (key, low, high or 1 << 62, partial(read.integer, low=low, high=high))
            for key, (low, high) in _COUNTS.items()
        )
        self.plan: list[tuple[str, str, Callable[[Any], Any]]] = [
            *((key, column, parse) for key, (column, parse) in _OTHERS.items()),
            ("roles", "_roles", _roles_object),
            ("events", "_events", self._events),
            ("updates", "_updates", partial(read.updates, parse_date=dates.parse)),
        ]

    # -- one record ------------------------------------------------------------------

    def draft(self, raw: dict[str, Any], line: int) -> Draft | None:
        """Each kind of field has a fast path for what an export writes; anything else goes
        through :meth:`_value`, which reads blanks and ``--null`` placeholders as null."""
        values: dict[str, Any] = {}
        bad: list[str] = []
        nulls = self.nulls
        for key, table in self.translate.items():
            found = raw.get(key)
            if isinstance(found, str) and found.strip() in table:
                raw[key] = table[found.strip()]
        get = raw.get
        for key, column in self.texts:
            value = get(key)
            if value.__class__ is str:
                value = value.strip()
                values[column] = value if value and value not in nulls else None
                if "\x00" in value:
                    bad.append(f"{key} holds a NUL character (\\x00), which is not text")
            elif value is None:
                values[column] = None
            else:
                values[column] = self._value(key, value, read.text, bad)
        parse_date = self.parse_date
        for key in _TIMES:
            value = get(key)
            if value is None:
                values[key] = None
                continue
            try:
                values[key] = parse_date(value)
            except (Bad, TypeError):  # TypeError: a JSON list where a date goes
                values[key] = self._value(key, value, parse_date, bad)
        for key, parse, allowed in self.choices:
            value = get(key)
            if (value is None or value.__class__ is str) and value in allowed:
                values[key] = value
            else:
                values[key] = self._value(key, value, parse, bad)
        for key, low, high, read_count in self.counts:
            value = get(key)
            if value is None or (value.__class__ is int and low <= value <= high):
                values[key] = value
            else:
                values[key] = self._value(key, value, read_count, bad)
        for key, column, parse in self.plan:
            value = get(key)
            if value is None:
                values[column] = None
                continue
            try:
                values[column] = parse(value)
            except (Bad, TypeError):
                values[column] = self._value(key, value, parse, bad)
        number = values.pop("_number")
        duplicate_of = values.pop("_duplicate_of")
        events = values.pop("_events")
        updates = values.pop("_updates") or []
        nested = values.pop("_roles") or {}
        roles = {}
        for role in ROLE_NAMES:
            flat = values.pop(f"_role_{role}")
            person = nested.get(role) or flat
            if person:
                roles[role] = person
        values["roles"] = roles
        for key in ("title", "reporter"):
            if values[key] is None and not any(text.startswith(f"{key} ") for text in bad):
                bad.append(f"{key} is missing")
        title = values["title"]
        if title is not None and len(title) > MAX_TITLE:
            bad.append(f"title has {len(title)} characters, more than {MAX_TITLE}")
        self._category(values, bad)
        if bad:
            for text in bad:
                self.importer.problem(line, text)
            return None
        digest = row_digest(raw) if number is None and values["external_id"] is None else None
        draft = Draft(line, number, values, self._complete(values, events), duplicate_of, digest)
        draft.public = [u[:4] for u in updates if u[4]]
        return draft

    def _value(self, key: str, value: Any, parse: Callable[[Any], Any], bad: list[str]) -> Any:
        """The slow path: blanks and placeholders are null; a bad value is reported."""
        if value.__class__ is str and (not value.strip() or value.strip() in self.nulls):
            return None
        try:
            return parse(value)
        except (Bad, TypeError) as exc:
            shown = value if value.__class__ is str else json.dumps(value)
            why = exc if isinstance(exc, Bad) else "is not of the right type"
            hint = f"; {self.dates.hint()}" if key in _TIMES else ""
            bad.append(f"{key} {shown!r} {why}{hint}")
            return None

    @staticmethod
    def _category(values: dict[str, Any], bad: list[str]) -> None:
        category, subcategory = values["category"], values["subcategory"]
        if category is None:
            if subcategory is not None:
                bad.append(f"subcategory {subcategory!r} is given without a category")
            return
        plain = category.islower() and "/" not in category
        if plain and (subcategory is None or (subcategory.islower() and "/" not in subcategory)):
            return  # as an export writes it
        path = category if subcategory is None else f"{category}/{subcategory}"
        try:
            values["category"], values["subcategory"] = parse_category(path)
        except Rejected:
            bad.append(f"category {path!r} is not CATEGORY or CATEGORY/SUBCATEGORY")

    def _events(self, value: object) -> list[EventRow]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise Bad("is not a JSON array of events") from None
        if not isinstance(value, list):
            raise Bad("is not an array of events")
        dates = self.parse_date
        all_keys = _EVENT_VALUES
        events = []
        for index, item in enumerate(value, 1):
            if item.__class__ is not dict:
                raise Bad(f"has an event ({index}) that is not an object")
            try:
                at, recorded, actor, kind, field, old, new, message = all_keys(item)
            except KeyError:  # field, old, new and message may be left out
                at, recorded, actor, kind, field, old, new, message = map(item.get, EVENT_KEYS)
            login = item.get("os_login")
            if at.__class__ is not str or recorded.__class__ is not str:
                raise Bad(f"has an event ({index}) without at or recorded_at")
            if actor.__class__ is not str or not actor or kind.__class__ is not str or not kind:
                raise Bad(f"has an event ({index}) without actor or kind")
            if kind == "diagnostic" and item.get("evidence").__class__ is dict:  # as exported
                message = json.dumps(item["evidence"], ensure_ascii=False)
            if (
                (field is not None and field.__class__ is not str)
                or (old is not None and old.__class__ is not str)
                or (new is not None and new.__class__ is not str)
                or (message is not None and message.__class__ is not str)
                or (login is not None and login.__class__ is not str)
            ):
                raise Bad(f"has an event ({index}) with a value that is not text or null")
            try:
                when = dates(at)
                events.append(
                    (when, when if recorded == at else dates(recorded), actor, kind, field, old,
                     new, message, login)
                )  # fmt: skip
            except Bad:
                raise Bad(f"has an event ({index}) whose time is not a date") from None
        return events

    def _complete(self, values: dict[str, Any], events: list[EventRow] | None) -> list[EventRow]:
        """Defaults for what the record leaves out; its timeline, synthesized if missing."""
        now = self.importer.now
        reported = values["reported_at"] = values["reported_at"] or now
        if values["priority"] is None and values["impact"] and values["urgency"]:
            found = self.policy.priority_for(Level(values["impact"]), Level(values["urgency"]))
            values["priority"] = found.value if found else None
        values["status"] = values["status"] or "new"
        logged_by = values["logged_by"]
        values["logged_by"] = logged_by or self.importer.actor
        values["logged_at"] = values["logged_at"] or now
        values["tier"] = values["tier"] or 1
        values["major"] = bool(values["major"])
        values["occurrences"] = values["occurrences"] or 1
        if events:
            if values["reopen_count"] is None:
                values["reopen_count"] = sum(e[3] == "reopened" for e in events)
            values["reassignment_count"] = values["reassignment_count"] or 0
            values["updated_at"] = values["updated_at"] or max(reported, events[-1][0])
            return events
        actor = logged_by or self.source_actor
        history = History(reported_at=reported, title=values["title"], actor=actor)
        moments = [values[k] for k in ("responded_at", "resolved_at", "closed_at") if values[k]]
        category = values["category"]
        history.apply(
            Snapshot(
                at=values["updated_at"] or max([reported, *moments]),
                actor=actor,
                status=values["status"],
                tracked={
                    "category": join(category, values["subcategory"]) if category else None,
                    "impact": values["impact"],
                    "urgency": values["urgency"],
                    "priority": values["priority"],
                    "group": values["assignment_group"],
                    "assignee": values["assignee"],
                },
                hold_reason=values["hold_reason"],
                responded_at=values["responded_at"],
                resolved_at=values["resolved_at"],
                closed_at=values["closed_at"],
                resolution_code=values["resolution_code"],
                resolution_note=values["resolution_note"],
                closer=values["closed_by"],
            )
        )
        apply_history(values, history)
        self.summary.moved_forward += history.clamped
        return history.events

    # -- whole files -----------------------------------------------------------------

    def jsonl(self, stream: IO[str]) -> Iterator[Draft]:
        try:
            for line, text in enumerate(stream, 1):
                if not text or text.isspace():
                    continue
                self.summary.rows += 1
                try:
                    raw = json.loads(text)
                except json.JSONDecodeError as exc:
                    self.importer.problem(line, f"is not JSON ({exc.msg} at column {exc.colno})")
                    continue
                draft = self._object(raw, line)
                if draft is not None:
                    yield draft
        except UnicodeDecodeError as exc:
            raise undecodable(self.summary.source, exc, stream) from None

    def json(self, stream: IO[str]) -> Iterator[Draft]:
        """A JSON array is read whole (JSON Lines streams: prefer it for big files)."""
        self.summary.line_word = "record"
        source = self.summary.source
        try:
            data = json.load(stream)
        except UnicodeDecodeError as exc:
            raise undecodable(source, exc, stream) from None
        except json.JSONDecodeError as exc:
            raise Rejected(
                f"{source} is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                "nothing was imported."
            ) from None
        if isinstance(data, dict):  # one incident, as `show -f json` prints it
            data = [data]
        if not isinstance(data, list):
            raise Rejected(f"{source} is not a JSON array of incidents; nothing was imported.")
        for index, raw in enumerate(data, 1):
            self.summary.rows += 1
            draft = self._object(raw, index)
            if draft is not None:
                yield draft

    def _object(self, raw: object, line: int) -> Draft | None:
        if not isinstance(raw, dict):
            self.importer.problem(line, "is not a JSON object")
            return None
        ignored = self.summary.ignored_columns
        unknown = raw.keys() - _READ  # one set difference, not a set built per key
        for key in raw if unknown else ():
            if key in unknown and key not in ignored and len(ignored) < MAX_PROBLEMS:
                ignored.append(key)
        return self.draft(raw, line)

    def csv(self, stream: IO[str], mapping: dict[str, str]) -> Iterator[Draft]:
        reader = csv.reader(stream)
        source = self.summary.source
        try:
            header = next(reader, None)
            if header is None:
                raise Rejected(f"{source} is empty: not even a header row.")
            names = csv_fields(header, mapping, self.summary)
            start = reader.line_num + 1
            for row in reader:
                line, start = start, reader.line_num + 1
                if not any(cell.strip() for cell in row):
                    continue
                self.summary.rows += 1
                if len(row) != len(header):
                    self.importer.problem(
                        line, f"has {len(row)} fields where the header has {len(header)}"
                    )
                    continue
                raw = {
                    name: csv_original(cell) for name, cell in zip(names, row, strict=True) if name
                }
                draft = self.draft(raw, line)
                if draft is not None:
                    yield draft
        except UnicodeDecodeError as exc:
            raise undecodable(source, exc, stream) from None
        except csv.Error as exc:
            raise Rejected(
                f"{source} is not valid CSV at line {reader.line_num} ({exc}); "
                "nothing was imported."
            ) from None


def _text(value: object) -> str | None:
    """Text, trimmed; None when empty."""
    if value.__class__ is str:
        return value.strip() or None
    return read.text(value)


def _roles_object(value: object) -> dict[str, str | None]:
    if not isinstance(value, dict) or not set(value) <= set(ROLE_NAMES):
        raise Bad(f"is not an object with the keys {', '.join(ROLE_NAMES)}")
    if not all(v is None or isinstance(v, str) for v in value.values()):
        raise Bad("has a role that is not a name or null")
    return {k: (v.strip() or None) if v else None for k, v in value.items()}


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``--map Summary=title`` (repeatable) -> {"Summary": "title"}."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.rpartition("=")
        column, target = column.strip(), target.strip()
        if not sep or not column or not target:
            raise UsageError(f"--map {pair!r} is not COLUMN=FIELD, like --map Summary=title.")
        if target not in _KNOWN or target == "events":
            fields = ", ".join(f for f in FIELDS if f not in ("events", "updates"))
            raise UsageError(f"--map {pair!r} names no field of an incident; use one of {fields}.")
        if target in mapping.values():
            raise UsageError(f"Two columns are mapped to {target}; map one.")
        mapping[column] = target
    return mapping


def parse_values(specs: Sequence[str]) -> dict[str, dict[str, str]]:
    """``--value "status:To Do=new"`` (repeatable) -> {"status": {"To Do": "new"}}."""
    table: dict[str, dict[str, str]] = {}
    for spec in specs:
        field, colon, rest = spec.partition(":")
        text, equals, value = rest.rpartition("=")
        field, text, value = field.strip(), text.strip(), value.strip()
        if not colon or not equals or not field or not text:
            raise UsageError(
                f"--value {spec!r} is not FIELD:TEXT=VALUE, like --value 'status:To Do=new'."
            )
        if field not in _KNOWN or field == "events":
            raise UsageError(f"--value {spec!r} names no field of an incident ({field!r}).")
        table.setdefault(field, {})[text] = value
    return table


def csv_fields(header: Sequence[str], mapping: dict[str, str], summary: Summary) -> list[str]:
    """The field each column feeds ('' for none) after ``--map``; the header checked."""
    columns = [name.strip() for name in header]
    for column in mapping:
        if column not in columns:
            raise Rejected(
                f"{summary.source} has no column {column!r} to map; its columns are "
                f"{', '.join(columns)}."
            )
    names: list[str] = []
    for column in columns:
        if column in mapping:
            target = mapping[column]
        else:  # a column named like a field feeds it, unless another is mapped there
            target = column if column in _KNOWN and column not in mapping.values() else ""
        if target and target in names:
            raise Rejected(f"{summary.source} has two columns for {target}; map only one.")
        if not target and column not in summary.ignored_columns and column not in _DERIVED:
            summary.ignored_columns.append(column)
        names.append(target)
    for required in ("title", "reporter"):
        if required not in names:
            raise Rejected(
                f"{summary.source} has no {required} column; map one with --map "
                f"COLUMN={required} (its columns are {', '.join(columns)})."
            )
    return names
