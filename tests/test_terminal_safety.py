"""No byte of user text reaches the terminal raw: not in a table, not in `show`, not in
an error that echoes an argument, not in a batch's line error (docs/reference/formats.md)."""

from __future__ import annotations

import re

from inctrack.render.text import clean

from .helpers import Cli, fails, ok

ESC = "\x1b"
INVISIBLE = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""ALM, LRM, RLM and the bidirectional embeddings, overrides and isolates."""
UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{INVISIBLE}\u2028\u2029]")


def raw(text: str) -> list[str]:
    """The unsafe characters in ``text`` (a line feed is safe: it is a line)."""
    return UNSAFE.findall(text)


def test_a_title_cannot_fake_a_field_line_in_show(cli: Cli) -> None:
    ok(cli("log", "Printer on fire\nAssignee        mallory", "-r", "bob", "-q"))
    shown = ok(cli("show", "INC-1"))
    lines = shown.splitlines()
    assert lines[0].startswith("INC-1  Printer on fire␤Assignee        mallory")
    assert not [line for line in lines if line.startswith("Assignee")]
    listed = ok(cli("list"))
    assert "Printer on fire␤Assignee" in listed


def test_line_separators_and_bidi_controls_are_not_printed(cli: Cli) -> None:
    title = f"pay{INVISIBLE}roll\u2028Assignee mallory\u2029end"
    ok(cli("log", title, "-r", f"b{INVISIBLE}ob", "-q"))
    for args in (["show", "1"], ["list"], ["list", "--all"]):
        out = ok(cli(*args))
        assert raw(out) == [], args
        assert "payroll␤Assignee mallory␤end" in out
    assert cli.json("show", "1")["title"] == title  # the data itself is kept as given


def test_an_escape_in_an_argument_echoed_by_an_error(cli: Cli) -> None:
    ok(cli("log", "Email down", "-r", "bob", "-q"))
    said = fails(cli("categorize", "INC-1", f"soft{ESC}[2J{ESC}]0;owned\x07ware"), 3, "soft")
    assert raw(said) == []
    assert "did you mean" in said
    said = fails(cli("categorize", "INC-1", f"net\u202ework{INVISIBLE}"), 3)
    assert raw(said) == []


def test_a_batch_line_error_cannot_reach_the_terminal_raw(cli: Cli) -> None:
    batch = '{"title": "ok"}\n{"title": "x", "category": "a\\u001b[31m\\u202eb"}\n'
    said = fails(cli("log", "--batch", "-", input=batch), 4, "Line 2")
    assert raw(said) == []
    assert "a[31mb" in said
    assert ok(cli("list", "-q")) == ""


def test_a_name_echoed_alone_is_cleaned(cli: Cli) -> None:
    out = ok(cli("template", "add", "pr", "--title", f"Printer {ESC}[5m jam", "-q"))
    assert out == "pr\n"
    shown = ok(cli("template", "show", "pr"))
    assert raw(shown) == []


def test_the_sanitiser_keeps_lines_only_where_a_text_may_span_them() -> None:
    text = f"a{ESC}[31mb\u2028c\nd\r\ne\u202ef\x9bg\th"
    assert clean(text) == "a[31mb\nc\nd\ne" + "f" + "g\th"
    assert clean(text, lines=False) == "a[31mb␤c␤d␤ef" + "g\th"
    assert clean("plain text, café ☕") == "plain text, café ☕"
