"""``edit``: correcting what was reported, one ``edited`` event per changed field.

:func:`edit_incident` applies new values of the reported fields (title,
description, reporter, contact, service, channel), checked as ``log`` checks
them; a field given with the value it already has writes nothing. The status,
the SLA clocks and everything else stay as they are.

For ``$EDITOR``, :func:`edit_text` writes the fields as a small text (``Key:
value`` header lines, a blank line, the description) and :func:`read_edit_text`
reads it back; :func:`changed_fields` keeps what the person actually changed.
None of these needs a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from inctrack.domain import (
    MAX_TITLE,
    Channel,
    Status,
    format_incident_id,
    optional_text,
    parse_channel,
    parse_incident_ref,
    required_text,
)
from inctrack.errors import Conflict, Rejected
from inctrack.lifecycle import Verb, next_status
from inctrack.storage.models import Incident
from inctrack.work import UnitOfWork, no_such_incident

EDITABLE = ("title", "description", "reporter", "reporter_contact", "service", "channel")
"""The fields ``edit`` changes, named as records and events name them."""

HEADER_KEYS = {
    "title": "Title",
    "reporter": "Reporter",
    "reporter_contact": "Contact",
    "service": "Service",
    "channel": "Channel",
}
"""Field -> its header line in the edit text; the description is the body."""

OPTIONS = {"reporter_contact": "contact"}
"""Fields whose keyword (``Tracker.edit``, ``--contact``) differs from their name."""


def clean(field: str, value: str) -> str | None:
    """A new value of ``field``, checked as ``log`` checks it; blank clears an optional one."""
    if field == "title":
        return required_text(value, "title", limit=MAX_TITLE)
    if field == "reporter":
        return required_text(value, "reporter")
    if field == "channel":
        return parse_channel(optional_text(value))
    if field in EDITABLE:
        return optional_text(value)
    raise Rejected(f"{field!r} cannot be edited; edit changes {', '.join(EDITABLE)}.")


def edit_incident(
    work: UnitOfWork,
    ref: str | int,
    values: Mapping[str, str],
    *,
    expected: Mapping[str, str | None] | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Incident:
    """Set the given fields, one ``edited`` event each that changes.

    ``expected`` holds the values the person saw (in ``$EDITOR``): a field
    changed by someone else since then is a :class:`Conflict`, not overwritten;
    so is any change at all since ``expected_version``.
    """
    cleaned = {field: clean(field, value) for field, value in values.items()}
    if not cleaned:
        raise Rejected(
            "Say what to change: --title, --description, --reporter, --contact, --service "
            "or --channel."
        )
    service = cleaned.get("service")
    if service is not None:
        from inctrack.services.registry import Services

        cleaned["service"] = Services(work).resolve(service)
    change = work.begin(ref, Verb.EDIT, at, expected_version=expected_version)
    for field in cleaned:
        if expected is not None and field in expected:
            now = getattr(change.incident, field)
            if now != expected[field]:
                raise Conflict(
                    f"The {field} of {change.id} was changed by someone else while you were "
                    f"editing (it is now {now!r}); nothing was changed, run edit again."
                )
    for field, value in cleaned.items():
        change.set(field, value, kind="edited")
    return change.incident


def open_for_edit(work: UnitOfWork, ref: str | int) -> tuple[str, dict[str, str | None], int]:
    """The incident's ID, editable fields and version, once the actor may edit it and the
    lifecycle allows it: checked before anyone spends time in an editor."""
    work.authorize(Verb.EDIT.value)
    number = parse_incident_ref(ref)
    incident = work.session.get(Incident, number)
    if incident is None:
        raise no_such_incident(number)
    incident_id = format_incident_id(number)
    next_status(Status(incident.status), Verb.EDIT, incident_id=incident_id)
    return incident_id, {field: getattr(incident, field) for field in EDITABLE}, incident.version


def as_options(fields: Mapping[str, str]) -> dict[str, str]:
    """Field -> value as ``Tracker.edit``'s keywords (``reporter_contact`` is ``contact``)."""
    return {OPTIONS.get(field, field): value for field, value in fields.items()}


def edit_text(incident_id: str, values: Mapping[str, str | None]) -> str:
    """The text ``$EDITOR`` shows: comment lines, ``Key: value`` lines, the description."""
    channels = ", ".join(channel.value for channel in Channel)
    lines = [
        f"# Editing {incident_id}: correct what needs it and save. Lines starting with #",
        "# up here are ignored; the description follows the blank line. Channel is one",
        f"# of {channels}.",
        "# Saved unchanged or emptied, nothing is changed.",
    ]
    lines += [f"{key}: {values[field] or ''}" for field, key in HEADER_KEYS.items()]
    return "\n".join([*lines, "", values["description"] or ""]) + "\n"


def read_edit_text(text: str) -> dict[str, str] | None:
    """The fields in an edited text (the body is the description); None when emptied."""
    lines = text.splitlines()
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    if not lines:
        return None
    by_key = {key.lower(): field for field, key in HEADER_KEYS.items()}
    values: dict[str, str] = {}
    while lines and lines[0].strip():
        line = lines.pop(0)
        key, colon, value = line.partition(":")
        field = by_key.get(key.strip().lower())
        if not colon or field is None:
            keys = ", ".join(HEADER_KEYS.values())
            raise Rejected(
                f"The line {line.strip()!r} is not 'Key: value' with a key of {keys}; "
                "nothing was changed."
            )
        if field in values:
            raise Rejected(f"{key.strip()} is given twice; nothing was changed.")
        values[field] = value
    values["description"] = "\n".join(lines).strip()
    return values


def changed_fields(before: Mapping[str, str | None], after: Mapping[str, str]) -> dict[str, str]:
    """The fields of ``after`` (as typed) that differ from ``before``, ignoring the blanks
    around them; a field missing from ``after`` is left as it is."""
    return {
        field: value
        for field, value in after.items()
        if optional_text(value) != optional_text(before.get(field))
    }
