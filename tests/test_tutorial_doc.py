"""docs/tutorial.md tells the truth: every command it shows, typed in order at a fixed
clock, prints what the page says it prints, byte for byte.

The page says its output was produced on 27 November 2026 at 17:00 in Europe/London, in
a terminal 100 columns wide. Here the clock starts at that moment and moves on
``STEP`` per command, as if a person typed one command every few seconds. The page's
three `jq` filters are spelt out below in Python, so the test needs no jq; a new
filter on the page fails the test until it is added here.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from inctrack.clock import FixedClock

from .helpers import Cli

PAGE = Path(__file__).resolve().parent.parent / "docs" / "tutorial.md"
OPENING = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
STEP = timedelta(seconds=2)


def _select(*keys: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda record: {key: record[key] for key in keys}


JQ: dict[str, Callable[[Any], str]] = {
    "'{id, priority, reported_at, logged_at}'": lambda record: json.dumps(
        _select("id", "priority", "reported_at", "logged_at")(record), indent=2
    ),
    "-r '.[] | [.id, (.priority // \"untriaged\"), .title] | @tsv'": lambda records: "\n".join(
        "\t".join([r["id"], r["priority"] or "untriaged", r["title"]]) for r in records
    ),
    '-c ".events[] | {at, actor, kind, field, old, new, message}"': lambda record: "\n".join(
        json.dumps(
            _select("at", "actor", "kind", "field", "old", "new", "message")(event),
            separators=(",", ":"),
            ensure_ascii=False,
        )
        for event in record["events"]
    ),
}
"""The jq filters the page uses, each as the Python that does the same."""


def sessions() -> list[tuple[str, str]]:
    """(command, what the page shows it printing), in the order of the page."""
    text = PAGE.read_text(encoding="utf-8")
    steps: list[tuple[str, str]] = []
    for block in re.findall(r"```console\n(.*?)```", text, re.DOTALL):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, shown = chunk.partition("\n")
            steps.append((command, shown))
    return steps


def run(cli: Cli, command: str, last_code: int) -> tuple[str, int]:
    """Run one command line of the page; its output (stdout, then stderr) and exit code."""
    if command == "echo $?":
        return f"{last_code}\n", 0
    stdin = None
    printf = re.fullmatch(r'printf "(.*)" \| (inctrack .*)', command)
    if printf:
        stdin, command = printf[1].replace("\\n", "\n"), printf[2]
    command, _, jq = command.partition(" | jq ")
    argv = shlex.split(command)
    assert argv[0] == "inctrack", command
    result = cli(*argv[1:], input=stdin)
    out = result.stdout + result.stderr
    if jq:
        assert jq in JQ, f"spell out the jq filter {jq} in JQ"
        out = JQ[jq](json.loads(result.stdout)) + "\n"
    return out, result.exit_code


def test_the_tutorial_prints_what_it_shows(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCTRACK_USER", "sam")
    monkeypatch.setenv("INCTRACK_TIMEZONE", "Europe/London")
    monkeypatch.setenv("COLUMNS", "100")
    clock = FixedClock(OPENING)
    cli = Cli(db_url, clock=clock)
    code = 0
    steps = sessions()
    assert len(steps) > 40
    for command, shown in steps:
        out, code = run(cli, command, code)
        out = out.replace(db_url, "/tmp/tutorial/tutorial.db")  # where the page's reader was
        assert out == shown, f"$ {command}"
        clock.advance(STEP)
