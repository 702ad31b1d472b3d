"""Stakeholder updates: what the people affected are told while an incident runs.

An update (``update INC-n MESSAGE --state …``) is one event on the timeline
(kind ``update``, field ``state``, the state as its new value, the message)
and one :class:`~inctrack.storage.models.Update` row saying whether it is
public. Internal by default; a public update goes to the status page, so only
the incident's communications lead, commander or incident manager (its major
roles), a user with the incident-manager role, or an admin may post one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlmodel import col

from inctrack.domain import MajorRole, Role, parse_choice, required_text
from inctrack.errors import PermissionDenied
from inctrack.lifecycle import Verb
from inctrack.storage.models import Incident, Update
from inctrack.work import UnitOfWork

MAX_UPDATE = 5000
"""The longest update, in characters."""


class UpdateState(StrEnum):
    """Where the response stands, as stakeholders are told (Statuspage's words)."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


PUBLISHERS = frozenset({Role.INCIDENT_MANAGER, Role.ADMIN})
"""Roles that may post a public update on any incident."""


class Updates:
    """Stakeholder updates inside one unit of work."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work
        self.session = work.session

    def post(
        self,
        ref: str | int,
        message: str,
        *,
        state: UpdateState | str,
        public: bool = False,
        at: datetime | None = None,
    ) -> tuple[Incident, Update]:
        """Post an update on the incident's timeline; PermissionDenied (exit 5) for a
        public one from someone who does not speak for the incident."""
        text = required_text(message, "update", limit=MAX_UPDATE)
        chosen = parse_choice(UpdateState, state, "stakeholder update state")
        change = self.work.begin(ref, Verb.UPDATE, at)
        if public:
            self._may_publish(change.incident, change.id)
        change.event("update", field="state", new=chosen, message=text)
        self.session.flush()
        update = Update(
            incident_id=change.incident.id, event_id=change.events[-1].id, at=change.at,
            actor=self.work.actor, state=chosen, public=public, message=text,
        )  # fmt: skip
        self.session.add(update)
        self.session.flush()
        return change.incident, update

    def of(self, incident_id: int, *, public_only: bool = False) -> list[Update]:
        """The incident's updates, oldest first (only the public ones with ``public_only``)."""
        statement = select(Update).where(col(Update.incident_id) == incident_id)
        if public_only:
            statement = statement.where(col(Update.public).is_(True))
        return list(self.session.scalars(statement.order_by(col(Update.at), col(Update.id))))

    def last(self, incident_ids: list[int]) -> dict[int, datetime]:
        """When each of the incidents had its latest update (any, public or internal)."""
        if not incident_ids:
            return {}
        statement = (
            select(col(Update.incident_id), func.max(col(Update.at)))
            .where(col(Update.incident_id).in_(incident_ids))
            .group_by(col(Update.incident_id))
        )
        return {int(number): at for number, at in self.session.execute(statement)}

    def _may_publish(self, incident: Incident, incident_id: str) -> None:
        actor = self.work.actor
        named = {role for role, name in (incident.roles or {}).items() if name == actor}
        if named & {role.value for role in MajorRole}:
            return
        if self.work.people.has_role(actor, *PUBLISHERS):
            return
        raise PermissionDenied(
            f"A public update on {incident_id} is for its communications lead, commander or "
            f"incident manager, an incident manager or an admin, and {actor} is none of them; "
            "post it internal (without --public) or ask one of them."
        )
