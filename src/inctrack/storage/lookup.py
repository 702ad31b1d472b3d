"""Quick read-only lookups for shell completion: the open incidents of a database.

Completion runs on every Tab press, so a lookup must be quick and must never
print an error or change anything. A SQLite file is read with the standard
library's ``sqlite3`` in read-only mode (no SQLAlchemy import, no file created,
no migration); a server URL goes through SQLAlchemy Core with a short connect
timeout, never through SQLModel or the ORM models. Any problem (no file, no
table yet, a locked or unreadable file, no server) means an empty answer.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from inctrack.domain import OPEN_STATUSES

_QUERY = (
    "SELECT id, title FROM incidents WHERE status IN ("
    + ", ".join(f"'{status.value}'" for status in sorted(OPEN_STATUSES))
    + ") ORDER BY id"
)


def open_incidents(target: str) -> list[tuple[int, str]]:
    """(number, title) of the open incidents in ``target``, a path or URL; [] on any problem."""
    try:
        if "://" not in target:
            return _from_sqlite_file(Path(target).expanduser())
        return _from_url(target)
    except Exception:
        return []


def _from_sqlite_file(path: Path) -> list[tuple[int, str]]:
    import sqlite3

    if not path.is_file():
        return []
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, timeout=1.0)
    try:
        return [(int(number), str(title)) for number, title in connection.execute(_QUERY)]
    finally:
        connection.close()


def _from_url(target: str) -> list[tuple[int, str]]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = make_url(target)
    if url.get_backend_name() == "sqlite":
        return _from_sqlite_file(Path(url.database or ""))
    args = {"connect_timeout": 2} if url.get_backend_name() == "postgresql" else {}
    engine = create_engine(url, poolclass=NullPool, connect_args=args)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(_QUERY)).all()
    finally:
        engine.dispose()
    return [(int(number), str(title)) for number, title in rows]
