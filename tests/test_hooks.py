"""Hooks: real executables in a hooks directory, run after the change is committed."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inctrack.cli.hooks import OUTPUT_LIMIT, Call, Hooks, hooks_dir, hooks_for

from .helpers import Cli, Desk, ok

RECORDER = """#!/bin/sh
# Keep what the hook was given: stdin, and the INCTRACK_ variables.
n=$(ls "{out}" | wc -l | tr -d ' ')
cat > "{out}/$n-{name}.json"
env | grep '^INCTRACK_' | sort > "{out}/$n-{name}.env"
"""


@pytest.fixture
def hooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "hooks"
    directory.mkdir()
    monkeypatch.setenv("INCTRACK_HOOKS_DIR", str(directory))
    return directory


@pytest.fixture
def out(tmp_path: Path) -> Path:
    directory = tmp_path / "out"
    directory.mkdir()
    return directory


def _hook(directory: Path, name: str, body: str, *, executable: bool = True) -> Path:
    path = directory / name
    path.write_text(body, encoding="utf-8")
    mode = 0o755 if executable else 0o644
    path.chmod(mode)
    return path


def _recorder(directory: Path, name: str, out: Path) -> None:
    _hook(directory, name, RECORDER.format(out=out, name=name))


def _runs(out: Path) -> list[tuple[str, dict[str, object], dict[str, str]]]:
    """(hook name, stdin as JSON, INCTRACK_ variables) of every run, in order."""
    runs = []
    for path in sorted(out.glob("*.json"), key=lambda p: int(p.name.split("-", 1)[0])):
        name = path.stem.split("-", 1)[1]
        env_lines = path.with_suffix(".env").read_text().splitlines()
        env = dict(line.split("=", 1) for line in env_lines)
        runs.append((name, json.loads(path.read_text()), env))
    return runs


def test_hooks_for_maps_event_kinds() -> None:
    assert hooks_for(["logged"]) == ["on-log", "on-change"]
    assert hooks_for(["assigned", "assigned"]) == ["on-change"]
    assert hooks_for(["escalated", "major_declared"]) == ["on-escalate", "on-change"]
    assert hooks_for(["resolved"]) == ["on-resolve", "on-change"]
    assert hooks_for(["occurred"]) == ["on-occurrence", "on-change"]


def test_the_default_directory_is_in_the_config_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "/somewhere/config")
    assert hooks_dir() == Path("/somewhere/config/inctrack/hooks")
    monkeypatch.setenv("INCTRACK_HOOKS_DIR", "/srv/hooks")
    assert hooks_dir() == Path("/srv/hooks")


def test_on_log_gets_the_record_on_stdin(cli: Cli, hooks: Path, out: Path) -> None:
    _recorder(hooks, "on-log", out)
    result = cli("log", "Email down", "--reporter", "Bob", "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "INC-1\n", "")
    [(name, record, env)] = _runs(out)
    assert name == "on-log"
    assert (record["id"], record["title"], record["reporter"]) == ("INC-1", "Email down", "Bob")
    assert [e["kind"] for e in record["events"]] == ["logged"]  # type: ignore[union-attr]
    assert record == cli.json("show", "INC-1") | {"sla": record["sla"]}
    assert env["INCTRACK_EVENT"] == "log"
    assert env["INCTRACK_HOOK"] == "on-log"
    assert env["INCTRACK_INCIDENT_ID"] == "INC-1"
    assert env["INCTRACK_EVENT_KINDS"] == "logged"
    assert env["INCTRACK_ACTOR"] == "tester"
    assert env["INCTRACK_DB"] == cli.db


def test_specific_hooks_run_before_on_change(cli: Cli, hooks: Path, out: Path) -> None:
    for name in ("on-log", "on-change", "on-resolve", "on-escalate", "on-close", "on-reopen",
                 "on-cancel"):  # fmt: skip
        _recorder(hooks, name, out)
    cli("log", "Email down", "-q")
    cli("group", "add", "mail", "-q")
    cli("respond", "1", "looking", "-q")
    cli("escalate", "1", "--tier", "2", "--group", "mail", "--reason", "needs admin", "-q")
    cli("resolve", "1", "--code", "fixed", "--note", "restarted", "-q")
    cli("reopen", "1", "--reason", "down again", "-q")
    cli("resolve", "1", "--code", "fixed", "--note", "replaced disk", "-q")
    cli("close", "1", "--confirmed-by", "Bob", "-q")
    cli("log", "Twice", "-q")
    cli("cancel", "2", "--reason", "duplicate", "-q")
    runs = [(name, env["INCTRACK_INCIDENT_ID"], env["INCTRACK_EVENT_KINDS"])
            for name, _, env in _runs(out)]  # fmt: skip
    assert runs == [
        ("on-log", "INC-1", "logged"), ("on-change", "INC-1", "logged"),
        ("on-change", "INC-1", "responded"),
        ("on-escalate", "INC-1", "escalated,escalated"),
        ("on-change", "INC-1", "escalated,escalated"),
        ("on-resolve", "INC-1", "resolved"), ("on-change", "INC-1", "resolved"),
        ("on-reopen", "INC-1", "reopened"), ("on-change", "INC-1", "reopened"),
        ("on-resolve", "INC-1", "resolved"), ("on-change", "INC-1", "resolved"),
        ("on-close", "INC-1", "closed"), ("on-change", "INC-1", "closed"),
        ("on-log", "INC-2", "logged"), ("on-change", "INC-2", "logged"),
        ("on-cancel", "INC-2", "cancelled"), ("on-change", "INC-2", "cancelled"),
    ]  # fmt: skip
    closed = next(r for n, r, _ in _runs(out) if n == "on-close")
    assert (closed["status"], closed["confirmed_by"]) == ("closed", "Bob")


def test_a_failing_hook_warns_and_keeps_the_change(cli: Cli, hooks: Path) -> None:
    _hook(hooks, "on-log", "#!/bin/sh\necho 'cannot reach the mail server' >&2\nexit 3\n")
    result = cli("log", "Email down", "-q")
    assert (result.exit_code, result.stdout) == (0, "INC-1\n")
    assert "cannot reach the mail server" in result.stderr
    assert "Warning: The on-log hook failed for INC-1 (exit status 3); the change is saved." in (
        " ".join(result.stderr.split())
    )
    assert cli.json("show", "1")["title"] == "Email down"


def test_hook_output_goes_to_stderr_not_stdout(cli: Cli, hooks: Path) -> None:
    _hook(hooks, "on-log", "#!/bin/sh\necho 'mail sent'\n")
    result = cli("log", "Email down", "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "INC-1\n", "mail sent\n")
    records = cli.json("log", "Second")
    assert records["id"] == "INC-2"


def test_a_slow_hook_is_stopped(cli: Cli, hooks: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _hook(hooks, "on-log", "#!/bin/sh\nsleep 30\n")
    monkeypatch.setenv("INCTRACK_HOOK_TIMEOUT", "0.5")
    result = cli("log", "Email down", "-q")
    assert (result.exit_code, result.stdout) == (0, "INC-1\n")
    assert "The on-log hook for INC-1 was stopped after 0.5 s (INCTRACK_HOOK_TIMEOUT); the " \
        "change is saved." in " ".join(result.stderr.split())  # fmt: skip
    assert cli.json("show", "1")["status"] == "new"


def test_a_bad_timeout_setting_warns_and_uses_the_default(
    cli: Cli, hooks: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _recorder(hooks, "on-log", out)
    monkeypatch.setenv("INCTRACK_HOOK_TIMEOUT", "soon")
    result = cli("log", "Email down", "-q")
    assert result.exit_code == 0
    assert "INCTRACK_HOOK_TIMEOUT='soon' is not a positive number of seconds" in result.stderr
    assert [name for name, _, _ in _runs(out)] == ["on-log"]


def test_a_non_executable_hook_is_not_run(cli: Cli, hooks: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    _hook(hooks, "on-log", f"#!/bin/sh\ntouch {marker}\n", executable=False)
    result = cli("log", "Email down", "-q")
    assert (result.exit_code, result.stdout) == (0, "INC-1\n")
    assert "is not executable, so it did not run" in result.stderr
    assert not marker.exists()


def test_a_hook_whose_interpreter_is_missing(cli: Cli, hooks: Path) -> None:
    _hook(hooks, "on-log", "#!/no/such/interpreter\nprint('hi')\n")
    result = cli("log", "Email down", "-q")
    assert (result.exit_code, result.stdout) == (0, "INC-1\n")
    assert "The on-log hook for INC-1 could not start" in result.stderr
    assert "check its #! line" in result.stderr


def test_other_files_and_a_missing_directory_are_ignored(
    cli: Cli, hooks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    for name in ("on-log.sample", "README", "log"):
        _hook(hooks, name, f"#!/bin/sh\ntouch {marker}\n")
    assert cli("log", "a", "-q").stderr == ""
    monkeypatch.setenv("INCTRACK_HOOKS_DIR", str(tmp_path / "absent"))
    assert cli("log", "b", "-q").stderr == ""
    assert not marker.exists()


def test_a_rejected_command_runs_no_hook(cli: Cli, hooks: Path, out: Path) -> None:
    cli("log", "Email down", "-q")
    cli("cancel", "1", "--reason", "logged twice", "-q")
    _recorder(hooks, "on-change", out)
    _recorder(hooks, "on-resolve", out)
    assert cli("resolve", "1", "--code", "fixed", "--note", "done").exit_code == 4  # cancelled
    assert cli("note", "9", "hello").exit_code == 3
    assert _runs(out) == []


def test_a_first_contact_fix_runs_on_log_and_on_resolve(cli: Cli, hooks: Path, out: Path) -> None:
    for name in ("on-log", "on-resolve", "on-change"):
        _recorder(hooks, name, out)
    fixed = ("--resolve", "--code", "fixed", "--note", "reset the password", "-q")
    assert ok(cli("log", "Locked out", *fixed)) == "INC-1\n"
    runs = [(name, env["INCTRACK_EVENT_KINDS"]) for name, _, env in _runs(out)]
    assert runs == [
        ("on-log", "logged,responded,resolved"),
        ("on-resolve", "logged,responded,resolved"),
        ("on-change", "logged,responded,resolved"),
    ]
    record = _runs(out)[0][1]
    assert (record["status"], record["resolution_code"]) == ("resolved", "fixed")


def test_a_batch_runs_one_on_log_per_new_incident(
    cli: Cli, hooks: Path, out: Path, tmp_path: Path
) -> None:
    _recorder(hooks, "on-log", out)
    _recorder(hooks, "on-occurrence", out)
    data = [{"title": "a", "dedup_key": "k"}, {"title": "b"}, {"title": "a", "dedup_key": "k"}]
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in data), encoding="utf-8")
    assert cli("log", "--batch", str(path), "-q").stdout == "INC-1\nINC-2\nINC-1\n"
    runs = [(name, record["id"], record["occurrences"]) for name, record, _ in _runs(out)]
    assert runs == [("on-log", "INC-1", 2), ("on-occurrence", "INC-1", 2), ("on-log", "INC-2", 1)]
    assert cli("log", "a", "--dedup-key", "k", "-q").stdout == "INC-1\n"
    name, record, env = _runs(out)[-1]
    assert (name, record["occurrences"], env["INCTRACK_EVENT_KINDS"]) == (
        "on-occurrence", 3, "occurred",
    )  # fmt: skip


def test_close_stale_runs_on_close_for_each(cli: Cli, hooks: Path, out: Path) -> None:
    for number in (1, 2):
        cli("log", f"old {number}", "--at", "2026-01-05T08:00:00Z", "-q")
        cli("respond", str(number), "on it", "--at", "2026-01-05T08:10:00Z", "-q")
        cli("resolve", str(number), "--code", "fixed", "--note", "ok",
            "--at", "2026-01-05T09:00:00Z", "-q")  # fmt: skip
    _recorder(hooks, "on-close", out)
    assert cli("close", "--stale", "7d", "-q").stdout == "INC-1\nINC-2\n"
    assert [(n, r["id"]) for n, r, _ in _runs(out)] == [
        ("on-close", "INC-1"),
        ("on-close", "INC-2"),
    ]


def test_on_breach_gets_the_report(cli: Cli, hooks: Path, out: Path) -> None:
    cli("log", "Core switch down", "--impact", "high", "--urgency", "high",
        "--at", "2026-01-05T08:00:00Z", "-q")  # fmt: skip
    cli("log", "Untriaged", "-q")
    _recorder(hooks, "on-breach", out)
    result = cli("report", "sla", "--fail-on-breach", "--breached")
    assert result.exit_code == 8
    [(name, report, env)] = _runs(out)
    assert name == "on-breach"
    assert isinstance(report, list)
    assert [(r["id"], r["sla"]["response"]["state"]) for r in report] == [("INC-1", "breached")]
    assert (env["INCTRACK_EVENT"], env["INCTRACK_BREACHED"]) == ("breach", "1")
    assert "INCTRACK_INCIDENT_ID" not in env


def test_no_breach_no_on_breach(cli: Cli, hooks: Path, out: Path) -> None:
    cli("log", "Fresh", "--impact", "low", "--urgency", "low", "-q")
    _recorder(hooks, "on-breach", out)
    assert cli("report", "sla").exit_code == 0
    assert _runs(out) == []


def test_inctrack_run_from_a_hook_runs_no_hooks(
    cli: Cli, hooks: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _recorder(hooks, "on-log", out)
    monkeypatch.setenv("INCTRACK_HOOK", "on-change")  # as a hook's environment has it
    assert cli("log", "From a hook", "-q").stdout == "INC-1\n"
    assert _runs(out) == []


def test_library_calls_run_no_hooks(desk: Desk, hooks: Path, out: Path) -> None:
    _recorder(hooks, "on-log", out)
    desk("log", "Library call")
    assert _runs(out) == []


def test_hooks_runner_directly(tmp_path: Path) -> None:
    """The runner alone: input and variables, warnings through the callback."""
    out = tmp_path / "out"
    out.mkdir()
    _hook(tmp_path, "on-change", RECORDER.format(out=out, name="on-change"))
    _hook(tmp_path, "on-close", "#!/bin/sh\nexit 1\n")
    warnings: list[str] = []
    printed: list[str] = []
    runner = Hooks(tmp_path, warn=warnings.append, echo=printed.append)
    assert sorted(runner.present()) == ["on-change", "on-close"]
    runner.run([
        Call("on-change", '{"id": "INC-7"}', subject="INC-7",
             env={"INCTRACK_INCIDENT_ID": "INC-7"}),
        Call("on-close", "{}", subject="INC-7"),
        Call("on-log", "{}", subject="INC-7"),  # no such hook: nothing happens
    ])  # fmt: skip
    [(name, record, env)] = _runs(out)
    assert (name, record, env["INCTRACK_INCIDENT_ID"]) == ("on-change", {"id": "INC-7"}, "INC-7")
    assert warnings == ["The on-close hook failed for INC-7 (exit status 1); the change is saved."]
    assert printed == []
    assert os.stat(tmp_path / "on-close").st_mode & stat.S_IXUSR


def test_a_hanging_hook_cannot_stall_a_batch_beyond_the_total_time(
    cli: Cli, hooks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _hook(hooks, "on-log", "#!/bin/sh\nsleep 30\n")
    monkeypatch.setenv("INCTRACK_HOOK_TIMEOUT", "0.4")
    monkeypatch.setenv("INCTRACK_HOOK_TOTAL_TIMEOUT", "1")
    batch = "".join(f'{{"title": "alert {n}"}}\n' for n in range(1, 7))
    result = cli("log", "--batch", "-", "-q", input=batch)
    assert (result.exit_code, result.stdout) == (0, "".join(f"INC-{n}\n" for n in range(1, 7)))
    said = " ".join(result.stderr.split())
    stopped = said.count("was stopped after")
    skipped = re.search(r"used up their 1 s \(INCTRACK_HOOK_TOTAL_TIMEOUT\), so (\d+) more", said)
    assert skipped is not None, said
    assert 1 <= stopped < 6
    assert stopped + int(skipped.group(1)) == 6
    assert said.count("used up their") == 1  # one line, however many were skipped
    assert len(cli.json("list")) == 6


def test_hook_output_is_capped_not_buffered(cli: Cli, hooks: Path) -> None:
    _hook(hooks, "on-log", "#!/bin/sh\nyes | head -c 50000000\n")
    result = cli("log", "Email down", "-q")
    assert (result.exit_code, result.stdout) == (0, "INC-1\n")
    assert len(result.stderr) < OUTPUT_LIMIT + 200
    assert result.stderr.startswith("y\ny\n")
    discarded = 50_000_000 - OUTPUT_LIMIT
    assert f"[... {discarded} more bytes of hook output discarded]" in result.stderr


def test_a_hooks_own_output_reaches_the_terminal_cleaned(cli: Cli, hooks: Path) -> None:
    _hook(hooks, "on-log", "#!/bin/sh\nprintf 'sent \\033[2J\\033]0;owned\\007ok\\n'\n")
    result = cli("log", "Email down", "-q")
    assert result.stderr == "sent [2J]0;ownedok\n"


INTERRUPTED = """
import sys
from pathlib import Path
from inctrack.cli.hooks import Call, Hooks
Hooks(Path(sys.argv[1])).run([Call("on-log", "{}", subject="INC-1")])
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("how", ["timeout", "interrupt"])
def test_a_stopped_hook_takes_everything_it_started_with_it(
    hooks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    pids = tmp_path / "pids"
    _hook(hooks, "on-log", f"#!/bin/sh\nsleep 60 &\necho $$ $! > {pids}.tmp\n"
          f"mv {pids}.tmp {pids}\nwait\n")  # fmt: skip
    monkeypatch.setenv("INCTRACK_HOOK_TIMEOUT", "30" if how == "interrupt" else "1")
    runner = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED, str(hooks)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    for _ in range(200):
        if pids.exists() or runner.poll() is not None:
            break
        time.sleep(0.05)
    started = [int(pid) for pid in pids.read_text().split()]
    if how == "interrupt":
        runner.send_signal(signal.SIGINT)
    _, stderr = runner.communicate(timeout=20)
    if how == "interrupt":
        assert runner.returncode != 0
        assert "Interrupted: the on-log hook for INC-1 was stopped" in stderr
    else:
        assert runner.returncode == 0
        assert "was stopped after 1 s" in stderr
    for _ in range(100):
        if not any(_alive(pid) for pid in started):
            break
        time.sleep(0.05)
    assert [pid for pid in started if _alive(pid)] == []
