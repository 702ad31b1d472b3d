"""The tables of knowledge articles, their revisions and their use on incidents.

Reached through :mod:`inctrack.storage.models`, which builds them on first use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from inctrack.storage.columns import utc_field


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
    published_at: datetime | None = utc_field(default=None)
    source: str | None = Field(default=None, unique=True)
    created_at: datetime = utc_field()
    created_by: str
    updated_at: datetime = utc_field()


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
    at: datetime = utc_field()
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
    at: datetime = utc_field()
    actor: str
