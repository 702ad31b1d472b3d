"""Storage: engines, transactions and schema migrations.

``Database.open(target)`` takes a file path or a SQLAlchemy URL, creates or
upgrades the schema, and hands out sessions through ``transaction()``.
"""

from inctrack.storage.engine import Database

__all__ = ["Database"]
