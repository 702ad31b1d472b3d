"""Storage: engines, transactions, schema migrations, and completion's quick lookups.

``Database.open(target)`` takes a file path or a SQLAlchemy URL, creates or
upgrades the schema, and hands out sessions through ``transaction()``.

``Database`` is loaded on first use, not when the package is imported: shell
completion reads :mod:`inctrack.storage.lookup` on every Tab press, and must not
pay for SQLAlchemy and SQLModel to do so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inctrack.storage.engine import Database

__all__ = ["Database"]


def __getattr__(name: str) -> Any:
    """``inctrack.storage.Database``, importing the engine only when someone asks for it."""
    if name == "Database":
        from inctrack.storage.engine import Database

        return Database
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
