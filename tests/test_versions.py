"""No lost updates: every incident has a version, and `--if-version N` refuses a stale write.

Two analysts look at INC-1 at version 1. The first writes with `--if-version 1`; the
second, from the stale view, also says `--if-version 1` and is refused (exit 6) with
what changed and who changed it, and the record keeps the first write.
"""

from __future__ import annotations

import pytest

from inctrack.errors import Conflict

from .helpers import Cli, Desk, fails, ok

WRITES = [
    ("categorize", "1", "network/vpn"),
    ("prioritize", "1", "--impact", "high", "--urgency", "low"),
    ("assign", "1", "--to", "kim"),
    ("take", "1"),
    ("respond", "1", "On it"),
    ("note", "1", "Called back"),
    ("escalate", "1", "--tier", "2", "--reason", "Needs tier 2"),
    ("role", "1", "commander", "kim"),
    ("owner", "1", "sam"),
    ("hold", "1", "--reason", "awaiting-vendor"),
    ("resume", "1"),
    ("resolve", "1", "--code", "fixed", "--note", "Restarted"),
    ("close", "1", "--confirmed-by", "Di"),
    ("reopen", "1", "--reason", "Back again"),
    ("cancel", "1", "--reason", "Logged twice"),
    ("link", "1", "--duplicate-of", "2"),
    ("link", "1", "--problem", "none"),
    ("edit", "1", "--title", "A better title"),
]
"""Every command that writes one incident, with arguments it would accept."""


def version(cli: Cli, ref: str = "1") -> int:
    value = cli.json("show", ref)["version"]
    assert isinstance(value, int)
    return value


def test_the_version_counts_every_change(cli: Cli) -> None:
    ok(cli("log", "VPN drops", "-r", "Di"))
    assert version(cli) == 1
    ok(cli("prioritize", "1", "--impact", "high", "--urgency", "high"))  # impact, urgency, P1
    assert version(cli) == 4
    ok(cli("note", "1", "Called back"))
    assert version(cli) == 5
    ok(cli("prioritize", "1", "--impact", "high", "--urgency", "high"))  # nothing changes
    assert version(cli) == 5
    assert "Version           5" in ok(cli("show", "1"))
    assert cli.json("list")[0]["version"] == 5
    assert "version" in ok(cli("list", "-f", "csv")).splitlines()[0].split(",")


def test_a_stale_write_is_refused_and_the_first_write_kept(cli: Cli) -> None:
    """The lost update of issue 16: two analysts, one stale view."""
    ok(cli("log", "Mail bounces", "-r", "Di"))
    seen = version(cli)  # both analysts read INC-1 now
    first = cli("prioritize", "1", "--priority", "P1", "--reason", "CEO", "--if-version",
                str(seen), "-q", actor="kim")  # fmt: skip
    assert ok(first) == "INC-1\n"
    second = cli("prioritize", "1", "--priority", "P4", "--reason", "minor", "--if-version",
                 str(seen), actor="lee")  # fmt: skip
    fails(second, 6, "INC-1 is at version 2, not 1: it changed since you looked (kim set "
          "priority to P1); nothing was written, check `inctrack show INC-1` and try "
          "again.")  # fmt: skip
    shown = cli.json("show", "1")
    assert (shown["priority"], shown["version"]) == ("P1", 2)
    assert [e["actor"] for e in shown["events"]] == ["tester", "kim"]
    assert ok(cli("assign", "1", "--to", "lee", "--if-version", "2", "-q")) == "INC-1\n"


@pytest.mark.parametrize("argv", WRITES, ids=lambda argv: " ".join(argv[:2]))
def test_every_incident_write_takes_if_version(cli: Cli, argv: tuple[str, ...]) -> None:
    ok(cli("log", "VPN drops", "-r", "Di"))
    ok(cli("log", "VPN drops again", "-r", "Di"))
    ok(cli("escalate", "1", "--major", "--reason", "Whole office", "-q"))
    before = cli.json("show", "1")
    message = fails(cli(*argv, "--if-version", "1"), 6, "INC-1 is at version 3, not 1")
    assert (
        "(tester set major to true, tester set priority to P1)" in message
    )  # what changed since 1, and who
    after = cli.json("show", "1")
    assert after["version"] == before["version"] == 3
    assert len(after["events"]) == len(before["events"])


def test_a_version_from_the_future_is_refused_too(cli: Cli) -> None:
    ok(cli("log", "VPN drops", "-r", "Di"))
    fails(cli("note", "1", "x", "--if-version", "7"), 6, "INC-1 is at version 1, not 7")
    fails(cli("note", "1", "x", "--if-version", "-1"), 2)
    fails(cli("close", "--stale", "7d", "--if-version", "1"), 2, "--if-version")


def test_library_callers_say_expected_version(desk: Desk) -> None:
    desk("log", "Printer jams", reporter="Ann")
    record = desk("assign", 1, to="kim", expected_version=1)
    assert (record["assignee"], record["version"]) == ("kim", 2)
    with pytest.raises(Conflict, match=r"INC-1 is at version 2, not 1: .*alice set assignee"):
        desk("note", 1, "stale", expected_version=1, actor="lee")
    with desk.tracker() as tracker:
        assert tracker.get_or_raise(1).version == 2  # nothing written
    desk("note", 1, "fresh", expected_version=2, actor="lee")
    with desk.tracker() as tracker:
        assert tracker.get_or_raise(1).version == 3
