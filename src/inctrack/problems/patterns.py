"""Recurring incidents: clusters that share a key, as candidate problems.

The definition (docs/reports.md, "report patterns", has a worked example):

- Incidents are grouped by their *key*, the values of the ``by`` fields
  (default service, category and subcategory; a null is a value of its own).
  Incidents whose key fields are all null, cancelled incidents and duplicates
  (``duplicate_of`` set) take no part; nor do incidents reported outside
  ``[since, until)``.
- Within a key, in order of ``reported_at`` (then ID), an incident reported
  ``window`` or more after the one before it starts a new **island** (gaps and
  islands): an island is a run of incidents each less than ``window`` after
  the previous one.
- An island is a **candidate** when it holds a **burst**: ``min`` of its
  incidents reported within less than ``window`` of the first of them (inside
  one half-open span ``[t, t + window)``). The candidate is the whole island.

One SQL statement does it with window functions (LAG and LEAD over each key's
incidents in time order, then a running SUM that numbers the islands), and
groups the islands, on SQLite and PostgreSQL alike; Python only splits the
aggregated ID lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql.expression import extract
from sqlmodel import Session

from inctrack.domain import Status
from inctrack.errors import NotFound, Rejected
from inctrack.storage.models import Incident

KEY_FIELDS = {
    "service": "service",
    "category": "category",
    "subcategory": "subcategory",
    "channel": "channel",
    "group": "assignment_group",
}
"""The fields a pattern may be keyed by (JSON name -> column)."""

DEFAULT_BY = ("service", "category", "subcategory")
DEFAULT_WINDOW = timedelta(days=7)
DEFAULT_MIN = 3
DEFAULT_SPAN = timedelta(days=90)
"""Without --since, incidents reported in the 90 days before --until are read."""


@dataclass(frozen=True)
class PatternQuery:
    """What counts as recurring, and which incidents to look at."""

    window: timedelta = DEFAULT_WINDOW
    min_count: int = DEFAULT_MIN
    by: tuple[str, ...] = DEFAULT_BY
    since: datetime | None = None
    """Reported at or after; default: ``DEFAULT_SPAN`` before ``until``."""
    until: datetime | None = None
    """Reported before; default: now."""
    unlinked: bool = False
    """Leave out candidates whose incidents are all linked to a problem already."""
    limit: int | None = None


@dataclass(frozen=True)
class Pattern:
    """One candidate: ``count`` incidents with the same key, ``first`` to ``last``."""

    number: int
    key: tuple[tuple[str, str | None], ...]
    count: int
    first: datetime
    last: datetime
    incidents: tuple[int, ...]
    """By number."""
    links: tuple[tuple[int, int], ...]
    """(incident, problem) for the incidents already linked to a problem."""

    @property
    def problems(self) -> tuple[int, ...]:
        return tuple(sorted({problem for _, problem in self.links}))

    @property
    def label(self) -> str:
        """``mail · email/outlook``: the key as people read it."""
        values = dict(self.key)
        parts = []
        for name, value in self.key:
            if name == "subcategory" and "category" in values:
                continue
            if name == "category" and "subcategory" in values:
                sub = values["subcategory"]
                value = f"{value or '—'}/{sub}" if sub else value
            parts.append(value or "—")
        return " · ".join(parts)


def parse_by(fields: str | Sequence[str]) -> tuple[str, ...]:
    """``service,category`` -> ("service", "category"), checked, in the order given."""
    names = fields.split(",") if isinstance(fields, str) else list(fields)
    chosen: list[str] = []
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue  # "service," or "service,,category"
        if name not in KEY_FIELDS:
            allowed = ", ".join(KEY_FIELDS)
            raise Rejected(f"{raw.strip()!r} is not a pattern key; use any of {allowed}.")
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise Rejected("Give at least one key field to --by, like service,category.")
    return tuple(chosen)


def find(session: Session, query: PatternQuery, *, now: datetime) -> list[Pattern]:
    """The candidates, numbered by count (most first), then the latest last."""
    return _run(session, query, now=now, number=None)


def get_or_raise(session: Session, query: PatternQuery, number: int, *, now: datetime) -> Pattern:
    """Candidate ``#number`` of the report with the same options."""
    found = _run(session, query, now=now, number=number)
    if not found:
        total = len(_run(session, replace(query, limit=None), now=now, number=None))
        raise NotFound(
            f"There is no pattern #{number} with these options ({total} found); run "
            "`inctrack report patterns` with the same --window, --min, --by, --since and "
            "--until to see the numbers."
        )
    return found[0]


def span(query: PatternQuery, *, now: datetime) -> tuple[datetime, datetime]:
    """The reported-at range read: [since, until)."""
    until = query.until or now
    since = query.since if query.since is not None else until - DEFAULT_SPAN
    return since, until


def _check(query: PatternQuery) -> int:
    window = int(query.window.total_seconds())
    if window <= 0:
        raise Rejected("The --window must be positive, like 7d or 48h.")
    if query.min_count < 2:
        raise Rejected("--min must be at least 2: one incident alone does not recur.")
    parse_by(query.by)
    return window


def _epoch(column: Any, dialect: str) -> ColumnElement[int]:
    """Seconds since 1970 as an integer, on either database."""
    if dialect == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(extract("epoch", column), BigInteger)


def _run(
    session: Session, query: PatternQuery, *, now: datetime, number: int | None
) -> list[Pattern]:
    window = _check(query)
    m = query.min_count
    since, until = span(query, now=now)
    if since >= until:
        raise Rejected("--since must be before --until.")
    dialect = session.get_bind().dialect.name
    incidents = Incident.__table__  # type: ignore[attr-defined]
    by = parse_by(query.by)
    key_columns = [incidents.c[KEY_FIELDS[name]] for name in by]
    labels = [f"k{i}" for i in range(len(by))]

    # 1. The incidents that take part, with their time in epoch seconds.
    base = (
        select(
            incidents.c.id,
            incidents.c.problem_id,
            incidents.c.reported_at,
            _epoch(incidents.c.reported_at, dialect).label("ts"),
            *(column.label(label) for column, label in zip(key_columns, labels, strict=True)),
        )
        .where(incidents.c.reported_at >= since, incidents.c.reported_at < until)
        .where(incidents.c.status != Status.CANCELLED.value)
        .where(incidents.c.duplicate_of.is_(None))
        .where(or_(*(column.is_not(None) for column in key_columns)))
        .subquery("base")
    )

    def keyed(table: Any) -> dict[str, Any]:
        partition = [table.c[label] for label in labels]
        return {"partition_by": partition, "order_by": [table.c.reported_at, table.c.id]}

    # 2. In one pass over each key's incidents in time order: does an island start
    #    here (W or more after the previous one), and is this a burst's first
    #    incident (the one m-1 places later came less than W after it)?
    before = func.lag(base.c.ts).over(**keyed(base))
    ahead = func.lead(base.c.ts, literal_column(str(m - 1))).over(**keyed(base))
    marked = select(
        base,
        case((before.is_(None), 1), (base.c.ts - before >= window, 1), else_=0).label("starts"),
        case((ahead - base.c.ts < window, 1), else_=0).label("burst"),
    ).subquery("marked")

    # 3. Number the islands of each key: a running count of island starts.
    running = func.sum(marked.c.starts).over(**keyed(marked), rows=(None, 0))
    clustered = select(marked, running.label("cluster")).subquery("clustered")

    # 4. One row per island with a burst, numbered in the report's order.
    group = [clustered.c[label] for label in labels]
    ids = _joined(_text(clustered.c.id, dialect), dialect)
    # id:problem for linked incidents; NULL (left out of the list) for the others
    links = _joined(
        _text(clustered.c.id, dialect) + ":" + _text(clustered.c.problem_id, dialect), dialect
    )
    count = func.count().label("count")
    first, last = func.min(clustered.c.ts).label("first"), func.max(clustered.c.ts).label("last")
    linked = func.count(clustered.c.problem_id).label("linked")
    clusters = (
        select(*group, count, first, last, linked, ids.label("ids"), links.label("links"))
        .group_by(*group, clustered.c.cluster)
        .having(func.max(clustered.c.burst) == 1)
        .subquery("clusters")
    )
    order = [
        clusters.c["count"].desc(),
        clusters.c["last"].desc(),
        *(clusters.c[label].asc().nulls_first() for label in labels),
        clusters.c["first"].asc(),
    ]
    numbered = select(clusters, func.row_number().over(order_by=order).label("number")).subquery(
        "numbered"
    )
    statement = select(numbered).order_by(numbered.c.number)
    if query.unlinked:
        statement = statement.where(numbered.c.linked < numbered.c["count"])
    if number is not None:
        statement = statement.where(numbered.c.number == number)
    if query.limit is not None:
        statement = statement.limit(query.limit)
    return [_pattern(row, by, labels) for row in session.execute(statement).mappings()]


def _text(column: Any, dialect: str) -> ColumnElement[str]:
    """A number as text (SQLite converts by itself, and faster)."""
    return type_coerce(column, String) if dialect == "sqlite" else cast(column, String)


def _joined(value: Any, dialect: str) -> ColumnElement[str]:
    """The values of a group as one comma-separated text (in no particular order)."""
    if dialect == "sqlite":
        return func.group_concat(value)
    return func.string_agg(value, literal_column("','"))


def _pattern(row: Any, by: tuple[str, ...], labels: list[str]) -> Pattern:
    pairs = (part.partition(":") for part in (row["links"] or "").split(",") if part)
    return Pattern(
        number=int(row["number"]),
        key=tuple((name, row[label]) for name, label in zip(by, labels, strict=True)),
        count=int(row["count"]),
        first=datetime.fromtimestamp(int(row["first"]), UTC),
        last=datetime.fromtimestamp(int(row["last"]), UTC),
        incidents=tuple(sorted(int(number) for number in row["ids"].split(","))),
        links=tuple(sorted((int(number), int(problem)) for number, _, problem in pairs)),
    )
