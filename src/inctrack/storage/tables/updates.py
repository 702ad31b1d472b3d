"""The tables of stakeholder updates on incidents.

Reached through :mod:`inctrack.storage.models`, which builds them on first use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from inctrack.storage.columns import utc_field


class Update(SQLModel, table=True):
    """A stakeholder update on an incident (``update INC-n``); its timeline event
    (kind ``update``) is ``event_id``. Only ``public`` ones reach the status page."""

    __tablename__ = "updates"
    __table_args__ = (
        Index("ix_updates_incident_id_at", "incident_id", "at"),
        Index("ix_updates_public_at", "public", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id")
    event_id: int = Field(foreign_key="events.id")
    at: datetime = utc_field()
    actor: str
    state: str
    public: bool = False
    message: str
