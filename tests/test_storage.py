"""Storage: schema pinned by migrations, files, locking, versions, db commands."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from inctrack.errors import Conflict, SchemaTooNew
from inctrack.storage import Database, migrate
from inctrack.storage.models import PARTIAL_INDEXES, load_all

from .helpers import Cli


def _not_the_search_index(_obj: object, name: str | None, kind: str, *_: object) -> bool:
    """The full-text index is the search engine's, outside the models: its table (and
    SQLite's FTS5 tables behind it) are pinned by tests/test_search.py instead."""
    if kind == "index" and name in PARTIAL_INDEXES:
        return False  # created by the migrations with a predicate, pinned below
    return not (kind == "table" and (name or "").startswith("search_documents"))


def test_migrations_build_exactly_the_models(database: Database) -> None:
    with database.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": _not_the_search_index}
        )
        load_all()  # the tables of storage.tables are built on first use
        assert compare_metadata(context, SQLModel.metadata) == []
        columns = {c["name"] for c in inspect(connection).get_columns("events")}
        groups = {c["name"] for c in inspect(connection).get_columns("groups")}
        users = {c["name"] for c in inspect(connection).get_columns("users")}
        incidents = {c["name"] for c in inspect(connection).get_columns("incidents")}
    assert columns == {"id", "incident_id", "at", "recorded_at", "actor", "kind", "field",
                       "old", "new", "message", "prev_hash", "hash",
                       "os_login"}  # fmt: skip
    assert {"login", "db_role"} <= users
    assert "source_key" in incidents
    with database.connect() as connection:
        indexes = {
            i["name"]
            for table in ("incidents", "events")
            for i in inspect(connection).get_indexes(table)
        }
    assert set(PARTIAL_INDEXES) <= indexes
    assert groups == {"id", "name", "folded", "description", "retired_at", "created_at"}


def test_head_constant_matches_the_scripts() -> None:
    assert migrate.script_head() == migrate.HEAD


def test_a_new_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "inctrack.db"
    Database.open(str(path), parents=True).dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_sqlite_is_set_up_for_sharing(tmp_path: Path) -> None:
    database = Database.open(str(tmp_path / "x.db"))
    with database.connect() as connection:
        pragma = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "foreign_keys", "busy_timeout")}  # fmt: skip
    database.dispose()
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 15000}


def test_a_database_from_a_newer_inctrack_is_refused(cli: Cli, database: Database) -> None:
    with database.connect(write=True) as connection, connection.begin():
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaTooNew, match="newer inctrack"):
        Database.open(cli.db)
    result = cli("list")
    assert result.exit_code == 4
    assert "revision 9999, written by a newer inctrack" in result.stderr


def test_a_busy_sqlite_file_is_a_conflict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCTRACK_BUSY_TIMEOUT", "0.2")
    path = tmp_path / "busy.db"
    Database.open(str(path)).dispose()
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        busy = Database.open(str(path))
        with pytest.raises(Conflict, match="stayed busy"), busy.transaction() as session:
            session.execute(text("SELECT 1"))
        busy.dispose()
        result = Cli(str(path))("log", "x")
        assert result.exit_code == 6
        assert "stayed busy for 0.2 s" in result.stderr
    finally:
        holder.rollback()
        holder.close()


def test_unreachable_server_is_exit_6(cli: Cli) -> None:
    result = Cli("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")("list")
    assert result.exit_code == 6
    assert "Cannot reach the database" in result.stderr
    assert "secret" not in result.stderr


@pytest.mark.parametrize(
    ("url", "hint"),
    [("postgresql+pg8000://u@localhost/x", "pip install 'inctrack[postgres]'"),
     ("oracle+nosuchdriver://u@h/x", "supports SQLite files and PostgreSQL")],
)  # fmt: skip
def test_a_missing_driver_is_a_hint_not_a_bug(url: str, hint: str) -> None:
    result = Cli(url)("list")
    assert result.exit_code == 4
    assert hint in result.stderr


def test_an_uncreatable_file_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    result = Cli(str(tmp_path / "file" / "x.db"))("log", "x")
    assert result.exit_code == 4
    assert "Cannot create the database file" in result.stderr
    assert "is not a directory" in result.stderr


def test_db_path_honours_flag_env_and_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Cli(str(tmp_path / "a.db"))("db", "path").stdout == f"{tmp_path / 'a.db'}\n"
    monkeypatch.delenv("INCTRACK_DB")
    from typer.testing import CliRunner

    from inctrack.cli import app

    shown = CliRunner().invoke(app, ["db", "path"]).stdout.strip()
    assert shown == str(tmp_path / "xdg-data" / "inctrack" / "inctrack.db")


def test_db_check_and_upgrade(cli: Cli) -> None:
    cli("log", "x", "-q")
    findings = cli.json("db", "check")
    assert {f["check"] for f in findings} >= {"schema", "append-only events", "tables"}
    assert all(f["ok"] for f in findings)
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0
    assert "already at schema revision" in upgraded.stdout


def test_db_check_finds_a_missing_guard(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    Database.open(str(path)).dispose()
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TRIGGER events_append_only_delete")
    result = Cli(str(path))("db", "check", "-f", "json")
    assert result.exit_code == 4
    guard = next(f for f in json.loads(result.stdout) if f["check"] == "append-only events")
    assert guard["ok"] is False
    assert "events_append_only_delete" in guard["detail"]


def test_an_older_database_is_upgraded_after_a_backup(tmp_path: Path) -> None:
    """A file left at an older revision (here: empty of tables, stamped 'none') migrates."""
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()
    backup = migrate.upgrade(Database(Database.open(str(path), upgrade=False).engine))
    assert backup is None  # nothing to back up in a brand-new file
    database = Database.open(str(path))
    with database.connect() as connection:
        assert migrate.current_revision(connection) == migrate.HEAD
    database.dispose()


def test_a_database_at_revision_0001_is_upgraded_with_its_incidents(tmp_path: Path) -> None:
    """A file written before the taxonomy existed: backed up, migrated, nothing lost."""
    from alembic import command

    path = tmp_path / "old.db"
    old = Database.open(str(path), upgrade=False)
    config = migrate.alembic_config()
    with old.connect(write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text(
            "INSERT INTO incidents (id, title, reporter, reported_at, logged_at, logged_by, "
            "category, subcategory, status, tier, major, roles, reopen_count, "
            "reassignment_count, occurrences, updated_at) VALUES (1, 'Old printer', 'bob', "
            "'2025-03-01 10:00:00.000000', '2025-03-01 10:00:00.000000', 'alice', 'legacy', "
            "'thing', 'new', 1, 0, '{}', 0, 0, 1, '2025-03-01 10:00:00.000000')"
        ))  # fmt: skip
    old.dispose()

    Database.open(str(path)).dispose()
    assert len(list(tmp_path.glob("old.db.*.schema-0001.bak"))) == 1
    cli = Cli(str(path))
    shown = cli.json("show", "INC-1")
    assert (shown["title"], shown["category"], shown["subcategory"]) == (
        "Old printer", "legacy", "thing"
    )  # fmt: skip
    assert {"legacy", "legacy/thing", "network/vpn"} <= {
        c["path"] for c in cli.json("category", "list")
    }


def test_db_init_shared_makes_a_group_writable_file(tmp_path: Path) -> None:
    result = Cli(str(tmp_path / "team.db"))("db", "init", "--shared")
    assert result.exit_code == 0, result.stderr
    assert "shared with its group" in result.stdout
    assert stat.S_IMODE((tmp_path / "team.db").stat().st_mode) == 0o660


def test_db_backup_writes_a_consistent_owner_only_copy(cli: Cli, tmp_path: Path) -> None:
    cli("log", "Email down", "-q")
    target = tmp_path / "copy.db"
    result = cli("db", "backup", str(target))
    if not cli.db.endswith(".db"):  # a server: the command says to use its own tools
        assert result.exit_code == 4
        assert "pg_dump" in result.stderr
        return
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [r["title"] for r in Cli(str(target)).json("list")] == ["Email down"]
    again = cli("db", "backup", str(target))
    assert again.exit_code == 4
    assert "already exists" in again.stderr
