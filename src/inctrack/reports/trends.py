"""Trends: incidents reported per period (day, week or month) and key, counted in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import text
from sqlalchemy.engine import Connection

from inctrack.errors import Rejected
from inctrack.reports.periods import EVERY, Every, Period, default_since, whole_periods
from inctrack.reports.query import (
    COLUMNS,
    Report,
    connection_of,
    key_value,
    no_jit,
    now_of,
    sort_key,
    stamp,
    zone_of,
)

if TYPE_CHECKING:
    from inctrack.incidents.tracker import Tracker

TrendKey = Literal["category", "subcategory", "service", "priority", "channel", "group"]

TREND_KEYS: tuple[TrendKey, ...] = (
    "category",
    "subcategory",
    "service",
    "priority",
    "channel",
    "group",
)


def trends(
    tracker: Tracker,
    *,
    by: TrendKey = "category",
    every: Every = "week",
    since: datetime | None = None,
    until: datetime | None = None,
) -> Report:
    """Incidents reported per period and key: ``{"period", by, "count"}`` rows.

    Every period from the one containing ``since`` (default: the last
    :data:`DEFAULT_PERIODS` periods) to the one containing the moment before
    ``until`` (default: now) is listed for every key that has an incident in
    any of them, with ``0`` where it has none; periods ascending, then keys
    (``None`` last). The key of ``subcategory`` is ``category/subcategory``.
    """
    if by not in TREND_KEYS:
        raise Rejected(f"{by!r} is not a trend key; use one of {', '.join(TREND_KEYS)}.")
    if every not in EVERY:
        raise Rejected(f"{every!r} is not a period; use day, week or month.")
    policy = tracker.policy()
    tz = zone_of(policy)
    now = now_of(tracker)
    end = now if until is None else until
    start = default_since(end, every, tz) if since is None else since
    spans = whole_periods(start, end, every, tz)
    connection = connection_of(tracker)
    with no_jit(connection):
        counts = _trend_counts(connection, by, spans)
    totals: dict[Any, int] = {}
    for (_, key), count in counts.items():
        totals[key] = totals.get(key, 0) + count
    keys = sorted((k for k, total in totals.items() if total), key=sort_key)
    rows = [
        {"period": span.label, by: key, "count": counts.get((n, key), 0)}
        for n, span in enumerate(spans)
        for key in keys
    ]
    return Report(
        rows, spans[0].start, spans[-1].end, policy.timezone, by=by, every=every, periods=spans
    )


def _trend_counts(
    connection: Connection, by: str, spans: Sequence[Period]
) -> dict[tuple[int, Any], int]:
    """{(period number, key): count}, one index range count per period and key."""
    columns = COLUMNS[by]
    keys = ", ".join(f"{c} AS k{n}" for n, c in enumerate(columns))
    params: list[Any] = [stamp(f"b{n}", span.start) for n, span in enumerate(spans)]
    params.append(stamp(f"b{len(spans)}", spans[-1].end))
    bounds = ", ".join(f"({n}, :b{n})" for n in range(len(spans) + 1))
    count = _count_by_key(columns)
    sql = (
        f"WITH b(n, t) AS (VALUES {bounds}), "
        "p AS (SELECT b.n, b.t AS lo, c.t AS hi FROM b JOIN b AS c ON c.n = b.n + 1), "
        f"k AS (SELECT DISTINCT {keys} FROM incidents) "
        f"SELECT p.n, {', '.join(f'k.k{n}' for n in range(len(columns)))}, {count} AS count "
        "FROM p CROSS JOIN k"
    )
    found: dict[tuple[int, Any], int] = {}
    for row in connection.execute(text(sql).bindparams(*params)):
        key = key_value(by, row[1:-1])
        found[(row[0], key)] = found.get((row[0], key), 0) + int(row[-1])
    return found


def _count_by_key(columns: Sequence[str]) -> str:
    """A CASE of correlated counts, one branch per pattern of NULL keys: ``col = k`` can
    use the ``(key, reported_at)`` index, and so can ``col IS NULL``, but not
    PostgreSQL's ``IS NOT DISTINCT FROM``."""
    branches = []
    for mask in range(2 ** len(columns)):
        nulls = [bool(mask & (1 << n)) for n in range(len(columns))]
        when = " AND ".join(
            f"k.k{n} IS {'' if null else 'NOT '}NULL" for n, null in enumerate(nulls)
        )
        match = " AND ".join(
            f"i.{c} IS NULL" if null else f"i.{c} = k.k{n}"
            for n, (c, null) in enumerate(zip(columns, nulls, strict=True))
        )
        branches.append(
            f"WHEN {when} THEN (SELECT COUNT(*) FROM incidents i WHERE {match} "
            "AND i.reported_at >= p.lo AND i.reported_at < p.hi)"
        )
    return f"CASE {' '.join(branches)} END"
