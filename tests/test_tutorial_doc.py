"""The pages a reader follows step by step tell the truth: every command they show,
typed in order at a fixed clock, prints what the page says it prints, byte for byte.

Each page says when its output was produced; here the clock starts at that moment and
moves on ``STEP`` per command, as if a person typed one command every few seconds. The
`inctrack` lines of the page's ``sh`` blocks run too (`db init`), its `export` lines are
the environment set below. The pages' `jq` filters are spelt out in Python, so the
test needs no jq; a new filter on a page fails the test until it is added to ``JQ``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from inctrack.clock import FixedClock

from .helpers import Cli

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGE = DOCS / "tutorial.md"
OPENING = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
STEP = timedelta(seconds=2)

PAGES = {
    "tutorial.md": (OPENING - 3 * STEP, ()),  # db init and two services before the first call
    "sla.md": (datetime(2026, 11, 27, 17, 3, tzinfo=UTC) - 4 * STEP, ()),  # + 4 services
    "how-to/roles.md": (datetime(2026, 11, 27, 16, 43, 20, tzinfo=UTC), ("db", "init")),
}
"""Page -> (the moment its output was produced, a command run before it: roles.md
starts from the team's shared database)."""


def _pick(*keys: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda record: {key: record[key] for key in keys}


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _lines(values: Any) -> str:
    return "\n".join(_compact(value) for value in values)


def _without_segments(clock: dict[str, Any]) -> str:
    return _compact({key: value for key, value in clock.items() if key != "segments"})


JQ: dict[str, Callable[[Any], str]] = {
    "'{id, priority, reported_at, logged_at}'": lambda record: json.dumps(
        _pick("id", "priority", "reported_at", "logged_at")(record), indent=2
    ),
    "-r '.[] | [.id, (.priority // \"untriaged\"), .title] | @tsv'": lambda records: "\n".join(
        "\t".join([r["id"], r["priority"] or "untriaged", r["title"]]) for r in records
    ),
    '-c ".events[] | {at, actor, kind, field, old, new, message}"': lambda record: _lines(
        map(_pick("at", "actor", "kind", "field", "old", "new", "message"), record["events"])
    ),
    "-c '.holidays[-3:]'": lambda record: _compact(record["holidays"][-3:]),
    "-c '.response | del(.segments)'": lambda record: _without_segments(record["response"]),
    "-c '.resolution | del(.segments)'": lambda record: _without_segments(record["resolution"]),
    "-c '.response.segments[] | [.start, .end, .state, .counted_seconds]'": lambda record: _lines(
        [s["start"], s["end"], s["state"], s["counted_seconds"]]
        for s in record["response"]["segments"]
    ),
    "-c '.events[] | {kind, at, recorded_at}'": lambda record: _lines(
        map(_pick("kind", "at", "recorded_at"), record["events"])
    ),
    '"{owner, assignee, group, tier, reassignment_count, closed_by}"': lambda record: json.dumps(
        _pick("owner", "assignee", "group", "tier", "reassignment_count", "closed_by")(record),
        indent=2,
    ),
}
"""The jq filters the pages use, each as the Python that does the same."""


def sessions(page: Path = PAGE) -> list[tuple[str, str | None]]:
    """(command, what the page shows it printing), in the order of the page; None for the
    commands of ``sh`` blocks, which show no output."""
    text = page.read_text(encoding="utf-8")
    steps: list[tuple[str, str | None]] = []
    for kind, block in re.findall(r"```(console|sh)\n(.*?)```", text, re.DOTALL):
        if kind == "sh":
            steps += [(line, None) for line in block.splitlines() if line.startswith("inctrack ")]
            continue
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, shown = chunk.partition("\n")
            steps.append((command, shown))
    return steps


def run(cli: Cli, command: str, last_code: int) -> tuple[str, int]:
    """Run one command line of a page; its output (stdout, then stderr) and exit code."""
    if command == "echo $?":
        return f"{last_code}\n", 0
    stdin = None
    printf = re.fullmatch(r'printf "(.*)" \| (inctrack .*)', command)
    if printf:
        stdin, command = printf[1].replace("\\n", "\n"), printf[2]
    command, _, jq = command.partition(" | jq ")
    argv = shlex.split(command, comments=True)
    env = {}
    while "=" in argv[0]:  # `LOGNAME=ann inctrack ...`: another person's terminal
        key, _, value = argv.pop(0).partition("=")
        env[key] = value
    assert argv[0] == "inctrack", command
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        result = cli(*argv[1:], input=stdin)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    out = result.stdout + result.stderr
    if jq:
        assert jq in JQ, f"spell out the jq filter {jq} in JQ"
        out = JQ[jq](json.loads(result.stdout)) + "\n"
    return out, result.exit_code


@pytest.mark.parametrize("page", PAGES)
def test_the_page_prints_what_it_shows(
    page: str, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opening, setup = PAGES[page]
    monkeypatch.setenv("INCTRACK_USER", "sam")
    monkeypatch.setenv("LOGNAME", "sam")  # the reader is Sam at their own login
    monkeypatch.setenv("INCTRACK_TIMEZONE", "Europe/London")
    monkeypatch.setenv("COLUMNS", "100")
    clock = FixedClock(opening)
    cli = Cli(db_url, clock=clock)
    if setup:
        assert cli(*setup).exit_code == 0
    code = 0
    steps = sessions(DOCS / page)
    assert len(steps) > 5
    for command, shown in steps:
        out, code = run(cli, command, code)
        out = out.replace(db_url, "/tmp/tutorial/tutorial.db")  # where the reader was
        assert out == shown if shown is not None else code == 0, f"{page}: $ {command}"
        clock.advance(STEP)
