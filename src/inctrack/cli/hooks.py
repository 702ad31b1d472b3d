"""Hooks: the user's own executables, run after a change is committed.

A hook is an executable file in the hooks directory (``INCTRACK_HOOKS_DIR``,
default ``hooks/`` in inctrack's config directory) named after what happened:
:data:`HOOKS`. It gets the record as JSON on stdin and a few ``INCTRACK_*``
variables, and has :data:`DEFAULT_TIMEOUT` seconds (``INCTRACK_HOOK_TIMEOUT``)
to finish. Whatever a hook does, the change is already committed: a hook that
fails, hangs or cannot start is reported with one warning on stderr and never
changes the command's exit code.

This module only finds and runs hooks; it never touches the database. The
command line (``cli/runtime.py``) decides which hooks a command calls, from
the events the command wrote (:func:`hooks_for`), and builds their input after
the commit. Library calls (:class:`~inctrack.tracker.Tracker`) never run hooks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from inctrack.cli.config import APP_NAME

HOOKS = (
    "on-log", "on-occurrence", "on-escalate", "on-resolve", "on-close", "on-reopen",
    "on-cancel", "on-update", "on-change", "on-breach",
)  # fmt: skip
"""Every hook name inctrack runs; other files in the directory are ignored."""

KIND_HOOKS: dict[str, str] = {
    "logged": "on-log",
    "occurred": "on-occurrence",
    "escalated": "on-escalate",
    "major_declared": "on-escalate",
    "resolved": "on-resolve",
    "closed": "on-close",
    "reopened": "on-reopen",
    "cancelled": "on-cancel",
    "update": "on-update",
}
"""Event kind -> the hook it calls (besides ``on-change``, which every change calls)."""

DEFAULT_TIMEOUT = 10.0
"""Seconds a hook may run before it is stopped (``INCTRACK_HOOK_TIMEOUT``)."""

IN_HOOK = "INCTRACK_HOOK"
"""Set to the hook's name in its environment; inctrack run from a hook runs no hooks."""

_GRACE = 2.0
"""Seconds between asking a timed-out hook to stop (SIGTERM) and killing it."""


def hooks_dir() -> Path:
    """``INCTRACK_HOOKS_DIR``, else ``hooks/`` in the platform's config dir for inctrack."""
    configured = os.environ.get("INCTRACK_HOOKS_DIR")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "hooks"


def hooks_for(kinds: Iterable[str]) -> list[str]:
    """The hooks that one incident's new events call: the specific ones, in the order
    of their events and each once, then ``on-change``."""
    names: list[str] = []
    for kind in kinds:
        name = KIND_HOOKS.get(kind)
        if name is not None and name not in names:
            names.append(name)
    return [*names, "on-change"]


@dataclass(frozen=True)
class Call:
    """One run of one hook."""

    hook: str
    """``on-log``, …"""
    payload: str
    """JSON, written to the hook's stdin."""
    subject: str
    """What the warnings name: ``INC-4``, ``the SLA report``."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Variables added to the hook's environment."""


def _stderr(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


class Hooks:
    """The hooks of one directory, found once and run one after the other."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        warn: Callable[[str], None] = _stderr,
        echo: Callable[[str], None] = _stderr,
    ) -> None:
        self.directory = hooks_dir() if directory is None else directory
        self.warn = warn
        """Called with one sentence per problem."""
        self.echo = echo
        """Called with what a hook printed (its stdout and stderr, in order)."""
        self._present: dict[str, Path] | None = None
        self._warned: set[str] = set()

    def present(self) -> dict[str, Path]:
        """The hook files in the directory by name, executable or not (none in a hook)."""
        if self._present is None:
            self._present = {}
            if not os.environ.get(IN_HOOK):
                for name in HOOKS:
                    path = self.directory / name
                    try:
                        if path.is_file():
                            self._present[name] = path
                    except OSError:
                        continue
        return self._present

    def timeout(self) -> float:
        text = os.environ.get("INCTRACK_HOOK_TIMEOUT", "").strip()
        if not text:
            return DEFAULT_TIMEOUT
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        if value > 0:
            return value
        self._warn_once(
            "timeout",
            f"INCTRACK_HOOK_TIMEOUT={text!r} is not a positive number of seconds; hooks get "
            f"the default {DEFAULT_TIMEOUT:g} s.",
        )
        return DEFAULT_TIMEOUT

    def run(self, calls: Sequence[Call]) -> None:
        """Run each call whose hook exists, in order; problems become warnings."""
        present = self.present()
        timeout = self.timeout() if any(c.hook in present for c in calls) else DEFAULT_TIMEOUT
        for call in calls:
            path = present.get(call.hook)
            if path is None:
                continue
            if not os.access(path, os.X_OK):
                self._warn_once(
                    call.hook,
                    f"The {call.hook} hook {path} is not executable, so it did not run; make it "
                    "executable (chmod +x) or remove it.",
                )
                continue
            self._run(path, call, timeout)

    def _run(self, path: Path, call: Call, timeout: float) -> None:
        event = call.hook.removeprefix("on-")
        env = {**os.environ, **call.env, IN_HOOK: call.hook, "INCTRACK_EVENT": event}
        with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as output:
            # Files, not pipes: a hook that does not read its input, or leaves a
            # background child holding its output, cannot block inctrack.
            stdin.write(call.payload.encode("utf-8"))
            stdin.seek(0)
            try:
                process = subprocess.Popen(
                    [str(path)], stdin=stdin, stdout=output, stderr=subprocess.STDOUT,
                    env=env, start_new_session=os.name == "posix",
                )  # fmt: skip
            except OSError as exc:
                self.warn(
                    f"The {call.hook} hook for {call.subject} could not start "
                    f"({exc.strerror or exc}; check its #! line), so it did not run; "
                    "the change is saved."
                )
                return
            problem = None
            try:
                code = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _stop(process)
                problem = (
                    f"The {call.hook} hook for {call.subject} was stopped after {timeout:g} s "
                    "(INCTRACK_HOOK_TIMEOUT); the change is saved."
                )
            else:
                if code < 0:
                    problem = (
                        f"The {call.hook} hook for {call.subject} was killed by signal "
                        f"{-code}; the change is saved."
                    )
                elif code > 0:
                    problem = (
                        f"The {call.hook} hook failed for {call.subject} (exit status {code}); "
                        "the change is saved."
                    )
            output.seek(0)
            printed = output.read().decode("utf-8", errors="replace")
        if printed:
            self.echo(printed if printed.endswith("\n") else printed + "\n")
        if problem is not None:
            self.warn(problem)

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.warn(message)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a hook and everything it started (its process group), politely first."""
    if os.name != "posix":
        process.kill()
        process.wait()
        return
    for sig, wait in ((signal.SIGTERM, _GRACE), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
