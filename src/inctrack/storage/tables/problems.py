"""The tables of problem records and their events.

Reached through :mod:`inctrack.storage.models`, which builds them on first use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from inctrack.storage.columns import EventFields, utc_field


class Problem(SQLModel, table=True):
    """A problem record ``PRB-n``: the underlying cause behind one or more incidents."""

    __tablename__ = "problems"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    title: str
    description: str | None = None
    status: str
    root_cause: str | None = None
    workaround: str | None = None
    created_at: datetime = utc_field()
    created_by: str
    updated_at: datetime = utc_field()
    resolved_at: datetime | None = utc_field(default=None)
    closed_at: datetime | None = utc_field(default=None)


class ProblemEvent(EventFields, table=True):
    """One change to one problem; append-only like :class:`Event`."""

    __tablename__ = "problem_events"
    __table_args__ = (Index("ix_problem_events_problem_id_id", "problem_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    problem_id: int = Field(foreign_key="problems.id")
