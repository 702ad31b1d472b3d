"""The hash chain over incident events: history that cannot be rewritten unseen.

Every incident event stores ``hash``, the SHA-256 of the previous event's hash
and its own canonical content, and ``prev_hash``, that previous hash (64 zeros
before the first event). The chain is **global**: one chain over all events of
the database, in ``id`` order, with its head (event count, last id, last hash)
in the one-row table ``chain_head``. One global chain is one value to anchor
(``db verify --anchor``) and a deleted or reordered event anywhere breaks it.

Appending takes the head's row lock (``SELECT ... FOR UPDATE`` on PostgreSQL;
SQLite's single writer in ``BEGIN IMMEDIATE`` gives the same), hands out the
next event ids itself, and moves the head on in the same transaction, so two
writers can never fork the chain and a rolled-back transaction leaves it as it
was. Every writer of incident events (``UnitOfWork.event``, intake's and the
importer's bulk inserts) appends through :class:`Chain`.

The canonical content of an event is a JSON object, keys sorted, no spaces,
UTF-8 (``ensure_ascii=False``), of exactly the fields in :data:`FIELDS`:
``id``, ``incident_id``, ``at``, ``recorded_at``, ``actor``, ``kind``,
``field``, ``old``, ``new``, ``message``, ``os_login`` (added by migration 0009, after
the chain: events from before it have none, so their hashes stand). Times are UTC written as
``YYYY-MM-DDTHH:MM:SS.ffffffZ`` whatever the store; integers are JSON numbers,
text is JSON strings. **A field that is NULL is left out**: a column added later
(an ``os_login``, say) joins :data:`FIELDS` and the canonical form of the events
that carry it, while every older event, where it is NULL, keeps its hash. The
hash is ``sha256(prev_hash + "\\n" + canonical)`` in lowercase hex.

Migration 0008 froze a copy of these rules to chain the events that existed
before; the two must never differ.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import text

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event."""

FIELDS = (
    "id",
    "incident_id",
    "at",
    "recorded_at",
    "actor",
    "kind",
    "field",
    "old",
    "new",
    "message",
    "os_login",
)
"""What an event's hash covers (NULL fields are left out, see the module's docstring)."""


def stamp(value: datetime) -> str:
    """A time as the canonical form writes it: UTC, to the microsecond, ``Z``."""
    if value.tzinfo is None:  # SQLite hands back naive UTC when read without the ORM
        value = value.replace(tzinfo=UTC)
    elif value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    if value.year < 1000:  # strftime's %Y does not pad such years: keep its form
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.isoformat(timespec="microseconds")[:26] + "Z"  # 4x quicker than strftime


class _Stamps(dict[datetime, str]):
    """Times in their canonical form, each formatted once (events share their times)."""

    def __missing__(self, value: datetime) -> str:
        text = self[value] = stamp(value)
        return text


_SORTED = sorted(range(len(FIELDS)), key=FIELDS.__getitem__)
_SORTED_NAMES = tuple(FIELDS[i] for i in _SORTED)
_IN_KEY_ORDER = itemgetter(*_SORTED)
"""A row of :data:`FIELDS` values picked in the order of their sorted names."""


def canonical(values: Mapping[str, Any], stamps: dict[datetime, str] | None = None) -> bytes:
    """The exact bytes an event's hash covers."""
    return canonical_row(tuple(map(values.get, FIELDS)), _Stamps() if stamps is None else stamps)


def canonical_row(row: Sequence[Any], stamps: dict[datetime, str]) -> bytes:
    """:func:`canonical` of the :data:`FIELDS` values in order; ``stamps`` caches the
    canonical form of times (a :class:`_Stamps`)."""
    content: dict[str, Any] = {}
    for name, value in zip(_SORTED_NAMES, _IN_KEY_ORDER(row), strict=True):
        if value is None:
            continue
        content[name] = stamps[value] if isinstance(value, datetime) else value
    try:  # orjson writes what json.dumps below does (every code point checked), 5x quicker
        return orjson.dumps(content)  # keys already sorted
    except TypeError:  # a lone surrogate, an integer past 64 bits: json's own verdict
        return json.dumps(
            content, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode()


def event_hash(prev_hash: str, values: Mapping[str, Any]) -> str:
    """The hash of an event with ``values``, following ``prev_hash``."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(values)).hexdigest()


@dataclass(frozen=True)
class Head:
    """Where the chain ends: how many events, the last one's id and hash."""

    count: int
    last_id: int
    hash: str


class Chain:
    """Appending events to the chain inside the caller's transaction.

    Takes anything that executes statements (a session or a connection); every
    :meth:`extend` locks and reads the head afresh, so several ``Chain`` objects
    in one transaction still write one chain.
    """

    def __init__(self, executor: Any) -> None:
        self.executor = executor

    def head(self, *, lock: bool = True) -> Head:
        """The chain's head, locked until the transaction ends unless ``lock=False``."""
        sql = "SELECT event_count, last_event_id, hash FROM chain_head WHERE id = 1"
        if lock and _dialect(self.executor) != "sqlite":
            sql += " FOR UPDATE"
        count, last_id, last_hash = self.executor.execute(text(sql)).one()
        return Head(int(count), int(last_id), str(last_hash))

    def extend(self, rows: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any]]:
        """Give each event row (``event_row``'s columns and ``incident_id``), in order,
        its ``id``, ``prev_hash`` and ``hash``, and move the head past them."""
        if not rows:
            return rows
        head = self.head()
        last_id, last_hash = head.last_id, head.hash
        stamps = _Stamps()
        sha256 = hashlib.sha256
        for row in rows:
            last_id += 1
            row["id"], row["prev_hash"] = last_id, last_hash
            content = canonical_row(tuple(map(row.get, FIELDS)), stamps)
            last_hash = row["hash"] = sha256(f"{last_hash}\n".encode() + content).hexdigest()
        self._move_head(len(rows), last_id, last_hash)
        return rows

    def extend_rows(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """:meth:`extend` for plain rows, as bulk inserts carry them: each ``incident_id``
        then the event's values (``FIELDS`` after ``id``, in order); returns each row as
        ``id``, those values, ``prev_hash`` and ``hash``."""
        if not rows:
            return []
        head = self.head()
        last_id, last_hash = head.last_id, head.hash
        stamps = _Stamps()
        sha256 = hashlib.sha256
        chained: list[tuple[Any, ...]] = []
        for row in rows:
            last_id += 1
            values = (last_id, *row)
            prev_hash = last_hash
            content = canonical_row(values, stamps)
            last_hash = sha256(f"{prev_hash}\n".encode() + content).hexdigest()
            chained.append((*values, prev_hash, last_hash))
        self._move_head(len(rows), last_id, last_hash)
        return chained

    def _move_head(self, added: int, last_id: int, last_hash: str) -> None:
        self.executor.execute(
            text(
                "UPDATE chain_head SET event_count = event_count + :added, "
                "last_event_id = :last_id, hash = :hash WHERE id = 1"
            ),
            {"added": added, "last_id": last_id, "hash": last_hash},
        )


def _dialect(executor: Any) -> str:
    dialect = getattr(executor, "dialect", None) or executor.get_bind().dialect
    return str(dialect.name)
