"""The public records of action items (``ACT-n``) and their IDs: what JSON and CSV show."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from inctrack.domain import MAX_ID, format_incident_id, format_problem_id, id_number
from inctrack.errors import Rejected
from inctrack.records import Record, timestamp

if TYPE_CHECKING:
    from inctrack.storage.models import ActionItem

ACTION_PREFIX = "ACT"
_ACTION_REF = re.compile(r"^\s*(?:act-?)?(\d+)\s*$", re.IGNORECASE)
MAX_ACTION = 1000

REPORT_COLUMNS = ("kind", "id", "incident", "text", "owner", "since", "state")
"""CSV columns of `report reviews`: one row per review owed or action item overdue."""


def format_action_id(number: int) -> str:
    return f"{ACTION_PREFIX}-{number}"


def parse_action_ref(text: str | int) -> int:
    """``ACT-3``, ``act-3`` and ``3`` all name action item 3."""
    match = _ACTION_REF.match(str(text))
    number = id_number(match.group(1)) if match else None
    if number is None:
        raise Rejected(
            f"{text!r} does not name an action item; write ACT-3, act-3 or 3 (up to {MAX_ID})."
        )
    return number


def action_record(item: ActionItem, *, now: datetime) -> Record:
    return {
        "id": format_action_id(item.id),
        "incident": format_incident_id(item.incident_id),
        "text": item.text,
        "owner": item.owner,
        "due_at": timestamp(item.due_at),
        "problem": format_problem_id(item.problem_id) if item.problem_id else None,
        "done_at": timestamp(item.done_at),
        "done_by": item.done_by,
        "overdue": item.done_at is None and item.due_at < now,
    }


ACTION_COLUMNS = ("id", "incident", "text", "owner", "due_at", "problem", "done_at",
                  "done_by", "overdue")  # fmt: skip
