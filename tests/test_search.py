"""search and list --search: the full-text index, on SQLite (FTS5) and PostgreSQL
(tsvector), through the command line and the library."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from inctrack import search
from inctrack.errors import Rejected
from inctrack.storage import Database, migrate

from .helpers import Cli, Desk, fails, ok


def ids(cli: Cli, *args: str) -> list[str]:
    """The IDs ``search`` prints with ``-q``, best first (none: a sentence on stderr)."""
    result = cli("search", "-q", *args)
    assert result.exit_code == 0, result.stderr
    assert bool(result.stdout) != bool(result.stderr), (result.stdout, result.stderr)
    return str(result.stdout).split()


@pytest.fixture
def desk_texts(cli: Cli) -> Cli:
    """Incidents and a problem whose words the tests look for."""
    for title, description in (
        ("Printer offline on floor 3", "nobody can print"),  # INC-1
        ("Email slow", "the big printer next to the mail room hums"),  # INC-2
        ("Paper jam in tray 2", "toner is fine"),  # INC-3
        ("Jam of paper, toner low", None),  # INC-4
        ("Certificate expired on intranet", None),  # INC-5
        ("VPN drops at home", None),  # INC-6
        ("Wifi weak in the lobby", None),  # INC-7
        ("Laptop will not boot", None),  # INC-8
    ):
        ok(cli("log", title, *(["-d", description] if description else []), "-q"))
    return cli


def test_a_title_hit_ranks_above_a_body_hit(desk_texts: Cli) -> None:
    assert ids(desk_texts, "printer") == ["INC-1", "INC-2"]


def test_stemming_finds_other_forms_of_a_word(desk_texts: Cli) -> None:
    assert ids(desk_texts, "printing") == ["INC-1", "INC-2"]  # "printer", "print"
    assert ids(desk_texts, "expires") == ["INC-5"]  # "expired"


def test_phrase_exclusion_prefix_and_or(desk_texts: Cli) -> None:
    assert ids(desk_texts, '"paper jam"') == ["INC-3"]
    assert sorted(ids(desk_texts, "paper jam")) == ["INC-3", "INC-4"]
    assert ids(desk_texts, "paper jam -toner") == []  # both mention toner
    assert ids(desk_texts, 'jam -"toner low"') == ["INC-3"]
    assert ids(desk_texts, "certif*") == ["INC-5"]
    assert sorted(ids(desk_texts, "vpn OR wifi")) == ["INC-6", "INC-7"]
    assert ids(desk_texts, "vpn OR wifi lobby") == ["INC-7"]  # OR binds tighter than AND


def test_each_hit_has_its_record_score_and_marked_snippet(desk_texts: Cli) -> None:
    hits = desk_texts.json("search", "printer")
    assert [h["id"] for h in hits] == ["INC-1", "INC-2"]
    assert hits[0]["score"] > hits[1]["score"] > 0
    assert "«printer»" in hits[1]["snippet"].lower()
    assert {"title", "status", "priority", "sla", "score", "snippet"} <= set(hits[0])
    table = ok(desk_texts("search", "printer"))
    assert "INC-1" in table
    assert "«Printer»" in table
    rows = ok(desk_texts("search", "printer", "-f", "csv")).splitlines()
    assert rows[0] == "id,status,title,score,snippet"
    assert rows[1].startswith("INC-1,new,Printer offline on floor 3,")


def test_no_hit_is_a_sentence_on_stderr_and_exit_0(desk_texts: Cli) -> None:
    result = desk_texts("search", "kangaroo")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "No incident or problem matches 'kangaroo'" in result.stderr
    assert desk_texts.json("search", "kangaroo") == []


HOSTILE = [
    '"', "*", "NEAR(", "-", "AND", "OR", "a AND OR NOT b", '"unclosed phrase', "col:umn",
    "^start", "printer)", "(((", "{x}", "ünïcödé printer", "東京 プリンタ", "x" * 2000,
    " ".join(["printer"] * 400), "printer -", "-printer", "--", "'", "%_", "\\", "NOT",
    "title:printer", "printer*" * 50,
]  # fmt: skip


def test_hostile_queries_never_fail_inside(desk_texts: Cli) -> None:
    for query in HOSTILE:
        result = desk_texts("search", "--", query)
        assert result.exit_code in (0, 4), (query, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, query
        if result.exit_code == 4:
            fails(result, 4, "Error: The search")
        listed = desk_texts("list", "--search", query)
        assert listed.exit_code == result.exit_code, (query, listed.stderr)
    assert ids(desk_texts, "--", "printer)") == ["INC-1", "INC-2"]
    assert ids(desk_texts, "--", "ünïcödé printer") == []


def test_a_query_with_nothing_to_look_for_is_refused(cli: Cli) -> None:
    ok(cli("log", "The printer", "-q"))
    for query in ("", "   ", "the", "-toner", '"" *', "of the and", "-printer -the"):
        fails(cli("search", "--", query), 4, "Error: The search")


def test_notes_responses_resolutions_and_problems_are_found(cli: Cli) -> None:
    ok(cli("log", "Outage", "-q"))
    ok(cli("note", "1", "spoke to the zebra team", "-q"))
    ok(cli("log", "Another outage", "-q"))
    ok(cli("respond", "2", "looking at the giraffe logs", "-q"))
    ok(cli("log", "Third outage", "-q"))
    ok(cli("resolve", "3", "--code", "fixed", "--note", "swapped the walrus cable", "-q"))
    ok(cli("problem", "create", "Recurring outages", "-d", "flamingo switch", "-q"))
    ok(cli("problem", "update", "PRB-1", "--root-cause", "pelican firmware", "-q"))
    assert ids(cli, "zebra") == ["INC-1"]
    assert ids(cli, "giraffe") == ["INC-2"]
    assert ids(cli, "walrus") == ["INC-3"]
    assert ids(cli, "flamingo") == ids(cli, "pelican") == ["PRB-1"]
    assert ids(cli, "outage", "--kind", "problem") == ["PRB-1"]
    assert sorted(ids(cli, "outage", "--kind", "incident")) == ["INC-1", "INC-2", "INC-3"]
    assert ids(cli, "outage", "--status", "resolved") == ["INC-3"]
    assert ids(cli, "outage", "--status", "open") == ["PRB-1"]
    fails(cli("search", "outage", "--status", "lost"), 4, "No status 'lost'")


def test_closed_records_only_with_all(cli: Cli) -> None:
    ok(cli("log", "Scanner broken", "-q"))
    ok(cli("resolve", "1", "--code", "fixed", "--note", "new scanner", "-q"))
    ok(cli("close", "1", "--unconfirmed", "--reason", "gone quiet", "-q"))
    ok(cli("log", "Scanner slow", "-q"))
    assert ids(cli, "scanner") == ["INC-2"]
    assert sorted(ids(cli, "scanner", "--all")) == ["INC-1", "INC-2"]
    assert ids(cli, "scanner", "--all", "--limit", "1") in (["INC-1"], ["INC-2"])


def test_the_index_follows_an_edit(desk_texts: Cli) -> None:
    ok(desk_texts("edit", "8", "--title", "Notebook will not start", "-q"))
    assert ids(desk_texts, "laptop") == []
    assert ids(desk_texts, "notebook") == ["INC-8"]
    ok(desk_texts("edit", "8", "-d", "the hinge snapped", "-q"))
    assert ids(desk_texts, "hinge") == ["INC-8"]


def test_list_search_goes_through_the_index_with_the_other_filters(desk_texts: Cli) -> None:
    listed = desk_texts.json("list", "--search", "printing", "--sort", "id")
    assert [r["id"] for r in listed] == ["INC-1", "INC-2"]
    ok(desk_texts("prioritize", "2", "--impact", "high", "--urgency", "high", "-q"))
    assert [r["id"] for r in desk_texts.json("list", "--search", "printer", "-p", "P1")] == [
        "INC-2"
    ]
    fails(desk_texts("list", "--search", "-toner"), 4, "only says what to leave out")


IMPORTED = [
    {"id": "INC-7", "title": "Badge reader dead", "description": "lobby door",
     "reporter": "kim", "reported_at": "2026-11-19T10:00:00+00:00", "status": "new",
     "events": [{"at": "2026-11-19T10:05:00+00:00", "recorded_at": "2026-11-19T10:05:00+00:00",
                 "actor": "al", "kind": "note", "message": "replaced the fuse"}]},
    {"id": "INC-9", "title": "Projector flickers", "reporter": "kim",
     "reported_at": "2026-11-19T11:00:00+00:00", "status": "new", "events": []},
]  # fmt: skip


def test_an_import_is_indexed_into_an_empty_database_and_after(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in IMPORTED))
    ok(cli("import", str(path)))  # an empty database: the index is built once, at the end
    assert ids(cli, "fuse") == ids(cli, "lobby") == ["INC-7"]
    assert ids(cli, "projector") == ["INC-9"]
    ok(cli("log", "Projector dead", "-q"))  # the index is kept again, row by row
    assert sorted(ids(cli, "projector")) == ["INC-10", "INC-9"]
    later = [{**IMPORTED[1], "id": "INC-20", "title": "Beamer humming"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in later))
    ok(cli("import", str(path)))  # into a database with incidents: triggers write it
    assert ids(cli, "beamer") == ["INC-20"]
    ok(cli("note", "20", "ordered a quieter fan", "-q"))
    assert ids(cli, "quieter") == ["INC-20"]


def test_a_failed_import_leaves_the_index_as_it_was(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(IMPORTED[0]) + "\n" + '{"title": ""}\n')
    assert cli("import", str(path)).exit_code == 4
    ok(cli("log", "Badge reader flaky", "-q"))
    assert ids(cli, "badge") == ["INC-1"]
    assert ids(cli, "fuse") == []


def test_an_existing_database_is_indexed_by_the_migration(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "old.db"
    old = Database.open(str(path), upgrade=False)
    config = migrate.alembic_config()
    with old.connect(write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
        connection.execute(
            text(
                "INSERT INTO incidents (id, title, description, reporter, reported_at, "
                "logged_at, logged_by, status, tier, major, roles, reopen_count, "
                "reassignment_count, occurrences, updated_at) VALUES (4, 'Old printer', "
                "'smells of ozone', 'bob', '2025-03-01 10:00:00', '2025-03-01 10:00:00', 'al', "
                "'new', 1, 0, '{}', 0, 0, 1, '2025-03-01 10:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO events (incident_id, at, recorded_at, actor, kind, message) "
                "VALUES (4, '2025-03-01 10:05:00', '2025-03-01 10:05:00', 'al', 'note', "
                "'called the technician')"
            )
        )
    old.dispose()
    cli = Cli(str(path))
    assert ids(cli, "ozone") == ids(cli, "technician") == ids(cli, "printing") == ["INC-4"]
    ok(cli("note", "4", "fan replaced", "-q"))
    assert ids(cli, "fan") == ["INC-4"]


def test_the_migration_goes_down_and_up_again(database: Database) -> None:
    from alembic import command

    config = migrate.alembic_config()
    with database.connect(write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
        assert not {t for t in migrate.table_names(connection) if t.startswith("search")}
        command.upgrade(config, "head")
        assert "search_documents" in migrate.table_names(connection)


def test_the_library_query(desk: Desk) -> None:
    desk("log", "Printer offline", description="tray 2 empty")
    desk("log", "Mail slow", description="printer queue fine")
    with desk.tracker() as tracker:
        tracker.note(2, "printer rebooted")
        hits = search.Search(tracker.session).query("printer", kinds=["incident"], limit=5)
        assert [(h.ref, h.kind, h.number) for h in hits] == [
            ("INC-1", "incident", 1), ("INC-2", "incident", 2),
        ]  # fmt: skip
        assert "«printer»" in hits[1].snippet
        limited = search.Search(tracker.session).query("printer", limit=1)
        assert [h.ref for h in limited] == ["INC-1"]
        none = search.Search(tracker.session).query("printer", statuses={"incident": ["closed"]})
        assert none == []
        with pytest.raises(Rejected):
            search.Search(tracker.session).query("-printer")


def test_a_kind_code_is_taken_once() -> None:
    with pytest.raises(ValueError, match="taken"):
        search.register(search.Kind("article", code=0, table="articles", prefix="KB"))
    assert set(search.KINDS) == {"incident", "problem", "article"}


def test_the_query_syntax_reaches_the_database_quoted() -> None:
    parsed = search.parse('printing "paper jam" -toner net* vpn OR wifi NEAR(x')
    assert parsed.fts5() == (
        '("printing" *) AND ("paper jam") AND ("net" *) AND ("vpn" OR "wifi") '
        'AND ("near x") NOT "toner" *'
    )
    assert parsed.tsquery() == (
        "(('printing':*)) & (('paper' <-> 'jam')) & (('net':*)) & (('vpn') | ('wifi')) "
        "& (('near' <-> 'x')) & !('toner':*)"
    )


@pytest.fixture
def other_db(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A second database beside ``db_url``: another SQLite file, or another schema of the
    same PostgreSQL database (as two teams sharing one server database would have)."""
    if "://" not in db_url:
        yield str(tmp_path / "other.db")
        return
    import uuid

    engine = request.getfixturevalue("pg_server")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield db_url.rsplit("%3D", 1)[0] + f"%3D{schema}"
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def test_an_import_pausing_the_index_leaves_other_databases_alone(
    db_url: str, other_db: str
) -> None:
    """An import pauses the search index of its own database only: on PostgreSQL it once
    disabled the index triggers of every schema of the server database, so it locked the
    other desks' tables (their writers waited, then exit 6; deadlocks) and left their
    index unkept while it ran."""
    Database.init(db_url)
    Database.init(other_db)
    this, other = Database.open(db_url), Database.open(other_db)
    try:
        with this.connect(write=True) as connection:
            paused = search.pause(connection)
            assert paused.saved  # it did pause this database's index
            with other.connect(write=True) as writer:  # SQLite: BEGIN IMMEDIATE
                if writer.dialect.name != "sqlite":
                    writer.exec_driver_sql("SET LOCAL lock_timeout = '1s'")
                    writer.exec_driver_sql("LOCK TABLE incidents IN ROW EXCLUSIVE MODE")
                    writer.exec_driver_sql("LOCK TABLE articles IN ROW EXCLUSIVE MODE")
            search.resume(paused, kinds=list(search.KINDS))
    finally:
        this.dispose()
        other.dispose()
