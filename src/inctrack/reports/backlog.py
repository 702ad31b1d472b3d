"""The backlog: open incidents by age and priority, now or at a past moment, counted in SQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from inctrack.domain import OPEN_STATUSES, Priority
from inctrack.errors import Rejected
from inctrack.reports.query import Report, connection_of, no_jit, now_of, stamp

if TYPE_CHECKING:
    from inctrack.incidents.tracker import Tracker

AGE_BUCKETS: tuple[tuple[str, int], ...] = (
    ("30d+", 30),
    ("7-30d", 7),
    ("3-7d", 3),
    ("1-3d", 1),
    ("<1d", 0),
)
"""Backlog age buckets, oldest first: (label, lower bound in days, inclusive)."""

OPEN = tuple(sorted(s.value for s in OPEN_STATUSES))
PRIORITY_ORDER = [None, *(p.value for p in Priority)]
"""Untriaged first, as in the queue, then P1 to P5."""


def backlog(tracker: Tracker, *, as_of: datetime | None = None) -> Report:
    """Open incidents by age and priority: ``{"age", "priority", "count"}`` rows.

    Open means new, in progress or on hold at ``as_of`` (default now), as the
    event history tells; the priority is the one it had then. Every age bucket
    (oldest first) is listed for every priority found, untriaged (``None``)
    first, with ``0`` where there is none.
    """
    now = now_of(tracker)
    moment = now if as_of is None else as_of
    if moment > now:
        raise Rejected(
            f"--as-of {moment.isoformat()} is in the future; the backlog can only be "
            "read for now or a past moment."
        )
    policy = tracker.policy()
    connection = connection_of(tracker)
    sqlite = connection.dialect.name == "sqlite"
    statement = _backlog_statement(moment, history=as_of is not None, sqlite=sqlite)
    with no_jit(connection):
        counts = {(row[0], row[1]): int(row[2]) for row in connection.execute(statement)}
    present = {priority for _, priority in counts}
    priorities = [p for p in PRIORITY_ORDER if p in present]
    rows = [
        {"age": label, "priority": priority, "count": counts.get((n, priority), 0)}
        for n, (label, _) in enumerate(AGE_BUCKETS)
        for priority in priorities
    ]
    return Report(rows, None, moment, policy.timezone)


def _backlog_statement(moment: datetime, *, history: bool, sqlite: bool) -> Any:
    opened = ", ".join(f"'{s}'" for s in OPEN)
    bucket = " ".join(f"WHEN reported_at <= :b{n} THEN {n}" for n, _ in enumerate(AGE_BUCKETS[:-1]))
    age = f"CASE {bucket} ELSE {len(AGE_BUCKETS) - 1} END"
    params = [
        stamp(f"b{n}", moment - timedelta(days=days))
        for n, (_, days) in enumerate(AGE_BUCKETS[:-1])
    ]
    params.append(stamp("as_of", moment))
    if not history:
        sql = (
            f"SELECT {age} AS age, priority, COUNT(*) FROM incidents "
            f"WHERE status IN ({opened}) AND reported_at <= :as_of GROUP BY 1, 2"
        )
        return text(sql).bindparams(*params)
    # What was open then: incidents untouched since are as they are now; the others
    # are rewound through their status and priority events.
    last = (
        "(SELECT e.{column} FROM events e WHERE e.incident_id = i.id AND e.field = '{field}'"
        " {extra} ORDER BY e.id {order} LIMIT 1)"
    )
    status = (
        "CASE WHEN i.updated_at <= :as_of THEN i.status ELSE COALESCE("
        + last.format(column="new", field="status", extra="AND e.at <= :as_of", order="DESC")
        + ", 'new') END"
    )
    before = last.format(column="new", field="priority", extra="AND e.at <= :as_of", order="DESC")
    first = last.format(column="old", field="priority", extra="", order="ASC")
    priority = (
        "CASE WHEN i.updated_at <= :as_of THEN i.priority "
        "WHEN EXISTS (SELECT 1 FROM events e WHERE e.incident_id = i.id "
        f"AND e.field = 'priority' AND e.at <= :as_of) THEN {before} "
        "WHEN EXISTS (SELECT 1 FROM events e WHERE e.incident_id = i.id "
        f"AND e.field = 'priority') THEN {first} ELSE i.priority END"
    )
    sql = (
        f"SELECT {age} AS age, priority, COUNT(*) FROM ("
        f"SELECT i.reported_at AS reported_at, {status} AS status, {priority} AS priority "
        "FROM incidents i WHERE i.reported_at <= :as_of "
        f"AND (i.status IN ({opened}) OR i.updated_at > :as_of) "
        f"{'LIMIT -1 OFFSET 0' if sqlite else 'OFFSET 0'}) AS t "
        f"WHERE status IN ({opened}) GROUP BY 1, 2"
    )
    return text(sql).bindparams(*params)
