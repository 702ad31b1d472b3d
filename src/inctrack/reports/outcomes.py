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

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inctrack.reports.mttr import MttrPlan

DECIDED = "i.response_seconds IS NOT NULL AND i.resolution_clock_seconds IS NOT NULL"
"""An incident both of whose clocks have stopped: its row comes from stored columns."""


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
