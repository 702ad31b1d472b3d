"""Keeping services' status history as incidents change: a flush listener.

Every unit of work installs it (:func:`watch`), so it stays light: it imports
only the incident table, and the service registry's tables and
:mod:`inctrack.services.status` only when a flush changed an incident field a
service's status depends on, on an incident that names a service.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlmodel import Session

from inctrack.storage.models import Incident

WATCHED = ("service", "impact", "major", "status")
"""The incident fields a service's derived status depends on."""

_PENDING = "inctrack.services.pending"
_ACTOR = "inctrack.services.actor"


def watch(session: Session, *, actor: str, now: datetime) -> None:
    """Make every flush of ``session`` record the status changes its incident
    changes cause, in the same transaction (once per session)."""
    session.info[_ACTOR] = (actor, now)
    if not event.contains(session, "after_flush", _collect):
        event.listen(session, "after_flush", _collect)
        event.listen(session, "after_flush_postexec", _refresh)


def refresh(
    session: Session,
    touched: Mapping[str, tuple[datetime, int | None]],
    *,
    actor: str,
    now: datetime | None,
) -> None:
    """:func:`inctrack.services.status.refresh`, loaded only when a service was touched."""
    if not touched:
        return
    from inctrack.services import status

    status.refresh(session, touched, actor=actor, now=now)


def _collect(session: Session, _context: Any) -> None:
    pending: dict[str, tuple[datetime, int]] = session.info.setdefault(_PENDING, {})
    for incident in [*session.new, *session.dirty]:
        if not isinstance(incident, Incident):
            continue
        state = inspect(incident)
        names: set[str] = set()
        touched = incident in session.new
        for field in WATCHED:
            history = state.attrs[field].history
            touched |= history.has_changes()
            if field == "service":
                names.update(str(value) for value in history.deleted if value)
        if not touched:
            continue
        if incident.service:
            names.add(incident.service)
        when = incident.updated_at
        for name in names:
            earlier = pending.get(name)
            if earlier is None or when > earlier[0]:
                pending[name] = (when, incident.id)


def _refresh(session: Session, _context: Any) -> None:
    pending: dict[str, tuple[datetime, int]] = session.info.pop(_PENDING, {})
    actor, now = session.info.get(_ACTOR, ("inctrack", None))
    refresh(session, pending, actor=actor, now=now)
