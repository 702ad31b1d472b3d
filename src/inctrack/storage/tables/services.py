"""The tables of the service registry, its status history and maintenance windows.

Reached through :mod:`inctrack.storage.models`, which builds them on first use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from inctrack.storage.columns import utc_field


class Service(SQLModel, table=True):
    """A service of the registry: what an incident's ``--service`` names.

    ``status`` is the effective status as last recorded (a status set by hand,
    ``manual_status``, else the one its open incidents give it); maintenance
    windows are laid over it when read, since they start by the clock, not by
    an event. Services are retired, never deleted; ``folded`` keeps names
    unique whatever their case.
    """

    __tablename__ = "services"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    folded: str = Field(unique=True)
    title: str
    group_name: str | None = None
    description: str | None = None
    status: str = "operational"
    manual_status: str | None = None
    manual_reason: str | None = None
    retired_at: datetime | None = utc_field(default=None)
    created_at: datetime = utc_field()


class ServiceStatusChange(SQLModel, table=True):
    """One change of a service's recorded status, written in the transaction that
    caused it: an incident change (``cause`` "incident"), a status set by hand
    ("manual") or cleared ("auto"), or the service's registration ("registered")."""

    __tablename__ = "service_status_changes"
    __table_args__ = (Index("ix_service_status_changes_service_id_at", "service_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="services.id")
    at: datetime = utc_field()
    recorded_at: datetime = utc_field()
    actor: str
    old: str | None = None
    status: str
    cause: str
    incident_id: int | None = None
    reason: str | None = None


class MaintenanceWindow(SQLModel, table=True):
    """Scheduled maintenance ``MNT-n`` of one service, from ``starts_at`` to ``ends_at``."""

    __tablename__ = "maintenance_windows"
    __table_args__ = (
        Index("ix_maintenance_windows_service_id_starts_at", "service_id", "starts_at"),
    )

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    service_id: int = Field(foreign_key="services.id")
    starts_at: datetime = utc_field()
    ends_at: datetime = utc_field()
    message: str
    created_at: datetime = utc_field()
    created_by: str
    cancelled_at: datetime | None = utc_field(default=None)
    cancelled_by: str | None = None
