"""What a review says that nobody writes: read from the incident's timeline.

The moments a review measures from the first report (``reported_at``):

- **detected**: when the desk logged it (``logged_at``);
- **responded**: the first response (``responded_at``);
- **mitigated**: the first stakeholder update in state ``monitoring`` or
  ``resolved`` (the fix is in and being watched), else the resolution;
- **resolved**: the resolution (``resolved_at``).

The impact window runs from the first report to recovery (mitigation). Durations
are wall-clock seconds: a review measures what users lived through, not the
working time an SLA counts (the SLA outcomes are given beside them).
Facts are read each time the review is shown, so a review always agrees with the
timeline it came from.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from inctrack.domain import format_incident_id, format_problem_id
from inctrack.records import Record, event_record, timestamp

if TYPE_CHECKING:
    from inctrack.incidents.tracker import Tracker
    from inctrack.storage.models import Incident

RECOVERY_STATES = ("monitoring", "resolved")
"""Update states that mark the service as recovered (mitigated)."""

QUIET_KINDS = frozenset({"note", "update"})
"""Event kinds left out of the key events: work notes, and updates (listed on their own)."""

MEASURES = ("detect", "respond", "mitigate", "resolve")


def facts(tracker: Tracker, incident: Incident) -> Record:
    """The generated part of ``incident``'s review, as a JSON-ready record."""
    updates = tracker.updates.of(incident.id)
    recovered = next((u.at for u in updates if u.state in RECOVERY_STATES), None)
    moments: dict[str, datetime | None] = {
        "reported": incident.reported_at,
        "detected": incident.logged_at,
        "responded": incident.responded_at,
        "mitigated": recovered or incident.resolved_at,
        "resolved": incident.resolved_at,
    }
    ends = dict(zip(MEASURES, ("detected", "responded", "mitigated", "resolved"), strict=True))
    clocks = tracker.sla(incident.id, as_of=incident.resolved_at or tracker.work.now())
    sla = clocks.record()
    return {
        "incident": format_incident_id(incident.id),
        "summary": {
            "title": incident.title, "priority": incident.priority, "major": incident.major,
            "impact": incident.impact, "urgency": incident.urgency,
            "category": incident.category, "status": incident.status,
            "resolution_code": incident.resolution_code,
            "resolution_note": incident.resolution_note,
            "problem": format_problem_id(incident.problem_id) if incident.problem_id else None,
        },
        "services": [incident.service] if incident.service else [],
        "impact_window": {
            "start": timestamp(moments["reported"]),
            "end": timestamp(moments["mitigated"]),
            "seconds": _seconds(moments["reported"], moments["mitigated"]),
        },
        "moments": {f"{name}_at": timestamp(at) for name, at in moments.items()},
        "durations": {
            f"time_to_{measure}_seconds": _seconds(incident.reported_at, moments[ends[measure]])
            for measure in MEASURES
        },
        "roles": _roles(incident),
        "sla": {name: _outcome(clock) for name, clock in sla.items()},
        "key_events": [
            event_record(e) for e in tracker.events(incident) if e.kind not in QUIET_KINDS
        ],
        "public_updates": [
            {"at": timestamp(u.at), "state": u.state, "actor": u.actor, "message": u.message}
            for u in updates
            if u.public
        ],
    }  # fmt: skip


def _roles(incident: Incident) -> Record:
    roles: Record = {"owner": incident.owner, "group": incident.assignment_group,
                     "assignee": incident.assignee}  # fmt: skip
    roles.update(dict(sorted((incident.roles or {}).items())))
    return roles


def _outcome(clock: dict[str, Any]) -> Record:
    """An SLA clock as a review states it: its target and how it ended (met, breached,
    cancelled, or none when no target applied)."""
    return {"target": clock["target"], "due_at": clock["due_at"], "outcome": clock["state"]}


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))
