"""Never hang: a server that does not answer, a lock held too long and a statement that
runs too long all end in exit 6 with one sentence, and nothing is written."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from inctrack.errors import Conflict
from inctrack.storage import Database

from .helpers import Cli, fails, ok


@contextmanager
def silent_server() -> Iterator[int]:
    """A TCP server on a free local port that accepts connections and never says a word."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    done = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not done.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_server_that_never_answers_is_exit_6_after_the_connect_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INCTRACK_CONNECT_TIMEOUT", "2")
    with silent_server() as port:
        url = f"postgresql+psycopg://nobody:secret@127.0.0.1:{port}/desk"
        started = time.monotonic()
        result = Cli(url)("list")
        elapsed = time.monotonic() - started
        with pytest.raises(Conflict, match="did not answer within 2 s"):
            Database.open(url)
    said = fails(result, 6, "did not answer within 2 s; retrying is safe")
    assert "secret" not in said
    assert elapsed < 30  # it gave up: without a timeout it waits for minutes or forever


def test_a_connect_timeout_in_the_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCTRACK_CONNECT_TIMEOUT", "3600")
    with silent_server() as port:
        result = Cli(f"postgresql+psycopg://u@127.0.0.1:{port}/desk?connect_timeout=2")("list")
    fails(result, 6, "did not answer within 2 s; retrying is safe")


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "999999"])
def test_a_timeout_that_is_not_seconds_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("INCTRACK_STATEMENT_TIMEOUT", value)
    fails(Cli("postgresql+psycopg://u@127.0.0.1:1/desk")("list"), 4, "INCTRACK_STATEMENT_TIMEOUT")


@contextmanager
def writer_holding(db_url: str) -> Iterator[None]:
    """Another connection in the middle of a write to the incidents, for as long as the
    block runs (SQLite: the write lock; PostgreSQL: a lock on the table)."""
    if "://" not in db_url:
        holder = sqlite3.connect(db_url, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.connect() as connection, connection.begin() as transaction:
            connection.execute(text("LOCK TABLE incidents IN EXCLUSIVE MODE"))
            yield
            transaction.rollback()
    finally:
        engine.dispose()


def test_a_lock_held_past_the_busy_timeout_is_exit_6_and_nothing_is_written(
    cli: Cli, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(cli("log", "printer jammed", "-q"))
    monkeypatch.setenv("INCTRACK_BUSY_TIMEOUT", "0.3")
    with writer_holding(db_url):
        result = cli("note", "INC-1", "paper tray checked")
    fails(result, 6, "stayed busy for 0.3 s", "try again")
    assert "paper tray checked" not in ok(cli("show", "INC-1", "-f", "json"))
    ok(cli("note", "INC-1", "paper tray checked", "-q"))  # retrying is safe


def test_a_statement_past_the_statement_timeout_is_exit_6(
    cli: Cli, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the statement timeout bounds a wait the lock timeout allows; a
    SQLite file has no statement timeout, and its busy timeout bounds the same wait."""
    ok(cli("log", "printer jammed", "-q"))
    server = "://" in db_url
    monkeypatch.setenv("INCTRACK_BUSY_TIMEOUT", "30" if server else "0.3")
    monkeypatch.setenv("INCTRACK_STATEMENT_TIMEOUT", "0.5")
    with writer_holding(db_url):
        result = cli("assign", "INC-1", "--to", "kim")
    if server:
        fails(result, 6, "did not answer within 0.5 s; retrying is safe")
    else:
        fails(result, 6, "stayed busy for 0.3 s")
    assert cli.json("show", "INC-1")["assignee"] is None
    if server:  # the URL's own statement_timeout wins over the environment's
        monkeypatch.setenv("INCTRACK_STATEMENT_TIMEOUT", "3600")
        own = Cli(db_url.replace("options=", "options=-cstatement_timeout%3D400%20"))
        with writer_holding(db_url):
            result = own("assign", "INC-1", "--to", "kim")
        fails(result, 6, "did not answer within the URL's statement_timeout; retrying is safe")


def test_a_url_whose_schema_does_not_exist_is_not_found(db_url: str, tmp_path: Path) -> None:
    if "://" in db_url:
        missing = db_url.replace("search_path%3D", "search_path%3Dno_such_")
        for args in (("list",), ("log", "x"), ("db", "init")):
            fails(Cli(missing)(*args), 3, "no schema in the URL's search_path (no_such_")
    else:
        fails(Cli(str(tmp_path / "no" / "such.db"))("log", "x"), 3)
