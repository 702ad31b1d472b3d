"""SLA clocks, computed from the event history, never stored.

Each incident has two clocks. The **response** clock runs from ``reported_at``
until the first response. The **resolution** clock runs from ``reported_at``
while the incident is new or in progress; it pauses on hold, stops at
resolution, and runs again after a reopen. Time counts on the priority's
calendar (24x7 or business hours), so every figure can be explained segment
by segment and replayed at any past moment (``as_of``).

The current priority's targets apply from ``reported_at``: re-prioritizing an
incident re-judges it as if it had had that priority from the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple

from inctrack.domain import Status
from inctrack.sla.calendar import Calendar

ClockName = Literal["response", "resolution"]
CLOCKS: tuple[ClockName, ...] = ("response", "resolution")

RUNNING = {
    "response": frozenset({Status.NEW}),
    "resolution": frozenset({Status.NEW, Status.IN_PROGRESS}),
}
PAUSED = frozenset({Status.ON_HOLD})
NOTHING_DUE = frozenset({"met", "cancelled", "none"})
"""Clock states with no due time: stopped in time, stopped by a cancellation, no target."""


class Change(NamedTuple):
    """A status change, as the clocks need it (from an event).

    Tuples, not dataclasses: a report builds tens of thousands of these.
    """

    at: datetime
    status: Status
    kind: str
    actor: str
    message: str | None = None


@dataclass(frozen=True)
class Target:
    """What a clock must meet: ``spec`` (as configured, e.g. ``4h``) on ``calendar``."""

    spec: str
    seconds: float
    calendar: Calendar


class Phase(NamedTuple):
    start: datetime
    end: datetime | None
    """None: still going at ``as_of``."""
    state: Literal["running", "paused", "stopped"]
    change: Change | None
    """The event that began the phase (None for the report itself)."""


@dataclass(frozen=True)
class SlaClock:
    """One SLA clock of one incident as it stood at ``as_of``. Named apart from
    :class:`inctrack.clock.Clock`, the time source, which the same code often holds."""

    name: ClockName
    target: Target | None
    state: str
    elapsed: float
    due_at: datetime | None
    phases: tuple[Phase, ...]

    @property
    def remaining(self) -> float | None:
        return None if self.target is None else self.target.seconds - self.elapsed

    def record(self) -> dict[str, Any]:
        from inctrack.records import timestamp

        return {
            "target": self.target.spec if self.target else None,
            "target_seconds": _seconds(self.target.seconds) if self.target else None,
            "calendar": self.target.calendar.name if self.target else None,
            "due_at": timestamp(self.due_at),
            "elapsed_seconds": _seconds(self.elapsed) if self.target else None,
            "remaining_seconds": _seconds(self.remaining) if self.target else None,
            "state": self.state,
        }


def phases(
    clock: ClockName,
    reported_at: datetime,
    changes: Sequence[Change],
    as_of: datetime,
    origin: Change | None = None,
) -> list[Phase]:
    """The clock's running / paused / stopped stretches from the report up to ``as_of``.

    ``origin`` is the event that started it all (the log), shown on the first stretch.
    """
    result: list[Phase] = []
    state = _state(clock, Status.NEW, stopped_before=False)
    start, cause = reported_at, origin
    stopped = False
    for change in changes:
        if change.at > as_of:
            break
        if clock == "response" and stopped:
            break  # the first response stops the response clock for good
        new_state = _state(clock, change.status, stopped_before=stopped)
        if new_state == "stopped":
            stopped = True
        if new_state == state:
            continue
        result.append(Phase(start, change.at, state, cause))
        state, start, cause = new_state, change.at, change
    result.append(Phase(start, None, state, cause))
    return [p for p in result if p.end is None or p.end > p.start]


def _state(
    clock: ClockName, status: Status, *, stopped_before: bool
) -> Literal["running", "paused", "stopped"]:
    if clock == "response" and (stopped_before or status not in (Status.NEW, Status.ON_HOLD)):
        return "stopped"
    if status in RUNNING[clock]:
        return "running"
    if status in PAUSED:
        return "paused"
    return "stopped"


def compute(
    clock: ClockName,
    *,
    reported_at: datetime,
    changes: Sequence[Change],
    target: Target | None,
    as_of: datetime,
    at_risk: float,
    origin: Change | None = None,
) -> SlaClock:
    """One clock of one incident, as it stood at ``as_of``."""
    stretch = phases(clock, reported_at, changes, as_of, origin)
    if target is None:
        return SlaClock(clock, None, "none", 0.0, None, tuple(stretch))
    calendar = target.calendar
    elapsed = 0.0
    due_at: datetime | None = None
    for phase in stretch:
        if phase.state != "running":
            continue
        end = phase.end or as_of
        worked = calendar.working_seconds(phase.start, end)
        if due_at is None and elapsed + worked >= target.seconds:
            due_at = calendar.add_working(phase.start, target.seconds - elapsed)
        elapsed += worked
    last = stretch[-1].state if stretch else "running"
    if due_at is None and last == "running":
        due_at = calendar.add_working(as_of, target.seconds - elapsed)
    # Used up exactly at the due time is not yet late; any moment after it is, even
    # outside business hours, when elapsed working time stays at the target.
    overdue = due_at is not None and as_of > due_at and last != "stopped"
    if elapsed > target.seconds or (elapsed >= target.seconds and overdue):
        state = "breached"
    elif last == "stopped" and _cancelled(stretch[-1]):
        state = "cancelled"
    elif last == "stopped":
        state = "met"
    elif last == "paused":
        state = "paused"
    elif elapsed >= at_risk * target.seconds:
        state = "at_risk"
    else:
        state = "ok"
    return SlaClock(clock, target, state, elapsed, due_at, tuple(stretch))


def _cancelled(phase: Phase) -> bool:
    """Whether the clock was stopped by cancelling the incident, not by meeting it."""
    return phase.change is not None and phase.change.status is Status.CANCELLED


def segments(clock: SlaClock, as_of: datetime) -> list[dict[str, Any]]:
    """The clock explained: each stretch with the event that began it.

    Running stretches on a business calendar are split into working time and
    time outside business hours, which does not count.
    """
    from inctrack.records import timestamp

    calendar = clock.target.calendar if clock.target else None
    out: list[dict[str, Any]] = []

    def add(start: datetime, end: datetime | None, state: str, change: Change | None,
            counted: float = 0.0) -> None:  # fmt: skip
        out.append({
            "start": timestamp(start),
            "end": timestamp(end),
            "state": state,
            "counted_seconds": _seconds(counted),
            "reason": change.message if change and state == "paused" else None,
            "event": None if change is None else {
                "kind": change.kind, "at": timestamp(change.at), "actor": change.actor,
            },
        })  # fmt: skip

    for phase in clock.phases:
        if phase.state != "running" or calendar is None:
            add(phase.start, phase.end, phase.state, phase.change)
            continue
        cursor, cause = phase.start, phase.change
        end = phase.end or as_of
        for work_start, work_end in calendar.working_intervals(phase.start, end):
            if work_start > cursor:
                add(cursor, work_start, "outside_hours", None)
            add(work_start, work_end, "running", cause, (work_end - work_start).total_seconds())
            cursor, cause = work_end, None
        if cursor < end:
            add(cursor, end, "outside_hours", None)
        if phase.end is None and out:
            out[-1]["end"] = None  # still going
    return out


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)
