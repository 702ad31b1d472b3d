"""The incident lifecycle as one table: ``(status, verb) -> next status``.

A pair that is not in the table is a move the process does not allow. Verbs
that do not change the status (``note``, ``assign``, ...) map a status to
itself, so the table also says *when* they are allowed: closed and cancelled
incidents are final and take no verb at all, except that a closed incident may
still be linked to a problem record (``link-problem``).
"""

from __future__ import annotations

from enum import StrEnum

from inctrack.domain import Status
from inctrack.errors import Rejected


class Verb(StrEnum):
    CATEGORIZE = "categorize"
    PRIORITIZE = "prioritize"
    ASSIGN = "assign"
    RESPOND = "respond"
    NOTE = "note"
    ESCALATE = "escalate"
    ROLE = "role"
    HOLD = "hold"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    CANCEL = "cancel"
    LINK = "link"
    LINK_PROBLEM = "link-problem"
    EDIT = "edit"
    OWNER = "owner"
    UPDATE = "update"


NEW, IN_PROGRESS, ON_HOLD = Status.NEW, Status.IN_PROGRESS, Status.ON_HOLD
RESOLVED, CLOSED, CANCELLED = Status.RESOLVED, Status.CLOSED, Status.CANCELLED

TRANSITIONS: dict[tuple[Status, Verb], Status] = {
    # moves: the verbs that change the status
    (NEW, Verb.RESPOND): IN_PROGRESS,
    (NEW, Verb.RESOLVE): RESOLVED,  # a first-contact fix: responded to and resolved at once
    (IN_PROGRESS, Verb.HOLD): ON_HOLD,
    (ON_HOLD, Verb.RESUME): IN_PROGRESS,
    (IN_PROGRESS, Verb.RESOLVE): RESOLVED,
    (ON_HOLD, Verb.RESOLVE): RESOLVED,
    (RESOLVED, Verb.CLOSE): CLOSED,
    (RESOLVED, Verb.REOPEN): IN_PROGRESS,
    (NEW, Verb.CANCEL): CANCELLED,
    (IN_PROGRESS, Verb.CANCEL): CANCELLED,
    (ON_HOLD, Verb.CANCEL): CANCELLED,
    # work on an open incident: the status stays
    **{
        (status, verb): status
        for status in (NEW, IN_PROGRESS, ON_HOLD)
        for verb in (
            Verb.CATEGORIZE,
            Verb.PRIORITIZE,
            Verb.ASSIGN,
            Verb.NOTE,
            Verb.ESCALATE,
            Verb.ROLE,
            Verb.LINK,
        )
    },
    # what was reported (title, description, reporter, ...) may be corrected until closed
    **{(status, Verb.EDIT): status for status in (NEW, IN_PROGRESS, ON_HOLD, RESOLVED)},
    # after resolution: notes, links and a corrected category are still welcome
    (RESOLVED, Verb.NOTE): RESOLVED,
    (RESOLVED, Verb.LINK): RESOLVED,
    (RESOLVED, Verb.CATEGORIZE): RESOLVED,
    # stakeholders hear how it goes until it is resolved (the last update says so)
    **{(status, Verb.UPDATE): status for status in (NEW, IN_PROGRESS, ON_HOLD, RESOLVED)},
    # the service desk keeps control until the incident is closed
    **{(status, Verb.OWNER): status for status in (NEW, IN_PROGRESS, ON_HOLD, RESOLVED)},
    # a problem link is record-keeping about the cause: even a closed incident takes it
    **{(status, Verb.LINK_PROBLEM): status for status in (NEW, IN_PROGRESS, ON_HOLD, RESOLVED)},
    (CLOSED, Verb.LINK_PROBLEM): CLOSED,
}

FINAL = frozenset({CLOSED, CANCELLED})

VERB_PHRASES = {
    Verb.ROLE: "name roles on",
    Verb.LINK_PROBLEM: "link a problem to",
    Verb.OWNER: "change the owner of",
    Verb.UPDATE: "post an update on",
}
"""How a refusal reads where the bare verb would not: "Cannot name roles on INC-2"."""


def moves_from(status: Status) -> dict[Verb, Status]:
    """The status-changing verbs allowed from ``status``, with where each leads."""
    return {
        verb: target
        for (source, verb), target in TRANSITIONS.items()
        if source is status and target is not status
    }


def next_status(status: Status, verb: Verb, *, incident_id: str) -> Status:
    """Where ``verb`` takes an incident in ``status``, or Rejected naming the allowed moves."""
    target = TRANSITIONS.get((status, verb))
    if target is not None:
        return target
    doing = VERB_PHRASES.get(verb, verb.value)
    if status in FINAL:
        raise Rejected(f"Cannot {doing} {incident_id}: it is {status}, which is final.")
    moves = moves_from(status)
    named = [f"{verb} (→ {target})" for verb, target in moves.items()]
    allowed = ", ".join(named[:-1]) + f" and {named[-1]}" if len(named) > 1 else named[0]
    raise Rejected(
        f"Cannot {doing} {incident_id}: it is {status}, and from {status} the allowed moves "
        f"are {allowed}."
    )
