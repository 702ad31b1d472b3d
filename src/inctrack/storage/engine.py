"""Engines and transactions for SQLite files and PostgreSQL servers.

SQLite is set up for a file several people share: WAL, foreign keys, a busy
timeout, and writes in ``BEGIN IMMEDIATE`` transactions. pysqlite's own
transaction handling is switched off, because it runs SELECTs before any
BEGIN, which makes "read the next number, then insert" racy; we emit BEGIN
ourselves (the recipe in SQLAlchemy's pysqlite documentation).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DatabaseError, DBAPIError, NoSuchModuleError, OperationalError
from sqlmodel import Session

from inctrack.errors import Conflict, NotFound, PermissionDenied, Rejected
from inctrack.storage.location import (
    create_sqlite_file,
    display_url,
    require_sqlite_file,
    resolve_url,
    sqlite_path,
)

if TYPE_CHECKING:
    from inctrack.storage.migrate import SchemaState

DEFAULT_BUSY_TIMEOUT = 15.0
"""Seconds a writer waits for another writer before giving up (exit 6).

``INCTRACK_BUSY_TIMEOUT`` overrides it.
"""

DEFAULT_CONNECT_TIMEOUT = 10
"""Seconds to wait for a PostgreSQL server to answer a new connection (exit 6 after).

``INCTRACK_CONNECT_TIMEOUT`` overrides it, and a ``connect_timeout`` in the URL wins."""
DEFAULT_STATEMENT_TIMEOUT = 60.0
"""Seconds one statement may run on a PostgreSQL server before it is cancelled (exit 6).

``INCTRACK_STATEMENT_TIMEOUT`` overrides it (0: no limit); a ``statement_timeout`` in
the URL's ``options`` wins. A schema upgrade is never cut off."""

_WRITE = "inctrack_write"


def _seconds(variable: str, default: float) -> float:
    text = os.environ.get(variable)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400:  # also NaN
        raise Rejected(f"{variable}={text!r} is not a number of seconds (0 to 86400).")
    return value


def busy_timeout() -> float:
    """How long a writer waits for another (SQLite), or for a lock (PostgreSQL)."""
    return _seconds("INCTRACK_BUSY_TIMEOUT", DEFAULT_BUSY_TIMEOUT)


def connect_timeout(url: URL) -> int:
    """Whole seconds, at least 2 (the PostgreSQL client's least)."""
    given = url.query.get("connect_timeout")
    if isinstance(given, str) and given.strip():
        try:
            return max(2, int(float(given)))
        except ValueError:
            pass  # the driver says what is wrong with it
    return max(2, round(_seconds("INCTRACK_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)))


def statement_timeout() -> float:
    return _seconds("INCTRACK_STATEMENT_TIMEOUT", DEFAULT_STATEMENT_TIMEOUT)


def make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        timeout = busy_timeout()
        engine = create_engine(url, connect_args={"timeout": timeout})
        event.listen(engine, "connect", partial(_sqlite_on_connect, timeout))
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(url, pool_pre_ping=False, connect_args=_server_arguments(url))


def _server_arguments(url: URL) -> dict[str, Any]:
    """A PostgreSQL connection that cannot hang: a connect timeout, and statement and
    lock timeouts sent as session options, each unless the URL gives its own."""
    arguments: dict[str, Any] = {}
    if url.get_backend_name() != "postgresql":
        return arguments
    if "connect_timeout" not in url.query:
        arguments["connect_timeout"] = connect_timeout(url)
    given = _url_options(url)
    limits = {  # milliseconds; lock_timeout=0 waits forever, a busy timeout of 0 does not
        "statement_timeout": round(statement_timeout() * 1000),
        "lock_timeout": max(1, round(busy_timeout() * 1000)),
    }
    extra = [f"-c {name}={ms}" for name, ms in limits.items() if name not in given]
    if extra:
        arguments["options"] = " ".join([given, *extra]).strip()
    return arguments


def _url_options(url: URL) -> str:
    """The ``options`` of a PostgreSQL URL (server settings, ``-c name=value``)."""
    given = url.query.get("options", "")
    return given if isinstance(given, str) else " ".join(given)


def _sqlite_on_connect(timeout: float, dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _engine_or_hint(url: URL) -> Engine:
    """The engine, or one sentence on which driver to install."""
    try:
        return make_engine(url)
    except (ImportError, NoSuchModuleError) as exc:
        hint = (
            "install it with: pip install 'inctrack[postgres]'"
            if url.get_backend_name() == "postgresql"
            else "inctrack supports SQLite files and PostgreSQL (postgresql+psycopg://...)"
        )
        raise Rejected(
            f"Cannot use {display_url(url)}: its database driver is not available ({exc}); {hint}."
        ) from None


SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
"""PostgreSQL: one snapshot for the whole transaction; only its first statement may say so."""


class Database:
    """One database: where it is, its engine, and its transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url

    @classmethod
    def open(
        cls, target: str, *, create: bool = True, parents: bool = False, upgrade: bool = True
    ) -> Database:
        """Open a database and bring its schema up to date (see docs/reference/storage.md).

        A missing SQLite file is created when ``create`` (owner-only, in an existing
        directory unless ``parents``), else refused with NotFound. A file that is not
        a SQLite database, or a database holding someone else's tables, is Rejected.
        """
        from inctrack.storage import migrate

        url = resolve_url(target)
        path = sqlite_path(url)
        if path is not None:
            if create:
                create_sqlite_file(path, parents=parents)
            require_sqlite_file(path)
        database = cls(_engine_or_hint(url))
        if upgrade:
            try:
                with database.translate_errors():
                    migrate.ensure_current(database)
            except BaseException:
                database.dispose()
                raise
        return database

    @classmethod
    def init(cls, target: str, *, shared: bool = False, parents: bool = False) -> Initialized:
        """Create a database with the schema, leaving an existing inctrack database as it is.

        A new SQLite file is owner-only, or group-shared too with ``shared``; an existing
        file or server database must be empty or inctrack's (else Rejected).
        """
        from inctrack.storage import migrate

        path = sqlite_path(resolve_url(target))
        if shared and path is None:
            raise Rejected(
                "--shared sets the mode of a new SQLite file; grant access to a server "
                "database on the server."
            )
        created = create_sqlite_file(path, shared=shared, parents=parents) if path else False
        database = cls.open(target, create=False, upgrade=False)
        try:
            with database.translate_errors():
                with database.connect() as connection:
                    state, revision = migrate.schema_state(connection)
                migrate.refuse_unusable(state, revision, database, newer_ok=True)
                if state is migrate.SchemaState.EMPTY:
                    migrate.upgrade(database)
        finally:
            database.dispose()
        return Initialized(database.location, created=created, before=state, revision=revision)

    @property
    def location(self) -> str:
        return display_url(self.url)

    @property
    def files(self) -> list[Path]:
        """The SQLite file and its journals, which nothing else may write over (none for
        a server)."""
        path = sqlite_path(self.url)
        if path is None:
            return []
        return [path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))]

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @contextmanager
    def connect(self, *, write: bool = False) -> Iterator[Connection]:
        engine = self.engine.execution_options(**{_WRITE: write})
        with engine.connect() as connection:
            yield connection

    @contextmanager
    def transaction(self, *, write: bool = True, snapshot: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error.

        ``snapshot=True`` (reading only) sees one snapshot throughout on PostgreSQL,
        however many queries it makes (an export read in chunks); SQLite's read
        transaction always does.
        """
        with (
            self.translate_errors(),
            self.connect(write=write) as connection,
            Session(bind=connection, expire_on_commit=False) as session,
            connection.begin(),
        ):
            if snapshot and not self.is_sqlite:
                connection.exec_driver_sql(SNAPSHOT)
            session.info["snapshot"] = snapshot or self.is_sqlite
            yield session
            session.flush()

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Turn driver errors a user can meet into :mod:`inctrack.errors`."""
        try:
            yield
        except OperationalError as exc:
            raise self._operational_error(exc) from exc
        except DBAPIError as exc:
            code = getattr(exc.orig, "sqlstate", None)
            if code in ("40001", "40P01"):  # serialization, deadlock
                raise Conflict(
                    "Someone else changed the same records meanwhile; run the command again."
                ) from exc
            if code == "3F000":  # no schema to work in
                raise self._no_schema() from exc
            if "cannot contain nul" in str(exc.orig).lower():  # from a file or stdin
                raise Rejected(
                    f"Text with a NUL character (\\x00) cannot be stored in {self.location}; "
                    "remove it from the input."
                ) from exc
            if code == "42501":  # insufficient privilege: a role set up by `db grant`
                raise PermissionDenied(
                    f"The database refused: {str(exc.orig).strip().splitlines()[0]}; the role "
                    "this connection uses may not do that (docs/identity.md)."
                ) from exc
            if isinstance(exc, DatabaseError) and "not a database" in str(exc.orig):
                raise Rejected(  # a file that changed under us after the header check
                    f"{self.location} is not an inctrack database (not a SQLite file); "
                    "check the path."
                ) from exc
            raise

    def _operational_error(self, exc: OperationalError) -> Exception:
        text = str(exc.orig).lower()
        code = getattr(exc.orig, "sqlstate", None)
        if code == "55P03":  # lock_timeout
            return Conflict(
                f"The database {self.location} stayed busy for "
                f"{self._limit('lock_timeout', busy_timeout())} (another writer held the "
                "records); try again."
            )
        if code == "57014" or "timeout expired" in text:  # statement_timeout, connect_timeout
            limit = (
                self._limit("statement_timeout", statement_timeout())
                if code == "57014"
                else f"{connect_timeout(self.url)} s"
            )
            return Conflict(
                f"The database at {self.location} did not answer within {limit}; retrying is safe."
            )
        if "locked" in text or "busy" in text:
            return Conflict(
                f"The database {self.location} stayed busy for {busy_timeout():g} s "
                "(another writer held it); try again."
            )
        if self.is_sqlite:
            return Rejected(f"Cannot use the database file {self.location}: {exc.orig}.")
        missing = f'database "{self.url.database}" does not exist'.lower()
        if getattr(exc.orig, "sqlstate", None) == "3D000" or missing in text:
            return NotFound(
                f"The server has no database {self.url.database!r} ({self.location}); check the "
                "URL, or create the database on the server first (createdb)."
            )
        return Conflict(
            f"Cannot reach the database {self.location}: {str(exc.orig).strip().splitlines()[0]}; "
            "check that the server is running and the URL is right."
        )

    def _limit(self, name: str, seconds: float) -> str:
        """How long a server setting let it wait: ours in seconds, or the URL's own."""
        return f"the URL's {name}" if name in _url_options(self.url) else f"{seconds:g} s"

    def _no_schema(self) -> NotFound:
        found = re.search(r"search_path\s*=\s*(\S+)", _url_options(self.url))
        named = f" ({found.group(1)})" if found else ""
        return NotFound(
            f"The server has no schema in the URL's search_path{named} ({self.location}); "
            "create it on the server first (CREATE SCHEMA), or fix the URL."
        )

    def dispose(self) -> None:
        self.engine.dispose()


@dataclass(frozen=True)
class Initialized:
    """What ``Database.init`` found and did."""

    location: str
    created: bool
    """A new SQLite file was made."""
    before: SchemaState
    """What the database held: ``EMPTY`` got the schema now; any other was left alone."""
    revision: str | None
    """Its schema revision before (None when it had none)."""
