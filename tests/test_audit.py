"""Tamper-evident history: the hash chain over events, `db verify` and its anchors.

Each test tampers as an owner of the database can: on SQLite by dropping the
append-only trigger and putting it back, on PostgreSQL with
``session_replication_role = replica`` (which the table owner may set, and which
switches the triggers off); `db check` passes after both, `db verify` must not.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from inctrack import Database, SystemClock, Tracker
from inctrack.storage import migrate

from .helpers import Cli, fails, ok


@contextmanager
def tampering(database: Database) -> Iterator[Connection]:
    """A connection that may UPDATE and DELETE events, the guard back afterwards."""
    with database.connect(write=True) as connection, connection.begin():
        if database.is_sqlite:
            sql = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = :n"),
                {"n": "events_append_only_update"},
            ).scalar_one()
            delete = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = :n"),
                {"n": "events_append_only_delete"},
            ).scalar_one()
            connection.execute(text("DROP TRIGGER events_append_only_update"))
            connection.execute(text("DROP TRIGGER events_append_only_delete"))
            yield connection
            connection.execute(text(sql))
            connection.execute(text(delete))
        else:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            yield connection


def a_desk(cli: Cli) -> None:
    ok(cli("log", "Mail bounces", "-r", "Di", "-q"))  # event 1
    ok(cli("log", "VPN drops", "-r", "Al", "-q"))  # event 2
    ok(cli("prioritize", "1", "--impact", "high", "--urgency", "high", "-q"))  # events 3-5
    ok(cli("note", "2", "Called back", "-q"))  # event 6
    ok(cli("assign", "1", "--to", "kim", "-q"))  # event 7


def test_verify_passes_on_a_new_and_on_a_working_database(cli: Cli) -> None:
    assert [f["ok"] for f in cli.json("db", "verify")] == [True, True]
    a_desk(cli)
    findings = cli.json("db", "verify")
    assert [(f["check"], f["ok"]) for f in findings] == [("chain", True), ("incidents", True)]
    assert findings[0]["detail"].startswith("7 events, head ")
    events = cli.json("show", "1")["events"] + cli.json("show", "2")["events"]
    assert sorted(e["hash"] for e in events) == sorted({e["hash"] for e in events})
    assert ok(cli("db", "check")).count("ok") >= 1


def test_an_edited_event_is_named(cli: Cli, database: Database) -> None:
    a_desk(cli)
    with tampering(database) as connection:
        connection.execute(text("UPDATE events SET message = 'Calm' WHERE id = 6"))
    assert ok(cli("db", "check"))  # the guard is back: db check sees nothing
    result = cli("db", "verify")
    assert result.exit_code == 4
    assert "event 6 (INC-2, note) does not match its hash" in result.stdout


def test_a_deleted_event_is_named(cli: Cli, database: Database) -> None:
    a_desk(cli)
    with tampering(database) as connection:
        connection.execute(text("DELETE FROM events WHERE id = 4"))
    result = cli("db", "verify", "-f", "json")
    assert result.exit_code == 4
    chain = json.loads(result.stdout)[0]
    assert chain["detail"].startswith("event 5 (INC-1, prioritized) does not follow event 3")


def test_the_last_event_deleted_is_seen_at_the_head(cli: Cli, database: Database) -> None:
    a_desk(cli)
    with tampering(database) as connection:
        connection.execute(text("DELETE FROM events WHERE id = 7"))
        connection.execute(text("UPDATE incidents SET version = version - 1 WHERE id = 1"))
    result = cli("db", "verify", "-f", "json")
    assert result.exit_code == 4
    assert (
        "the chain head says 7 events ending at event 7, but 6 events end at event 6"
        in (json.loads(result.stdout)[0]["detail"])
    )


def test_an_incident_row_changed_without_an_event_is_named(cli: Cli, database: Database) -> None:
    a_desk(cli)
    with database.connect(write=True) as connection, connection.begin():
        connection.execute(text("UPDATE incidents SET priority = 'P4' WHERE id = 1"))
    result = cli("db", "verify", "-f", "json")
    assert result.exit_code == 4
    findings = {f["check"]: f for f in json.loads(result.stdout)}
    assert findings["chain"]["ok"] is True
    assert findings["incidents"]["detail"] == (
        "INC-1 has priority 'P4', but its events last set it to 'P1': its row was changed "
        "without an event"
    )


def test_a_version_changed_without_events_is_named(cli: Cli, database: Database) -> None:
    a_desk(cli)
    with database.connect(write=True) as connection, connection.begin():
        connection.execute(text("UPDATE incidents SET version = 9 WHERE id = 2"))
    result = cli("db", "verify")
    assert result.exit_code == 4
    assert "INC-2 is at version 9 but has 2 events" in result.stdout


def test_an_anchor_is_written_then_checked(cli: Cli, tmp_path: Path) -> None:
    a_desk(cli)
    anchor = tmp_path / "anchors" / "desk.json"
    anchor.parent.mkdir()
    assert "written to" in ok(cli("db", "verify", "--anchor", str(anchor)))
    kept = json.loads(anchor.read_text())
    assert (kept["event_count"], kept["last_event_id"]) == (7, 7)
    assert kept["hash"] == cli.json("show", "1")["events"][-1]["hash"]
    assert anchor.stat().st_mode & 0o777 == 0o600
    ok(cli("note", "1", "Later", "-q"))
    assert "the chain extends" in ok(cli("db", "verify", "--anchor", str(anchor)))


def test_a_rewritten_and_rehashed_history_fails_its_anchor(
    cli: Cli, database: Database, tmp_path: Path
) -> None:
    """Someone who edits an event and recomputes every hash after it passes the chain
    check; the anchor kept elsewhere still catches it."""
    from inctrack.storage.chain import GENESIS, event_hash

    a_desk(cli)
    anchor = tmp_path / "desk.json"
    ok(cli("db", "verify", "--anchor", str(anchor)))
    with tampering(database) as connection:
        connection.execute(text("UPDATE events SET actor = 'mallory' WHERE id = 3"))
        rows = connection.execute(text("SELECT * FROM events ORDER BY id")).mappings().all()
        previous = GENESIS
        for row in rows:
            values = dict(row)
            for name in ("at", "recorded_at"):
                values[name] = _aware(values[name])
            digest = event_hash(previous, values)
            connection.execute(
                text("UPDATE events SET prev_hash = :p, hash = :h WHERE id = :id"),
                {"p": previous, "h": digest, "id": row["id"]},
            )
            previous = digest
        connection.execute(text("UPDATE chain_head SET hash = :h"), {"h": previous})
    findings = {f["check"]: f for f in json.loads(cli("db", "verify", "-f", "json").stdout)}
    assert (findings["chain"]["ok"], findings["incidents"]["ok"]) == (True, True)
    result = cli("db", "verify", "--anchor", str(anchor), "-f", "json")
    assert result.exit_code == 4
    detail = json.loads(result.stdout)[2]["detail"]
    assert detail.startswith(f"the chain no longer extends {anchor}: event 7 anchored ")


def _aware(value: object) -> object:
    from datetime import UTC, datetime

    if isinstance(value, str):  # SQLite read without the ORM: naive UTC text
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


def test_a_broken_chain_writes_no_anchor(cli: Cli, database: Database, tmp_path: Path) -> None:
    a_desk(cli)
    with tampering(database) as connection:
        connection.execute(text("UPDATE events SET message = 'x' WHERE id = 1"))
    anchor = tmp_path / "desk.json"
    result = cli("db", "verify", "--anchor", str(anchor))
    assert result.exit_code == 4
    assert "not written to" in result.stdout
    assert not anchor.exists()
    anchor.write_text("not json")
    fails(cli("db", "verify", "--anchor", str(anchor)), 4, "Cannot read the anchor")


def test_an_import_chains_its_events_here(cli: Cli, tmp_path: Path) -> None:
    """Our own export, imported into another database, and into one that already has
    history: the events join that database's chain, which verifies."""
    a_desk(cli)
    export = tmp_path / "desk.jsonl"
    assert cli("export", "-o", str(export)).exit_code == 0
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert all(len(e["hash"]) == 64 for line in lines for e in line["events"])
    other = Cli(str(tmp_path / "other.db"))
    ok(other("import", str(export)))
    assert [f["ok"] for f in other.json("db", "verify")] == [True, True]
    assert [other.json("show", n)["version"] for n in ("1", "2")] == [5, 2]
    busy = Cli(str(tmp_path / "busy.db"))
    ok(busy("log", "Already here", "-r", "Bo", "-q"))
    renumbered = tmp_path / "renumbered.jsonl"
    renumbered.write_text("".join(json.dumps({k: v for k, v in line.items() if k != "id"})
                                  + "\n" for line in lines))  # fmt: skip
    ok(busy("import", str(renumbered)))
    findings = busy.json("db", "verify")
    assert [f["ok"] for f in findings] == [True, True]
    assert findings[0]["detail"].startswith("8 events")


def test_concurrent_writers_do_not_fork_the_chain(cli: Cli, db_url: str) -> None:
    ok(cli("log", "Shared", "-r", "Di", "-q"))

    def writer(name: str) -> None:
        database = Database.open(db_url)
        try:
            for n in range(8):
                with database.transaction() as session:
                    Tracker(session, clock=SystemClock(), actor=name).note(1, f"{name} {n}")
        finally:
            database.dispose()

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    findings = cli.json("db", "verify")
    assert [f["ok"] for f in findings] == [True, True]
    assert findings[0]["detail"].startswith("33 events")
    assert cli.json("show", "1")["version"] == 33


def test_migration_chains_the_events_of_an_old_database(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "old.db"
    old = Database.open(str(path), upgrade=False)
    config = migrate.alembic_config()
    with old.connect(write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
        for number in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO incidents (id, title, reporter, reported_at, logged_at, "
                    "logged_by, status, tier, major, roles, reopen_count, reassignment_count, "
                    "occurrences, updated_at, priority) VALUES (:id, 'Old', 'bob', "
                    "'2025-03-01 10:00:00.000000', '2025-03-01 10:00:00.000000', 'al', "
                    "'in_progress', 1, 0, '{}', 0, 0, 1, '2025-03-01 10:05:00.000000', 'P2')"
                ),
                {"id": number},
            )
        connection.execute(
            text(
                "INSERT INTO events (incident_id, at, recorded_at, actor, kind, field, old, "
                "new, message) VALUES "
                "(1, '2025-03-01 10:00:00.000000', '2025-03-01 10:00:00.000000', 'al', "
                "'logged', NULL, NULL, NULL, 'Old'), "
                "(2, '2025-03-01 10:00:00.000000', '2025-03-01 10:00:00.000000', 'al', "
                "'logged', NULL, NULL, NULL, 'Old'), "
                "(1, '2025-03-01 10:05:00.250000', '2025-03-01 10:05:00.000000', 'al', "
                "'prioritized', 'priority', NULL, 'P2', NULL), "
                "(1, '2025-03-01 10:05:00.000000', '2025-03-01 10:05:00.000000', 'al', "
                "'responded', 'status', 'new', 'in_progress', 'Caf\u00e9 \u2603')"
            )
        )
    old.dispose()

    cli = Cli(str(path))
    findings = cli.json("db", "verify")
    assert [(f["ok"], f["detail"][:9]) for f in findings] == [
        (True, "4 events,"),
        (True, "2 inciden"),
    ]
    assert [cli.json("show", str(n))["version"] for n in (1, 2)] == [3, 1]
    ok(cli("note", "2", "After the upgrade", "--if-version", "1", "-q"))
    assert cli.json("db", "verify")[0]["detail"].startswith("5 events")
    events = cli.json("show", "2")["events"]
    assert events[1]["prev_hash"] == cli.json("show", "1")["events"][-1]["hash"]
    with Database.open(str(path)).connect() as connection:  # the guard is back
        assert (
            connection.execute(
                text("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'events_append_only_%'")
            ).scalar_one()
            == 2
        )
