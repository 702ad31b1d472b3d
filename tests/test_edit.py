"""`edit`: correcting what was reported leaves an audit trail, one event per field."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from inctrack.errors import Conflict, PermissionDenied, Rejected
from inctrack.incidents.edits import changed_fields, edit_text, read_edit_text

from .helpers import Cli, Desk, fails, ok


def edits(record: dict[str, Any]) -> list[tuple[str | None, str | None, str | None]]:
    return [(e["field"], e["old"], e["new"]) for e in record["events"] if e["kind"] == "edited"]


def logged(cli: Cli) -> dict[str, Any]:
    cli.services("vpn", "vpn-gw1")
    ok(cli("log", "VPN drop", "--reporter", "Ann", "--service", "vpn", "--channel", "phone",
           "--impact", "high", "--urgency", "high", "-q"))  # fmt: skip
    return dict(cli.json("show", "1"))


def test_each_changed_field_is_one_event_and_nothing_else_changes(cli: Cli) -> None:
    before = logged(cli)
    after = cli.json(
        "edit", "INC-1", "--title", "VPN drops every few minutes", "--reporter", "Ann Lee",
        "--contact", "ann@example.com", "--service", "vpn", "--channel", "email",
        "--description", "Since the client update",
    )  # fmt: skip
    shown = cli.json("show", "1")
    assert edits(shown) == [
        ("title", "VPN drop", "VPN drops every few minutes"),
        ("description", None, "Since the client update"),
        ("reporter", "Ann", "Ann Lee"),
        ("reporter_contact", None, "ann@example.com"),
        ("channel", "phone", "email"),
    ]  # the service was given unchanged: no event
    changed = {"title", "description", "reporter", "reporter_contact", "channel", "updated_at",
               "version", "sla", "events"}  # fmt: skip
    untouched = {key for key in before if key not in changed}
    assert {key: shown[key] for key in untouched} == {key: before[key] for key in untouched}
    assert after["sla"]["response"]["target"] == before["sla"]["response"]["target"]
    assert shown["events"][0] == before["events"][0]
    assert [e["actor"] for e in shown["events"]] == ["tester"] * 6


def test_blank_clears_what_may_be_empty_and_is_refused_where_it_may_not(cli: Cli) -> None:
    logged(cli)
    record = cli.json("edit", "1", "--service", "", "--contact", "  ")
    assert record["service"] is None
    assert edits(cli.json("show", "1")) == [("service", "vpn", None)]
    fails(cli("edit", "1", "--title", " "), 4, "The title is empty")
    fails(cli("edit", "1", "--reporter", ""), 4, "The reporter is empty")
    fails(cli("edit", "1", "--title", "x" * 201), 4, "more than 200")
    fails(cli("edit", "1", "--channel", "fax"), 2, "'fax' is not one of")
    assert edits(cli.json("show", "1")) == [("service", "vpn", None)]


def test_the_description_from_stdin(cli: Cli) -> None:
    logged(cli)
    result = cli("edit", "1", "-d", "-", "-q", input="Line one\nline two\n")
    assert ok(result) == "INC-1\n"
    assert cli.json("show", "1")["description"] == "Line one\nline two"


def test_closed_and_cancelled_incidents_are_final(cli: Cli) -> None:
    logged(cli)
    ok(cli("log", "Twice", "-q"))
    ok(cli("respond", "1", "on it", "-q"))
    ok(cli("resolve", "1", "--code", "fixed", "--note", "done", "-q"))
    assert cli.json("edit", "1", "--title", "VPN drops")["title"] == "VPN drops"  # resolved
    ok(cli("close", "1", "--confirmed-by", "Ann", "-q"))
    ok(cli("cancel", "2", "--reason", "logged twice", "-q"))
    fails(cli("edit", "1", "--title", "x"), 4, "Cannot edit INC-1: it is closed, which is final.")
    fails(cli("edit", "2", "--title", "x"), 4, "Cannot edit INC-2: it is cancelled")
    fails(cli("edit", "9", "--title", "x"), 3, "There is no incident INC-9")


def test_editing_is_for_the_workers(cli: Cli) -> None:
    ok(cli("user", "add", "ada", "--role", "admin", "-q", actor="ada"))
    ok(cli("user", "add", "rex", "--role", "responder", "-q", actor="ada"))
    ok(cli("log", "VPN drop", "-q", actor="rex"))
    fails(
        cli("edit", "1", "--title", "x", actor="ada"), 5,
        "Editing an incident needs the service-desk, responder or incident-manager role; "
        "ada has admin.",
    )  # fmt: skip
    assert cli.json("edit", "1", "--title", "VPN drops", actor="rex")["title"] == "VPN drops"


def test_without_options_and_without_a_terminal_it_says_what_to_give(cli: Cli) -> None:
    logged(cli)
    fails(cli("edit", "1"), 2, "Say what to change: --title")
    fails(cli("edit", "1", "--title", "x", "--editor"), 2, "not both")


def test_the_library_edits_and_refuses_a_field_changed_meanwhile(desk: Desk) -> None:
    desk("log", "VPN drop", reporter="Ann")
    record = desk("edit", "INC-1", title="VPN drops", contact="ann@example.com")
    assert edits(record) == [("title", "VPN drop", "VPN drops"),
                             ("reporter_contact", None, "ann@example.com")]  # fmt: skip
    with pytest.raises(Conflict, match="changed by someone else"):
        desk("edit", "INC-1", title="VPN is down", expected={"title": "VPN drop"})
    desk.services("vpn")
    desk("edit", "INC-1", service="vpn", expected={"title": "VPN drop", "service": None})
    with pytest.raises(Rejected, match="Say what to change"):
        desk("edit", "INC-1")
    with pytest.raises(Rejected, match="'fax' is not a channel"):
        desk("edit", "INC-1", channel="fax")
    with desk.tracker() as tracker:
        tracker.users.add("ada", roles=["admin"])
    with pytest.raises(PermissionDenied):
        desk("edit", "INC-1", title="x", actor="ada")


# -- in $EDITOR ------------------------------------------------------------------------


def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    """A real editor program: it runs ``body`` with the file's ``text`` in hand."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import pathlib, sys\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "text = path.read_text(encoding='utf-8')\n"
        f"{body}\n"
        "path.write_text(text, encoding='utf-8')\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    return script


def test_the_editor_applies_only_what_was_changed(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged(cli)
    editor(tmp_path, monkeypatch,
           "text = text.replace('Service: vpn', 'Service: vpn-gw1')"
           ".replace('Contact: ', 'Contact: ann@example.com') + 'Seen at home.\\n'")  # fmt: skip
    assert ok(cli("edit", "1", "-q", "--editor")) == "INC-1\n"
    assert edits(cli.json("show", "1")) == [
        ("description", None, "Seen at home."),
        ("reporter_contact", None, "ann@example.com"),
        ("service", "vpn", "vpn-gw1"),
    ]


def test_an_unchanged_text_changes_nothing_and_an_emptied_one_aborts(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = logged(cli)
    editor(tmp_path, monkeypatch, "pass")
    result = cli("edit", "1", "-e")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "Nothing changed; INC-1 is as it was.\n"
    editor(tmp_path, monkeypatch, "text = '# only a comment\\n\\n'")
    fails(cli("edit", "1", "-e"), 4, "The text was emptied, so INC-1 was not changed.")
    editor(tmp_path, monkeypatch, "text = text.replace('Title:', 'Titel:')")
    fails(cli("edit", "1", "-e"), 4, "The line 'Titel: VPN drop' is not 'Key: value'")
    editor(tmp_path, monkeypatch, "sys.exit(3)")
    fails(cli("edit", "1", "-e"), 4, "exited with status 3, so nothing was changed")
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    fails(cli("edit", "1", "-e"), 4, "Cannot start the editor")
    after = cli.json("show", "1")
    assert {**after, "sla": None} == {**before, "sla": None}  # the clocks tick on


def test_a_field_changed_while_in_the_editor_is_a_conflict(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone else retitles the incident while the text is open: nothing is overwritten."""
    logged(cli)
    monkeypatch.setenv("INCTRACK_TEST_DB", cli.db)
    editor(tmp_path, monkeypatch, "\n".join((
        "import os",
        "from inctrack import Database, SystemClock, Tracker",
        "database = Database.open(os.environ['INCTRACK_TEST_DB'])",
        "with database.transaction() as session:",
        "    Tracker(session, clock=SystemClock(), actor='kim').edit(1, title='By kim')",
        "database.dispose()",
        "text = text.replace('Title: VPN drop', 'Title: By me')",
    )))  # fmt: skip
    fails(cli("edit", "1", "-e"), 6, "INC-1 is at version 2, not 1: it changed since you "
          "looked (kim set title to By kim); nothing was written")  # fmt: skip
    assert cli.json("show", "1")["title"] == "By kim"


def test_any_change_while_in_the_editor_is_a_conflict(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note added meanwhile changes no field the text shows, but the version moved on."""
    logged(cli)
    monkeypatch.setenv("INCTRACK_TEST_DB", cli.db)
    editor(tmp_path, monkeypatch, "\n".join((
        "import os",
        "from inctrack import Database, SystemClock, Tracker",
        "database = Database.open(os.environ['INCTRACK_TEST_DB'])",
        "with database.transaction() as session:",
        "    Tracker(session, clock=SystemClock(), actor='kim').note(1, 'Called back')",
        "database.dispose()",
        "text = text.replace('Title: VPN drop', 'Title: By me')",
    )))  # fmt: skip
    fails(cli("edit", "1", "-e"), 6, "INC-1 is at version 2, not 1", "kim: note")
    shown = cli.json("show", "1")
    assert (shown["title"], shown["version"]) == ("VPN drop", 2)


def test_the_edit_text_reads_back_what_it_wrote() -> None:
    values = {
        "title": "VPN drops",
        "description": "Line one\n\n# not a comment here",
        "reporter": "Ann",
        "reporter_contact": None,
        "service": "vpn",
        "channel": None,
    }
    text = edit_text("INC-3", values)
    assert text.startswith("# Editing INC-3")
    read = read_edit_text(text)
    assert read is not None
    assert changed_fields(values, read) == {}
    changed = read_edit_text(text.replace("Channel: ", "channel:  Phone "))
    assert changed is not None
    assert changed_fields(values, changed) == {"channel": "  Phone "}
    assert read_edit_text("\n# all gone\n\n") is None
    with pytest.raises(Rejected, match="Title is given twice"):
        read_edit_text("Title: a\nTitle: b\n")
