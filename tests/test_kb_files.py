"""`kb import` and `kb export`: Markdown files with front matter, in and out, through
the command line and the library, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from inctrack.errors import Conflict, Rejected
from inctrack.kb.articles import Content, KnowledgeBase
from inctrack.kb.files import export_files, import_files
from inctrack.kb.markdown import diagnostic_steps, read_page

from .helpers import Cli, Desk, fails, ok

VPN = """---
title: VPN drops every hour
tags: [vpn, Network]
category: network/vpn
service: vpn
author: someone   # a wiki's own key: left alone
---

Restart the client.

```diagnostic
ping -c 1 vpn.example.com
```
"""

HEADING = "# Printer offline\n\nCheck the cable.\n"
BARE = "Just some text.\n"


def wiki(root: Path) -> Path:
    folder = root / "wiki"
    (folder / "network").mkdir(parents=True)
    (folder / "network" / "vpn.md").write_text(VPN, encoding="utf-8")
    (folder / "printer.md").write_text(HEADING, encoding="utf-8")
    (folder / "disk-full.md").write_text(BARE, encoding="utf-8")
    (folder / "notes.txt").write_text("not Markdown", encoding="utf-8")
    return folder


def test_front_matter_and_diagnostic_blocks_are_read_by_real_parsers() -> None:
    page = read_page(VPN, name="vpn.md")
    assert page.meta["tags"] == ["vpn", "Network"]
    assert page.meta["author"] == "someone"
    assert page.title("fallback") == "VPN drops every hour"
    assert read_page(HEADING, name="p.md").title("p") == "Printer offline"
    assert read_page(BARE, name="d.md").title("disk full") == "disk full"
    body = "```diagnostic\nuname -a\ndf -h\n```\n\n```sh\nrm -rf /\n```\n\n    indented\n"
    assert diagnostic_steps(body) == ["uname -a\ndf -h"]
    with pytest.raises(Rejected, match="the front matter is not valid YAML"):
        read_page("---\ntitle: [unclosed\n---\nx", name="bad.md")
    with pytest.raises(Rejected, match="never closed"):
        read_page("---\ntitle: x\n", name="open.md")
    with pytest.raises(Rejected, match="must be `key: value` lines"):
        read_page("---\n- a list\n---\nx", name="list.md")


def test_cli_import_titles_update_and_unchanged(cli: Cli, tmp_path: Path) -> None:
    folder = wiki(tmp_path)
    results = cli.json("kb", "import", str(folder))
    assert [(r["id"], r["title"], r["action"]) for r in results] == [
        ("KB-1", "disk full", "created"),
        ("KB-2", "VPN drops every hour", "created"),
        ("KB-3", "Printer offline", "created"),
    ]
    vpn = cli.json("kb", "show", "KB-2")
    assert (vpn["tags"], vpn["category"], vpn["service"], vpn["source"], vpn["status"]) == (
        ["network", "vpn"], "network/vpn", "vpn", "network/vpn.md", "draft")  # fmt: skip
    assert vpn["body"].startswith("Restart the client.")
    again = cli.json("kb", "import", str(folder))
    assert [r["action"] for r in again] == ["unchanged"] * 3
    (folder / "printer.md").write_text(HEADING + "\nThen reboot it.\n", encoding="utf-8")
    third = cli.json("kb", "import", str(folder))
    assert [(r["id"], r["action"]) for r in third] == [
        ("KB-1", "unchanged"), ("KB-2", "unchanged"), ("KB-3", "updated")]  # fmt: skip
    assert [h["revision"] for h in cli.json("kb", "history", "KB-3")] == [1, 2]
    assert len(cli.json("kb", "list")) == 3  # updated, never duplicated
    table = ok(cli("kb", "import", str(folder / "printer.md")))
    assert "1 files: 1 unchanged." in table


def test_cli_a_bad_file_imports_nothing(cli: Cli, tmp_path: Path) -> None:
    folder = wiki(tmp_path)
    (folder / "zz-bad.md").write_text("---\ntitle: [oops\n---\n", encoding="utf-8")
    fails(cli("kb", "import", str(folder)), 4, "zz-bad.md: the front matter is not valid YAML")
    assert cli.json("kb", "list", "--all") == []
    (folder / "zz-bad.md").write_text("---\ncategory: network/vpm\n---\nx", encoding="utf-8")
    fails(cli("kb", "import", str(folder)), 3, "zz-bad.md: There is no category network/vpm")
    fails(cli("kb", "import", str(tmp_path / "nowhere")), 3, "nowhere does not exist")
    fails(cli("kb", "import", str(folder / "notes.txt")), 4, "notes.txt is not a Markdown file")
    (tmp_path / "empty").mkdir()
    fails(cli("kb", "import", str(tmp_path / "empty")), 4, "No Markdown files")
    assert cli.json("kb", "list", "--all") == []


def test_cli_export_then_import_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    ok(cli("kb", "import", str(wiki(tmp_path)), "-f", "json"))
    ok(cli("kb", "add", "Written here", "--body", "Line one.\n\n- a\n- b", "--tag", "x", "-q"))
    ok(cli("kb", "publish", "KB-2", "-q"))
    ok(cli("kb", "retire", "KB-1", "-q"))
    before = cli.json("kb", "list", "--all")
    out = tmp_path / "out"
    written = cli.json("kb", "export", str(out))
    assert [Path(w["path"]).relative_to(out.resolve()).as_posix() for w in written] == [
        "disk-full.md", "network/vpn.md", "printer.md", "kb-4-written-here.md"]  # fmt: skip
    assert (out / "kb-4-written-here.md").read_text(encoding="utf-8") == (
        "---\nid: KB-4\ntitle: Written here\ntags:\n- x\nstatus: draft\n---\n\n"
        "Line one.\n\n- a\n- b\n"
    )
    assert "status: published" in (out / "network" / "vpn.md").read_text(encoding="utf-8")
    files = {p: p.read_bytes() for p in out.rglob("*.md")}
    results = cli.json("kb", "import", str(out))
    assert {r["action"] for r in results} == {"unchanged"}
    assert cli.json("kb", "list", "--all") == before
    cli.json("kb", "export", str(out))  # the same articles again: their own files, rewritten
    assert {p: p.read_bytes() for p in out.rglob("*.md")} == files
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["disk-full.md", "network", "printer.md", "kb-4-written-here.md"]
    )  # no temp files left


def test_cli_export_never_overwrites_another_file(cli: Cli, tmp_path: Path) -> None:
    ok(cli("kb", "add", "Written here", "--body", "x", "-q"))
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "kb-1-written-here.md"
    mine.write_text("my own notes\n", encoding="utf-8")
    fails(cli("kb", "export", str(out)), 6, "exists and is not KB-1's export")
    assert mine.read_text(encoding="utf-8") == "my own notes\n"
    fails(cli("kb", "export", str(mine)), 4, "is a file")
    fails(cli("kb", "export", str(tmp_path / "no" / "such")), 3, "does not exist")


def test_library_import_into_another_database_keeps_the_numbers(desk: Desk, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    out.mkdir()
    (out / "a.md").write_text("---\nid: KB-7\ntitle: Seventh\n---\n\nBody.\n", encoding="utf-8")
    with desk.tracker() as tracker:
        results = import_files(KnowledgeBase(tracker), [out])
    assert [(r.article, r.action) for r in results] == [("KB-7", "created")]
    with desk.tracker() as tracker:
        kb = KnowledgeBase(tracker)
        kb.add(Content(title="Next"))
        assert [a.id for a in kb.find()] == [7, 8]
    (out / "b.md").write_text("---\nid: KB-7\ntitle: Twin\n---\n", encoding="utf-8")
    with pytest.raises(Rejected, match="are both KB-7"), desk.tracker() as tracker:
        import_files(KnowledgeBase(tracker), [out])
    (out / "b.md").unlink()
    (out / "a.md").write_text("unrelated\n", encoding="utf-8")
    with pytest.raises(Conflict), desk.tracker(write=False) as tracker:
        kb = KnowledgeBase(tracker)
        export_files(kb, out, kb.find())


def test_cli_a_foreign_id_with_a_known_path_makes_a_new_article(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "wiki"
    folder.mkdir()
    page = folder / "vpn.md"
    page.write_text("# VPN\n\nRestart.\n", encoding="utf-8")
    ok(cli("kb", "import", str(folder), "-f", "json"))
    page.write_text("---\nid: KB-9\n---\n# VPN elsewhere\n", encoding="utf-8")
    results = cli.json("kb", "import", str(folder))
    assert [(r["id"], r["action"]) for r in results] == [("KB-9", "created")]
    assert [(a["id"], a["source"]) for a in cli.json("kb", "list")] == [
        ("KB-1", "vpn.md"), ("KB-9", None)]  # fmt: skip
