"""The tracker: one method per verb of the incident process.

``Tracker(session, clock=..., actor=...)`` works inside the caller's
transaction and never commits: the caller (the CLI, a script, a test) owns
the transaction, so a change and its events land together or not at all.
Its :class:`~inctrack.work.UnitOfWork` (``tracker.work``) is what every other
service takes; the team's administration hangs off it as ``tracker.users``,
``tracker.categories`` and ``tracker.settings``, and new incidents come in
through ``tracker.intake`` (which ``log`` uses too).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session, col

from inctrack.access import roles_of
from inctrack.admin.taxonomy import Taxonomy, join
from inctrack.clock import Clock
from inctrack.domain import (
    MAX_TIER,
    Channel,
    HoldReason,
    Level,
    MajorRole,
    Priority,
    ResolutionCode,
    Role,
    Status,
    format_incident_id,
    optional_incident_id,
    optional_text,
    parse_choice,
    required_text,
)
from inctrack.errors import Rejected
from inctrack.incidents.desk import Desk
from inctrack.incidents.edits import edit_incident
from inctrack.incidents.intake import Intake
from inctrack.incidents.queries import IncidentReader
from inctrack.incidents.requests import LogRequest
from inctrack.lifecycle import Verb, next_status
from inctrack.storage.models import Incident
from inctrack.work import IncidentChange, UnitOfWork


class Tracker(Desk, IncidentReader):
    """Incidents read and changed inside one unit of work, one method per verb."""

    def __init__(
        self, session: Session, *, clock: Clock, actor: str, os_login: str | None = None
    ) -> None:
        """``os_login`` (recorded on every event) defaults to this process's OS login."""
        super().__init__(UnitOfWork(session, clock=clock, actor=actor, os_login=os_login))
        self.taxonomy = Taxonomy(session)
        self.intake = Intake(self.work)

    def log(
        self,
        title: str,
        *,
        reporter: str | None = None,
        reporter_contact: str | None = None,
        description: str | None = None,
        at: datetime | None = None,
        channel: Channel | str | None = None,
        service: str | None = None,
        category: str | None = None,
        impact: Level | str | None = None,
        urgency: Level | str | None = None,
        dedup_key: str | None = None,
        template: str | None = None,
    ) -> Incident:
        """Record a new incident, as reported at ``at`` (default: now), through the intake
        that ``inctrack log`` uses; with a ``dedup_key`` an open incident that has it
        counts one more occurrence instead, and that incident is returned."""
        request = LogRequest(
            title=title, reporter=reporter, contact=reporter_contact, description=description,
            reported_at=at, channel=channel, service=service, category=category,
            impact=impact, urgency=urgency, dedup_key=dedup_key, template=template,
        )  # fmt: skip
        logged = self.intake.log(request)
        return self.incidents([logged.number])[0]

    def edit(
        self,
        ref: str | int,
        *,
        title: str | None = None,
        description: str | None = None,
        reporter: str | None = None,
        contact: str | None = None,
        service: str | None = None,
        channel: Channel | str | None = None,
        expected: Mapping[str, str | None] | None = None,
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Incident:
        """Correct what was reported: one ``edited`` event per field that changes ("" clears
        an optional field); ``expected`` refuses fields someone changed meanwhile."""
        given = {"title": title, "description": description, "reporter": reporter,
                 "reporter_contact": contact, "service": service, "channel": channel}  # fmt: skip
        values = {field: str(value) for field, value in given.items() if value is not None}
        return edit_incident(
            self.work, ref, values, expected=expected, at=at, expected_version=expected_version
        )

    def log_resolved(
        self, request: LogRequest, *, code: ResolutionCode | str, note: str
    ) -> Incident:
        """A call fixed at first contact: log it, and respond to and resolve it at the time
        it was reported, in this transaction (three events: logged, responded, resolved)."""
        parse_choice(ResolutionCode, code, "resolution code")
        required_text(note, "resolution note")
        logged = self.intake.log(request)
        if not logged.created:
            raise Rejected(
                f"{logged.id} is open with the dedup key {request.dedup_key!r}, so nothing was "
                f"logged or resolved; resolve that one with `inctrack resolve {logged.id}`."
            )
        reported_at = self.incidents([logged.number])[0].reported_at
        return self.resolve(logged.number, code=code, note=note, at=reported_at)

    def categorize(self, ref: str | int, path: str, *, at: datetime | None = None,
                   expected_version: int | None = None) -> Incident:  # fmt: skip
        """File the incident under ``category[/subcategory]`` of the taxonomy."""
        change = self.work.begin(ref, Verb.CATEGORIZE, at, expected_version=expected_version)
        category, subcategory = self.taxonomy.validate(path)
        incident = change.incident
        old = join(incident.category, incident.subcategory) if incident.category else None
        new = join(category, subcategory)
        if old != new:
            incident.category, incident.subcategory = category, subcategory
            change.event("categorized", field="category", old=old, new=new)
        return incident

    def prioritize(
        self,
        ref: str | int,
        *,
        impact: Level | str | None = None,
        urgency: Level | str | None = None,
        priority: Priority | str | None = None,
        reason: str | None = None,
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Incident:
        """Set impact and urgency (the matrix gives the priority), or override the priority."""
        if impact is None and urgency is None and priority is None:
            raise Rejected("Say --impact and --urgency, or --priority with --reason.")
        override = Priority.parse(priority) if priority is not None else None
        why = optional_text(reason)
        if override is not None and why is None:
            raise Rejected("A priority override needs a --reason: why is the matrix wrong here?")
        change = self.work.begin(ref, Verb.PRIORITIZE, at, expected_version=expected_version)
        incident = change.incident
        if impact is not None:
            change.set("impact", Level.parse(impact).value, kind="prioritized")
        if urgency is not None:
            change.set("urgency", Level.parse(urgency).value, kind="prioritized")
        if override is not None:
            change.set("priority", override.value, kind="priority_overridden", message=why)
        else:
            matrix = self.policy().priority_for(_level(incident.impact), _level(incident.urgency))
            change.set("priority", _value(matrix), kind="prioritized")
        return incident

    def assign(
        self,
        ref: str | int,
        *,
        to: str | None = None,
        group: str | None = None,
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Incident:
        """Give the incident to a person and/or a group; the owner stays with the desk."""
        assignee, group_name = optional_text(to), optional_text(group)
        if assignee is None and group_name is None:
            raise Rejected("Say who takes it: --to USER and/or --group GROUP.")
        change = self.work.begin(ref, Verb.ASSIGN, at, expected_version=expected_version)
        if group_name is not None:
            group_name = self.groups.resolve(group_name)
        if assignee is not None:
            user = self.users.assignable(assignee)
            if group_name is None and user is not None and user.assignment_group is not None:
                group_name = self.groups.default_of(user)
        change.reassign(assignee=assignee, group=group_name)
        return change.incident

    def take(self, ref: str | int, *, at: datetime | None = None,
             expected_version: int | None = None) -> Incident:  # fmt: skip
        """Assign the incident to yourself."""
        return self.assign(ref, to=self.actor, at=at, expected_version=expected_version)

    def respond(self, ref: str | int, message: str, *, at: datetime | None = None,
                expected_version: int | None = None) -> Incident:  # fmt: skip
        """The first response: stops the response clock and starts the work."""
        text = required_text(message, "response")
        change = self.work.begin(ref, Verb.RESPOND, at, expected_version=expected_version)
        change.incident.responded_at = change.at
        change.move("responded", message=text)
        return change.incident

    def note(self, ref: str | int, message: str, *, public: bool = False,
             at: datetime | None = None,
             expected_version: int | None = None) -> Incident:  # fmt: skip
        """A work note; ``public`` ones may be shown to the reporter and on the status page."""
        text = required_text(message, "note")
        change = self.work.begin(ref, Verb.NOTE, at, expected_version=expected_version)
        change.event("public_note" if public else "note", message=text)
        return change.incident

    def escalate(
        self,
        ref: str | int,
        *,
        reason: str,
        tier: int | None = None,
        group: str | None = None,
        major: bool = False,
        keep_priority: bool = False,
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Incident:
        """Hand the incident up a tier or to another group (the reason says what was tried),
        and/or declare it a major incident: P1, unless an incident manager keeps its priority."""
        why = required_text(reason, "reason for escalating")
        group_name = optional_text(group)
        if tier is None and group_name is None and not major:
            raise Rejected("Say where it goes: --tier 2|3, --group GROUP and/or --major.")
        if keep_priority and not major:
            raise Rejected(
                "--keep-priority goes with --major: it keeps a major incident's priority."
            )
        if major:
            self.work.authorize("declare-major")
        if keep_priority:
            self.work.authorize("keep-major-priority")
        change = self.work.begin(ref, Verb.ESCALATE, at, expected_version=expected_version)
        incident = change.incident
        if group_name is not None:
            group_name = self.groups.resolve(group_name)
        if tier is not None:
            if not incident.tier < tier <= MAX_TIER:
                higher = list(range(incident.tier + 1, MAX_TIER + 1))
                raise Rejected(
                    f"{change.id} is at tier {incident.tier}; escalation goes up, to tier "
                    + " or ".join(map(str, higher))
                    + "."
                    if higher
                    else f"{change.id} is already at tier {MAX_TIER}, the highest."
                )
            change.set("tier", tier, kind="escalated", message=why)
        if group_name is not None and group_name != incident.assignment_group:
            change.reassign(assignee=None, group=group_name, kind="escalated", message=why)
        if major:
            if incident.major:
                raise Rejected(f"{change.id} is already a major incident.")
            change.set("major", True, kind="major_declared", message=why)
            if not keep_priority:
                change.set("priority", Priority.P1.value, kind="priority_overridden",
                           message="a major incident is P1")  # fmt: skip
        if not change.events:
            raise Rejected(f"{change.id} is already with {group_name}; nothing to escalate.")
        return incident

    def set_role(self, ref: str | int, role: MajorRole | str, name: str, *,
                 at: datetime | None = None,
                 expected_version: int | None = None) -> Incident:  # fmt: skip
        """Name the commander, manager or comms lead of a major incident."""
        major_role = MajorRole(parse_choice(MajorRole, role, "major-incident role"))
        person = required_text(name, "name")
        change = self.work.begin(ref, Verb.ROLE, at, expected_version=expected_version)
        incident = change.incident
        if not incident.major:
            raise Rejected(
                f"{change.id} is not a major incident; declare it first with "
                f"`inctrack escalate {change.id} --major --reason …`."
            )
        self.users.assignable(person)
        roles = dict(incident.roles or {})
        old = roles.get(major_role.value)
        if old != person:
            roles[major_role.value] = person
            incident.roles = roles
            change.event("role_assigned", field=f"roles.{major_role}", old=old, new=person)
        return incident

    def set_owner(self, ref: str | int, owner: str, *, reason: str | None = None,
                  at: datetime | None = None,
                  expected_version: int | None = None) -> Incident:  # fmt: skip
        """Hand the incident's ownership to another service-desk analyst, who keeps
        control of it while others work it."""
        name = required_text(owner, "owner")
        change = self.work.begin(ref, Verb.OWNER, at, expected_version=expected_version)
        user = self.users.assignable(name)
        if user is not None and Role.SERVICE_DESK not in roles_of(user):
            have = ", ".join(roles_of(user)) or "no role"
            raise Rejected(
                f"{name} cannot own {change.id}: an owner is a service-desk analyst, and "
                f"{name} has {have}; pick someone with the service-desk role "
                "(`inctrack user list` shows the roles)."
            )
        change.set("owner", name, kind="owner_changed", message=optional_text(reason))
        return change.incident

    def hold(
        self,
        ref: str | int,
        reason: HoldReason | str,
        *,
        note: str | None = None,
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Incident:
        """Pause the SLA clock while waiting on someone outside the desk."""
        hold_reason = parse_choice(HoldReason, reason, "hold reason")
        change = self.work.begin(ref, Verb.HOLD, at, expected_version=expected_version)
        change.incident.hold_reason = hold_reason
        change.move("held", message=_joined(hold_reason, note))
        return change.incident

    def resume(self, ref: str | int, *, note: str | None = None, at: datetime | None = None,
               expected_version: int | None = None) -> Incident:  # fmt: skip
        """Restart the SLA clock: the wait is over."""
        change = self.work.begin(ref, Verb.RESUME, at, expected_version=expected_version)
        waited_for = change.incident.hold_reason
        change.move("resumed", message=_joined(f"after {waited_for}", note))
        return change.incident

    def resolve(
        self,
        ref: str | int,
        *,
        code: ResolutionCode | str,
        note: str,
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Incident:
        """Service restored: record how (code) and what was done (note)."""
        resolution = parse_choice(ResolutionCode, code, "resolution code")
        text = required_text(note, "resolution note")
        change = self.work.begin(ref, Verb.RESOLVE, at, expected_version=expected_version)
        incident = change.incident
        if incident.status == Status.NEW:  # a first-contact fix: the response is now too
            incident.responded_at = change.at
            answered = next_status(Status.NEW, Verb.RESPOND, incident_id=change.id)
            change.move("responded", to=answered, message="resolved at first contact")
        incident.resolution_code, incident.resolution_note = resolution, text
        incident.resolved_at = change.at
        change.move("resolved", message=f"{resolution}: {text}")
        return incident

    def close(
        self,
        ref: str | int,
        *,
        confirmed_by: str | None = None,
        unconfirmed: bool = False,
        reason: str | None = None,
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Incident:
        """Close a resolved incident: the reporter confirmed, or (with a reason) could not."""
        confirmer, why = optional_text(confirmed_by), optional_text(reason)
        if (confirmer is None) == (not unconfirmed):
            raise Rejected(
                "Say who confirmed the fix (--confirmed-by REPORTER), or close it "
                "--unconfirmed with a --reason."
            )
        if unconfirmed and why is None:
            raise Rejected("Closing without confirmation needs a --reason.")
        change = self.work.begin(ref, Verb.CLOSE, at, expected_version=expected_version)
        return self._close(change, confirmer, why)

    def close_stale(self, idle: timedelta, *, at: datetime | None = None) -> list[Incident]:
        """Close, unconfirmed, every resolved incident untouched for ``idle`` (for cron)."""
        if idle <= timedelta(0):
            raise Rejected("The idle time for --stale must be positive, like 7d.")
        self.work.authorize("close")
        cutoff = self.work.when(at) - idle
        statement = (
            select(col(Incident.id))
            .where(col(Incident.status) == Status.RESOLVED.value)
            .where(col(Incident.updated_at) <= cutoff)
            .order_by(col(Incident.id))
        )
        why = f"stale: resolved and untouched for {_duration(idle)}"
        return [
            self._close(self.work.begin(number, Verb.CLOSE, at), None, why)
            for number in list(self.session.scalars(statement))
        ]

    def reopen(self, ref: str | int, *, reason: str, at: datetime | None = None,
               expected_version: int | None = None) -> Incident:  # fmt: skip
        """The fix did not hold: back to work, and the resolution clock runs again."""
        why = required_text(reason, "reason for reopening")
        change = self.work.begin(ref, Verb.REOPEN, at, expected_version=expected_version)
        incident = change.incident
        incident.reopen_count += 1
        incident.resolved_at = incident.resolution_code = incident.resolution_note = None
        change.move("reopened", message=why)
        return incident

    def cancel(self, ref: str | int, *, reason: str, at: datetime | None = None,
               expected_version: int | None = None) -> Incident:  # fmt: skip
        """Withdraw an incident logged in error or twice; cancelled is final."""
        why = required_text(reason, "reason for cancelling")
        change = self.work.begin(ref, Verb.CANCEL, at, expected_version=expected_version)
        change.move("cancelled", message=why)
        return change.incident

    def link(self, ref: str | int, *, duplicate_of: str | int, at: datetime | None = None,
             expected_version: int | None = None) -> Incident:  # fmt: skip
        """Mark the incident as a duplicate of another one (its original).

        Linking to a problem is :meth:`inctrack.problems.Problems.link_incident`.
        """
        change = self.work.begin(ref, Verb.LINK, at, expected_version=expected_version)
        original = self.get_or_raise(duplicate_of)
        seen: set[int] = {change.incident.id}
        cursor: Incident | None = original
        while cursor is not None:
            if cursor.id in seen:
                raise Rejected(
                    f"{change.id} cannot be a duplicate of {format_incident_id(original.id)}: "
                    "the duplicates would go round in a circle."
                )
            seen.add(cursor.id)
            cursor = self.get(cursor.duplicate_of) if cursor.duplicate_of else None
        shown = (
            optional_incident_id(change.incident.duplicate_of),
            format_incident_id(original.id),
        )
        change.set("duplicate_of", original.id, kind="linked", shown=shown)
        return change.incident

    # -- helpers -------------------------------------------------------------

    def _close(self, change: IncidentChange, confirmer: str | None, why: str | None) -> Incident:
        incident = change.incident
        incident.closed_at, incident.closed_by = change.at, self.work.actor
        incident.confirmed_by = confirmer
        message = f"confirmed by {confirmer}" if confirmer else f"unconfirmed: {why}"
        change.move("closed", message=message)
        return incident


def _level(value: str | None) -> Level | None:
    return Level(value) if value is not None else None


def _joined(first: str, second: str | None) -> str:
    extra = optional_text(second)
    return f"{first}: {extra}" if extra else first


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _value(member: StrEnum | None) -> str | None:
    return None if member is None else member.value
