"""What the benchmark scripts share: cached database files and measured child processes.

The scripts run as ``python bench/NAME.py``, so this module is imported from
their own folder.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def start_build(path: Path) -> Path:
    """The file to build ``path`` under (``path.building``), with leftovers of earlier
    builds removed; :func:`finish_build` renames it, so that an interrupted build is
    never mistaken for the cache."""
    partial = path.with_name(path.name + ".building")
    for stale in (path, partial):
        for leftover in (stale, Path(f"{stale}-wal"), Path(f"{stale}-shm")):
            leftover.unlink(missing_ok=True)
    return partial


def finish_build(partial: Path, path: Path) -> None:
    partial.rename(path)
    for leftover in (Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)


def run_child(argv: list[str], env: dict[str, str]) -> tuple[bytes, float]:
    """Run to the end; its stdout and its own peak RSS in MiB (wait4, not RUSAGE_CHILDREN,
    which would also count the build)."""
    with subprocess.Popen(argv, env=env, stdout=subprocess.PIPE) as process:
        assert process.stdout is not None
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, argv)
    return out, usage.ru_maxrss / 1024
