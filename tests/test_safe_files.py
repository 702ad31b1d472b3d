"""Files inctrack writes and databases it opens: nothing a user has is destroyed.

`export -o` never writes over the database, nor over any file without --force, and
writes owner-only through a temporary name; a database that is someone else's or
damaged is refused; an old file opened by several processes at once is backed up once.
"""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from inctrack.storage import Database, migrate

from .helpers import Cli, fails, ok


def test_export_never_writes_over_the_database_even_with_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "team.db"
    cli = Cli(str(path))
    ok(cli("log", "Email down", "-r", "bob", "-q"))
    before = path.read_bytes()[:16]
    link = tmp_path / "alias.db"
    link.symlink_to(path)
    for target in (path, link, Path("team.db")):
        for extra in ([], ["--force"]):
            result = cli("export", "-o", str(target), *extra)
            fails(result, 4, "is the database file itself", "even with --force")
    assert path.read_bytes()[:16] == before == b"SQLite format 3\x00"
    assert [r["title"] for r in cli.json("list")] == ["Email down"]


def test_export_refuses_an_existing_file_unless_forced(cli: Cli, tmp_path: Path) -> None:
    ok(cli("log", "Email down", "-r", "bob", "-q"))
    target = tmp_path / "out.jsonl"
    target.write_text("precious\n")
    fails(cli("export", "-o", str(target)), 4, "already exists", "--force")
    assert target.read_text() == "precious\n"
    result = cli("export", "-o", str(target), "--force")
    assert result.exit_code == 0, result.stderr
    assert json.loads(target.read_text())["title"] == "Email down"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_a_new_export_file_is_owner_only(cli: Cli, tmp_path: Path) -> None:
    ok(cli("log", "Email down", "-r", "bob", "-q"))
    target = tmp_path / "new.csv"
    assert cli("export", "-f", "csv", "-o", str(target)).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("id,")


def test_export_to_a_directory_or_a_missing_one_is_refused(cli: Cli, tmp_path: Path) -> None:
    fails(cli("export", "-o", str(tmp_path)), 4, "is a directory")
    fails(cli("export", "-o", str(tmp_path), "--force"), 4, "is a directory")
    fails(cli("export", "-o", str(tmp_path / "nowhere" / "x.jsonl")), 4, "does not exist")


def test_db_backup_refuses_the_database_and_a_directory(tmp_path: Path) -> None:
    path = tmp_path / "team.db"
    cli = Cli(str(path))
    ok(cli("log", "Email down", "-r", "bob", "-q"))
    fails(cli("db", "backup", str(path)), 4, "database file itself")
    fails(cli("db", "backup", str(tmp_path)), 4, "is a directory")
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_a_schema_revision_no_inctrack_wrote_is_damage_not_newer(
    database: Database, db_url: str
) -> None:
    with database.connect(write=True) as connection, connection.begin():
        connection.execute(text("UPDATE alembic_version SET version_num = 'zz9'"))
    database.dispose()
    said = fails(Cli(db_url)("list"), 4, "'zz9'", "no inctrack ever wrote")
    assert "newer" not in said


def test_a_later_revision_is_still_a_newer_inctrack(database: Database, db_url: str) -> None:
    with database.connect(write=True) as connection, connection.begin():
        connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    database.dispose()
    fails(Cli(db_url)("list"), 4, "written by a newer inctrack")


OPEN = """
import sys
from inctrack.storage import Database
Database.open(sys.argv[1]).dispose()
"""


def test_concurrent_first_opens_of_an_old_file_make_one_backup(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "old.db"
    old = Database.open(str(path), upgrade=False)
    config = migrate.alembic_config()
    with old.connect(write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    old.dispose()
    runs = [
        subprocess.Popen([sys.executable, "-c", OPEN, str(path)], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    assert [(run.communicate()[1], run.returncode) for run in runs] == [(b"", 0)] * 4
    backups = list(tmp_path.glob("old.db.*.bak"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []
