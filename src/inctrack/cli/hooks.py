"""Hooks: the user's own executables, run after a change is committed.

A hook is an executable file in the hooks directory (``INCTRACK_HOOKS_DIR``,
default ``hooks/`` in inctrack's config directory) named after what happened:
:data:`HOOKS`. It gets the record as JSON on stdin and a few ``INCTRACK_*``
variables, and has :data:`DEFAULT_TIMEOUT` seconds (``INCTRACK_HOOK_TIMEOUT``)
to finish; all the hook runs of one command together have :data:`DEFAULT_TOTAL`
seconds (``INCTRACK_HOOK_TOTAL_TIMEOUT``), after which the rest are skipped. A
hook runs in its own process group (session), which is ended on a timeout and on
Ctrl-C; of what it prints, the first :data:`OUTPUT_LIMIT` bytes are kept and the
rest read and discarded. Whatever a hook does, the change is already committed: a
hook that fails, hangs or cannot start is reported with one warning on stderr and
never changes the command's exit code.

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
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

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

DEFAULT_TOTAL = 30.0
"""Seconds all the hook runs of one command may take together
(``INCTRACK_HOOK_TOTAL_TIMEOUT``): a batch of a hundred incidents whose hook hangs
waits this long, not a hundred timeouts."""

OUTPUT_LIMIT = 64 * 1024
"""Bytes of a hook's output that are kept and shown; the rest is read and discarded."""

IN_HOOK = "INCTRACK_HOOK"
"""Set to the hook's name in its environment; inctrack run from a hook runs no hooks."""

_GRACE = 2.0
"""Seconds between asking a timed-out hook to stop (SIGTERM) and killing it."""

_DRAIN = 0.5
"""Seconds to wait, once a hook has exited, for the rest of its output (a background
child of the hook may hold its output open for ever)."""


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
        """Seconds one hook run may take (``INCTRACK_HOOK_TIMEOUT``)."""
        return self._seconds("INCTRACK_HOOK_TIMEOUT", DEFAULT_TIMEOUT)

    def total_timeout(self) -> float:
        """Seconds all the runs of one command may take (``INCTRACK_HOOK_TOTAL_TIMEOUT``)."""
        return self._seconds("INCTRACK_HOOK_TOTAL_TIMEOUT", DEFAULT_TOTAL)

    def _seconds(self, variable: str, default: float) -> float:
        text = os.environ.get(variable, "").strip()
        if not text:
            return default
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        if value > 0 and value != float("inf"):
            return value
        self._warn_once(
            variable,
            f"{variable}={text!r} is not a positive number of seconds; hooks get the "
            f"default {default:g} s.",
        )
        return default

    def run(self, calls: Sequence[Call]) -> None:
        """Run each call whose hook exists, in order, within the command's total hook time;
        problems become warnings. Ctrl-C ends the running hook's process group and
        skips the rest (``KeyboardInterrupt`` goes on up)."""
        present = self.present()
        runnable = [call for call in calls if call.hook in present]
        if not runnable:
            return
        timeout, total = self.timeout(), self.total_timeout()
        deadline = time.monotonic() + total
        for index, call in enumerate(runnable):
            path = present[call.hook]
            if not os.access(path, os.X_OK):
                self._warn_once(
                    call.hook,
                    f"The {call.hook} hook {path} is not executable, so it did not run; make it "
                    "executable (chmod +x) or remove it.",
                )
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                skipped = len(runnable) - index
                self.warn(
                    f"The hooks of this command used up their {total:g} s "
                    f"(INCTRACK_HOOK_TOTAL_TIMEOUT), so {skipped} more hook "
                    f"run{'s were' if skipped > 1 else ' was'} skipped; the change is saved."
                )
                return
            if left < timeout:
                self._run(path, call, left, "the command's INCTRACK_HOOK_TOTAL_TIMEOUT")
            else:
                self._run(path, call, timeout, "INCTRACK_HOOK_TIMEOUT")

    def _run(self, path: Path, call: Call, timeout: float, limit: str) -> None:
        event = call.hook.removeprefix("on-")
        env = {**os.environ, **call.env, IN_HOOK: call.hook, "INCTRACK_EVENT": event}
        with tempfile.TemporaryFile() as stdin:
            # A file, not a pipe: a hook that does not read its input cannot block inctrack.
            stdin.write(call.payload.encode("utf-8"))
            stdin.seek(0)
            try:
                process = subprocess.Popen(
                    [str(path)], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    env=env, start_new_session=os.name == "posix",
                )  # fmt: skip
            except OSError as exc:
                self.warn(
                    f"The {call.hook} hook for {call.subject} could not start "
                    f"({exc.strerror or exc}; check its #! line), so it did not run; "
                    "the change is saved."
                )
                return
            output = _Output(process.stdout)
            problem = None
            try:
                code = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _stop(process)
                problem = (
                    f"The {call.hook} hook for {call.subject} was stopped after "
                    f"{round(timeout, 1):g} s "
                    f"({limit}); the change is saved."
                )
            except KeyboardInterrupt:
                _stop(process, grace=0.2)
                self.warn(
                    f"Interrupted: the {call.hook} hook for {call.subject} was stopped, and no "
                    "more hooks run; the change is saved."
                )
                raise
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
            printed = output.text()
        if printed:
            self.echo(printed if printed.endswith("\n") else printed + "\n")
        if problem is not None:
            self.warn(problem)

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.warn(message)


class _Output:
    """What a hook prints, read by a thread as it comes: the first :data:`OUTPUT_LIMIT`
    bytes kept, the rest counted and discarded (a hook printing 200 MB costs no memory,
    and never blocks on a full pipe)."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        self.kept = bytearray()
        self.dropped = 0
        self._reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        read = getattr(stream, "read1", stream.read)
        with stream:
            while chunk := read(65536):
                room = max(0, OUTPUT_LIMIT - len(self.kept))
                self.kept += chunk[:room]
                self.dropped += len(chunk) - min(room, len(chunk))

    def text(self) -> str:
        """What was printed, once the hook has ended (waiting a little for the rest)."""
        self._reader.join(_DRAIN)
        text = bytes(self.kept).decode("utf-8", errors="replace")
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of hook output discarded]\n"
        return text


def _stop(process: subprocess.Popen[bytes], *, grace: float = _GRACE) -> None:
    """Stop a hook and everything it started (its process group), politely first."""
    if os.name != "posix":
        process.kill()
        process.wait()
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
