"""The tables of post-incident reviews, their events and action items.

Reached through :mod:`inctrack.storage.models`, which builds them on first use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

import inctrack.storage.tables.problems  # noqa: F401  (action items refer to problems)
from inctrack.storage.columns import EventFields, utc_field


class Review(SQLModel, table=True):
    """The post-incident review of one incident (``review INC-n``): the sections the
    team writes; the rest of a review is read from the incident's timeline."""

    __tablename__ = "reviews"

    incident_id: int = Field(
        foreign_key="incidents.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    status: str = "draft"
    sections: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = utc_field()
    created_by: str
    updated_at: datetime = utc_field()
    completed_at: datetime | None = utc_field(default=None)
    completed_by: str | None = None


class ReviewEvent(EventFields, table=True):
    """One change to one review (created, a section written, completed), in order."""

    __tablename__ = "review_events"
    __table_args__ = (Index("ix_review_events_review_id_id", "review_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="reviews.incident_id")


class ActionItem(SQLModel, table=True):
    """A follow-up action ``ACT-n`` of a review: what, who, by when, done or not."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_done_at_due_at", "done_at", "due_at"),)

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    incident_id: int = Field(foreign_key="reviews.incident_id")
    text: str
    owner: str
    due_at: datetime = utc_field()
    problem_id: int | None = Field(default=None, foreign_key="problems.id")
    created_at: datetime = utc_field()
    created_by: str
    done_at: datetime | None = utc_field(default=None)
    done_by: str | None = None
