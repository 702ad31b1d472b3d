"""Problem records ``PRB-n``: the underlying cause behind recurring incidents.

``Problems(tracker)`` works in the tracker's unit of work, as its actor and
with its clock, with the same rules: authorization by ``access.PERMISSIONS``
(``manage-problems``, ``close-problem``; linking an incident is the incident
verb ``link-problem``), one event per changed field in ``problem_events``
(append-only), and a timeline that only moves forward (``--at``).

A problem moves through the literal table :data:`MOVES`:
``open → known-error → resolved → closed``, with ``resolved → open`` when the
fix did not hold, and ``open|known-error → closed`` for a problem that is
dropped. ``closed`` is final.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from inctrack.domain import (
    OPEN_STATUSES,
    ProblemStatus,
    ResolutionCode,
    Status,
    format_problem_id,
    optional_text,
    parse_incident_ref,
    parse_problem_ref,
)
from inctrack.errors import NotFound, Rejected
from inctrack.incidents.tracker import Tracker
from inctrack.lifecycle import Verb
from inctrack.problems import patterns
from inctrack.records import Record, problem_record
from inctrack.storage.models import Incident, Problem, ProblemEvent
from inctrack.work import Change, UnitOfWork

OPEN, KNOWN_ERROR = ProblemStatus.OPEN, ProblemStatus.KNOWN_ERROR
RESOLVED, CLOSED = ProblemStatus.RESOLVED, ProblemStatus.CLOSED

MOVES: dict[tuple[ProblemStatus, ProblemStatus], str] = {
    (OPEN, KNOWN_ERROR): "known_error",
    (OPEN, RESOLVED): "resolved",
    (OPEN, CLOSED): "closed",
    (KNOWN_ERROR, RESOLVED): "resolved",
    (KNOWN_ERROR, CLOSED): "closed",
    (RESOLVED, CLOSED): "closed",
    (RESOLVED, OPEN): "reopened",
}
"""(status, new status) -> the ``kind`` of the event that records the move.

Any other pair is refused (exit 4); ``closed`` is final and takes no change at all.
"""

NEEDS: dict[ProblemStatus, tuple[str, ...]] = {
    KNOWN_ERROR: ("root_cause", "workaround"),
    RESOLVED: ("root_cause",),
}
"""What a problem must have to enter a status: a known error has a documented
root cause and workaround; a resolved problem has a root cause."""

INCIDENT_CODES = (ResolutionCode.FIXED, ResolutionCode.WORKAROUND)
"""How ``problem resolve --resolve-incidents`` may resolve the incidents."""

MAX_TITLE = 200
FIELDS = ("title", "description", "root_cause", "workaround")


def next_status(current: ProblemStatus, target: ProblemStatus, *, problem_id: str) -> str:
    """The event kind of the move, or Rejected naming the moves there are."""
    kind = MOVES.get((current, target))
    if kind is not None:
        return kind
    if current is CLOSED:
        raise Rejected(f"Cannot change {problem_id}: it is closed, which is final.")
    if current is target:
        raise Rejected(f"{problem_id} is already {current}.")
    allowed = [str(to) for (source, to) in MOVES if source is current]
    named = ", ".join(allowed[:-1]) + f" or {allowed[-1]}" if len(allowed) > 1 else allowed[0]
    raise Rejected(
        f"Cannot make {problem_id} {target}: it is {current}, and from {current} it can "
        f"become {named}."
    )


@dataclass
class Resolution:
    """What ``problem resolve`` did: the problem, and each open incident's fate."""

    problem: Problem
    resolved: list[Incident] = field(default_factory=list)
    skipped: list[Incident] = field(default_factory=list)
    """Open incidents left as they were: new ones, which need a response first."""


class Problems:
    """Problem records, read and written inside one tracker's transaction."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.work = tracker.work
        self.session = tracker.session

    # -- reading -------------------------------------------------------------

    def get(self, ref: str | int) -> Problem | None:
        return self.session.get(Problem, parse_problem_ref(ref))

    def get_or_raise(self, ref: str | int) -> Problem:
        problem = self.get(ref)
        if problem is None:
            raise NotFound(
                f"There is no problem {format_problem_id(parse_problem_ref(ref))}; "
                "`inctrack problem list --all` shows the ones that exist."
            )
        return problem

    def find(
        self, *, statuses: Sequence[ProblemStatus | str] = (), include_closed: bool = False
    ) -> list[Problem]:
        """Problems by number; without statuses, all but the closed ones."""
        statement = select(Problem).order_by(col(Problem.id))
        if statuses:
            wanted = [_status(s).value for s in statuses]
            statement = statement.where(col(Problem.status).in_(wanted))
        elif not include_closed:
            statement = statement.where(col(Problem.status) != CLOSED.value)
        return list(self.session.scalars(statement))

    def incidents(self, problems: Sequence[Problem]) -> dict[int, list[Incident]]:
        """Each problem's incidents, by number."""
        linked: dict[int, list[Incident]] = defaultdict(list)
        numbers = [p.id for p in problems]
        for start in range(0, len(numbers), 1000):
            statement = (
                select(Incident)
                .where(col(Incident.problem_id).in_(numbers[start : start + 1000]))
                .order_by(col(Incident.id))
            )
            for incident in self.session.scalars(statement):
                assert incident.problem_id is not None
                linked[incident.problem_id].append(incident)
        return linked

    def events(self, problem: Problem) -> list[ProblemEvent]:
        statement = (
            select(ProblemEvent)
            .where(col(ProblemEvent.problem_id) == problem.id)
            .order_by(col(ProblemEvent.id))
        )
        return list(self.session.scalars(statement))

    def record(self, problem: Problem, *, with_events: bool = False) -> Record:
        events = self.events(problem) if with_events else None
        return problem_record(problem, self.incidents([problem])[problem.id], events=events)

    def records(self, problems: Sequence[Problem]) -> list[Record]:
        linked = self.incidents(problems)
        return [problem_record(p, linked[p.id]) for p in problems]

    # -- writing -------------------------------------------------------------

    def create(
        self,
        title: str,
        *,
        description: str | None = None,
        incidents: Iterable[str | int] = (),
        at: datetime | None = None,
    ) -> Problem:
        """Record a new problem, open, and link the incidents it explains."""
        numbers = _unique(parse_incident_ref(ref) for ref in incidents)
        work = self.work
        work.authorize("manage-problems")
        now = work.now()
        when = work.when(at, now)
        problem = Problem(
            id=work.numbers.take("problem"),
            title=_title(title),
            description=optional_text(description),
            status=OPEN.value,
            created_at=when,
            created_by=work.actor,
            updated_at=when,
        )
        self.session.add(problem)
        self.session.flush()
        change = ProblemChange(self.work, problem, at=when, now=now)
        change.event("created", message=problem.title)
        for number in numbers:
            self._attach(number, change)
        return problem

    def create_from_pattern(
        self,
        title: str,
        query: patterns.PatternQuery,
        number: int,
        *,
        description: str | None = None,
        at: datetime | None = None,
    ) -> Problem:
        """A problem for candidate ``#number`` of ``report patterns`` with ``query``."""
        self.work.authorize("manage-problems")
        found = patterns.get_or_raise(self.session, query, number, now=self.work.now())
        return self.create(title, description=description, incidents=found.incidents, at=at)

    def update(
        self,
        ref: str | int,
        *,
        title: str | None = None,
        description: str | None = None,
        root_cause: str | None = None,
        workaround: str | None = None,
        status: ProblemStatus | str | None = None,
        note: str | None = None,
        at: datetime | None = None,
    ) -> Problem:
        """Change fields (one event each) and/or move the status along :data:`MOVES`.

        An empty ``description``, ``root_cause`` or ``workaround`` clears it.
        """
        values = (title, description, root_cause, workaround, status)
        if all(value is None for value in values):
            raise Rejected(
                "Say what changes: --title, --description, --root-cause, --workaround or --status."
            )
        target = _status(status) if status is not None else None
        change = self._begin(ref, at, closing=target is CLOSED)
        message = optional_text(note)
        if title is not None:
            change.update("title", _title(title), message=message)
        for name, value in (
            ("description", description),
            ("root_cause", root_cause),
            ("workaround", workaround),
        ):
            if value is not None:
                change.update(name, optional_text(value), message=message)
        if target is not None and target.value != change.problem.status:
            change.move(target, message=message)
        return change.problem

    def resolve(
        self,
        ref: str | int,
        *,
        root_cause: str | None = None,
        note: str | None = None,
        resolve_incidents: bool = False,
        code: ResolutionCode | str = ResolutionCode.FIXED,
        at: datetime | None = None,
    ) -> Resolution:
        """Resolve the problem and, with ``resolve_incidents``, its open incidents.

        Each incident is resolved by :meth:`Tracker.resolve`, with its own event
        and lifecycle check; ``new`` ones (nobody has responded yet) are skipped
        and reported. An already resolved problem only resolves its incidents.
        """
        how = _incident_code(code) if resolve_incidents else None
        change = self._begin(ref, at, closing=False)
        problem = change.problem
        message = optional_text(note)
        if root_cause is not None:
            change.update("root_cause", optional_text(root_cause), message=message)
        if problem.status != RESOLVED.value or not resolve_incidents:
            change.move(RESOLVED, message=message)
        outcome = Resolution(problem)
        if how is None:
            return outcome
        pid = format_problem_id(problem.id)
        text = f"{message} ({pid})" if message else f"Resolved with {pid}: {problem.title}"
        for incident in self.incidents([problem])[problem.id]:
            status = Status(incident.status)
            if status not in OPEN_STATUSES:
                continue
            if status is Status.NEW:
                outcome.skipped.append(incident)
                continue
            self.tracker.resolve(incident.id, code=how, note=text, at=change.at)
            outcome.resolved.append(incident)
        return outcome

    def link(
        self, ref: str | int, incidents: Iterable[str | int], *, at: datetime | None = None
    ) -> Problem:
        """Link incidents to the problem (each gets a ``linked`` event)."""
        numbers = _unique(parse_incident_ref(r) for r in incidents)
        if not numbers:
            raise Rejected("Name the incidents to link, like INC-4 INC-9.")
        change = self._begin(ref, at, closing=False)
        for number in numbers:
            self._attach(number, change)
        return change.problem

    def link_incident(
        self, ref: str | int, problem: str | int | None, *, at: datetime | None = None
    ) -> Incident:
        """``link INC-n --problem PRB-m``; ``problem=None`` unlinks the incident."""
        number = parse_incident_ref(ref)
        self.work.authorize(Verb.LINK_PROBLEM.value)
        if problem is None:
            return self._detach(number, at)
        change = self._begin(problem, at, closing=False)
        return self._attach(number, change)

    def link_from_incident(
        self,
        ref: str | int,
        *,
        problem: str | int | None = None,
        duplicate_of: str | int | None = None,
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Incident:
        """``inctrack link INC-n``: to its problem (``"none"`` unlinks it) and/or, as a
        duplicate, to its original (:meth:`Tracker.link`); ``expected_version`` refuses
        an incident changed since (checked once, before either link)."""
        if duplicate_of is None and problem is None:
            raise Rejected("Say what to link to: --duplicate-of INC-n or --problem PRB-n.")
        if expected_version is not None:
            self.work.begin(ref, Verb.LINK, at, expected_version=expected_version)
        if problem is not None:
            unlink = str(problem).strip().lower() == "none"
            incident = self.link_incident(ref, None if unlink else problem, at=at)
            if duplicate_of is None:
                return incident
        assert duplicate_of is not None
        return self.tracker.link(ref, duplicate_of=duplicate_of, at=at)

    # -- helpers -------------------------------------------------------------

    def _begin(self, ref: str | int, at: datetime | None, *, closing: bool) -> ProblemChange:
        """Authorize, lock the problem, refuse a closed one and a change back in time."""
        work = self.work
        work.authorize("manage-problems")
        if closing:
            work.authorize("close-problem")
        number = parse_problem_ref(ref)
        statement = select(Problem).where(col(Problem.id) == number).with_for_update()
        problem = self.session.scalars(statement).first()
        if problem is None:
            self.get_or_raise(number)
        assert problem is not None
        pid = format_problem_id(problem.id)
        if problem.status == CLOSED.value:
            raise Rejected(f"Cannot change {pid}: it is closed, which is final.")
        now = work.now()
        change = ProblemChange(work, problem, at=work.when(at, now), now=now)
        change.check_order()
        return change

    def _attach(self, number: int, change: ProblemChange) -> Incident:
        """Link one incident to the problem being changed, with an event on each side."""
        incident_change = self.work.begin(number, Verb.LINK_PROBLEM, change.at)
        incident = incident_change.incident
        problem = change.problem
        if incident.problem_id == problem.id:
            return incident
        iid = incident_change.id
        if incident.problem_id is not None:
            other = format_problem_id(incident.problem_id)
            raise Rejected(
                f"{iid} is already linked to {other}; to move it, unlink it first with "
                f"`inctrack link {iid} --problem none`."
            )
        incident.problem_id = problem.id
        incident_change.event("linked", field="problem", old=None, new=change.id)
        change.event("linked", field="incident", old=None, new=iid)
        return incident

    def _detach(self, number: int, at: datetime | None) -> Incident:
        tracker = self.tracker
        linked_to = tracker.get_or_raise(number).problem_id
        if linked_to is None:  # nothing to unlink; still refuse what the lifecycle refuses
            return self.work.begin(number, Verb.LINK_PROBLEM, at).incident
        change = self._begin(linked_to, at, closing=False)
        incident_change = self.work.begin(number, Verb.LINK_PROBLEM, change.at)
        incident_change.incident.problem_id = None
        incident_change.event("linked", field="problem", old=change.id, new=None)
        change.event("unlinked", field="incident", old=incident_change.id, new=None)
        return incident_change.incident


class ProblemChange(Change):
    """One command applied to one locked problem: field changes, each with its event."""

    def __init__(self, work: UnitOfWork, problem: Problem, *, at: datetime, now: datetime) -> None:
        def write(kind: str, **values: Any) -> ProblemEvent:
            event = ProblemEvent(
                problem_id=problem.id, at=at, recorded_at=now, actor=work.actor, kind=kind,
                os_login=work.os_login, **values,
            )  # fmt: skip
            work.session.add(event)
            return event

        super().__init__(problem, id=format_problem_id(problem.id), at=at, now=now,
                         write_event=write)  # fmt: skip
        self.work = work
        self.problem = problem

    def update(self, name: str, value: str | None, *, message: str | None) -> None:
        self.set(name, value, kind="updated", message=message)

    def move(self, target: ProblemStatus, *, message: str | None) -> None:
        problem = self.problem
        current = ProblemStatus(problem.status)
        kind = next_status(current, target, problem_id=self.id)
        missing = [name for name in NEEDS.get(target, ()) if not getattr(problem, name)]
        if missing:
            what = " and ".join(f"a {name.replace('_', ' ')}" for name in missing)
            options = " and ".join(f"--{name.replace('_', '-')}" for name in missing)
            raise Rejected(f"{self.id} needs {what} to be {target}; give {options}.")
        if target is CLOSED:
            self.work.authorize("close-problem")
            problem.closed_at = self.at
        elif target is RESOLVED:
            problem.resolved_at = self.at
        elif target is OPEN:
            problem.resolved_at = None
        problem.status = target.value
        self.event(kind, field="status", old=current.value, new=target.value, message=message)


def known_error_hint(problem: Problem) -> str | None:
    """A nudge when an open problem has everything a known error needs."""
    if problem.status == OPEN.value and problem.root_cause and problem.workaround:
        pid = format_problem_id(problem.id)
        return (
            f"{pid} now has a root cause and a workaround; mark it a known error with "
            f"`inctrack problem update {pid} --status known-error`."
        )
    return None


def _status(value: ProblemStatus | str) -> ProblemStatus:
    try:
        return ProblemStatus(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in ProblemStatus)
        raise Rejected(f"{value!r} is not a problem status; use one of {allowed}.") from None


def _incident_code(value: ResolutionCode | str) -> ResolutionCode:
    code = str(value).strip().lower()
    if code not in {c.value for c in INCIDENT_CODES}:
        raise Rejected(
            f"{value!r} is not a way to resolve a problem's incidents; use fixed or workaround."
        )
    return ResolutionCode(code)


def _title(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise Rejected("The title is empty; say in a few words what the problem is.")
    if len(cleaned) > MAX_TITLE:
        raise Rejected(
            f"The title has {len(cleaned)} characters, more than {MAX_TITLE}; "
            "put the detail in the description."
        )
    return cleaned


def _unique(numbers: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(numbers))
