"""`kb run`: diagnostic steps run on an incident, each run kept as evidence on its
timeline; what may run, and what happens to runaway, noisy or hostile output."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from inctrack.clock import FixedClock
from inctrack.errors import Rejected
from inctrack.kb.articles import Content, KnowledgeBase
from inctrack.kb.runbook import CAP, Runbooks, clean_output, execute

from .helpers import START, Cli, Desk, fails, ok


def runbook(cli: Cli, *steps: str, publish: bool = True, actor: str | None = None) -> None:
    body = "Look first.\n\n" + "\n\n".join(f"```diagnostic\n{step}\n```" for step in steps)
    ok(cli("kb", "add", "VPN checks", "--body", body, "-q", actor=actor))
    if publish:
        ok(cli("kb", "publish", "KB-1", "-q", actor=actor))


def incident(cli: Cli, title: str = "VPN down") -> None:
    ok(cli("log", title, "--reporter", "bob", "-q"))


def evidence(cli: Cli, ref: str = "INC-1") -> list[dict[str, Any]]:
    events = cli.json("show", ref)["events"]
    return [e["evidence"] for e in events if e["kind"] == "diagnostic"]


def test_cli_a_run_is_recorded_whole_as_evidence(cli: Cli) -> None:
    runbook(cli, "echo out; echo err >&2; exit 3", "echo second")
    incident(cli)
    shown = ok(cli("kb", "run", "KB-1", "--incident", "INC-1", "--yes"))
    assert "Step 1 of 2:" in shown
    assert "exit status 3" in shown
    assert "Recorded on INC-1" in shown
    runs = evidence(cli)
    got = [(r["article"], r["revision"], r["step"], r["command"], r["exit_status"]) for r in runs]
    assert got == [("KB-1", 1, 1, "echo out; echo err >&2; exit 3", 3),
            ("KB-1", 1, 2, "echo second", 0)]  # fmt: skip
    first = runs[0]
    assert (first["stdout"], first["stderr"], first["timed_out"], first["stdout_truncated"]) == (
        "out\n", "err\n", False, False)  # fmt: skip
    assert first["started_at"] <= first["ended_at"]
    detail = ok(cli("show", "INC-1"))
    assert "Evidence" in detail
    assert "echo out; echo err >&2; exit 3" in detail
    assert "exit status 3" in detail
    assert cli.json("kb", "show", "KB-1")["status"] == "published"


def test_cli_asks_before_each_step_and_dry_run_records_nothing(cli: Cli) -> None:
    runbook(cli, "echo one", "echo two")
    incident(cli)
    listed = ok(cli("kb", "run", "KB-1", "-i", "INC-1", "--dry-run"))
    assert "echo one" in listed
    assert "echo two" in listed
    assert evidence(cli) == []
    planned = cli.json("kb", "run", "KB-1", "-i", "INC-1", "--dry-run")
    assert [(p["step"], p["command"]) for p in planned] == [(1, "echo one"), (2, "echo two")]
    result = cli("kb", "run", "KB-1", "-i", "INC-1", input="n\ny\n")
    assert result.exit_code == 0
    assert "skipped" in result.stdout
    assert [r["command"] for r in evidence(cli)] == ["echo two"]
    unanswered = cli("kb", "run", "KB-1", "-i", "INC-1", input="")
    assert unanswered.exit_code == 2
    assert "No answer to the question (input ended); give --yes" in unanswered.stderr
    assert len(evidence(cli)) == 1


def test_cli_the_incident_reaches_the_step_by_environment_only(cli: Cli, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    runbook(cli, 'echo "$INCTRACK_INCIDENT" "$INCTRACK_DB"; echo "${TITLE:-no title}"')
    incident(cli, f"$(touch {marker}) `touch {marker}`")
    ok(cli("kb", "run", "KB-1", "-i", "INC-1", "--yes"))
    assert evidence(cli)[0]["stdout"] == f"INC-1 {cli.db}\nno title\n"
    assert not marker.exists()


def test_cli_a_step_that_times_out_is_killed_with_its_group(cli: Cli, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    runbook(cli, f"sleep 30 & echo $! > {pids}; echo started; wait")
    incident(cli)
    began = time.monotonic()
    shown = ok(cli("kb", "run", "KB-1", "-i", "INC-1", "--yes", "--timeout", "1"))
    assert time.monotonic() - began < 20
    assert "timed out" in shown
    run = evidence(cli)[0]
    assert (run["timed_out"], run["exit_status"], run["stdout"]) == (True, None, "started\n")
    child = int(pids.read_text())
    for _ in range(50):  # the grandchild went with its process group
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the step's child {child} is still running")
    assert "timed out, killed" in ok(cli("show", "INC-1"))


def test_cli_escape_sequences_and_a_mebibyte_of_output(cli: Cli) -> None:
    noisy = (
        r"printf '\033[31mred\033[0m \033]0;title\007bell\a back\bspace\r\n'; "
        "head -c 1048576 /dev/zero | tr '\\0' x; "
        r"printf '\033[2J' >&2; echo careful >&2"
    )
    runbook(cli, noisy)
    incident(cli)
    ok(cli("kb", "run", "KB-1", "-i", "INC-1", "--yes"))
    run = evidence(cli)[0]
    assert run["stdout"].startswith("red bell backspace\nxxxx")
    assert len(run["stdout"].encode()) <= CAP
    prefix = b"\x1b[31mred\x1b[0m \x1b]0;title\x07bell\x07 back\x08space\r\n"
    assert (run["stdout_bytes"], run["stdout_truncated"], run["cap_bytes"]) == (
        len(prefix) + 1048576, True, CAP)  # fmt: skip
    assert run["stderr"] == "careful\n"
    assert not any(ch in run["stdout"] + run["stderr"] for ch in "\x1b\x07\x08\r")
    detail = ok(cli("show", "INC-1"))
    assert f"first {CAP} of {run['stdout_bytes']} bytes" in detail
    assert "\x1b" not in detail


def test_cli_what_may_not_run(cli: Cli) -> None:
    runbook(cli, "echo hi", publish=False)
    incident(cli)
    fails(cli("kb", "run", "KB-1", "-i", "INC-1", "--yes"), 4,
          "KB-1 is draft; only published articles run")  # fmt: skip
    ok(cli("kb", "add", "No steps", "--body", "Just prose.", "-q"))
    ok(cli("kb", "publish", "KB-2", "-q"))
    fails(cli("kb", "run", "KB-2", "-i", "INC-1", "--yes"), 4, "has no steps to run")
    ok(cli("kb", "publish", "KB-1", "-q"))
    ok(cli("cancel", "INC-1", "--reason", "duplicate call", "-q"))
    fails(cli("kb", "run", "KB-1", "-i", "INC-1", "--yes"), 4,
          "INC-1 is cancelled; diagnostics run on open incidents only.")  # fmt: skip
    fails(cli("kb", "run", "KB-1", "-i", "INC-9", "--yes"), 3, "There is no incident INC-9")
    assert evidence(cli) == []


def test_cli_only_what_a_kb_author_published_runs(cli: Cli) -> None:
    ok(cli("user", "add", "ada", "--role", "admin", "-q"))
    ok(cli("user", "add", "kim", "--role", "kb-author", "--role", "service-desk", "-q",
           actor="ada"))  # fmt: skip
    ok(cli("user", "add", "rita", "--role", "responder", "-q", actor="ada"))
    runbook(cli, "echo approved", actor="kim")
    ok(cli("log", "VPN down", "--reporter", "bob", "-q", actor="kim"))
    ok(cli("kb", "edit", "KB-1", "--body", "```diagnostic\necho sneaky\n```", "-q", actor="rita"))
    ok(cli("kb", "run", "KB-1", "-i", "INC-1", "--yes", actor="rita"))
    assert [r["command"] for r in evidence(cli)] == ["echo approved"]  # not rita's draft
    ok(cli("user", "update", "kim", "--role", "service-desk", "-q", actor="ada"))
    fails(cli("kb", "run", "KB-1", "-i", "INC-1", "--yes", actor="rita"), 4,
          "was published by kim, who does not hold the kb-author or admin role")  # fmt: skip


# -- the library ----------------------------------------------------------------------


def test_library_plan_execute_record(desk: Desk, tmp_path: Path) -> None:
    with desk.tracker() as tracker:
        kb = KnowledgeBase(tracker)
        kb.add(Content(title="Disk", body="```diagnostic\necho $INCTRACK_INCIDENT\n```"))
        kb.publish("KB-1")
    desk("log", "Disk full", reporter="bob")
    with desk.tracker(write=False) as tracker:
        plan = Runbooks(tracker).plan("KB-1", "INC-1")
    assert (plan.article, plan.revision, plan.incident, plan.steps) == (
        "KB-1", 1, "INC-1", ["echo $INCTRACK_INCIDENT"])  # fmt: skip
    outcome = execute(plan.steps[0], incident=plan.incident, db="x.db", timeout=10,
                      clock=FixedClock(START))  # fmt: skip
    assert (outcome.exit_status, outcome.stdout.text, outcome.failed) == (0, "INC-1\n", False)
    with desk.tracker() as tracker:
        Runbooks(tracker).record(plan, 1, outcome)
    desk("resolve", "INC-1", code="fixed", note="cleaned")
    desk("close", "INC-1", confirmed_by="bob")
    closed = pytest.raises(Rejected, match="INC-1 was closed while the step ran")
    with closed, desk.tracker() as tracker:
        Runbooks(tracker).record(plan, 1, outcome)
    with desk.tracker(write=False) as tracker:
        events = tracker.record(tracker.get_or_raise("INC-1"), with_events=True)["events"]
    assert [e["kind"] for e in events].count("diagnostic") == 1


def test_clean_output_removes_what_a_terminal_would_obey() -> None:
    raw = b"\x1b[1;31mbold\x1b[0m \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \xc2\x9b2J\xff ok\r\n"
    assert clean_output(raw) == "bold link \ufffd ok\n"


def test_cli_evidence_survives_export_and_import(cli: Cli, tmp_path: Path) -> None:
    runbook(cli, "printf 'caf\\303\\251 \"quoted\"\\n'")
    incident(cli)
    ok(cli("kb", "run", "KB-1", "-i", "INC-1", "--yes"))
    ok(cli("db", "verify"))  # the run counts as a version and is chained like any event
    dump = tmp_path / "desk.jsonl"
    assert cli("export", "--output", str(dump)).exit_code == 0
    other = Cli(str(tmp_path / "other.db"))
    ok(other("import", str(dump), "--summary", "json"))
    assert evidence(other) == evidence(cli)
    assert evidence(other)[0]["stdout"] == 'café "quoted"\n'
    again = tmp_path / "again.jsonl"
    assert other("export", "--output", str(again)).exit_code == 0
    assert again.read_bytes() == dump.read_bytes()
