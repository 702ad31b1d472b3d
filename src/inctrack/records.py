"""Plain records: the one source every renderer (table, JSON, CSV) draws from.

The shape is the public JSON contract of docs/reference/formats.md: snake_case
keys, every key always present (``None`` when absent), timestamps in ISO 8601
UTC with offset. Changing a key here is a breaking change for scripts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from inctrack.domain import (
    OPEN_STATUSES,
    MajorRole,
    Status,
    format_incident_id,
    format_problem_id,
    optional_incident_id,
    optional_problem_id,
)

if TYPE_CHECKING:  # the CLI imports this module at start-up: keep the ORM out
    from inctrack.problems.patterns import Pattern
    from inctrack.storage.check import Finding
    from inctrack.storage.models import (
        Category,
        Event,
        Group,
        Incident,
        Problem,
        ProblemEvent,
        Template,
        User,
    )

Record = dict[str, Any]

CLOCK_KEYS = ("target", "due_at", "elapsed_seconds", "remaining_seconds", "state")
ROLE_NAMES = tuple(role.value for role in MajorRole)
"""Major-incident roles; fixed so that CSV columns stay stable."""


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    # Stored times come back in UTC already; converting again costs a report dearly.
    return (value if value.tzinfo is UTC else value.astimezone(UTC)).isoformat()


def untracked_clock() -> Record:
    """A clock with no target yet: the SLA engine fills real ones in."""
    return {"target": None, "due_at": None, "elapsed_seconds": None,
            "remaining_seconds": None, "state": "none"}  # fmt: skip


def incident_record(
    incident: Incident,
    *,
    events: list[Event] | None = None,
    sla: Record | None = None,
) -> Record:
    roles = incident.roles or {}
    record: Record = {
        "id": format_incident_id(incident.id),
        "title": incident.title,
        "description": incident.description,
        "reporter": incident.reporter,
        "reporter_contact": incident.reporter_contact,
        "reported_at": timestamp(incident.reported_at),
        "logged_at": timestamp(incident.logged_at),
        "logged_by": incident.logged_by,
        "channel": incident.channel,
        "service": incident.service,
        "category": incident.category,
        "subcategory": incident.subcategory,
        "impact": incident.impact,
        "urgency": incident.urgency,
        "priority": incident.priority,
        "status": incident.status,
        "hold_reason": incident.hold_reason,
        "tier": incident.tier,
        "group": incident.assignment_group,
        "assignee": incident.assignee,
        "owner": incident.owner,
        "major": incident.major,
        "roles": {role: roles.get(role) for role in ROLE_NAMES},
        "resolution_code": incident.resolution_code,
        "resolution_note": incident.resolution_note,
        "responded_at": timestamp(incident.responded_at),
        "resolved_at": timestamp(incident.resolved_at),
        "closed_at": timestamp(incident.closed_at),
        "closed_by": incident.closed_by,
        "confirmed_by": incident.confirmed_by,
        "reopen_count": incident.reopen_count,
        "reassignment_count": incident.reassignment_count,
        "dedup_key": incident.dedup_key,
        "occurrences": incident.occurrences,
        "problem": optional_problem_id(incident.problem_id),
        "duplicate_of": optional_incident_id(incident.duplicate_of),
        "external_id": incident.external_id,
        "updated_at": timestamp(incident.updated_at),
        "version": incident.version,
        "sla": sla or {"response": untracked_clock(), "resolution": untracked_clock()},
    }
    if events is not None:
        record["events"] = [event_record(event) for event in events]
    return record


def event_record(event: Event | ProblemEvent) -> Record:
    """An event's record; an incident event's with its place in the hash chain."""
    record: Record = {
        "at": timestamp(event.at),
        "recorded_at": timestamp(event.recorded_at),
        "actor": event.actor,
        "kind": event.kind,
        "field": event.field,
        "old": event.old,
        "new": event.new,
        "message": event.message,
        "os_login": event.os_login,
    }
    if hasattr(event, "hash"):  # problem events are not chained
        record |= {"prev_hash": getattr(event, "prev_hash"), "hash": getattr(event, "hash")}  # noqa: B009
    if event.kind == EVIDENCE_KIND and event.message:
        return evidence_record(record)
    return record


EVIDENCE_KIND = "diagnostic"
"""The event of a diagnostic run (``kb run``): its message is the evidence as JSON."""


def evidence_record(record: Record) -> Record:
    """A diagnostic run's event: the evidence whole under ``evidence``, and a one-line
    message saying what ran and how it ended."""
    import json

    try:
        evidence = json.loads(record["message"])
    except ValueError:
        return record
    if evidence.get("timed_out"):
        ending = "timed out, killed"
    elif evidence.get("interrupted"):
        ending = "interrupted, killed"
    else:
        ending = f"exit status {evidence.get('exit_status')}"
    record["message"] = (
        f"{evidence.get('article')} r{evidence.get('revision')} step {evidence.get('step')}: "
        f"{evidence.get('command')} ({ending})"
    )
    record["evidence"] = evidence
    return record


INCIDENT_CSV_COLUMNS = (
    "id", "title", "description", "reporter", "reporter_contact", "reported_at", "logged_at",
    "logged_by", "channel", "service", "category", "subcategory", "impact", "urgency",
    "priority", "status", "hold_reason", "tier", "group", "assignee", "owner", "major",
    "roles_commander", "roles_manager", "roles_comms", "resolution_code", "resolution_note",
    "responded_at", "resolved_at", "closed_at", "closed_by", "confirmed_by", "reopen_count",
    "reassignment_count", "dedup_key", "occurrences", "problem", "duplicate_of",
    "external_id", "updated_at", "version",
    "sla_response_target", "sla_response_due_at", "sla_response_elapsed_seconds",
    "sla_response_remaining_seconds", "sla_response_state", "sla_resolution_target",
    "sla_resolution_due_at", "sla_resolution_elapsed_seconds",
    "sla_resolution_remaining_seconds", "sla_resolution_state",
)  # fmt: skip
"""CSV columns of an incident, in order: the JSON record flattened (events left out)."""


CSV_ESCAPE = "'"
"""The first character of a CSV cell whose text was escaped (see :func:`csv_text`)."""
_FORMULA_STARTS = frozenset("=+-@\t\r" + CSV_ESCAPE)
_CSV_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CSV_ESCAPED = re.compile(r"\\(\\|x[0-9a-f]{2})")


def csv_text(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet evaluates and no terminal obeys.

    A text that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return:
    the OWASP rule), starts with ``'`` itself, or holds a control character (C0 but tab
    and newline, DEL, C1) is written as ``'`` followed by the text with each ``\\``
    doubled and each control character as ``\\xHH``. Any other text is written as it
    is. :func:`csv_original` undoes it exactly: the mapping is one to one.
    """
    if not text or (text[0] not in _FORMULA_STARTS and not _CSV_UNSAFE.search(text)):
        return text
    escaped = text.replace("\\", "\\\\")
    return CSV_ESCAPE + _CSV_UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", escaped)


def csv_original(cell: str) -> str:
    """The text :func:`csv_text` made ``cell`` from."""
    if not cell.startswith(CSV_ESCAPE):
        return cell
    return _CSV_ESCAPED.sub(_unescaped, cell[1:])


def _unescaped(match: re.Match[str]) -> str:
    code = match.group(1)
    return "\\" if code == "\\" else chr(int(code[1:], 16))


def flatten(record: Record, prefix: str = "") -> Record:
    """Nested objects become ``parent_child`` columns for CSV; lists of text are joined
    with commas, other lists (events) are left out."""
    flat: Record = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}_"))
        elif isinstance(value, list):
            if all(isinstance(item, str) for item in value):  # e.g. a user's roles
                flat[name] = ",".join(value)
        else:
            flat[name] = value
    return flat


def user_record(user: User) -> Record:
    return {
        "name": user.name,
        "roles": [role for role in user.roles.split(",") if role],
        "tier": user.tier,
        "group": user.assignment_group,
        "email": user.email,
        "active": user.active,
        "created_at": timestamp(user.created_at),
        "login": user.login,
        "db_role": user.db_role,
    }


USER_CSV_COLUMNS = (
    "name", "roles", "tier", "group", "email", "active", "created_at", "login", "db_role",
)  # fmt: skip


TEMPLATE_KEYS = ("title", "reporter", "contact", "description", "channel", "service",
                 "category", "impact", "urgency", "dedup_key")  # fmt: skip
"""What a log template may preset: the values of ``log``'s options (and batch keys)."""


def template_record(template: Template) -> Record:
    """A template: every preset key (null when the template leaves it to ``log``)."""
    preset = template.fields or {}
    return {
        "name": template.name,
        **{key: preset.get(key) for key in TEMPLATE_KEYS},
        "created_at": timestamp(template.created_at),
        "created_by": template.created_by,
    }


TEMPLATE_CSV_COLUMNS = ("name", *TEMPLATE_KEYS, "created_at", "created_by")


def category_record(category: Category) -> Record:
    name, _, sub = category.path.partition("/")
    return {
        "path": category.path,
        "category": name,
        "subcategory": sub or None,
        "retired": category.retired_at is not None,
        "retired_at": timestamp(category.retired_at),
    }


CATEGORY_CSV_COLUMNS = ("path", "category", "subcategory", "retired", "retired_at")


def group_record(group: Group, *, members: list[str], open_incidents: int) -> Record:
    """A resolver group, with the users in it and how many open incidents it holds."""
    return {
        "name": group.name,
        "description": group.description,
        "retired": group.retired_at is not None,
        "retired_at": timestamp(group.retired_at),
        "created_at": timestamp(group.created_at),
        "members": members,
        "open_incidents": open_incidents,
    }


GROUP_CSV_COLUMNS = ("name", "description", "retired", "retired_at", "created_at", "members",
                     "open_incidents")  # fmt: skip


def problem_record(
    problem: Problem, incidents: list[Incident], *, events: list[ProblemEvent] | None = None
) -> Record:
    """A problem with its incidents (by number); ``show`` adds its ``events``."""
    record: Record = {
        "id": format_problem_id(problem.id),
        "title": problem.title,
        "description": problem.description,
        "status": problem.status,
        "root_cause": problem.root_cause,
        "workaround": problem.workaround,
        "created_at": timestamp(problem.created_at),
        "created_by": problem.created_by,
        "updated_at": timestamp(problem.updated_at),
        "resolved_at": timestamp(problem.resolved_at),
        "closed_at": timestamp(problem.closed_at),
        "incident_count": len(incidents),
        "open_incident_count": sum(Status(i.status) in OPEN_STATUSES for i in incidents),
        "incidents": [
            {
                "id": format_incident_id(incident.id),
                "title": incident.title,
                "status": incident.status,
                "priority": incident.priority,
                "reported_at": timestamp(incident.reported_at),
            }
            for incident in incidents
        ],
    }
    if events is not None:
        record["events"] = [event_record(event) for event in events]
    return record


PROBLEM_CSV_COLUMNS = (
    "id", "title", "description", "status", "root_cause", "workaround", "created_at",
    "created_by", "updated_at", "resolved_at", "closed_at", "incident_count",
    "open_incident_count",
)  # fmt: skip
"""CSV columns of a problem: its scalar keys (the incidents and events are in JSON)."""


def problem_summary(problem: Problem | None) -> Record | None:
    """What ``show`` says about an incident's problem (``problem_detail``)."""
    if problem is None:
        return None
    return {
        "id": format_problem_id(problem.id),
        "title": problem.title,
        "status": problem.status,
        "root_cause": problem.root_cause,
        "workaround": problem.workaround,
    }


def pattern_record(pattern: Pattern) -> Record:
    """One candidate of ``report patterns``."""
    return {
        "number": pattern.number,
        "key": dict(pattern.key),
        "label": pattern.label,
        "count": pattern.count,
        "first": timestamp(pattern.first),
        "last": timestamp(pattern.last),
        "incidents": [format_incident_id(number) for number in pattern.incidents],
        "linked": len(pattern.links),
        "problems": [format_problem_id(number) for number in pattern.problems],
        "linked_incidents": [
            {"id": format_incident_id(number), "problem": format_problem_id(problem)}
            for number, problem in pattern.links
        ],
    }


def pattern_csv_columns(by: tuple[str, ...]) -> tuple[str, ...]:
    """``number``, one ``key_<field>`` column per key field, then the rest."""
    keys = tuple(f"key_{name}" for name in by)
    return ("number", *keys, "label", "count", "first", "last", "linked", "problems", "incidents")


def finding_record(finding: Finding) -> Record:
    """One row of ``db check``: which check, whether it passed, and what it saw."""
    return {"check": finding.check, "ok": finding.ok, "detail": finding.detail}
