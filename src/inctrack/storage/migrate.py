"""Schema versions, kept by Alembic.

Opening a database checks its revision with one cheap query. Only when it is
behind does Alembic load: under a write lock (``BEGIN IMMEDIATE`` on SQLite,
an advisory lock on PostgreSQL) so that several processes opening a new file
at once migrate it exactly once, after a backup copy for SQLite files. A
revision this inctrack does not know was written by a newer one: refused. So is
a database holding someone else's tables: inctrack never adds its own beside them.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from inctrack.errors import Rejected, SchemaTooNew
from inctrack.files import check_target, publish, temporary_beside
from inctrack.storage.location import sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config

    from inctrack.storage.engine import Database

HEAD = "0015"
"""The newest revision under ``migrations/versions``; a test keeps the two in step."""

_PG_LOCK_KEY = 0x1C7AC  # any constant: serializes migrators on one server


def current_revision(connection: Connection) -> str | None:
    """The database's revision, or None for a database inctrack never touched."""
    nested = connection.begin_nested() if connection.in_transaction() else None
    try:
        if nested is None:
            with connection.begin():
                return _read_revision(connection)
        value = _read_revision(connection)
        nested.commit()
        return value
    except DBAPIError:
        if nested is not None:
            nested.rollback()
        return None


def _read_revision(connection: Connection) -> str | None:
    row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return row[0] if row else None


class SchemaState(StrEnum):
    """What a database holds, as far as inctrack is concerned."""

    EMPTY = "empty"
    """No tables at all: a new database, ready for the schema."""
    CURRENT = "current"
    """This inctrack's revision."""
    BEHIND = "behind"
    """An older inctrack's revision: upgraded on opening."""
    AHEAD = "ahead"
    """A later revision than this inctrack's, over inctrack's tables: a newer inctrack's."""
    UNKNOWN = "unknown"
    """A revision no inctrack ever wrote (not four digits): a damaged database."""
    FOREIGN = "foreign"
    """Tables that are not inctrack's: another application's database."""


def schema_state(connection: Connection) -> tuple[SchemaState, str | None]:
    """What ``connection``'s database holds, and its revision if it has one.

    The revision and the tables are read in one transaction (one snapshot on SQLite):
    read apart, another process could create the schema in between, and its tables
    without the revision read before would look like someone else's database.
    """
    if not connection.in_transaction():
        with connection.begin():
            return schema_state(connection)
    revision = current_revision(connection)
    if revision == HEAD:
        return SchemaState.CURRENT, revision
    tables = table_names(connection) - {"alembic_version"}
    if revision is None and tables:
        # PostgreSQL reads each statement's own snapshot: tables another process just
        # committed come with their revision, so read it again before calling them foreign.
        revision = current_revision(connection)
        if revision == HEAD:
            return SchemaState.CURRENT, revision
    if revision is None:
        return (SchemaState.FOREIGN if tables else SchemaState.EMPTY), None
    if revision in known_revisions():
        return SchemaState.BEHIND, revision
    if "incidents" not in tables:
        return SchemaState.FOREIGN, revision
    if is_later_revision(revision):
        return SchemaState.AHEAD, revision
    return SchemaState.UNKNOWN, revision


def is_later_revision(revision: str) -> bool:
    """Whether ``revision`` is one a later inctrack would write: inctrack numbers its
    revisions ``0001``, ``0002``, ... so anything else was never written by one."""
    return len(revision) == 4 and revision.isascii() and revision.isdigit() and revision > HEAD


def table_names(connection: Connection) -> set[str]:
    """The tables in the connection's default schema (PostgreSQL's search path)."""
    if connection.in_transaction():
        return set(inspect(connection).get_table_names())
    with connection.begin():
        return set(inspect(connection).get_table_names())


def ensure_current(database: Database) -> None:
    with database.connect() as connection:
        if current_revision(connection) == HEAD:
            return
    upgrade(database)


def upgrade(database: Database) -> str | None:
    """Bring the schema to HEAD; return the backup path when one was made.

    The backup is taken under the write lock, after reading the revision again: of
    several processes opening an old file at once, only the one that migrates it
    backs it up, and the others find it current.
    """
    with database.connect() as connection:
        state, before = schema_state(connection)
    if state is SchemaState.CURRENT:
        return None
    refuse_unusable(state, before, database)
    path = sqlite_path(database.url)
    with database.connect(write=True) as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            # An upgrade is never cut off, and waits for another process's upgrade to end.
            connection.execute(text("SET LOCAL statement_timeout = 0"))
            connection.execute(text("SET LOCAL lock_timeout = 0"))
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        now = current_revision(connection)
        if now == HEAD:  # someone else migrated meanwhile
            return None
        backup = None
        if now is not None and path is not None:
            backup = str(backup_sqlite(path, suffix=f"schema-{now}"))
        from alembic import command

        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        if now is not None:
            after_upgrade(connection, now)
    return backup


AFTER_UPGRADE = ("inctrack.sla.stored", "inctrack.sla.outcomes")
"""Modules with an ``upgraded(connection, revision)`` function, called in the upgrade's
transaction once an existing database (at ``revision`` before) reaches HEAD: what
a migration cannot do, since it imports nothing of the application (fill derived
columns computed by today's code, migration 0014). Named, not imported, here:
storage stays below them."""


def after_upgrade(connection: Connection, revision: str) -> None:
    import importlib

    for name in AFTER_UPGRADE:
        importlib.import_module(name).upgraded(connection, revision)


def refuse_unusable(
    state: SchemaState, revision: str | None, database: Database, *, newer_ok: bool = False
) -> None:
    """Rejected unless this inctrack may use (and upgrade) a database in ``state``;
    ``newer_ok`` lets a newer inctrack's database through (to say what it is)."""
    if state is SchemaState.FOREIGN:
        with database.connect() as connection:
            tables = sorted(table_names(connection) - {"alembic_version"})
        shown = ", ".join(tables[:3]) + (", ..." if len(tables) > 3 else "")
        raise Rejected(
            f"{database.location} is not an inctrack database: it holds other tables "
            f"({shown}) and no inctrack schema, so inctrack leaves it alone; check the path "
            "or URL."
        )
    if state is SchemaState.UNKNOWN:
        raise Rejected(
            f"The database {database.location} has the schema revision {revision!r}, which "
            "no inctrack ever wrote: the database is damaged or was changed by hand; restore "
            "a backup (`inctrack db check` shows what else is wrong)."
        )
    if state is not SchemaState.AHEAD or newer_ok:
        return
    raise SchemaTooNew(
        f"The database {database.location} has schema revision {revision}, written by a newer "
        "inctrack than this one; upgrade inctrack (pip install -U inctrack) to use it."
    )


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    return config


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    return {script.revision for script in scripts.walk_revisions()}


def script_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def backup_sqlite(path: Path, *, suffix: str) -> Path:
    """An online, consistent copy next to the file (SQLite's backup API), owner-only."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{stamp}.{os.getpid()}.{suffix}.bak")
    backup_sqlite_to(path, target)
    return target


def backup_sqlite_to(path: Path, target: Path) -> None:
    """Copy ``path`` into a new owner-only file ``target`` (refused if it exists).

    The copy is made under a temporary name and renamed when complete, so an
    interrupted backup never leaves a truncated file that looks like a good one.
    """
    check_target(target, protected=[path], can_force=False)
    with temporary_beside(target) as partial:
        source = sqlite3.connect(path)
        destination = sqlite3.connect(partial)
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        publish(partial, target)
