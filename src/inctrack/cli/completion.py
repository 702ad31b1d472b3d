"""Shell completion of incident IDs: the open incidents of the configured database.

Completion runs on every Tab press, so it must be quick and must never print an
error or change anything. A SQLite file is read with the standard library's
``sqlite3`` in read-only mode (no SQLAlchemy import, no file created, no
migration); a server URL goes through SQLAlchemy with a short connect timeout.
Any problem (no file, no table yet, a locked or unreadable file, no server)
means no suggestions.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from inctrack.domain import OPEN_STATUSES

_QUERY = (
    "SELECT id, title FROM incidents WHERE status IN ("
    + ", ".join(f"'{status.value}'" for status in sorted(OPEN_STATUSES))
    + ") ORDER BY id"
)
_TITLE = 60
"""Longest title shown next to an ID."""
_SPACES = re.compile(r"\s+")


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


def suggestions(target: str, incomplete: str) -> list[tuple[str, str]]:
    """IDs written the way the user started (``INC-4``, ``inc-4``, ``4``), with titles."""
    prefix = _prefix(incomplete)
    if prefix is None:
        return []
    found = []
    for number, title in open_incidents(target):
        value = f"{prefix}{number}"
        if value.startswith(incomplete):
            shown = _SPACES.sub(" ", title).strip()
            if len(shown) > _TITLE:
                shown = shown[: _TITLE - 1] + "…"
            found.append((value, shown))
    return found


def _prefix(typed: str) -> str | None:
    """What goes before the number: ``INC-`` by default, the user's own spelling of it
    (``inc-``), nothing after digits; None when the text cannot start an ID."""
    if typed.isdigit():
        return ""
    lowered = typed.lower()
    if lowered.startswith("inc-"):
        return typed[:4]
    if "inc-".startswith(lowered):  # "", "i", "in", "inc"
        return typed + ("inc-" if typed and typed.islower() else "INC-")[len(typed) :]
    return None
