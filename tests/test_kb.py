"""The knowledge base: articles, revisions, publishing, use on incidents, report kb.

The library on real databases with a fixed clock, then the command line.
Import/export and diagnostic runs are in test_kb_files.py and test_kb_run.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from inctrack.errors import NotFound, PermissionDenied, Rejected
from inctrack.kb.articles import Content, KnowledgeBase
from inctrack.kb.report import kb_report
from inctrack.kb.usage import Usage

from .helpers import START, Cli, Desk, fails, ok


@contextmanager
def knowledge(desk: Desk, actor: str = "alice", *, write: bool = True) -> Iterator[KnowledgeBase]:
    with desk.tracker(actor, write=write) as tracker:
        yield KnowledgeBase(tracker)


def article(desk: Desk, ref: str, revision: int | None = None) -> dict[str, object]:
    with knowledge(desk, write=False) as kb:
        return kb.record(kb.get_or_raise(ref), revision=revision)


# -- the library ----------------------------------------------------------------------


def test_every_edit_is_a_revision_and_old_ones_stay_readable(desk: Desk) -> None:
    with knowledge(desk) as kb:
        kb.add(Content(title="VPN drops", body="Restart the client.\n\n", tags=["VPN", " vpn",
                       "Network"], category="network/vpn", service="vpn"))  # fmt: skip
    first = article(desk, "KB-1")
    assert (first["id"], first["status"], first["revision"]) == ("KB-1", "draft", 1)
    assert first["tags"] == ["network", "vpn"]
    assert (first["category"], first["service"], first["body"]) == (
        "network/vpn", "vpn", "Restart the client.")  # fmt: skip
    desk.clock.advance(timedelta(hours=1))
    with knowledge(desk, "bob") as kb:
        kb.edit("kb-1", Content(body="Reinstall the client.", category=""))
    with pytest.raises(Rejected, match="already says that"), knowledge(desk) as kb:
        kb.edit("1", Content(body="Reinstall the client."))
    now = article(desk, "KB-1")
    assert (now["revision"], now["body"], now["category"]) == (2, "Reinstall the client.", None)
    old = article(desk, "KB-1", revision=1)
    assert (old["revision"], old["body"], old["category"]) == (1, "Restart the client.",
                                                               "network/vpn")  # fmt: skip
    with knowledge(desk, write=False) as kb:
        history = kb.history(kb.get_or_raise("KB-1"))
        with pytest.raises(NotFound, match="KB-1 has no revision 3; it has revisions 1 to 2"):
            kb.record(kb.get_or_raise("KB-1"), revision=3)
    assert [(h["revision"], h["actor"], h["at"]) for h in history] == [
        (1, "alice", "2026-11-20T09:00:00+00:00"),
        (2, "bob", "2026-11-20T10:00:00+00:00"),
    ]


def test_a_category_outside_the_taxonomy_is_refused_with_a_suggestion(desk: Desk) -> None:
    with pytest.raises(NotFound, match="network/vpm") as refused, knowledge(desk) as kb:
        kb.add(Content(title="VPN", body="x", category="network/vpm"))
    assert "network/vpn" in refused.value.message
    with knowledge(desk, write=False) as kb:
        assert kb.find(include_retired=True) == []


def test_publishing_needs_the_kb_author_role_and_approves_a_revision(desk: Desk) -> None:
    with desk.tracker("ada") as tracker:
        tracker.users.add("ada", roles=["admin"])
        tracker.users.add("rita", roles=["responder"])
        tracker.users.add("kim", roles=["kb-author"])
    with knowledge(desk, "rita") as kb:
        kb.add(Content(title="VPN drops", body="Restart."))
    with pytest.raises(PermissionDenied) as refused, knowledge(desk, "rita") as kb:
        kb.publish("KB-1")
    assert refused.value.message == (
        "Publishing or retiring knowledge articles needs the admin or kb-author role; "
        "rita has responder."
    )
    with knowledge(desk, "kim") as kb:
        kb.publish("KB-1")
    with knowledge(desk, "rita") as kb:
        kb.edit("KB-1", Content(body="Restart twice."))
    record = article(desk, "KB-1")
    assert (record["status"], record["revision"], record["published_revision"],
            record["published_by"]) == ("published", 2, 1, "kim")  # fmt: skip
    with knowledge(desk, "ada") as kb:
        kb.publish("KB-1")
        kb.retire("KB-1")
    with pytest.raises(Rejected, match="KB-1 is already retired"), knowledge(desk, "ada") as kb:
        kb.retire("KB-1")
    assert article(desk, "KB-1")["published_revision"] == 2
    with knowledge(desk, write=False) as kb:
        assert kb.find() == []
        assert [a.id for a in kb.find(include_retired=True)] == [1]


def test_uses_feedback_and_the_report(desk: Desk) -> None:
    with knowledge(desk) as kb:
        kb.add(Content(title="VPN drops", body="Restart.", category="network/vpn"))
        kb.add(Content(title="Printer jam", body="Open tray 2.", service="print"))
        kb.publish("KB-1")
    for title, category in (("VPN down", "network/vpn"), ("VPN slow", "network/vpn"),
                            ("Mail bounce", "email"), ("Mail slow", "email"),
                            ("Mail lost", "email")):  # fmt: skip
        desk("log", title, reporter="bob", category=category)
    desk("respond", "INC-1", "on it")
    with desk.tracker() as tracker:
        tracker.resolve("INC-1", code="fixed", note="restarted")
        Usage(tracker).link("INC-1", "KB-1", resolved=True)
        Usage(tracker).link("INC-2", "KB-1")
        Usage(tracker).feedback("KB-1", "INC-1", "helpful")
        Usage(tracker).feedback("KB-1", "INC-2", "not-helpful")
    desk("respond", "INC-3", "on it")
    desk("escalate", "INC-3", tier=2, reason="needs mail admin")
    desk("resolve", "INC-3", code="fixed", note="done")
    desk("respond", "INC-4", "on it")
    desk("resolve", "INC-4", code="fixed", note="done")
    with pytest.raises(Rejected, match="did you mean helpful"), desk.tracker() as tracker:
        Usage(tracker).feedback("KB-1", "INC-1", "helpfull")
    events = desk("note", "INC-1", "checking")["events"]
    assert [(e["kind"], e["field"], e["new"]) for e in events if e["field"] == "kb"] == [
        ("kb_resolved", "kb", "KB-1"), ("kb_feedback", "kb", "KB-1")]  # fmt: skip
    with desk.tracker(write=False) as tracker:
        report = kb_report(tracker, since=START - timedelta(days=1), min_incidents=3).record()
    assert report["articles"] == [
        {"id": "KB-1", "title": "VPN drops", "status": "published", "incidents": 2,
         "resolutions": 1, "runs": 0, "helpful": 1, "not_helpful": 1, "helpful_ratio": 0.5},
        {"id": "KB-2", "title": "Printer jam", "status": "draft", "incidents": 0,
         "resolutions": 0, "runs": 0, "helpful": 0, "not_helpful": 0, "helpful_ratio": None},
    ]  # fmt: skip
    assert report["first_contact"] == {
        "with_article": {"resolved": 1, "first_contact": 1, "rate": 1.0},
        "without_article": {"resolved": 2, "first_contact": 1, "rate": 0.5},
    }
    assert report["gaps"] == [{"by": "category", "value": "email", "incidents": 3}]


def test_a_retired_article_is_not_linked(desk: Desk) -> None:
    with knowledge(desk) as kb:
        kb.add(Content(title="Old VPN", body="x"))
        kb.retire("KB-1")
    desk("log", "VPN down", reporter="bob")
    with pytest.raises(Rejected, match="KB-1 is retired"), desk.tracker() as tracker:
        Usage(tracker).link("INC-1", "KB-1")
    with pytest.raises(NotFound, match="There is no article KB-9"), desk.tracker() as tracker:
        Usage(tracker).link("INC-1", "KB-9")


# -- the command line -----------------------------------------------------------------

BODY = "# Printer offline\n\nCheck the cable.\n\n- power\n- **network**\n"


def test_cli_add_show_list_in_every_format(cli: Cli) -> None:
    assert ok(cli("kb", "add", "Printer offline", "--body", BODY, "--tag", "print",
                  "--tag", "Hardware", "-c", "hardware/printer", "--service", "printing",
                  "-q")) == "KB-1\n"  # fmt: skip
    shown = ok(cli("kb", "show", "KB-1"))
    assert "Check the cable." in shown
    assert "• power" in shown  # Markdown, rendered
    assert "**network**" not in shown
    assert "network" in shown
    record = cli.json("kb", "show", "kb-1")
    assert {k: record[k] for k in ("id", "title", "status", "revision", "tags", "category",
                                   "service", "body")} == {
        "id": "KB-1", "title": "Printer offline", "status": "draft", "revision": 1,
        "tags": ["hardware", "print"], "category": "hardware/printer", "service": "printing",
        "body": BODY.strip(),
    }  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(ok(cli("kb", "list", "-f", "csv")))))
    assert [(r["id"], r["tags"], r["status"]) for r in rows] == [
        ("KB-1", "hardware,print", "draft")]  # fmt: skip
    assert "Printer offline" in ok(cli("kb", "list", "--tag", "print"))
    assert "No articles match." in ok(cli("kb", "list", "--tag", "vpn"))
    assert cli.json("kb", "list", "--category", "hardware") == [record]


def test_cli_body_from_stdin_a_file_and_an_incident(cli: Cli, tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    ok(cli("kb", "add", "From stdin", "-d", "-", "-q", input="Typed *in*.\n"))
    assert cli.json("kb", "show", "KB-1")["body"] == "Typed *in*."
    page = tmp_path / "page.md"
    page.write_text("From a file.\n", encoding="utf-8")
    ok(cli("kb", "edit", "KB-1", "--file", str(page), "-q"))
    assert cli.json("kb", "show", "KB-1")["body"] == "From a file."
    fails(
        cli("kb", "edit", "KB-1", "--file", str(tmp_path / "nope.md")), 3, "nope.md does not exist"
    )
    fails(cli("kb", "edit", "KB-1", "--body", "x", "--file", str(page)), 2, "not both")
    ok(cli("log", "Excel crashes on open", "--reporter", "bob", "--category", "software",
           "--description", "Crashes with add-in X.", "-q"))  # fmt: skip
    ok(cli("resolve", "INC-1", "--code", "fixed", "--note", "Removed add-in X.", "-q"))
    drafted = cli.json("kb", "add", "--from", "INC-1")
    assert (drafted["id"], drafted["title"], drafted["category"], drafted["status"]) == (
        "KB-2", "Excel crashes on open", "software", "draft")  # fmt: skip
    assert drafted["body"] == (
        "## Symptoms\n\nCrashes with add-in X.\n\n## Resolution\n\nRemoved add-in X."
    )
    fails(cli("kb", "add"), 2, "Give a TITLE, or --from INC-n")


def test_cli_history_revisions_and_refusals(cli: Cli) -> None:
    ok(cli("kb", "add", "VPN", "--body", "one", "-q"))
    ok(cli("kb", "edit", "KB-1", "--body", "two", "-q"))
    ok(cli("kb", "edit", "KB-1", "--title", "VPN drops", "-q"))
    history = cli.json("kb", "history", "KB-1")
    assert [(h["revision"], h["title"], h["body"]) for h in history] == [
        (1, "VPN", "one"), (2, "VPN", "two"), (3, "VPN drops", "two")]  # fmt: skip
    assert cli.json("kb", "show", "KB-1", "--revision", "1")["body"] == "one"
    assert "one" in ok(cli("kb", "show", "KB-1", "--revision", "1"))
    fails(cli("kb", "show", "KB-1", "--revision", "4"), 3, "KB-1 has no revision 4")
    fails(cli("kb", "show", "KB-7"), 3, "There is no article KB-7")
    fails(cli("kb", "show", "PRB-1"), 4, "is not an article ID")
    fails(cli("kb", "edit", "KB-1", "--body", "two"), 4, "KB-1 already says that")
    fails(cli("kb", "add", " ", "--body", "x"), 4, "The title is empty")


def test_cli_unprivileged_publish_is_refused(cli: Cli) -> None:
    ok(cli("user", "add", "ada", "--role", "admin", "-q"))
    ok(cli("user", "add", "rita", "--role", "responder", "-q", actor="ada"))
    ok(cli("user", "add", "kim", "--role", "kb-author", "-q", actor="ada"))
    ok(cli("kb", "add", "VPN drops", "--body", "Restart.", "-q", actor="rita"))
    fails(cli("kb", "publish", "KB-1", actor="rita"), 5,
          "Publishing or retiring knowledge articles needs the admin or kb-author role; "
          "rita has responder.")  # fmt: skip
    fails(cli("kb", "retire", "KB-1", actor="rita"), 5, "needs the admin or kb-author role")
    assert cli.json("kb", "show", "KB-1")["status"] == "draft"
    assert ok(cli("kb", "publish", "KB-1", "-q", actor="kim")) == "KB-1\n"
    fails(cli("kb", "publish", "KB-1", actor="kim"), 4, "KB-1 is already published (revision 1).")
    assert cli.json("kb", "retire", "KB-1", actor="ada")["status"] == "retired"


def test_cli_link_resolve_feedback_and_report(cli: Cli) -> None:
    ok(cli("kb", "add", "VPN drops", "--body", "Restart.", "-c", "network/vpn", "-q"))
    ok(cli("kb", "publish", "KB-1", "-q"))
    for _ in range(2):
        ok(cli("log", "VPN down", "--reporter", "bob", "--category", "network/vpn", "-q"))
    fails(cli("link", "INC-1"), 2, "--kb KB-n")
    ok(cli("link", "INC-1", "--kb", "KB-1", "-q"))
    linked = cli.json("show", "INC-1")
    assert [(e["kind"], e["new"], e["message"]) for e in linked["events"] if e["field"] == "kb"] \
        == [("kb_linked", "KB-1", "VPN drops")]  # fmt: skip
    ok(cli("respond", "INC-2", "on it", "-q"))
    ok(cli("resolve", "INC-2", "--code", "fixed", "--note", "restarted", "--kb", "KB-1", "-q"))
    assert "kb_resolved" in ok(cli("show", "INC-2"))
    fails(cli("resolve", "INC-1", "--code", "fixed", "--note", "x", "--kb", "KB-5"), 3,
          "There is no article KB-5")  # fmt: skip
    assert cli.json("show", "INC-1")["status"] == "new"  # nothing half-written
    before = cli.json("show", "INC-2")["version"]
    ok(cli("close", "INC-2", "--confirmed-by", "bob", "-q"))  # feedback on a closed one too
    ok(cli("kb", "feedback", "KB-1", "INC-2", "helpful", "-q"))
    assert cli.json("show", "INC-2")["version"] == before + 2  # one per event, as any write
    ok(cli("db", "verify"))  # the feedback is chained and counted like every event
    fails(cli("kb", "feedback", "KB-1", "INC-2", "meh"), 4, "'meh' is not a verdict")
    report = cli.json("report", "kb", "--since", "2000-01-01")
    assert report["articles"][0] == {
        "id": "KB-1", "title": "VPN drops", "status": "published", "incidents": 2,
        "resolutions": 1, "runs": 0, "helpful": 1, "not_helpful": 0, "helpful_ratio": 1.0,
    }  # fmt: skip
    assert report["first_contact"]["with_article"] == {"resolved": 1, "first_contact": 1,
                                                       "rate": 1.0}  # fmt: skip
    table = ok(cli("report", "kb", "--since", "2000-01-01"))
    assert "KB-1" in table
    assert "100%" in table
    assert "First-contact resolution" in table
    rows = list(csv.DictReader(io.StringIO(ok(cli("report", "kb", "-f", "csv")))))
    assert (rows[0]["id"], rows[0]["resolutions"], rows[0]["helpful_ratio"]) == (
        "KB-1", "1", "1.0")  # fmt: skip
    fails(cli("report", "kb", "--since", "2026-01-02", "--until", "2026-01-01"), 4, "is not after")
