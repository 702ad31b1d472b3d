"""MTTR: time to respond and to resolve, and SLA compliance, per key, aggregated in SQL.

**Durations** are seconds from ``reported_at`` to ``responded_at`` and to
``resolved_at``: calendar time by default, time on hold included (it is how
long the reporter waited). ``business=True`` counts the same stretches in
working time on the business calendar. The SLA compliance figures follow the
SLA clocks instead (:mod:`inctrack.sla.compute`): hold time paused, each
priority's own calendar, evaluated now.

**Working time in SQL**: the business calendar's working intervals from the
start of the report to now, with the working seconds before each one, go to
the database (a temporary table on SQLite, arrays bound as parameters on
PostgreSQL), so that ``F(t)``, the working seconds before ``t``, is one
look-up, and working time between two instants is ``F(b) - F(a)``, exactly
what :meth:`Calendar.working_seconds` says.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from inctrack.domain import Priority
from inctrack.errors import Rejected
from inctrack.records import Record
from inctrack.reports.outcomes import (
    RUNNING,
    counts_statement,
    intervals,
    stored_rows,
    walked,
    worth_walking,
)
from inctrack.reports.periods import default_since
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
    from inctrack.sla.policy import Policy

MttrKey = Literal["priority", "category", "group"]
MTTR_KEYS: tuple[MttrKey, ...] = ("priority", "category", "group")

MTTR_FIELDS = (
    "incidents",
    "responded",
    "resolved",
    "median_response_seconds",
    "mean_response_seconds",
    "p90_response_seconds",
    "median_resolution_seconds",
    "mean_resolution_seconds",
    "p90_resolution_seconds",
    "response_sla_met",
    "response_sla_breached",
    "response_sla_met_pct",
    "resolution_sla_met",
    "resolution_sla_breached",
    "resolution_sla_met_pct",
    "first_contact_resolved",
    "first_contact_resolution_pct",
)
"""The keys of an MTTR row after the key itself, in order (also the CSV columns)."""

FIRST_CONTACT = (
    "CASE WHEN i.resolved_at IS NOT NULL AND i.tier = 1 AND i.reassignment_count = 0 "
    "AND i.reopen_count = 0 AND NOT i.major AND (i.assignment_group IS NULL OR NOT EXISTS "
    "(SELECT 1 FROM events x WHERE x.incident_id = i.id AND x.kind = 'escalated')) "
    "THEN 1 ELSE 0 END"
)
"""1 for a first-contact resolution: resolved at tier 1, never escalated (by tier or
group), reassigned, reopened or declared major; else 0. An escalation either raised
the tier or gave the incident a group, so only incidents with a group have their
events looked at."""

_WORK_TABLE = "inctrack_working_time"


def mttr(
    tracker: Tracker,
    *,
    by: MttrKey = "priority",
    since: datetime | None = None,
    until: datetime | None = None,
    business: bool = False,
    from_events: bool = False,
) -> Report:
    """Time to respond and to resolve, and SLA compliance, per key.

    The incidents counted are those reported in ``[since, until)`` (default:
    the last :data:`DEFAULT_PERIODS` weeks, this one included, to now), except
    cancelled ones. One row per key that has any, ``None`` last. Decided incidents are
    read from stored outcomes (:mod:`inctrack.reports.outcomes`); ``from_events``
    works every one out from its events (the same report, slower).
    """
    if by not in MTTR_KEYS:
        raise Rejected(f"{by!r} is not an MTTR key; use one of {', '.join(MTTR_KEYS)}.")
    policy = tracker.policy()
    now = now_of(tracker)
    end = now if until is None else until
    start = default_since(end, "week", zone_of(policy)) if since is None else since
    if end <= start:
        raise Rejected(
            f"--until ({end.isoformat()}) is not after --since ({start.isoformat()}); "
            "give a --since before --until."
        )
    connection = connection_of(tracker)
    plan = MttrPlan(_Dialect(connection.dialect.name), policy, by, business, now)
    with (
        no_jit(connection),
        _sort_threads(connection),
        _working_time(connection, plan, start, now),
    ):
        walk = not from_events and worth_walking(connection, by, start, end)
        parts: dict[Any, dict[str, Any]] = {}
        for row in connection.execute(
            plan.statement(start, end, stored=not from_events, ranks=not walk)
        ):
            key = key_value(by, row[1 : 1 + len(plan.columns)])
            parts.setdefault(key, {})[row[0]] = row[1 + len(plan.columns) :]
        counts = {key: (int(p["all"][1]), int(p["all"][2])) for key, p in parts.items()}
        for key, spread in (walked(connection, plan, start, end, counts) if walk else {}).items():
            parts[key].update(spread)
    rows = [_mttr_row(by, key, parts[key]) for key in sorted(parts, key=sort_key)]
    return Report(rows, start, end, policy.timezone, by=by, business=business)


def _mttr_row(by: str, key: Any, parts: dict[str, Sequence[Any]]) -> Record:
    (
        incidents,
        responded,
        resolved,
        response_mean,
        resolution_mean,
        response_met,
        response_breached,
        resolution_met,
        resolution_breached,
        first_contact,
    ) = parts["all"]
    response = parts.get("response", (None, None))
    resolution = parts.get("resolution", (None, None))
    return {
        by: key,
        "incidents": int(incidents),
        "responded": int(responded),
        "resolved": int(resolved),
        "median_response_seconds": _whole(response[0]),
        "mean_response_seconds": _whole(response_mean),
        "p90_response_seconds": _whole(response[1]),
        "median_resolution_seconds": _whole(resolution[0]),
        "mean_resolution_seconds": _whole(resolution_mean),
        "p90_resolution_seconds": _whole(resolution[1]),
        "response_sla_met": int(response_met),
        "response_sla_breached": int(response_breached),
        "response_sla_met_pct": _pct(int(response_met), int(response_breached)),
        "resolution_sla_met": int(resolution_met),
        "resolution_sla_breached": int(resolution_breached),
        "resolution_sla_met_pct": _pct(int(resolution_met), int(resolution_breached)),
        "first_contact_resolved": int(first_contact),
        "first_contact_resolution_pct": _pct(
            int(first_contact), int(resolved) - int(first_contact)
        ),
    }


def _whole(value: Any) -> int | None:
    """Seconds rounded to the nearest whole second, halves up."""
    return None if value is None else math.floor(float(value) + 0.5)


def _pct(met: int, breached: int) -> float | None:
    decided = met + breached
    return None if decided == 0 else round(100.0 * met / decided, 1)


class _Dialect:
    """The few expressions that SQLite and PostgreSQL spell differently."""

    def __init__(self, name: str) -> None:
        self.sqlite = name == "sqlite"

    def epoch(self, column: str) -> str:
        """Whole seconds since 1970 of a timestamp column (stored to the second)."""
        if self.sqlite:  # naive UTC text; julianday is exact to the millisecond
            return f"CAST(ROUND((julianday({column}) - 2440587.5) * 86400.0) AS INTEGER)"
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"

    def least(self, *terms: str) -> str:
        return f"{'MIN' if self.sqlite else 'LEAST'}({', '.join(terms)})"

    def greatest(self, *terms: str) -> str:
        return f"{'MAX' if self.sqlite else 'GREATEST'}({', '.join(terms)})"


class MttrPlan:
    """The MTTR statement for one dialect, policy and key.

    In stages, each fenced off (``OFFSET 0``) so that neither database copies a
    stage's expressions into the next one and computes them twice. The stages are
    nested subqueries rather than CTEs: SQLite streams those (co-routines) but
    wrote every fenced CTE to a temporary table (a million rows four times).
    Only ``base``, which is read three times, is materialized:

    1. ``raw``: per incident, its key, times as epoch seconds, its priority's
       targets (``tr``, ``ts``) and whether they count business hours (``biz``);
       with ``business``, ``worked``: the working time before each instant
       (``F``), looked up once per instant;
    2. ``timed``: how far over its target each SLA clock is. When the wall clock
       is under the target, so is working time, and nothing more is counted;
       otherwise working time is looked up (``F``);
    3. ``paused``: the resolution clock, if over by working time, less its pauses
       (holds, and the time between a resolution and a reopen); ``base``: the
       durations and each clock's outcome as 0/1 flags (narrow rows sort faster);
    4. counts and means per key, and medians and 90th percentiles by rank.
    """

    def __init__(
        self, sql: _Dialect, policy: Policy, by: str, business: bool, now: datetime
    ) -> None:
        self.sql = sql
        self.policy = policy
        self.business = business
        self.now = now
        self.columns = ("category",) if by == "category" else COLUMNS[by]
        self.calendar = policy.business()
        self.business_priorities = [
            p.value for p in Priority if policy.targets[p].calendar == "business"
        ]
        self.needs_working_time = business or bool(self.business_priorities)
        self.intervals: list[dict[str, int]] = []
        """The business calendar's working intervals from the start of the report to now."""

    @property
    def fence(self) -> str:
        return "LIMIT -1 OFFSET 0" if self.sql.sqlite else "OFFSET 0"

    def f(self, moment: str) -> str:
        """Working seconds on the business calendar before ``moment`` (epoch seconds).

        SQLite looks the interval up in the temporary table by its primary key;
        PostgreSQL finds it with ``width_bucket`` (a binary search) in arrays bound
        as parameters, which costs far less than a sub-plan per value.
        """
        if self.sql.sqlite:
            clip = self.sql.least(self.sql.greatest(f"{moment} - w.s", "0"), "w.e - w.s")
            return (
                f"COALESCE((SELECT w.c + {clip} FROM {_WORK_TABLE} w WHERE w.s <= {moment} "
                "ORDER BY w.s DESC LIMIT 1), 0)"
            )
        at = f"width_bucket({moment}, CAST(:ws AS BIGINT[]))"
        start, end = f"(CAST(:ws AS BIGINT[]))[{at}]", f"(CAST(:we AS BIGINT[]))[{at}]"
        clip = f"LEAST(GREATEST({moment} - {start}, 0), {end} - {start})"
        return f"COALESCE((CAST(:wc AS BIGINT[]))[{at}] + {clip}, 0)"

    def worked(self, start: str, end: str, biz: str = "biz") -> str:
        """Working seconds in ``[start, end)`` on the incident's priority's calendar."""
        if not self.business_priorities:
            return f"{end} - {start}"
        return f"CASE WHEN {biz} = 1 THEN {self.f(end)} - {self.f(start)} ELSE {end} - {start} END"

    def targets(self) -> str:
        """``tr``, ``ts`` and ``biz`` of the incident's priority, as CASEs on it (cheaper
        than a join for SQLite, which would scan the little table once per incident)."""
        cases: dict[str, list[str]] = {"tr": [], "ts": [], "biz": []}
        for priority in Priority:
            response = self.policy.target(priority.value, "response")
            resolution = self.policy.target(priority.value, "resolution")
            assert response is not None
            assert resolution is not None
            when = f"WHEN '{priority.value}' THEN"
            cases["tr"].append(f"{when} {response.seconds!r}")
            cases["ts"].append(f"{when} {resolution.seconds!r}")
            cases["biz"].append(f"{when} {int(priority.value in self.business_priorities)}")
        return ", ".join(
            f"CASE i.priority {' '.join(whens)} {'ELSE 0 ' if name == 'biz' else ''}END AS {name}"
            for name, whens in cases.items()
        )

    def gaps(self) -> str:
        """Pauses of the resolution clock before it ended: from each status event into
        ``on_hold`` or ``resolved`` to the next status event (or now)."""
        ends = (
            "COALESCE((SELECT MIN(n.at) FROM events n WHERE n.incident_id = e.incident_id "
            "AND n.field = 'status' AND n.id > e.id), :now)"
        )
        worked = self.worked(self.sql.epoch("e.at"), self.sql.epoch(ends), biz="t.biz")
        return (
            f"COALESCE((SELECT SUM({worked}) FROM events e WHERE e.incident_id = t.id "
            "AND e.field = 'status' AND e.new IN ('on_hold', 'resolved') "
            "AND e.at < COALESCE(t.resolved_at, :now)), 0)"
        )

    def statement(
        self, since: datetime, until: datetime, *, stored: bool = False, ranks: bool = True
    ) -> Any:
        """``stored``: decided incidents from stored outcomes; no ``ranks``: see :func:`walked`."""
        epoch = self.sql.epoch
        keys = [f"k{n}" for n in range(len(self.columns))]
        k = ", ".join(keys)
        picked = ", ".join(f"i.{c} AS k{n}" for n, c in enumerate(self.columns))
        counts_now = int(self.calendar.is_working_time(self.now - timedelta(seconds=1)))
        names = ", ".join(f"'{p}'" for p in self.business_priorities) or "NULL"
        ticks = f"CASE WHEN i.priority IN ({names}) THEN {counts_now} ELSE 1 END"
        raw = (
            f"SELECT i.id, {picked}, i.resolved_at, {self.targets()}, "
            f"{epoch('i.reported_at')} AS reported, {epoch('i.responded_at')} AS responded, "
            f"{epoch('i.resolved_at')} AS resolved, "
            f"CASE WHEN i.responded_at IS NULL THEN {ticks} ELSE 0 END AS response_ticks, "
            f"CASE WHEN i.status IN ('new', 'in_progress') THEN {ticks} ELSE 0 END "
            f"AS resolution_ticks, {FIRST_CONTACT} AS fcr "
            "FROM incidents i WHERE i.reported_at >= :since AND i.reported_at < :until "
            f"AND i.status <> 'cancelled' {f'AND {RUNNING}' if stored else ''} {self.fence}"
        )
        if self.business:
            # Each instant's working time is looked up once (``w*``, NULL for a clock
            # not stopped) and used for the durations and the SLA clocks alike.
            worked = (
                f"SELECT raw.*, {self.f('reported')} AS wreported, "
                f"CASE WHEN responded IS NOT NULL THEN {self.f('responded')} END AS wresponded, "
                f"CASE WHEN resolved IS NOT NULL THEN {self.f('resolved')} END AS wresolved "
                f"FROM ({raw}) AS raw {self.fence}"
            )
            source = f"({worked}) AS worked"
            response, resolution = "wresponded - wreported", "wresolved - wreported"
        else:
            source = f"({raw}) AS raw"
            response, resolution = "responded - reported", "resolved - reported"
        over = {}
        stops = (("response", "tr", "responded"), ("resolution", "ts", "resolved"))
        for clock, target, stop in stops:
            end = f"COALESCE({stop}, :now_epoch)"
            if self.business and self.business_priorities:
                took = (
                    f"CASE WHEN biz = 1 THEN COALESCE(w{stop}, :now_worked) - wreported "
                    f"ELSE {end} - reported END"
                )
            else:
                took = self.worked("reported", end)
            over[clock] = (
                f"CASE WHEN {target} IS NULL THEN NULL "
                f"WHEN {end} - reported < {target} THEN {end} - reported - {target} "
                f"ELSE {took} - {target} END"
            )
        timed = (
            f"SELECT id, {k}, resolved_at, biz, response_ticks, resolution_ticks, fcr, "
            f"{response} AS response, {resolution} AS resolution, "
            "CASE WHEN responded IS NULL THEN 0 ELSE 1 END AS response_stopped, "
            "CASE WHEN resolved IS NULL THEN 0 ELSE 1 END AS resolution_stopped, "
            f"{over['response']} AS response_over, {over['resolution']} AS resolution_over "
            f"FROM {source} {self.fence}"
        )
        outcome = []
        for clock in ("response", "resolution"):
            over_, stopped, ticks_ = f"{clock}_over", f"{clock}_stopped", f"{clock}_ticks"
            outcome += [
                f"CASE WHEN {stopped} = 1 AND {over_} <= 0 THEN 1 ELSE 0 END AS {clock}_met",
                f"CASE WHEN {over_} > 0 OR ({over_} = 0 AND {stopped} = 0 "
                f"AND {ticks_} = 0) THEN 1 ELSE 0 END AS {clock}_breached",
            ]
        # ``outcomes``: one row per incident, as narrow as it can be, since the counts
        # and each ranking sort it.
        paused = (
            f"SELECT {k}, response, resolution, response_over, response_stopped, "
            "response_ticks, resolution_stopped, resolution_ticks, fcr, "
            f"CASE WHEN resolution_over >= 0 THEN resolution_over - {self.gaps()} "
            f"ELSE resolution_over END AS resolution_over FROM ({timed}) AS t {self.fence}"
        )
        base = f"SELECT {k}, response, resolution, fcr, {', '.join(outcome)} FROM ({paused}) AS p"
        walked_ranks = counts_statement(self, FIRST_CONTACT, base) if stored and not ranks else ""
        if stored:
            base = f"{stored_rows(self, FIRST_CONTACT)} UNION ALL {base}"
        spread = {}
        group = ", ".join(f"r.{key}" for key in keys)
        for clock in ("response", "resolution"):
            window = f"PARTITION BY {k} ORDER BY {clock}"
            # PostgreSQL counts the partition in the same sort; a join on IS NOT DISTINCT
            # FROM could only be a nested loop. SQLite would sort once more for a count
            # over the partition: the count comes from ``counts`` instead, joined by key
            # (IS matches NULL keys).
            count = "" if self.sql.sqlite else f", COUNT(*) OVER (PARTITION BY {k}) AS n"
            ranked = (
                f"SELECT {k}, {clock} AS d, ROW_NUMBER() OVER ({window}) AS rn{count} "
                f"FROM base WHERE {clock} IS NOT NULL"
            )
            if self.sql.sqlite:
                same = " AND ".join(f"c.{key} IS r.{key}" for key in keys)
                source, n = f"({ranked}) AS r JOIN counts c ON {same}", f"c.{clock}s"
            else:
                source, n = f"({ranked}) AS r", "r.n"
            middle = f"(({n} + 1) / 2, ({n} + 2) / 2)"
            spread[clock] = (
                f"SELECT '{clock}', {group}, AVG(CASE WHEN r.rn IN {middle} THEN r.d END), "
                f"MAX(CASE WHEN r.rn = (9 * {n} + 9) / 10 THEN r.d END), "
                "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
                f"FROM {source} WHERE r.rn IN (({n} + 1) / 2, ({n} + 2) / 2, (9 * {n} + 9) / 10) "
                f"GROUP BY {group}"
            )
        counts = (
            f"SELECT {k}, COUNT(*) AS incidents, COUNT(response) AS responses, "
            "COUNT(resolution) AS resolutions, AVG(response) AS response_mean, "
            "AVG(resolution) AS resolution_mean, SUM(response_met) AS response_met, "
            "SUM(response_breached) AS response_breached, "
            "SUM(resolution_met) AS resolution_met, "
            "SUM(resolution_breached) AS resolution_breached, SUM(fcr) AS fcr "
            f"FROM base GROUP BY {k}"
        )
        statement = (
            f"WITH base AS ({base}), counts AS ({counts}) "
            f"SELECT 'all', {k}, incidents, responses, resolutions, response_mean, "
            "resolution_mean, response_met, response_breached, resolution_met, "
            f"resolution_breached, fcr FROM counts "
        )
        if ranks:
            statement += f"UNION ALL {spread['response']} UNION ALL {spread['resolution']}"
        statement = walked_ranks or statement

        params = [
            stamp("since", since),
            stamp("until", until),
            stamp("now", self.now),
            bindparam("now_epoch", int(self.now.timestamp())),
        ]
        if self.business and self.business_priorities:
            worked_now = sum(row["e"] - row["s"] for row in self.intervals)
            params.append(bindparam("now_worked", worked_now))
        if self.needs_working_time and not self.sql.sqlite:
            params += [
                bindparam(name, [row[name[1]] for row in self.intervals])
                for name in ("ws", "we", "wc")
            ]
        return text(statement).bindparams(*params)


SORT_THREADS = 4
"""At most this many helper threads for SQLite's sorter (``PRAGMA threads``)."""


@contextmanager
def _sort_threads(connection: Connection) -> Iterator[None]:
    """SQLite sorts with the calling thread alone unless told otherwise; MTTR's sorts
    (counts by key, ranks of each duration) take a quarter less time with helpers
    on two cores. Set for the report, then back (the connection is pooled)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA threads").scalar()
    connection.exec_driver_sql(f"PRAGMA threads = {min(os.cpu_count() or 1, SORT_THREADS)}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA threads = {int(before or 0)}")


@contextmanager
def _working_time(
    connection: Connection, plan: MttrPlan, start: datetime, now: datetime
) -> Iterator[None]:
    """The business calendar's working intervals from ``start`` to ``now`` as rows ``(s, e,
    c)``: start and end in epoch seconds, working seconds before ``s``; for SQLite in a
    temporary table, for PostgreSQL kept on the plan (bound as arrays)."""
    if not plan.needs_working_time:
        yield
        return
    rows = plan.intervals = list(intervals(plan.calendar, start, now))
    if not plan.sql.sqlite:
        yield
        return
    integer = "INTEGER" if plan.sql.sqlite else "BIGINT"
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {_WORK_TABLE}")
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_WORK_TABLE} (s {integer} PRIMARY KEY, "
        f"e {integer} NOT NULL, c {integer} NOT NULL)"
    )
    try:
        if rows:
            connection.execute(
                text(f"INSERT INTO {_WORK_TABLE} (s, e, c) VALUES (:s, :e, :c)"), rows
            )
        yield
    finally:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {_WORK_TABLE}")
