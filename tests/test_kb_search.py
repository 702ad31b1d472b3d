"""kb search, kb suggest and the articles log and show suggest: knowledge articles in
the full-text index (migration 0013), on SQLite and PostgreSQL, through the command
line and the library."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from inctrack.errors import Rejected
from inctrack.kb.articles import Content, KnowledgeBase
from inctrack.kb.finding import nearest_terms, search_articles, suggest
from inctrack.storage import Database, migrate

from .helpers import Cli, Desk, fails, ok

ARTICLES = (
    # title, body, tags, category, status
    ("Printer offline", "Check the cable and the power.", ["hardware"], "hardware", "published"),
    ("Mail slow", "The big printer next to the mail room hums.", [], "software", "published"),
    ("Paper jam in tray 2", "Open tray 2; toner is fine.", [], None, "published"),
    ("Jam of paper, toner low", "Replace the cartridge.", [], None, "published"),
    ("VPN drops at home", "Restart the client.", ["network"], "network/vpn", "draft"),
    ("Wifi weak in the lobby", "Move closer to the access point.", [], "network", "retired"),
)


@contextmanager
def knowledge(desk: Desk, *, write: bool = True) -> Iterator[KnowledgeBase]:
    with desk.tracker(write=write) as tracker:
        yield KnowledgeBase(tracker)


@pytest.fixture
def shelf(desk: Desk) -> Desk:
    """The articles above as KB-1 to KB-6, in their statuses."""
    with knowledge(desk) as kb:
        for title, body, tags, category, status in ARTICLES:
            article = kb.add(Content(title=title, body=body, tags=tags, category=category))
            if status != "draft":
                kb.publish(article.id)
            if status == "retired":
                kb.retire(article.id)
    return desk


def found(desk: Desk, query: str, *, include_all: bool = False) -> list[str]:
    with knowledge(desk, write=False) as kb:
        return [str(r["id"]) for r in search_articles(kb, query, include_all=include_all)]


# -- the library ----------------------------------------------------------------------


def test_a_title_hit_ranks_above_a_body_hit_and_stems_match(shelf: Desk) -> None:
    assert found(shelf, "printer") == ["KB-1", "KB-2"]
    assert found(shelf, "printing") == ["KB-1", "KB-2"]
    assert found(shelf, "printers") == ["KB-1", "KB-2"]
    assert found(shelf, "hardware") == ["KB-1"]  # a tag is in the title


def test_phrase_exclusion_prefix_and_or(shelf: Desk) -> None:
    assert found(shelf, '"paper jam"') == ["KB-3"]
    assert sorted(found(shelf, "paper jam")) == ["KB-3", "KB-4"]
    assert found(shelf, "jam -cartridge") == ["KB-3"]
    assert found(shelf, "cart*") == ["KB-4"]
    assert sorted(found(shelf, "cable OR cartridge")) == ["KB-1", "KB-4"]
    with pytest.raises(Rejected, match="only says what to leave out"):
        found(shelf, "-printer")


def test_drafts_and_retired_articles_only_with_all(shelf: Desk) -> None:
    assert found(shelf, "vpn") == found(shelf, "wifi") == []
    assert found(shelf, "vpn", include_all=True) == ["KB-5"]
    assert found(shelf, "wifi", include_all=True) == ["KB-6"]
    with knowledge(shelf) as kb:
        kb.publish("KB-5")
    assert found(shelf, "vpn") == ["KB-5"]


def test_each_hit_is_the_article_record_with_score_and_marked_snippet(shelf: Desk) -> None:
    with knowledge(shelf, write=False) as kb:
        hits = search_articles(kb, "printer")
        record = kb.record(kb.get_or_raise("KB-1"))
    assert {k: v for k, v in hits[0].items() if k not in ("score", "snippet")} == record
    assert hits[0]["score"] > hits[1]["score"] > 0
    assert "«Printer»" in str(hits[0]["snippet"])
    assert "«printer»" in str(hits[1]["snippet"])


def test_the_index_follows_an_edit(shelf: Desk) -> None:
    with knowledge(shelf) as kb:
        kb.edit("KB-1", Content(title="Plotter offline", tags=["plotters"]))
    assert found(shelf, "plotter") == ["KB-1"]
    assert found(shelf, "printer") == ["KB-2"]
    assert found(shelf, "cable") == ["KB-1"]


def test_a_misspelt_word_suggests_the_nearest_indexed_term(shelf: Desk) -> None:
    with knowledge(shelf, write=False) as kb:
        assert nearest_terms(kb, "pritner") == ["printer"]
        assert nearest_terms(kb, "cartrige jamm") == ["cartridge", "jam"]
        assert nearest_terms(kb, "cartridge jamm") == ["jam"]  # a word that finds stays
        assert nearest_terms(kb, "vpm") == []  # only a draft says vpn
        assert nearest_terms(kb, "vpm", include_all=True) == ["vpn"]
        assert nearest_terms(kb, "zzzzqqq") == []


def test_suggestions_for_an_incident_prefer_its_category(shelf: Desk) -> None:
    shelf("log", "Printer hums", reporter="bob", category="software")
    with knowledge(shelf, write=False) as kb:
        ranked = [r["id"] for r in suggest(kb, "INC-1")]
        assert ranked == ["KB-2", "KB-1"]  # the title hit is outranked by the same category
        assert [r["id"] for r in suggest(kb, "INC-1", limit=1)] == ["KB-2"]
    shelf("log", "Laptop will not boot", reporter="bob")
    with knowledge(shelf, write=False) as kb:
        assert suggest(kb, "INC-2") == []


# -- the command line -----------------------------------------------------------------


@pytest.fixture
def shelf_cli(cli: Cli) -> Cli:
    for title, body, tags, category, _status in ARTICLES:
        tagged = [arg for tag in tags for arg in ("--tag", tag)]
        filed = ["-c", category] if category else []
        ok(cli("kb", "add", title, "--body", body, *tagged, *filed, "-q"))
    for number, (*_, status) in enumerate(ARTICLES, start=1):
        if status != "draft":
            ok(cli("kb", "publish", f"KB-{number}", "-q"))
        if status == "retired":
            ok(cli("kb", "retire", f"KB-{number}", "-q"))
    return cli


def test_cli_kb_search_in_every_format(shelf_cli: Cli) -> None:
    cli = shelf_cli
    assert ok(cli("kb", "search", "printing", "-q")) == "KB-1\nKB-2\n"
    table = ok(cli("kb", "search", "printer"))
    assert "«Printer» offline hardware" in table
    assert table.index("KB-1") < table.index("KB-2")
    records = cli.json("kb", "search", "printer")
    assert [(r["id"], r["status"], r["title"]) for r in records] == [
        ("KB-1", "published", "Printer offline"), ("KB-2", "published", "Mail slow")]  # fmt: skip
    assert records[0]["tags"] == ["hardware"]
    assert records[0]["score"] > records[1]["score"]
    assert "«printer»" in records[1]["snippet"]
    csv_text = ok(cli("kb", "search", "vpn", "--all", "-f", "csv"))
    assert csv_text.splitlines()[0] == "id,status,title,score,snippet"
    assert csv_text.splitlines()[1].startswith("KB-5,draft,VPN drops at home,")
    assert ok(cli("kb", "search", "jam", "--limit", "1", "-q")).count("KB-") == 1


def test_cli_no_hit_suggests_the_nearest_term_on_stderr(shelf_cli: Cli) -> None:
    result = shelf_cli("kb", "search", "pritner")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr.strip() == "No published article matches 'pritner'; did you mean printer?"
    quiet = shelf_cli("kb", "search", "vpn", "-q")
    assert (quiet.exit_code, quiet.stdout) == (0, "")
    assert quiet.stderr.strip() == "No published article matches 'vpn'."
    assert json.loads(ok_json(shelf_cli, "kb", "search", "pritner")) == []
    with_all = shelf_cli("kb", "search", "vpm", "--all")
    assert with_all.stderr.strip() == "No article matches 'vpm'; did you mean vpn?"
    fails(shelf_cli("kb", "search", "the"), 4, "has no word to look for")
    fails(shelf_cli("kb", "search", "printer", "--limit", "-1"), 2)


def ok_json(cli: Cli, *args: str) -> str:
    result = cli(*args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def test_cli_kb_suggest(shelf_cli: Cli) -> None:
    cli = shelf_cli
    ok(cli("log", "Paper jam again", "--reporter", "bob", "-d", "toner low", "-q"))
    assert ok(cli("kb", "suggest", "INC-1", "-q")) == "KB-4\nKB-3\n"
    records = cli.json("kb", "suggest", "inc-1", "--limit", "1")
    assert [r["id"] for r in records] == ["KB-4"]
    assert {"score", "snippet", "body", "tags"} <= set(records[0])
    ok(cli("log", "Laptop will not boot", "--reporter", "bob", "-q"))
    nothing = cli("kb", "suggest", "INC-2")
    assert (nothing.exit_code, nothing.stdout) == (0, "")
    assert "No published article matches this incident." in nothing.stderr
    fails(cli("kb", "suggest", "INC-9"), 3, "There is no incident INC-9")


def test_cli_log_and_show_print_three_suggestions_and_their_switches(
    shelf_cli: Cli, tmp_path: Path
) -> None:
    cli = shelf_cli
    logged = ok(cli("log", "Printer jam", "--reporter", "bob", "-d", "paper and toner"))
    tail = logged[logged.index("Suggested articles:") :].splitlines()
    assert [line.split()[0] for line in tail[1:] if line.strip()] == ["KB-4", "KB-3", "KB-1"]
    assert "KB-4  Jam of paper, toner low" in logged  # jam, paper, toner: all in its title
    shown = ok(cli("show", "INC-1"))
    assert shown.index("Suggested articles:") > shown.index("Printer jam")
    assert shown.count("  KB-") == 3
    assert "Suggested" not in ok(cli("show", "INC-1", "--no-suggest"))
    assert "Suggested" not in ok(cli("log", "Printer down", "--reporter", "bob", "--no-suggest"))
    assert ok(cli("log", "Printer again", "--reporter", "bob", "-q")) == "INC-3\n"
    assert "suggestions" not in cli.json("show", "INC-1")
    assert "suggestions" not in cli.json("log", "Printer", "--reporter", "bob")
    asked = cli.json("show", "INC-1", "--suggest")
    assert [s["id"] for s in asked["suggestions"]] == ["KB-4", "KB-3", "KB-1"]
    assert set(asked["suggestions"][0]) == {"id", "title", "score"}
    assert "Suggested" not in ok(cli("show", "INC-1", "-f", "csv", "--suggest"))
    fails(cli("show", "INC-1", "--suggest", "--no-suggest"), 2, "not both")
    config = Path(os.environ["INCTRACK_CONFIG"])
    config.write_text("suggest = false\n", encoding="utf-8")
    assert "Suggested" not in ok(cli("show", "INC-1"))
    assert "Suggested articles:" in ok(cli("show", "INC-1", "--suggest"))
    config.write_text('suggest = "sometimes"\n', encoding="utf-8")
    fails(cli("show", "INC-1"), 4, "suggest = 'sometimes' is neither true nor false")


def test_cli_nothing_published_nothing_suggested(cli: Cli) -> None:
    ok(cli("kb", "add", "Printer offline", "--body", "Check the cable.", "-q"))
    shown = ok(cli("log", "Printer offline", "--reporter", "bob"))
    assert "Suggested" not in shown
    assert cli.json("show", "INC-1", "--suggest")["suggestions"] == []


def test_config_set_suggest(cli: Cli) -> None:
    ok(cli("config", "set", "suggest", "no", "-q"))
    shown = {r["key"]: r for r in cli.json("config", "show")}
    assert (shown["suggest"]["value"], shown["suggest"]["source"]) == ("false", "config_file")
    fails(cli("config", "set", "suggest", "maybe"), 4, "neither true nor false")


# -- the migration --------------------------------------------------------------------


def test_existing_articles_are_indexed_by_the_migration(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "old.db"
    old = Database.open(str(path), upgrade=False)
    config = migrate.alembic_config()
    with old.connect(write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "0010")
        connection.execute(
            text(
                "INSERT INTO articles (id, title, body, tags, status, revision, "
                "published_revision, created_at, created_by, updated_at) VALUES (3, "
                "'Toner smudges', 'Shake the cartridge.', 'printing', 'published', 1, 1, "
                "'2026-03-01 10:00:00', 'al', '2026-03-01 10:00:00')"
            )
        )
    old.dispose()
    cli = Cli(str(path))
    assert ok(cli("kb", "search", "cartridge", "-q")) == "KB-3\n"
    assert ok(cli("kb", "search", "printing", "-q")) == "KB-3\n"


def test_the_article_kind_goes_down_and_up_again(database: Database, desk: Desk) -> None:
    from alembic import command

    with knowledge(desk) as kb:
        kb.add(Content(title="Scanner stuck", body="Reboot it."))
    config = migrate.alembic_config()
    with database.connect(write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
        assert "search_source_articles" not in inspect(connection).get_view_names()
        keys = "rowid" if connection.dialect.name == "sqlite" else "id"
        left = f"SELECT count(*) FROM search_documents WHERE {keys} % 16 = 2"
        assert connection.execute(text(left)).scalar() == 0
        command.upgrade(config, "head")
        assert "search_source_articles" in inspect(connection).get_view_names()
    assert found(desk, "scanner", include_all=True) == ["KB-1"]
