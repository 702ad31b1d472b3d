"""Where a database is: a file path or a server URL, and creating a new file safely.

Both the engine and the migrations need these, so they live below both.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from inctrack.errors import NotFound, Rejected

SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


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


def create_sqlite_file(path: Path, *, shared: bool = False, parents: bool = False) -> bool:
    """Create an empty database file readable by its owner only (group too if shared).

    The directory must exist unless ``parents`` (for the default location only: a
    path someone typed is not trusted to invent directories). Returns True when the
    file was created now, False when it was already there.
    """
    mode = stat.S_IRUSR | stat.S_IWUSR | ((stat.S_IRGRP | stat.S_IWGRP) if shared else 0)
    if parents:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Rejected(f"Cannot create the database file {path}: {exc.strerror}.") from None
    elif path.parent.exists() and not path.parent.is_dir():
        raise Rejected(f"Cannot create the database file {path}: {path.parent} is not a directory.")
    elif not path.parent.is_dir():
        raise NotFound(
            f"The directory {path.parent} does not exist, so there is no database {path.name} "
            "in it; check the path, or create the directory first."
        )
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    except FileExistsError:
        return False
    except OSError as exc:
        raise Rejected(f"Cannot create the database file {path}: {exc.strerror}.") from None
    os.fchmod(fd, mode)  # exactly this mode, whatever the umask
    os.close(fd)
    return True


def require_sqlite_file(path: Path) -> None:
    """Refuse a path that is not an existing SQLite file (an empty file is one to be)."""
    if path.is_dir():
        raise Rejected(f"{path} is a directory; give the path of a database file in it.")
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        raise NotFound(
            f"There is no database {path}; check the path (`inctrack db path` shows the one "
            "in use), or create it with `inctrack db init`."
        ) from None
    except OSError as exc:
        raise Rejected(f"Cannot read the database file {path}: {exc.strerror}.") from None
    if header and header != SQLITE_HEADER:
        raise Rejected(
            f"{path} is not an inctrack database (not a SQLite file at all); check the path."
        )
