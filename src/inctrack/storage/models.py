"""The tables: incidents, their append-only events, and ID counters.

Column names follow the JSON record of docs/reference/formats.md, except
``assignment_group`` (``group`` in JSON: GROUP is an SQL keyword) and
``problem_id`` (``problem`` in JSON, rendered as ``PRB-n``). Every timestamp
is stored in UTC and comes back timezone-aware (:class:`UTCDateTime`).

This module is the one way to the tables. It builds the ones every incident
command uses (incidents, events, counters, people, team settings) when it is
imported; the others (problems, templates, knowledge articles, services,
stakeholder updates, reviews) live in :mod:`inctrack.storage.tables` and are
built the first time someone names one here (``from inctrack.storage.models
import Article``): building a table class costs a few milliseconds, and `log`
or `note` need none of them. Whatever needs the whole schema in
``SQLModel.metadata`` (migration checks, grants, bulk transfers) calls
:func:`load_all` first.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from inctrack.storage.columns import EventFields, UTCDateTime, utc_field

if TYPE_CHECKING:
    from inctrack.storage.tables.kb import Article, ArticleRevision, ArticleUse
    from inctrack.storage.tables.problems import Problem, ProblemEvent
    from inctrack.storage.tables.reviews import ActionItem, Review, ReviewEvent
    from inctrack.storage.tables.services import MaintenanceWindow, Service, ServiceStatusChange
    from inctrack.storage.tables.templates import Template
    from inctrack.storage.tables.updates import Update


DERIVED = {"info": {"derived": True}}
"""A column derived from the incident's events (``sla.stored`` computes it): whole-row
writers (``storage.bulk``) leave it out, to be refreshed after."""


RANKED = tuple(f"{c}{k}_seconds" for c in ("response", "resolution") for k in ("", "_business"))
PARTIAL_INDEXES = ("ix_incidents_open_queue", "ix_incidents_running", "ix_events_escalated")
"""Indexes over some rows only, which the migrations (0014, 0015) create with a predicate
and the models leave out: declaring a predicate per dialect here would import every
dialect of SQLAlchemy (PostgreSQL's alone about 35 ms) into every command."""


class Incident(SQLModel, table=True):
    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_status_priority", "status", "priority"),
        Index("ix_incidents_reported_at", "reported_at"),
        Index("ix_incidents_dedup_key", "dedup_key"),
        Index("ix_incidents_external_id", "external_id"),
        Index("ix_incidents_source_key", "source_key", unique=True),
        Index("ix_incidents_problem_id", "problem_id"),
        # Trend reports count one (key, reported_at) range per period (migration 0005).
        Index(
            "ix_incidents_category_subcategory_reported_at",
            "category",
            "subcategory",
            "reported_at",
        ),
        Index("ix_incidents_service_reported_at", "service", "reported_at"),
        Index("ix_incidents_priority_reported_at", "priority", "reported_at"),
        Index("ix_incidents_channel_reported_at", "channel", "reported_at"),
        Index("ix_incidents_group_reported_at", "assignment_group", "reported_at"),
        *(Index(f"ix_incidents_priority_{n}", "priority", n, "reported_at") for n in RANKED),
    )

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    title: str
    description: str | None = None
    reporter: str
    reporter_contact: str | None = None
    reported_at: datetime = utc_field()
    logged_at: datetime = utc_field()
    logged_by: str
    channel: str | None = None
    service: str | None = None
    category: str | None = None
    subcategory: str | None = None
    impact: str | None = None
    urgency: str | None = None
    priority: str | None = None
    status: str
    hold_reason: str | None = None
    tier: int = 1
    assignment_group: str | None = None
    assignee: str | None = None
    owner: str | None = None
    major: bool = False
    roles: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    resolution_code: str | None = None
    resolution_note: str | None = None
    responded_at: datetime | None = utc_field(default=None)
    resolved_at: datetime | None = utc_field(default=None)
    closed_at: datetime | None = utc_field(default=None)
    closed_by: str | None = None
    confirmed_by: str | None = None
    reopen_count: int = 0
    reassignment_count: int = 0
    dedup_key: str | None = None
    occurrences: int = 1
    problem_id: int | None = None
    duplicate_of: int | None = Field(default=None, foreign_key="incidents.id")
    external_id: str | None = None
    """The ticket's number in the tool it was imported from (``INC0010001``)."""
    source_key: str | None = None
    """The key of the file row it was imported from, when the row had no ``id`` or
    ``external_id``: what makes importing the same file again add nothing."""
    updated_at: datetime = utc_field()
    version: int = 1
    """How many events the incident has: 1 when logged, one more with each change
    (``--if-version``); ``db verify`` checks it against the events."""
    next_due_at: datetime | None = utc_field(default=None, sa_column_kwargs=DERIVED)
    """Derived, stored (``sla.stored``, migration 0014): the due time of the clock that
    runs now, from the timeline and the policy; NULL when closed or nothing is due."""
    response_seconds: int | None = Field(default=None, sa_column_kwargs=DERIVED)
    response_business_seconds: int | None = Field(default=None, sa_column_kwargs=DERIVED)
    resolution_seconds: int | None = Field(default=None, sa_column_kwargs=DERIVED)
    resolution_business_seconds: int | None = Field(default=None, sa_column_kwargs=DERIVED)
    resolution_clock_seconds: int | None = Field(default=None, sa_column_kwargs=DERIVED)
    resolution_clock_business_seconds: int | None = Field(default=None, sa_column_kwargs=DERIVED)


class Event(EventFields, table=True):
    """One change to one incident. Never updated, never deleted: the database refuses."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_incident_id_id", "incident_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id")
    prev_hash: str | None = None
    """The previous event's hash (``storage.chain``): the chain over all events."""
    hash: str | None = None
    """SHA-256 of ``prev_hash`` and this event's canonical content (``storage.chain``)."""


class ChainHead(SQLModel, table=True):
    """The one row where the event chain ends (``storage.chain``): taken under lock."""

    __tablename__ = "chain_head"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    event_count: int = 0
    last_event_id: int = 0
    hash: str


class Counter(SQLModel, table=True):
    """The last number handed out per series (``incident`` -> INC-n)."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True)
    value: int = 0


class Category(SQLModel, table=True):
    """One node of the two-level taxonomy: ``network`` or ``network/vpn``.

    Categories are retired, never deleted, so old incidents keep their meaning.
    """

    __tablename__ = "categories"

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(unique=True)
    retired_at: datetime | None = utc_field(default=None)
    created_at: datetime = utc_field()


class Group(SQLModel, table=True):
    """A resolver group of the registry: what ``assign --group`` and users' groups name.

    Groups are retired, never deleted, so old incidents keep their meaning;
    ``folded`` (the name case-folded) keeps names unique whatever their case.
    """

    __tablename__ = "groups"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    folded: str = Field(unique=True)
    description: str | None = None
    retired_at: datetime | None = utc_field(default=None)
    created_at: datetime = utc_field()


class User(SQLModel, table=True):
    """A registered person. With no users at all, everyone may do everything."""

    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_login", "login", unique=True),
        Index("ix_users_db_role", "db_role", unique=True),
    )

    name: str = Field(primary_key=True)
    roles: str
    """Comma-separated roles, in a fixed order (see ``people.Role``)."""
    tier: int | None = None
    assignment_group: str | None = None
    email: str | None = None
    active: bool = True
    created_at: datetime = utc_field()
    login: str | None = None
    """The OS login this user is bound to: acting as them from another login needs an admin."""
    db_role: str | None = None
    """The PostgreSQL role ``db grant`` set up for them: a session as it acts as them."""


class Setting(SQLModel, table=True):
    """One piece of team policy (SLA targets, at-risk threshold, matrix, calendar)."""

    __tablename__ = "settings"

    key: str = Field(primary_key=True)
    value: Any = Field(sa_type=JSON)


class Holiday(SQLModel, table=True):
    """A whole local day without working time on the business calendar."""

    __tablename__ = "holidays"

    day: date = Field(primary_key=True)
    name: str | None = None


__all__ = [
    "ActionItem",
    "Article",
    "ArticleRevision",
    "ArticleUse",
    "Category",
    "ChainHead",
    "Counter",
    "Event",
    "EventFields",
    "Group",
    "Holiday",
    "Incident",
    "MaintenanceWindow",
    "Problem",
    "ProblemEvent",
    "Review",
    "ReviewEvent",
    "Service",
    "ServiceStatusChange",
    "Setting",
    "Template",
    "UTCDateTime",
    "Update",
    "User",
    "load_all",
    "utc_field",
]

_LAZY = {
    "Problem": "problems",
    "ProblemEvent": "problems",
    "Template": "templates",
    "Article": "kb",
    "ArticleRevision": "kb",
    "ArticleUse": "kb",
    "Service": "services",
    "ServiceStatusChange": "services",
    "MaintenanceWindow": "services",
    "Update": "updates",
    "Review": "reviews",
    "ReviewEvent": "reviews",
    "ActionItem": "reviews",
}
"""Table class -> the module of :mod:`inctrack.storage.tables` that defines it."""


def __getattr__(name: str) -> Any:
    """A table of :mod:`inctrack.storage.tables`, built on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"inctrack.storage.tables.{module}"), name)
    globals()[name] = value
    return value


def load_all() -> None:
    """Build every table, so that ``SQLModel.metadata`` holds the whole schema."""
    for name in _LAZY:
        __getattr__(name)
