"""The tables of templates of ``log --template``.

Reached through :mod:`inctrack.storage.models`, which builds them on first use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from inctrack.storage.columns import utc_field


class Template(SQLModel, table=True):
    """Default field values for ``log --template NAME``."""

    __tablename__ = "templates"

    name: str = Field(primary_key=True)
    fields: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = utc_field()
    created_by: str
