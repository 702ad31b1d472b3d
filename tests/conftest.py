"""Shared fixtures: every test runs on real databases, never on a user's data.

The suite runs on SQLite always and on PostgreSQL too when
INCTRACK_TEST_PG_URL is set: each test then gets its own schema on that
server. When the variable is set and the server does not answer, the run
fails; it never silently skips.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inctrack.clock import FixedClock
from inctrack.storage import Database

from .helpers import BACKENDS, PG_URL, START, Cli, Desk


@pytest.fixture(autouse=True)
def env_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's config or database."""
    monkeypatch.setenv("INCTRACK_DB", str(tmp_path / "default.db"))
    monkeypatch.setenv("INCTRACK_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("INCTRACK_USER", "tester")
    monkeypatch.setenv("LOGNAME", "tester-login")  # the OS login events record
    monkeypatch.setenv("INCTRACK_TIMEZONE", "UTC")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    for name in (
        "INCTRACK_FORMAT",
        "INCTRACK_DEBUG",
        "INCTRACK_HOOKS_DIR",
        "INCTRACK_BUSY_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """An engine on the test server; an unreachable server fails the run."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    assert PG_URL, "INCTRACK_TEST_PG_URL is not set"
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"INCTRACK_TEST_PG_URL is set but the server does not answer: {exc}")
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "inctrack.db")
        return
    from sqlalchemy import text

    engine = request.getfixturevalue("pg_server")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in str(PG_URL) else "?"
    yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = Database.open(db_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def desk(database: Database, clock: FixedClock) -> Desk:
    return Desk(database, clock)


@pytest.fixture
def cli(db_url: str) -> Cli:
    """The command line on a database that exists, as after ``inctrack db init``."""
    Database.init(db_url)
    return Cli(db_url)
