"""Migrations are history: what they do never depends on today's application code.

An old revision must build the same database next year as it did the day it
shipped, so its scripts import nothing of inctrack but the frozen column
types kept beside them for that purpose.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from inctrack.storage import Database, migrate
from inctrack.storage.migrations.coltypes import UTCDateTime

MIGRATIONS = Path(migrate.__file__).with_name("migrations")
ALLOWED = {"inctrack.storage.migrations.coltypes"}
"""The only inctrack module a migration may import: column types frozen for migrations."""


def inctrack_imports(path: Path) -> set[str]:
    """Every ``inctrack`` module the script imports, at any depth."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] == "inctrack"}


@pytest.mark.parametrize(
    "script",
    [MIGRATIONS / "env.py", *sorted(MIGRATIONS.glob("versions/*.py"))],
    ids=lambda path: path.name,
)
def test_a_migration_imports_nothing_of_the_live_application(script: Path) -> None:
    stray = inctrack_imports(script) - ALLOWED
    assert not stray, f"{script.name} imports {sorted(stray)}; freeze what it needs instead"


def test_a_blank_database_migrated_to_head_has_the_frozen_taxonomy(database: Database) -> None:
    seeded = ScriptDirectory.from_config(migrate.alembic_config()).get_revision("0002")
    assert seeded is not None
    with database.connect() as connection:
        paths = list(connection.execute(text("SELECT path FROM categories ORDER BY id")).scalars())
    assert paths == list(seeded.module.SEEDED_PATHS)
    assert (paths[0], paths[-1], len(paths)) == ("hardware", "other", 45)


@pytest.mark.parametrize(
    ("dialect", "stored"),
    [
        (sqlite.dialect(), datetime(2026, 11, 20, 9, 0)),
        (postgresql.dialect(), datetime(2026, 11, 20, 9, 0, tzinfo=UTC)),
    ],
    ids=["sqlite", "postgresql"],
)
def test_the_frozen_time_type_stores_utc_and_reads_it_aware(
    dialect: Dialect, stored: datetime
) -> None:
    paris = datetime(2026, 11, 20, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    column = UTCDateTime()
    assert column.process_bind_param(paris, dialect) == stored
    read = column.process_result_value(stored, dialect)
    assert (read, read.tzinfo if read else None) == (paris, UTC)
    with pytest.raises(ValueError, match="naive datetime"):
        column.process_bind_param(datetime(2026, 11, 20, 9, 0), dialect)
