"""Opening a database: only what a user meant is created, and only inctrack's is touched."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from inctrack.cli import app
from inctrack.errors import NotFound, Rejected
from inctrack.storage import Database
from inctrack.storage.migrate import HEAD

from .helpers import PG_URL, Cli, fails, ok

READERS = [
    ("list",), ("show", "1"), ("sla", "1"), ("report", "sla"), ("db", "check"),
    ("db", "upgrade"), ("db", "backup", "copy.db"), ("export",), ("category", "list"),
]  # fmt: skip


def tables(url: str) -> set[str]:
    engine = create_engine(url if "://" in url else f"sqlite:///{url}", poolclass=NullPool)
    with engine.connect() as connection:
        names = set(inspect(connection).get_table_names())
    engine.dispose()
    return names


def add_foreign_table(url: str) -> None:
    """Another application's table, where inctrack is pointed."""
    engine = create_engine(url if "://" in url else f"sqlite:///{url}", poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE customers (id INTEGER PRIMARY KEY)"))
    engine.dispose()


# -- a path that does not exist --------------------------------------------------------------


@pytest.mark.parametrize("args", READERS, ids=" ".join)
def test_a_mistyped_path_is_not_found_and_nothing_is_created(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    path = tmp_path / "desk" / "incidnets.db"
    path.parent.mkdir()
    fails(Cli(str(path))(*args), 3, f"There is no database {path}", "inctrack db init")
    assert list(path.parent.iterdir()) == []


def test_log_creates_a_new_owner_only_file_in_an_existing_directory(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    assert ok(Cli(str(path))("log", "Printer jams", "-q")) == "INC-1\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_import_creates_a_new_file(tmp_path: Path) -> None:
    source = tmp_path / "calls.jsonl"
    source.write_text('{"title": "Printer jams", "reporter": "Ann"}\n', encoding="utf-8")
    cli = Cli(str(tmp_path / "new.db"))
    ok(cli("import", str(source)))
    assert [r["title"] for r in cli.json("list")] == ["Printer jams"]


@pytest.mark.parametrize("args", [("log", "x"), ("db", "init")], ids=" ".join)
def test_no_directory_is_invented(tmp_path: Path, args: tuple[str, ...]) -> None:
    path = tmp_path / "dsek" / "inctrack.db"
    fails(Cli(str(path))(*args), 3, f"The directory {path.parent} does not exist")
    assert not path.parent.exists()


def test_the_default_database_is_created_by_any_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --db, INCTRACK_DB or config: a newcomer's first `list` works, and makes the file."""
    monkeypatch.delenv("INCTRACK_DB")
    result = CliRunner().invoke(app, ["list"])
    assert (result.exit_code, result.stdout) == (0, "No incidents match.\n"), result.stderr
    default = tmp_path / "xdg-data" / "inctrack" / "inctrack.db"
    assert stat.S_IMODE(default.stat().st_mode) == 0o600


def test_the_configured_database_must_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path in the config file is typed by someone, like --db: a typo is not found."""
    (tmp_path / "config.toml").write_text(f'db = "{tmp_path / "teem.db"}"\n', encoding="utf-8")
    monkeypatch.delenv("INCTRACK_DB")
    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 3
    assert "There is no database" in result.stderr
    assert not (tmp_path / "teem.db").exists()


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_db_option_is_a_usage_error(tmp_path: Path, value: str) -> None:
    fails(Cli(value)("list"), 2, "--db needs a file path or URL")
    assert not (tmp_path / "xdg-data").exists()  # not the default in disguise


def test_the_library_creates_only_when_asked(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="db init"):
        Database.open(str(tmp_path / "x.db"), create=False)
    with pytest.raises(NotFound, match="does not exist"):
        Database.open(str(tmp_path / "sub" / "x.db"))
    Database.open(str(tmp_path / "sub" / "x.db"), parents=True).dispose()
    Database.open(str(tmp_path / "sub" / "x.db"), create=False).dispose()


# -- something that is not an inctrack database -----------------------------------------------


@pytest.mark.parametrize("args", [("list",), ("log", "x"), ("db", "init")], ids=" ".join)
def test_a_file_that_is_not_a_database_is_rejected(tmp_path: Path, args: tuple[str, ...]) -> None:
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:root:/root:/bin/bash\n")
    fails(Cli(str(path))(*args), 4, f"{path} is not an inctrack database (not a SQLite file")
    assert path.read_text() == "root:x:0:0:root:/root:/bin/bash\n"


def test_a_directory_is_rejected(tmp_path: Path) -> None:
    fails(Cli(str(tmp_path))("list"), 4, "is a directory")


@pytest.mark.parametrize("args", [("list",), ("log", "x"), ("db", "init")], ids=" ".join)
def test_another_applications_database_is_left_alone(db_url: str, args: tuple[str, ...]) -> None:
    if "://" not in db_url:
        sqlite3.connect(db_url).close()
    add_foreign_table(db_url)
    fails(Cli(db_url)(*args), 4, "is not an inctrack database: it holds other tables (customers)")
    assert tables(db_url) == {"customers"}
    with pytest.raises(Rejected, match="not an inctrack database"):
        Database.open(db_url)


def test_a_newer_schema_is_refused_and_init_says_what_it_is(cli: Cli) -> None:
    engine = create_engine(cli.db if "://" in cli.db else f"sqlite:///{cli.db}", poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    fails(cli("show", "1"), 4, "schema revision 9999, written by a newer inctrack")
    said = ok(cli("db", "init"))
    assert "already an inctrack database (schema revision 9999), written by a newer" in said


def test_a_missing_database_is_not_found(db_url: str, tmp_path: Path) -> None:
    if "://" in db_url:
        url = str(PG_URL).split("?")[0].rsplit("/", 1)[0] + "/inctrack_no_such_database"
        fails(Cli(url)("list"), 3, "The server has no database 'inctrack_no_such_database'")
    else:
        fails(Cli(str(tmp_path / "nowhere.db"))("list"), 3, "There is no database")


# -- db init ------------------------------------------------------------------------------------


def test_db_init_creates_then_leaves_an_inctrack_database_alone(db_url: str) -> None:
    cli = Cli(db_url)
    first = ok(cli("db", "init"))
    assert first.startswith("Created ")
    if "://" not in db_url:
        assert stat.S_IMODE(Path(db_url).stat().st_mode) == 0o600
    cli("log", "Kept", "-q")
    again = ok(cli("db", "init"))
    assert f"is already an inctrack database (schema revision {HEAD})." in again
    assert [r["title"] for r in cli.json("list")] == ["Kept"]


def test_db_init_shared_on_an_existing_file_says_its_mode_is_unchanged(tmp_path: Path) -> None:
    cli = Cli(str(tmp_path / "x.db"))
    ok(cli("db", "init"))
    said = ok(cli("db", "init", "--shared"))
    assert "--shared changes only new files" in said
    assert stat.S_IMODE((tmp_path / "x.db").stat().st_mode) == 0o600


def test_db_init_sets_up_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "touched.db").touch()
    said = ok(Cli(str(tmp_path / "touched.db"))("db", "init"))
    assert said.startswith("Created the inctrack schema in ")
    assert "incidents" in tables(str(tmp_path / "touched.db"))


def test_db_init_shared_is_for_new_files(db_url: str) -> None:
    result = Cli(db_url)("db", "init", "--shared")
    if "://" in db_url:  # a server grants access itself
        fails(result, 4, "--shared sets the mode of a new SQLite file")
    else:
        assert "(shared with its group)" in ok(result)
        assert stat.S_IMODE(Path(db_url).stat().st_mode) == 0o660
