"""``db check``: is this database whole, current, and still append-only?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import inspect, text

from inctrack.errors import ExitCode
from inctrack.storage.engine import Database
from inctrack.storage.migrate import HEAD, current_revision


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str


def verdict(findings: Sequence[Finding]) -> ExitCode:
    """How ``db check`` ends: a script guarding a backup or an upgrade reads the exit
    code, not the table, so any failed check is ``REJECTED``."""
    return ExitCode.OK if all(f.ok for f in findings) else ExitCode.REJECTED


def check(database: Database) -> list[Finding]:
    findings: list[Finding] = []
    with database.translate_errors(), database.connect() as connection:
        revision = current_revision(connection)
        detail = f"revision {revision or 'none'} (this inctrack: {HEAD})"
        findings.append(Finding("schema", revision == HEAD, detail))
        with connection.begin():
            if database.is_sqlite:
                rows = [r[0] for r in connection.exec_driver_sql("PRAGMA integrity_check")]
                findings.append(Finding("integrity", rows == ["ok"], "; ".join(rows[:5])))
                bad = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                detail = f"{len(bad)} dangling references" if bad else "ok"
                findings.append(Finding("foreign keys", not bad, detail))
                triggers = {
                    r[0]
                    for r in connection.execute(
                        text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                    )
                }
                expected = {
                    "events_append_only_update",
                    "events_append_only_delete",
                    "problem_events_append_only_update",
                    "problem_events_append_only_delete",
                }
            else:
                triggers = {
                    r[0]
                    for r in connection.execute(
                        text(
                            "SELECT tgname FROM pg_trigger "
                            "WHERE NOT tgisinternal AND tgrelid IN "
                            "(to_regclass('events'), to_regclass('problem_events'))"
                        )
                    )
                }
                expected = {
                    "events_append_only",
                    "events_no_truncate",
                    "problem_events_append_only",
                }
            missing = expected - triggers
            detail = f"missing triggers: {sorted(missing)}" if missing else "guarded by triggers"
            findings.append(Finding("append-only events", not missing, detail))
            tables = set(inspect(connection).get_table_names())
            findings.append(
                Finding(
                    "tables",
                    {
                        "incidents",
                        "events",
                        "counters",
                        "categories",
                        "users",
                        "settings",
                        "holidays",
                    }
                    <= tables,
                    ", ".join(sorted(tables - {"alembic_version"})),
                )
            )
    return findings
