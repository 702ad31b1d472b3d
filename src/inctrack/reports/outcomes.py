"""MTTR from the stored clock outcomes (:mod:`inctrack.sla.outcomes`, migration 0015).

An incident whose clocks have both stopped (answered and resolved) has its
durations and its clocks' elapsed time stored on both calendars, so its row of
the MTTR statement is a plain read: the durations in the report's kind of time,
and each clock judged in SQL against the *current* targets of its priority, on
that priority's calendar (``elapsed <= target``: met; otherwise breached). The
few others (a clock still running, judged now) keep the computation from events
of :mod:`inctrack.reports.mttr`; both kinds of rows then go through the same
counts and rankings, so the report is the same either way.

Why ``elapsed <= target`` is the same verdict as the computation from events:
that one calls a stopped clock met when its wall time is under the target, or
its working time is, or its working time less its pauses is; working time never
exceeds wall time and pauses are never negative, so all three come to the last.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from inctrack.domain import Priority
from inctrack.reports.query import stamp
from inctrack.sla.calendar import Calendar

PRIORITIES = (*(p.value for p in Priority), None)
if TYPE_CHECKING:
    from inctrack.reports.mttr import MttrPlan

DECIDED = "i.response_seconds IS NOT NULL AND i.resolution_seconds IS NOT NULL"
"""An incident both of whose clocks have stopped: its row comes from stored columns."""
RUNNING = "(i.response_seconds IS NULL OR i.resolution_seconds IS NULL)"
"""The others, spelled as the partial index ``ix_incidents_running`` (migration 0015)."""


def stored_rows(plan: MttrPlan, first_contact: str) -> str:
    """The per-incident rows of the MTTR statement's ``base`` for decided incidents:
    key, durations, first-contact flag and the four SLA outcome flags."""
    picked = ", ".join(f"i.{c} AS k{n}" for n, c in enumerate(plan.columns))
    keys = ", ".join(f"k{n}" for n in range(len(plan.columns)))
    kind = "_business" if plan.business else ""
    elapsed = {
        "response": ("response_seconds", "response_business_seconds"),
        "resolution": ("resolution_clock_seconds", "resolution_clock_business_seconds"),
    }
    values = []
    for clock, target in (("response", "tr"), ("resolution", "ts")):
        wall, worked = elapsed[clock]
        took = f"CASE WHEN biz = 1 THEN {worked} ELSE {wall} END"
        values += [
            f"CASE WHEN {took} <= {target} THEN 1 ELSE 0 END AS {clock}_met",
            f"CASE WHEN {took} > {target} THEN 1 ELSE 0 END AS {clock}_breached",
        ]
    read = (
        f"SELECT {picked}, {plan.targets()}, i.response{kind}_seconds AS response, "
        f"i.resolution{kind}_seconds AS resolution, {first_contact} AS fcr, "
        "i.response_seconds, i.response_business_seconds, i.resolution_clock_seconds, "
        "i.resolution_clock_business_seconds "
        "FROM incidents i WHERE i.reported_at >= :since AND i.reported_at < :until "
        f"AND i.status <> 'cancelled' AND {DECIDED}"
    )
    return f"SELECT {keys}, response, resolution, fcr, {', '.join(values)} FROM ({read}) AS stored"


_SUMS = ("response_met", "response_breached", "resolution_met", "resolution_breached", "fcr")


def counts_statement(plan: MttrPlan, first_contact: str, running: str) -> str:
    """The ``all`` rows of the MTTR statement (counts, means, SLA outcomes per key) when
    the ranks are :func:`walked`: the decided incidents aggregated straight from the
    table, which SQLite reads along ``ix_incidents_priority_reported_at`` for ``--by
    priority`` so that grouping needs no sort; ``running`` (the per-incident rows of
    the others, computed from events) aggregated apart; then the two added up."""
    keys = ", ".join(f"k{n}" for n in range(len(plan.columns)))
    part = (
        f"SELECT {keys}, COUNT(*) AS incidents, COUNT(response) AS responses, "
        "COUNT(resolution) AS resolutions, SUM(response) AS response_sum, "
        f"SUM(resolution) AS resolution_sum, {', '.join(f'SUM({c}) AS {c}' for c in _SUMS)} "
        "FROM ({rows}) AS r GROUP BY " + keys
    )
    decided = stored_rows(plan, first_contact)
    if plan.sql.sqlite and plan.columns == ("priority",):
        decided = decided.replace(
            "FROM incidents i WHERE",
            "FROM incidents i INDEXED BY ix_incidents_priority_reported_at WHERE",
        )
    both = f"{part.format(rows=decided)} UNION ALL {part.format(rows=running)}"
    mean = "1.0 * SUM({0}_sum) / NULLIF(SUM({0}s), 0)"
    return (
        f"SELECT 'all', {keys}, SUM(incidents), SUM(responses), SUM(resolutions), "
        f"{mean.format('response')}, {mean.format('resolution')}, "
        f"{', '.join(f'SUM({c})' for c in _SUMS)} FROM ({both}) AS parts GROUP BY {keys}"
    )


WALKED = ("priority",)
"""Keys whose medians and 90th percentiles are read along an index of stored durations
(``ix_incidents_priority_<duration>``, migration 0015) instead of ranked by a sort."""


def worth_walking(connection: Connection, by: str, since: datetime, until: datetime) -> bool:
    """Whether to rank along the duration indexes (:func:`walked`): for a key in
    :data:`WALKED`, when the span holds at least half of all incidents (``MAX(id)``
    counts them). The walks go through every duration of the key, in the span or not:
    over a few weeks of a long history a sort of the span's rows costs less."""
    if by not in WALKED:
        return False
    total = connection.execute(text("SELECT MAX(id) FROM incidents")).scalar() or 0
    span = text(
        "SELECT COUNT(*) FROM incidents WHERE reported_at >= :since AND reported_at < :until"
    ).bindparams(stamp("since", since), stamp("until", until))
    return 2 * int(connection.execute(span).scalar() or 0) >= int(total)


def walked(
    connection: Connection,
    plan: MttrPlan,
    since: datetime,
    until: datetime,
    counts: dict[Any, tuple[int, int]],
) -> dict[Any, dict[str, tuple[float | None, float | None]]]:
    """``{priority: {"response": (median, p90), "resolution": (median, p90)}}`` from the
    stored durations, each rank one ``LIMIT``/``OFFSET`` walk along the index
    ``(priority, duration, reported_at)``: no sort. The same ranks as the statement's
    ``ROW_NUMBER()`` among the ``n`` durations ``counts`` gives per key (responses,
    resolutions): the middle one or two, walked from the bottom, and the ``ceil(0.9
    n)``-th, walked from the top."""
    kind = "_business" if plan.business else ""
    found: dict[Any, dict[str, tuple[float | None, float | None]]] = {}
    bounds = [stamp("since", since), stamp("until", until)]
    for number, clock in enumerate(("response", "resolution")):
        column = f"{clock}{kind}_seconds"
        for key, totals in counts.items():
            n = totals[number]
            if key not in PRIORITIES or not n:
                continue
            match = "i.priority IS NULL" if key is None else f"i.priority = '{key}'"
            nth = {
                order: text(
                    f"SELECT i.{column} FROM incidents i WHERE {match} AND i.{column} IS NOT "
                    "NULL AND i.reported_at >= :since AND i.reported_at < :until "
                    f"ORDER BY i.{column} {order} LIMIT :n OFFSET :skip"
                ).bindparams(*bounds)
                for order in ("ASC", "DESC")
            }
            low = (n + 1) // 2
            middle = [r[0] for r in connection.execute(nth["ASC"], {"n": 2, "skip": low - 1})]
            top = {"n": 1, "skip": n - (9 * n + 9) // 10}
            p90 = connection.execute(nth["DESC"], top).scalar()
            if not middle:  # stored durations missing: ``db check`` says so
                continue
            median = middle[0] if n % 2 or len(middle) < 2 else (middle[0] + middle[1]) / 2
            found.setdefault(key, {})[clock] = (median, p90)
    return found


def intervals(calendar: Calendar, start: datetime, end: datetime) -> Iterator[dict[str, int]]:
    """The calendar's working intervals from ``start`` to ``end`` as rows ``(s, e, c)``
    (epoch seconds; ``c``: the working seconds before ``s``), for MTTR's look-ups."""
    total = 0
    for low, high in calendar.working_intervals(start, end):
        s, e = round(low.timestamp()), round(high.timestamp())
        if e > s:
            yield {"s": s, "e": e, "c": total}
            total += e - s
