"""Writing a file a user named (an export, a backup) without ever destroying one.

Every such file is written under a temporary name in the same directory, owner-only
(0600, like the database), and only then given its name: an interrupted write
leaves no half file, and a file that exists is replaced only when the caller says
so (``--force``). The database itself is never a target, with or without it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from inctrack.errors import Rejected


def check_target(
    path: Path, *, force: bool = False, protected: Iterable[Path] = (), can_force: bool = True
) -> None:
    """Rejected when writing ``path`` would destroy something: a directory, one of the
    ``protected`` files (the database), or, without ``force``, any existing file
    (``can_force``: whether the command has a ``--force`` to say so)."""
    if path.is_dir():
        raise Rejected(f"{path} is a directory; name a file to write to.")
    for guarded in protected:
        if _same_file(path, guarded):
            raise Rejected(
                f"{path} is the database file itself; inctrack never writes over it, "
                "even with --force; choose another file."
            )
    if (path.exists() or path.is_symlink()) and not force:
        raise Rejected(
            f"{path} already exists; give --force to replace it, or choose another file."
        )


def _exists(path: Path) -> str:
    return f"{path} already exists; give --force to replace it, or choose another file."


def _same_file(path: Path, other: Path) -> bool:
    try:
        return os.path.samefile(path, other)
    except OSError:  # one of them does not exist (yet): compare where they would be
        return path.resolve() == other.resolve()


@contextmanager
def temporary_beside(path: Path) -> Iterator[Path]:
    """A new, empty, owner-only file in ``path``'s directory, removed when the block
    ends unless it was renamed (see :func:`publish`)."""
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except FileNotFoundError:
        raise Rejected(
            f"Cannot write {path}: the directory {path.parent} does not exist."
        ) from None
    except OSError as exc:
        raise Rejected(f"Cannot write {path}: {exc.strerror}.") from None
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


def publish(partial: Path, path: Path, *, force: bool = False) -> None:
    """Give the finished ``partial`` its name ``path`` in one step; without ``force``,
    refused if ``path`` appeared meanwhile (never overwritten)."""
    if force:
        os.replace(partial, path)
        return
    try:
        os.link(partial, path)  # fails if path exists: no window to overwrite anything
    except FileExistsError:
        raise Rejected(
            f"{path} already exists; give --force to replace it, or choose another file."
        ) from None
    except OSError:  # a file system without hard links
        if path.exists() or path.is_symlink():
            raise Rejected(_exists(path)) from None
        os.replace(partial, path)


@contextmanager
def text_output(
    path: Path, *, force: bool = False, protected: Iterable[Path] = ()
) -> Iterator[IO[str]]:
    """Write text to ``path`` safely (see the module's docstring)."""
    protected = list(protected)
    check_target(path, force=force, protected=protected)
    with temporary_beside(path) as partial:
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        check_target(path, force=force, protected=protected)  # still true after a long write
        publish(partial, path, force=force)
