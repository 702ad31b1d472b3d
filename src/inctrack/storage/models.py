"""The tables: incidents, their append-only events, and ID counters.

Column names follow the JSON record of docs/reference/formats.md, except
``assignment_group`` (``group`` in JSON: GROUP is an SQL keyword) and
``problem_id`` (``problem`` in JSON, rendered as ``PRB-n``). Every timestamp
is stored in UTC and comes back timezone-aware (:class:`UTCDateTime`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, UniqueConstraint, text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; inctrack stores aware UTC")
        value = value.astimezone(UTC)
        # SQLite has no time zone type: store naive UTC text so it sorts and compares.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


DERIVED = {"info": {"derived": True}}
"""A column derived from the incident's events (``sla.stored`` computes it): whole-row
writers (``storage.bulk``) leave it out, to be refreshed after."""


RANKED = tuple(f"{c}{k}_seconds" for c in ("response", "resolution") for k in ("", "_business"))
_ESC, _RUN = "kind = 'escalated'", "response_seconds IS NULL OR resolution_seconds IS NULL"
ESCALATIONS: dict[str, Any] = dict.fromkeys(("sqlite_where", "postgresql_where"), text(_ESC))
RUNNING: dict[str, Any] = dict.fromkeys(("sqlite_where", "postgresql_where"), text(_RUN))


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
        Index("ix_incidents_running", "reported_at", **RUNNING),  # MTTR's few (0015)
    )

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    title: str
    description: str | None = None
    reporter: str
    reporter_contact: str | None = None
    reported_at: datetime = _utc()
    logged_at: datetime = _utc()
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
    responded_at: datetime | None = _utc(default=None)
    resolved_at: datetime | None = _utc(default=None)
    closed_at: datetime | None = _utc(default=None)
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
    updated_at: datetime = _utc()
    version: int = 1
    """How many events the incident has: 1 when logged, one more with each change
    (``--if-version``); ``db verify`` checks it against the events."""
    next_due_at: datetime | None = _utc(default=None, sa_column_kwargs=DERIVED)
    """Derived, stored (``sla.stored``, migration 0014): the due time of the clock that
    runs now, from the timeline and the policy; NULL when closed or nothing is due."""
    response_seconds: int | None = Field(default=None, sa_column_kwargs=DERIVED)
    response_business_seconds: int | None = Field(default=None, sa_column_kwargs=DERIVED)
    resolution_seconds: int | None = Field(default=None, sa_column_kwargs=DERIVED)
    resolution_business_seconds: int | None = Field(default=None, sa_column_kwargs=DERIVED)
    resolution_clock_seconds: int | None = Field(default=None, sa_column_kwargs=DERIVED)
    resolution_clock_business_seconds: int | None = Field(default=None, sa_column_kwargs=DERIVED)


class EventFields(SQLModel):
    """What every event says, of an incident or a problem: one field's old and new
    value, or a message."""

    at: datetime = _utc()
    """When it happened (``--at``), as the actor says."""
    recorded_at: datetime = _utc()
    """When inctrack wrote it."""
    actor: str
    kind: str
    field: str | None = None
    old: str | None = None
    new: str | None = None
    message: str | None = None
    os_login: str | None = None
    """The operating-system login that ran the command (NULL when not known)."""


class Event(EventFields, table=True):
    """One change to one incident. Never updated, never deleted: the database refuses."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_incident_id_id", "incident_id", "id"),
        Index("ix_events_escalated", "incident_id", **ESCALATIONS),
    )

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
    retired_at: datetime | None = _utc(default=None)
    created_at: datetime = _utc()


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
    retired_at: datetime | None = _utc(default=None)
    created_at: datetime = _utc()


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
    created_at: datetime = _utc()
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


class Problem(SQLModel, table=True):
    """A problem record ``PRB-n``: the underlying cause behind one or more incidents."""

    __tablename__ = "problems"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    title: str
    description: str | None = None
    status: str
    root_cause: str | None = None
    workaround: str | None = None
    created_at: datetime = _utc()
    created_by: str
    updated_at: datetime = _utc()
    resolved_at: datetime | None = _utc(default=None)
    closed_at: datetime | None = _utc(default=None)


class ProblemEvent(EventFields, table=True):
    """One change to one problem; append-only like :class:`Event`."""

    __tablename__ = "problem_events"
    __table_args__ = (Index("ix_problem_events_problem_id_id", "problem_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    problem_id: int = Field(foreign_key="problems.id")


class Template(SQLModel, table=True):
    """Default field values for ``log --template NAME``."""

    __tablename__ = "templates"

    name: str = Field(primary_key=True)
    fields: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = _utc()
    created_by: str


class Article(SQLModel, table=True):
    """A knowledge article ``KB-n``: its latest revision, in plain columns (title, body,
    tags) that a full-text index can read, and where it stands.

    ``published_revision`` is the revision a publisher approved (``kb publish``): what
    ``kb run`` runs, even when later drafts exist. ``source`` is the import key: the
    file an article came from (``kb import``), so a re-import updates it.
    """

    __tablename__ = "articles"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    title: str
    body: str
    tags: str = ""
    """Comma-separated, lower case, sorted."""
    category: str | None = None
    subcategory: str | None = None
    service: str | None = None
    status: str
    revision: int = 1
    published_revision: int | None = None
    published_by: str | None = None
    published_at: datetime | None = _utc(default=None)
    source: str | None = Field(default=None, unique=True)
    created_at: datetime = _utc()
    created_by: str
    updated_at: datetime = _utc()


class ArticleRevision(SQLModel, table=True):
    """One revision of an article, as it was written: every edit adds one."""

    __tablename__ = "article_revisions"
    __table_args__ = (
        UniqueConstraint("article_id", "number", name="uq_article_revisions_article_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="articles.id")
    number: int
    title: str
    body: str
    tags: str = ""
    category: str | None = None
    subcategory: str | None = None
    service: str | None = None
    at: datetime = _utc()
    actor: str
    note: str | None = None


class ArticleUse(SQLModel, table=True):
    """An article used on an incident: linked, resolved with, run, or judged helpful."""

    __tablename__ = "article_uses"
    __table_args__ = (
        Index("ix_article_uses_article_id", "article_id"),
        Index("ix_article_uses_incident_id", "incident_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="articles.id")
    incident_id: int = Field(foreign_key="incidents.id")
    revision: int
    kind: str
    """``linked``, ``resolved``, ``run``, ``helpful`` or ``not-helpful``."""
    at: datetime = _utc()
    actor: str


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
    retired_at: datetime | None = _utc(default=None)
    created_at: datetime = _utc()


class ServiceStatusChange(SQLModel, table=True):
    """One change of a service's recorded status, written in the transaction that
    caused it: an incident change (``cause`` "incident"), a status set by hand
    ("manual") or cleared ("auto"), or the service's registration ("registered")."""

    __tablename__ = "service_status_changes"
    __table_args__ = (Index("ix_service_status_changes_service_id_at", "service_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="services.id")
    at: datetime = _utc()
    recorded_at: datetime = _utc()
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
    starts_at: datetime = _utc()
    ends_at: datetime = _utc()
    message: str
    created_at: datetime = _utc()
    created_by: str
    cancelled_at: datetime | None = _utc(default=None)
    cancelled_by: str | None = None


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
    at: datetime = _utc()
    actor: str
    state: str
    public: bool = False
    message: str


class Review(SQLModel, table=True):
    """The post-incident review of one incident (``review INC-n``): the sections the
    team writes; the rest of a review is read from the incident's timeline."""

    __tablename__ = "reviews"

    incident_id: int = Field(
        foreign_key="incidents.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    status: str = "draft"
    sections: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = _utc()
    created_by: str
    updated_at: datetime = _utc()
    completed_at: datetime | None = _utc(default=None)
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
    due_at: datetime = _utc()
    problem_id: int | None = Field(default=None, foreign_key="problems.id")
    created_at: datetime = _utc()
    created_by: str
    done_at: datetime | None = _utc(default=None)
    done_by: str | None = None
