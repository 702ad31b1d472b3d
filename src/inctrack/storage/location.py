"""Where a database is: a file path or a server URL, and creating a new file safely.

Both the engine and the migrations need these, so they live below both.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from inctrack.errors import Rejected


def resolve_url(target: str) -> URL:
    """A file path (``~`` expanded, made absolute) or any SQLAlchemy URL."""
    if "://" in target:
        try:
            return make_url(target)
        except ArgumentError:
            raise Rejected(f"{target!r} is not a database URL or a file path.") from None
    path = Path(target).expanduser().resolve()
    return URL.create("sqlite", database=str(path))


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for servers and in-memory databases."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database or "")


def display_url(url: URL) -> str:
    path = sqlite_path(url)
    return str(path) if path else url.render_as_string(hide_password=True)


def create_sqlite_file(path: Path, *, shared: bool = False) -> bool:
    """Create an empty database file readable by its owner only (group too if shared).

    Returns True when the file was created now.
    """
    mode = stat.S_IRUSR | stat.S_IWUSR | ((stat.S_IRGRP | stat.S_IWGRP) if shared else 0)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Rejected(f"Cannot create the database file {path}: {exc.strerror}.") from None
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    except FileExistsError:
        return False
    except OSError as exc:
        raise Rejected(f"Cannot create the database file {path}: {exc.strerror}.") from None
    os.fchmod(fd, mode)  # exactly this mode, whatever the umask
    os.close(fd)
    return True
