"""The tracker: one method per verb of the incident process.

``Tracker(session, clock=..., actor=...)`` works inside the caller's
transaction and never commits: the caller (the CLI, a script, a test) owns
the unit of work, so a change and its events land together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select, update
from sqlmodel import Session, col

from inctrack.access import People, parse_roles, roles_of
from inctrack.admin.taxonomy import Taxonomy, join
from inctrack.clock import Clock
from inctrack.domain import (
    MAX_TIER,
    OPEN_STATUSES,
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
    parse_category,
    parse_incident_ref,
)
from inctrack.errors import NotFound, Rejected
from inctrack.lifecycle import Verb, next_status
from inctrack.records import Record, incident_record, problem_summary
from inctrack.sla import policy as policy_store
from inctrack.sla.evaluate import Clocks, clocks_for
from inctrack.sla.hours import parse_hours
from inctrack.sla.policy import Policy
from inctrack.storage.models import Category, Counter, Event, Holiday, Incident, Problem, User

FUTURE_TOLERANCE = timedelta(minutes=5)
"""How far ahead of the clock an ``--at`` may be (clock skew between machines)."""

MAX_TITLE = 200


@dataclass(frozen=True)
class IncidentQuery:
    """Filters for :meth:`Tracker.list`; the defaults give the open queue."""

    statuses: Sequence[Status] = ()
    include_closed: bool = False
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None
    priorities: Sequence[Priority] = ()
    category: str | None = None
    """``network`` or ``network/vpn``."""
    assignee: str | None = None
    group: str | None = None
    tier: int | None = None
    service: str | None = None
    limit: int | None = None


def incident_filters(query: IncidentQuery) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a query (``list``, ``export``); empty for every incident."""
    where: list[ColumnElement[bool]] = []
    if query.statuses:
        where.append(col(Incident.status).in_([str(s) for s in query.statuses]))
    elif not query.include_closed:
        where.append(col(Incident.status).in_([str(s) for s in OPEN_STATUSES]))
    if query.since is not None:
        where.append(col(Incident.reported_at) >= query.since)
    if query.until is not None:
        where.append(col(Incident.reported_at) < query.until)
    if query.priorities:
        priorities = [Priority.parse(p).value for p in query.priorities]
        where.append(col(Incident.priority).in_(priorities))
    if query.category:
        category, subcategory = parse_category(query.category)
        where.append(col(Incident.category) == category)
        if subcategory is not None:
            where.append(col(Incident.subcategory) == subcategory)
    for column, value in (
        (Incident.assignee, query.assignee),
        (Incident.assignment_group, query.group),
        (Incident.tier, query.tier),
        (Incident.service, query.service),
    ):
        if value is not None:
            where.append(col(column) == value)
    if query.search:
        columns = (Incident.title, Incident.description, Incident.reporter, Incident.service,
                   Incident.external_id)  # fmt: skip
        pattern = query.search
        where.append(or_(*(col(c).icontains(pattern, autoescape=True) for c in columns)))
    return where


class Tracker:
    def __init__(self, session: Session, *, clock: Clock, actor: str) -> None:
        if not actor.strip():
            raise Rejected("An empty name cannot act; set --as NAME or INCTRACK_USER.")
        self.session = session
        self.clock = clock
        self.actor = actor.strip()
        self.people = People(session)
        self.taxonomy = Taxonomy(session)
        self._policy: Policy | None = None
        self.written: list[tuple[int, str]] = []
        """(incident number, event kind) of each event written through this tracker, in
        order: what the command line runs hooks for once the transaction commits."""

    def policy(self) -> Policy:
        """The team's SLA policy, read once per tracker."""
        if self._policy is None:
            self._policy = policy_store.load(self.session)
        return self._policy

    # -- reading -------------------------------------------------------------

    def get(self, ref: str | int) -> Incident | None:
        return self.session.get(Incident, parse_incident_ref(ref))

    def get_or_raise(self, ref: str | int) -> Incident:
        incident = self.get(ref)
        if incident is None:
            raise NotFound(
                f"There is no incident {format_incident_id(parse_incident_ref(ref))}; "
                "`inctrack list --all` shows the ones that exist."
            )
        return incident

    def events(self, incident: Incident) -> list[Event]:
        query = select(Event).where(col(Event.incident_id) == incident.id).order_by(col(Event.id))
        return list(self.session.scalars(query))

    def find(self, query: IncidentQuery | None = None) -> list[Incident]:
        """Incidents worst first: untriaged, then priority, then the nearest SLA due
        (the open queue) or the oldest report (with statuses or closed ones)."""
        return [incident for incident, _ in self._find(query or IncidentQuery())]

    def find_records(self, query: IncidentQuery | None = None) -> list[Record]:
        """:meth:`find` as records, evaluating each incident's clocks once."""
        found = self._find(query or IncidentQuery())
        missing = self.clocks([i for i, clocks in found if clocks is None])
        return [self.record(i, clocks=clocks or missing[i.id]) for i, clocks in found]

    def _find(self, query: IncidentQuery) -> list[tuple[Incident, Clocks | None]]:
        statement = select(Incident).where(*incident_filters(query))
        statement = statement.order_by(
            case((col(Incident.priority).is_(None), 0), else_=1),
            col(Incident.priority),
            col(Incident.reported_at),
            col(Incident.id),
        )
        if query.statuses or query.include_closed:
            if query.limit is not None:
                statement = statement.limit(query.limit)
            return [(incident, None) for incident in self.session.scalars(statement)]
        # The open queue: worst first needs the clocks (nearest due within a priority).
        clocks = self.clocks(list(self.session.scalars(statement)))
        ranked = sorted(clocks.values(), key=_urgency)[: query.limit]
        return [(c.incident, c) for c in ranked]

    def record(
        self,
        incident: Incident,
        *,
        with_events: bool = False,
        clocks: Clocks | None = None,
    ) -> Record:
        """The incident as its public record, with both SLA clocks (as of now)."""
        events = self.events(incident) if with_events else None
        if clocks is None:
            clocks = self.clocks([incident])[incident.id]
        record = incident_record(incident, events=events, sla=clocks.record())
        if with_events:  # `show` names the problem and its workaround
            number = incident.problem_id
            problem = self.session.get(Problem, number) if number is not None else None
            record["problem_detail"] = problem_summary(problem)
        return record

    def clocks(
        self, incidents: Sequence[Incident], *, as_of: datetime | None = None
    ) -> dict[int, Clocks]:
        """Both SLA clocks of each incident, from its history, at ``as_of`` (default now)."""
        moment = self._now() if as_of is None else as_of
        return clocks_for(self.session, incidents, self.policy(), moment)

    def sla(self, ref: str | int, *, as_of: datetime | None = None) -> Clocks:
        """One incident's clocks, to be explained segment by segment."""
        incident = self.get_or_raise(ref)
        moment = self._now() if as_of is None else as_of
        if incident.reported_at > moment:
            raise Rejected(
                f"{format_incident_id(incident.id)} was reported at "
                f"{incident.reported_at.isoformat()}, after {moment.isoformat()}."
            )
        return self.clocks([incident], as_of=moment)[incident.id]

    def sla_report(
        self,
        *,
        as_of: datetime | None = None,
        states: Sequence[str] = ("breached", "at_risk"),
        priorities: Sequence[Priority] = (),
        group: str | None = None,
    ) -> list[Clocks]:
        """Incidents open at ``as_of`` whose clocks are in ``states``, most urgent first.

        Only open incidents are read (plus, for a past ``as_of``, those whose
        status changed after it), so closed history is never loaded.
        """
        moment = self._now() if as_of is None else as_of
        open_now = col(Incident.status).in_([s.value for s in OPEN_STATUSES])
        changed_since = col(Incident.id).in_(
            select(col(Event.incident_id))
            .where(col(Event.field) == "status")
            .where(col(Event.at) > moment)
        )
        candidates = select(Incident).where(col(Incident.reported_at) <= moment)
        candidates = candidates.where(open_now if as_of is None else (open_now | changed_since))
        if group is not None:
            candidates = candidates.where(col(Incident.assignment_group) == group)
        incidents = list(self.session.scalars(candidates))
        wanted = {Priority.parse(p).value for p in priorities}
        found = [
            c
            for c in self.clocks(incidents, as_of=moment).values()
            if c.is_open and c.worst in states and (not wanted or c.priority in wanted)
        ]
        return sorted(found, key=_urgency)

    # -- writing -------------------------------------------------------------

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
    ) -> Incident:
        """Record a new incident, as reported at ``at`` (default: now).

        This always creates one; :class:`inctrack.intake.Intake` (what ``inctrack
        log`` uses) adds templates, batches and dedup keys on top.
        """
        self.people.authorize(self.actor, "log")
        now = self._now()
        values = self.incident_values(
            title, reporter=reporter, reporter_contact=reporter_contact,
            description=description, reported_at=self._when(at, now), now=now,
            channel=channel, service=service, impact=impact, urgency=urgency,
            category=self.taxonomy.validate(category) if category else None,
        )  # fmt: skip
        incident = Incident(id=self._next_number("incident"), **values)
        self.session.add(incident)
        self.session.flush()
        self._event(incident, "logged", at=incident.reported_at, recorded_at=now,
                    message=incident.title)  # fmt: skip
        return incident

    def incident_values(
        self,
        title: str,
        *,
        reported_at: datetime,
        now: datetime,
        reporter: str | None = None,
        reporter_contact: str | None = None,
        description: str | None = None,
        channel: Channel | str | None = None,
        service: str | None = None,
        category: tuple[str, str | None] | None = None,
        impact: Level | str | None = None,
        urgency: Level | str | None = None,
        dedup_key: str | None = None,
    ) -> dict[str, Any]:
        """A new incident's validated column values, all but ``id``: what ``log`` writes.

        ``category`` is already checked against the taxonomy (``taxonomy.validate``).
        Columns left out take their defaults.
        """
        level_impact = Level.parse(impact) if impact is not None else None
        level_urgency = Level.parse(urgency) if urgency is not None else None
        cat, sub = category if category else (None, None)
        priority = self.policy().priority_for(level_impact, level_urgency)
        return {
            "title": _required_text(title, "title", limit=MAX_TITLE),
            "description": _optional_text(description),
            "reporter": _optional_text(reporter) or self.actor,
            "reporter_contact": _optional_text(reporter_contact),
            "reported_at": reported_at,
            "logged_at": now,
            "logged_by": self.actor,
            "channel": _channel(channel),
            "service": _optional_text(service),
            "category": cat,
            "subcategory": sub,
            "impact": _value(level_impact),
            "urgency": _value(level_urgency),
            "priority": _value(priority),
            "status": Status.NEW.value,
            "owner": self.actor if self.people.has_role(self.actor, Role.SERVICE_DESK) else None,
            "dedup_key": _optional_text(dedup_key),
            "updated_at": reported_at,
        }

    def categorize(self, ref: str | int, path: str, *, at: datetime | None = None) -> Incident:
        """File the incident under ``category[/subcategory]`` of the taxonomy."""
        change = self._begin(ref, Verb.CATEGORIZE, at)
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
    ) -> Incident:
        """Set impact and urgency (the matrix gives the priority), or override the priority."""
        if impact is None and urgency is None and priority is None:
            raise Rejected("Say --impact and --urgency, or --priority with --reason.")
        override = Priority.parse(priority) if priority is not None else None
        why = _optional_text(reason)
        if override is not None and why is None:
            raise Rejected("A priority override needs a --reason: why is the matrix wrong here?")
        change = self._begin(ref, Verb.PRIORITIZE, at)
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
    ) -> Incident:
        """Give the incident to a person and/or a group; the owner stays with the desk."""
        assignee, group_name = _optional_text(to), _optional_text(group)
        if assignee is None and group_name is None:
            raise Rejected("Say who takes it: --to USER and/or --group GROUP.")
        change = self._begin(ref, Verb.ASSIGN, at)
        if assignee is not None:
            user = self._registered(assignee)
            if group_name is None and user is not None:
                group_name = user.assignment_group
        change.reassign(assignee=assignee, group=group_name)
        return change.incident

    def take(self, ref: str | int, *, at: datetime | None = None) -> Incident:
        """Assign the incident to yourself."""
        return self.assign(ref, to=self.actor, at=at)

    def respond(self, ref: str | int, message: str, *, at: datetime | None = None) -> Incident:
        """The first response: stops the response clock and starts the work."""
        text = _required_text(message, "response")
        change = self._begin(ref, Verb.RESPOND, at)
        change.incident.responded_at = change.at
        change.move("responded", message=text)
        return change.incident

    def note(
        self, ref: str | int, message: str, *, public: bool = False, at: datetime | None = None
    ) -> Incident:
        """A work note; ``public`` ones may be shown to the reporter and on the status page."""
        text = _required_text(message, "note")
        change = self._begin(ref, Verb.NOTE, at)
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
        at: datetime | None = None,
    ) -> Incident:
        """Hand the incident up a tier or to another group (the reason says what was tried),
        and/or declare it a major incident."""
        why = _required_text(reason, "reason for escalating")
        group_name = _optional_text(group)
        if tier is None and group_name is None and not major:
            raise Rejected("Say where it goes: --tier 2|3, --group GROUP and/or --major.")
        if major:
            self.people.authorize(self.actor, "declare-major")
        change = self._begin(ref, Verb.ESCALATE, at)
        incident = change.incident
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
        if not change.events:
            raise Rejected(f"{change.id} is already with {group_name}; nothing to escalate.")
        return incident

    def set_role(
        self, ref: str | int, role: MajorRole | str, name: str, *, at: datetime | None = None
    ) -> Incident:
        """Name the commander, manager or comms lead of a major incident."""
        try:
            major_role = MajorRole(str(role).strip().lower())
        except ValueError:
            allowed = ", ".join(r.value for r in MajorRole)
            raise Rejected(f"{role!r} is not a major-incident role; use {allowed}.") from None
        person = _required_text(name, "name")
        change = self._begin(ref, Verb.ROLE, at)
        incident = change.incident
        if not incident.major:
            raise Rejected(
                f"{change.id} is not a major incident; declare it first with "
                f"`inctrack escalate {change.id} --major --reason …`."
            )
        self._registered(person)
        roles = dict(incident.roles or {})
        old = roles.get(major_role.value)
        if old != person:
            roles[major_role.value] = person
            incident.roles = roles
            change.event("role_assigned", field=f"roles.{major_role}", old=old, new=person)
        return incident

    def hold(
        self,
        ref: str | int,
        reason: HoldReason | str,
        *,
        note: str | None = None,
        at: datetime | None = None,
    ) -> Incident:
        """Pause the SLA clock while waiting on someone outside the desk."""
        hold_reason = _choice(HoldReason, reason, "hold reason")
        change = self._begin(ref, Verb.HOLD, at)
        change.incident.hold_reason = hold_reason
        change.move("held", message=_joined(hold_reason, note))
        return change.incident

    def resume(
        self, ref: str | int, *, note: str | None = None, at: datetime | None = None
    ) -> Incident:
        """Restart the SLA clock: the wait is over."""
        change = self._begin(ref, Verb.RESUME, at)
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
    ) -> Incident:
        """Service restored: record how (code) and what was done (note)."""
        resolution = _choice(ResolutionCode, code, "resolution code")
        text = _required_text(note, "resolution note")
        change = self._begin(ref, Verb.RESOLVE, at)
        incident = change.incident
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
    ) -> Incident:
        """Close a resolved incident: the reporter confirmed, or (with a reason) could not."""
        confirmer, why = _optional_text(confirmed_by), _optional_text(reason)
        if (confirmer is None) == (not unconfirmed):
            raise Rejected(
                "Say who confirmed the fix (--confirmed-by REPORTER), or close it "
                "--unconfirmed with a --reason."
            )
        if unconfirmed and why is None:
            raise Rejected("Closing without confirmation needs a --reason.")
        change = self._begin(ref, Verb.CLOSE, at)
        return self._close(change, confirmer, why)

    def close_stale(self, idle: timedelta, *, at: datetime | None = None) -> list[Incident]:
        """Close, unconfirmed, every resolved incident untouched for ``idle`` (for cron)."""
        if idle <= timedelta(0):
            raise Rejected("The idle time for --stale must be positive, like 7d.")
        self.people.authorize(self.actor, "close")
        cutoff = self._when(at, self._now()) - idle
        statement = (
            select(col(Incident.id))
            .where(col(Incident.status) == Status.RESOLVED.value)
            .where(col(Incident.updated_at) <= cutoff)
            .order_by(col(Incident.id))
        )
        why = f"stale: resolved and untouched for {_duration(idle)}"
        return [
            self._close(self._begin(number, Verb.CLOSE, at), None, why)
            for number in list(self.session.scalars(statement))
        ]

    def reopen(self, ref: str | int, *, reason: str, at: datetime | None = None) -> Incident:
        """The fix did not hold: back to work, and the resolution clock runs again."""
        why = _required_text(reason, "reason for reopening")
        change = self._begin(ref, Verb.REOPEN, at)
        incident = change.incident
        incident.reopen_count += 1
        incident.resolved_at = incident.resolution_code = incident.resolution_note = None
        change.move("reopened", message=why)
        return incident

    def cancel(self, ref: str | int, *, reason: str, at: datetime | None = None) -> Incident:
        """Withdraw an incident logged in error or twice; cancelled is final."""
        why = _required_text(reason, "reason for cancelling")
        change = self._begin(ref, Verb.CANCEL, at)
        change.move("cancelled", message=why)
        return change.incident

    def link(
        self,
        ref: str | int,
        *,
        duplicate_of: str | int | None = None,
        problem: str | int | None = None,
        at: datetime | None = None,
    ) -> Incident:
        """Mark the incident as a duplicate of another one, and/or link it to a problem
        (``problem="none"`` unlinks it; see :mod:`inctrack.problems.verbs`)."""
        if duplicate_of is None and problem is None:
            raise Rejected("Say what to link to: --duplicate-of INC-n or --problem PRB-n.")
        if problem is not None:
            from inctrack.problems.verbs import Problems

            unlink = str(problem).strip().lower() == "none"
            incident = Problems(self).link_incident(ref, None if unlink else problem, at=at)
            if duplicate_of is None:
                return incident
        assert duplicate_of is not None
        change = self._begin(ref, Verb.LINK, at)
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

    # -- people and taxonomy ---------------------------------------------------

    def add_user(
        self,
        name: str,
        *,
        roles: list[str] | list[Role],
        tier: int | None = None,
        group: str | None = None,
        email: str | None = None,
    ) -> User:
        """Register a person; the first one must be an admin, so that someone can add more."""
        self.people.authorize(self.actor, "manage-users")
        user_name = _required_text(name, "user name")
        role_list = parse_roles(roles)
        if not role_list:
            raise Rejected("Give the user at least one --role.")
        if not self.people.anyone_registered() and Role.ADMIN not in role_list:
            raise Rejected(
                f"The first user must have the admin role, so that someone can manage users; "
                f"add --role admin (for example: user add {user_name} --role service-desk "
                "--role admin)."
            )
        if self.people.get(user_name) is not None:
            raise Rejected(f"{user_name} is already a user; change them with `user update`.")
        user = User(
            name=user_name, roles=",".join(role_list), tier=_tier(tier),
            assignment_group=_optional_text(group), email=_optional_text(email),
            created_at=self._now(),
        )  # fmt: skip
        self.people.add(user)
        return user

    def update_user(
        self,
        name: str,
        *,
        roles: list[str] | list[Role] | None = None,
        tier: int | None = None,
        group: str | None = None,
        email: str | None = None,
        active: bool | None = None,
    ) -> User:
        self.people.authorize(self.actor, "manage-users")
        user = self.people.get(name.strip())
        if user is None:
            raise NotFound(f"There is no user {name}; `inctrack user list` shows who there is.")
        if roles is not None:
            role_list = parse_roles(roles)
            if not role_list:
                raise Rejected("A user needs at least one role; deactivate them instead.")
            user.roles = ",".join(role_list)
        if tier is not None:
            user.tier = _tier(tier)
        if group is not None:
            user.assignment_group = _optional_text(group)
        if email is not None:
            user.email = _optional_text(email)
        if active is not None:
            user.active = active
        admins = [u for u in self.people.all() if u.active and Role.ADMIN in roles_of(u)]
        if not admins:
            raise Rejected(f"{user.name} is the last active admin; make someone else admin first.")
        return user

    # -- SLA policy and calendar ----------------------------------------------

    def set_target(
        self,
        priority: Priority | str,
        *,
        respond: str | None = None,
        resolve: str | None = None,
        calendar: str | None = None,
    ) -> Policy:
        """Change one priority's response/resolution targets or calendar."""
        self.people.authorize(self.actor, "manage-policy")
        if calendar is not None and calendar not in ("24x7", "business"):
            raise Rejected(f"{calendar!r} is not a calendar; use 24x7 or business.")
        self._policy = policy_store.set_target(
            self.session,
            Priority.parse(priority),
            respond=respond,
            resolve=resolve,
            calendar=calendar,  # type: ignore[arg-type]
        )
        return self._policy

    def set_at_risk(self, threshold: str) -> Policy:
        self.people.authorize(self.actor, "manage-policy")
        policy_store.save(self.session, "at_risk", policy_store.parse_percent(threshold))
        self._policy = None
        return self.policy()

    def set_matrix(self, cells: Sequence[str]) -> Policy:
        """Change cells of the impact x urgency matrix: ``high/low=P2``."""
        self.people.authorize(self.actor, "manage-policy")
        stored = {f"{i}/{u}": p.value for (i, u), p in self.policy().matrix.items()}
        for cell in cells:
            key, sep, value = cell.partition("=")
            impact, slash, urgency = key.partition("/")
            if not sep or not slash:
                raise Rejected(
                    f"{cell!r} is not a matrix cell; write IMPACT/URGENCY=PRIORITY (high/low=P2)."
                )
            stored[f"{Level.parse(impact)}/{Level.parse(urgency)}"] = Priority.parse(value).value
        policy_store.save(self.session, "matrix", stored)
        self._policy = None
        return self.policy()

    def set_calendar(self, *, timezone: str | None = None, hours: str | None = None) -> Policy:
        """The business calendar: its time zone and weekly working hours."""
        self.people.authorize(self.actor, "manage-policy")
        current = self.policy()
        value = {
            "timezone": policy_store.check_timezone(timezone) if timezone else current.timezone,
            "hours": parse_hours(hours).describe() if hours is not None else current.hours,
        }
        policy_store.save(self.session, "calendar", value)
        self._policy = None
        return self.policy()

    def add_holiday(self, day: date, *, name: str | None = None) -> Policy:
        self.people.authorize(self.actor, "manage-policy")
        holiday = self.session.get(Holiday, day)
        if holiday is None:
            self.session.add(Holiday(day=day, name=_optional_text(name)))
        elif name is not None:
            holiday.name = _optional_text(name)
        self.session.flush()
        self._policy = None
        return self.policy()

    def remove_holiday(self, day: date) -> Policy:
        self.people.authorize(self.actor, "manage-policy")
        holiday = self.session.get(Holiday, day)
        if holiday is None:
            raise NotFound(f"{day.isoformat()} is not a holiday; `inctrack calendar holiday list`.")
        self.session.delete(holiday)
        self.session.flush()
        self._policy = None
        return self.policy()

    def import_holidays(
        self, country: str, years: Sequence[int], *, subdivision: str | None = None
    ) -> list[tuple[date, str]]:
        """Public holidays of a country (the ``holidays`` package); returns those added."""
        self.people.authorize(self.actor, "manage-policy")
        import holidays as holiday_data

        try:
            found = holiday_data.country_holidays(
                country.upper(), subdiv=subdivision, years=list(years)
            )
        except NotImplementedError:
            where = repr(country)
            if subdivision:
                where += f" with subdivision {subdivision!r}"
            raise NotFound(
                f"The holidays package knows no country {where}; use ISO codes like GB, or "
                "GB with --subdivision SCT."
            ) from None
        added = []
        for day, name in sorted(found.items()):
            if self.session.get(Holiday, day) is None:
                self.session.add(Holiday(day=day, name=name))
                added.append((day, name))
        self.session.flush()
        self._policy = None
        return added

    def users(self) -> list[User]:
        return self.people.all()

    def add_category(self, path: str) -> list[Category]:
        self.people.authorize(self.actor, "manage-categories")
        return self.taxonomy.add(path, now=self._now())

    def retire_category(self, path: str) -> list[Category]:
        self.people.authorize(self.actor, "manage-categories")
        return self.taxonomy.retire(path, now=self._now())

    def rename_category(self, old: str, new: str) -> dict[str, str]:
        """Rename in the taxonomy and relabel the incidents filed under it.

        A rename changes the label, not the classification, so incidents get no
        event; their timelines keep the name used when they were categorized.
        """
        self.people.authorize(self.actor, "manage-categories")
        renames = self.taxonomy.rename(old, new)
        for old_path, new_path in renames.items():
            old_cat, _, old_sub = old_path.partition("/")
            new_cat, _, new_sub = new_path.partition("/")
            matches = col(Incident.category) == old_cat
            if old_sub:
                matches &= col(Incident.subcategory) == old_sub
                self.session.execute(
                    update(Incident).where(matches).values(category=new_cat, subcategory=new_sub)
                )
            else:
                self.session.execute(update(Incident).where(matches).values(category=new_cat))
        return renames

    # -- helpers -------------------------------------------------------------

    def _begin(self, ref: str | int, verb: Verb, at: datetime | None) -> _Change:
        """Authorize, lock the incident, check the lifecycle and the time of the change."""
        self.people.authorize(self.actor, verb.value)
        number = parse_incident_ref(ref)
        statement = select(Incident).where(col(Incident.id) == number).with_for_update()
        incident = self.session.scalars(statement).first()
        if incident is None:
            self.get_or_raise(number)
        assert incident is not None
        incident_id = format_incident_id(incident.id)
        target = next_status(Status(incident.status), verb, incident_id=incident_id)
        now = self._now()
        when = self._when(at, now)
        if when < incident.updated_at:
            raise Rejected(
                f"{when.isoformat()} is before the last change to {incident_id} "
                f"({incident.updated_at.isoformat()}); a timeline only moves forward."
            )
        return _Change(self, incident, target=target, at=when, now=now)

    def _registered(self, name: str) -> User | None:
        """The user called ``name``; once users exist, an unknown name is NotFound."""
        if not self.people.anyone_registered():
            return None
        user = self.people.get(name)
        if user is None or not user.active:
            raise NotFound(f"There is no active user {name}; `inctrack user list` shows them.")
        return user

    def _close(self, change: _Change, confirmer: str | None, why: str | None) -> Incident:
        incident = change.incident
        incident.closed_at, incident.closed_by = change.at, self.actor
        incident.confirmed_by = confirmer
        message = f"confirmed by {confirmer}" if confirmer else f"unconfirmed: {why}"
        change.move("closed", message=message)
        return incident

    def _now(self) -> datetime:
        return self.clock.now().replace(microsecond=0)

    def _when(self, at: datetime | None, now: datetime) -> datetime:
        if at is None:
            return now
        if at.tzinfo is None:
            raise Rejected("A time without a time zone reached the tracker; pass an aware time.")
        at = at.replace(microsecond=0)
        if at > now + FUTURE_TOLERANCE:
            raise Rejected(
                f"{at.isoformat()} is in the future; --at says when something already happened."
            )
        return min(at, now)  # a little ahead is clock skew between machines: it means now

    def _next_number(self, series: str, count: int = 1) -> int:
        """The next number of a series (the first of ``count`` consecutive ones),
        unique and increasing under concurrent writers.

        The UPDATE takes the row lock (PostgreSQL) inside the writer's
        transaction (``BEGIN IMMEDIATE`` on SQLite), so no two writers get
        the same number and a rolled-back transaction gives its number back.
        """
        statement = (
            update(Counter)
            .where(col(Counter.name) == series)
            .values(value=col(Counter.value) + count)
            .returning(col(Counter.value))
        )
        return int(self.session.execute(statement).scalar_one()) - count + 1

    def _event(
        self,
        incident: Incident,
        kind: str,
        *,
        at: datetime,
        recorded_at: datetime,
        field: str | None = None,
        old: object = None,
        new: object = None,
        message: str | None = None,
    ) -> Event:
        event = Event(
            incident_id=incident.id,
            at=at,
            recorded_at=recorded_at,
            actor=self.actor,
            kind=kind,
            field=field,
            old=_event_value(old),
            new=_event_value(new),
            message=message,
        )
        self.session.add(event)
        self.written.append((incident.id, kind))
        return event


def _required_text(value: str, what: str, *, limit: int | None = None) -> str:
    cleaned = value.strip()
    if not cleaned:
        hint = "say in a few words what is wrong" if what == "title" else "write a few words"
        raise Rejected(f"The {what} is empty; {hint}.")
    if limit is not None and len(cleaned) > limit:
        raise Rejected(
            f"The {what} has {len(cleaned)} characters, more than {limit}; "
            "put the detail in the description."
        )
    return cleaned


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = value.strip()
    return cleaned or None


class _Change:
    """One verb applied to one locked incident: field changes, each with its event."""

    def __init__(
        self, tracker: Tracker, incident: Incident, *, target: Status, at: datetime, now: datetime
    ) -> None:
        self.tracker = tracker
        self.incident = incident
        self.target = target
        self.at = at
        self.now = now
        self.id = format_incident_id(incident.id)
        self.events: list[Event] = []
        self._said: set[str] = set()

    def event(
        self,
        kind: str,
        *,
        field: str | None = None,
        old: object = None,
        new: object = None,
        message: str | None = None,
    ) -> None:
        if message is not None and message in self._said:
            message = None  # one command, one reason: say it on its first event only
        elif message is not None:
            self._said.add(message)
        self.events.append(
            self.tracker._event(
                self.incident,
                kind,
                at=self.at,
                recorded_at=self.now,
                field=field,
                old=old,
                new=new,
                message=message,
            )
        )
        self.incident.updated_at = self.at

    def set(
        self,
        field: str,
        value: object,
        *,
        kind: str,
        message: str | None = None,
        shown: tuple[object, object] | None = None,
    ) -> bool:
        """Change one field if it differs, with one event; True when it changed."""
        attribute = {"group": "assignment_group"}.get(field, field)
        old = getattr(self.incident, attribute)
        if old == value:
            return False
        setattr(self.incident, attribute, value)
        old_shown, new_shown = shown if shown is not None else (old, value)
        self.event(kind, field=field, old=old_shown, new=new_shown, message=message)
        return True

    def reassign(
        self,
        *,
        assignee: str | None,
        group: str | None,
        kind: str = "assigned",
        message: str | None = None,
    ) -> None:
        """New hands: counts as a reassignment when someone already had it."""
        incident = self.incident
        had_it = incident.assignee is not None or incident.assignment_group is not None
        changed = False
        if group is not None:
            changed |= self.set("group", group, kind=kind, message=message)
        if assignee is not None or changed:  # a new group starts without an assignee
            changed |= self.set("assignee", assignee, kind=kind, message=message)
        if changed and had_it:
            incident.reassignment_count += 1

    def move(self, kind: str, *, message: str | None = None) -> None:
        """Apply the lifecycle's next status, with its event."""
        old = self.incident.status
        self.incident.status = self.target.value
        if self.target is not Status.ON_HOLD:
            self.incident.hold_reason = None  # only an incident on hold waits for something
        self.event(kind, field="status", old=old, new=self.target.value, message=message)


def _event_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_FAR = datetime.max.replace(tzinfo=UTC)


def _urgency(clocks: Clocks) -> tuple[int, str, datetime, datetime, int]:
    """Queue order: untriaged first, then priority, then the nearest due, then oldest."""
    priority = clocks.priority
    due = clocks.next_due or _FAR
    return (0 if priority is None else 1, priority or "", due, clocks.incident.reported_at,
            clocks.incident.id)  # fmt: skip


def _level(value: str | None) -> Level | None:
    return Level(value) if value is not None else None


def _choice(enum: type[StrEnum], value: StrEnum | str, what: str) -> str:
    try:
        return enum(str(value).strip().lower()).value
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise Rejected(f"{value!r} is not a {what}; use one of {allowed}.") from None


def _joined(first: str, second: str | None) -> str:
    extra = _optional_text(second)
    return f"{first}: {extra}" if extra else first


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _tier(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_TIER:
        raise Rejected(f"Tier {value} does not exist; tiers go from 1 to {MAX_TIER}.")
    return value


def _value(member: StrEnum | None) -> str | None:
    return None if member is None else member.value


def _channel(value: Channel | str | None) -> str | None:
    if value is None:
        return None
    try:
        return Channel(str(value).strip().lower()).value
    except ValueError:
        allowed = ", ".join(c.value for c in Channel)
        raise Rejected(f"{value!r} is not a channel; use one of {allowed}.") from None
