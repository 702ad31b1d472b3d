"""What `report sla` and `sla ID` say: the rows, the breach count, the verdict.

The command line parses and prints; which incidents a report lists, how each
reads, and which exit code ends ``--fail-on-breach`` are decided here, so a
script calling the library gets the same answer as a cron job calling the
command.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from inctrack.domain import Priority, format_incident_id
from inctrack.errors import ExitCode
from inctrack.records import Record
from inctrack.sla.compute import segments

if TYPE_CHECKING:
    from inctrack.incidents.tracker import Tracker
    from inctrack.sla.evaluate import Clocks


@dataclass(frozen=True)
class SlaReport:
    """The incidents `report sla` lists, as printed, and what they add up to."""

    records: list[Record]
    breaches: int
    """How many listed incidents have a breached clock (the on-breach hook's count)."""
    verdict: ExitCode
    """How ``--fail-on-breach`` ends: see :func:`breach_verdict`."""


def sla_report(
    tracker: Tracker,
    *,
    as_of: datetime | None,
    states: Sequence[str],
    priorities: Sequence[Priority],
    group: str | None,
) -> SlaReport:
    """Open incidents with clocks in ``states``, most urgent first, each as its record
    rewound to ``as_of``: one call, so the rows, the count and the verdict agree."""
    found = tracker.sla_report(as_of=as_of, states=states, priorities=priorities, group=group)
    records = [{**tracker.record(c.incident, clocks=c), **c.then()} for c in found]
    breaches = sum(1 for c in found if c.worst == "breached")
    return SlaReport(records, breaches, breach_verdict(found))


def breach_verdict(clocks: Iterable[Clocks]) -> ExitCode:
    """``BREACHED`` if any clock is breached, else ``AT_RISK`` if any is at risk, else
    ``OK``: a cron job alerts on the exit code without parsing the report."""
    worst = {c.worst for c in clocks}
    if "breached" in worst:
        return ExitCode.BREACHED
    if "at_risk" in worst:
        return ExitCode.AT_RISK
    return ExitCode.OK


def explain(tracker: Tracker, ref: str | int, *, as_of: datetime) -> Record:
    """`sla ID`: both clocks of one incident as of ``as_of``, each with the segments
    that make up its elapsed time, so a disputed breach can be checked by hand."""
    clocks = tracker.sla(ref, as_of=as_of)
    record: Record = {"id": format_incident_id(clocks.incident.id), "as_of": as_of.isoformat()}
    for name, clock in (("response", clocks.response), ("resolution", clocks.resolution)):
        record[name] = {**clock.record(), "segments": segments(clock, as_of)}
    return record
