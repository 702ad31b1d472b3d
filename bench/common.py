"""What the benchmark scripts share: cached database files and measured child processes.

The scripts run as ``python bench/NAME.py``, so this module is imported from
their own folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
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


_WATCH = """
import os, sys, time
began = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - began
with open(sys.argv[1], "w") as report:
    report.write(f"{elapsed} {usage.ru_maxrss}")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 1)
"""
"""Runs the command in a grandchild and writes its wall time and peak RSS to a file."""


def run_child(argv: list[str], env: dict[str, str]) -> tuple[bytes, float, float]:
    """Run ``argv`` to the end: its stdout, its wall time (s) and its own peak RSS (MiB).

    Linux counts into a process's peak RSS the memory of the process it was forked
    from, as it stood at the fork; a benchmark that has just read a big report would
    pass its own size on to the next command it runs. So the command runs as the
    child of a small watcher (``python -S``, a few MiB), which times it and reads its
    RSS with ``wait4``.
    """
    with tempfile.TemporaryDirectory() as scratch:
        figures = Path(scratch) / "figures"
        watched = [sys.executable, "-S", "-c", _WATCH, str(figures), *argv]
        with subprocess.Popen(watched, env=env, stdout=subprocess.PIPE) as process:
            assert process.stdout is not None
            out = process.stdout.read()
            returncode = process.wait()
        if returncode != 0:
            raise subprocess.CalledProcessError(returncode, argv)
        seconds, rss = figures.read_text().split()
    return out, float(seconds), int(rss) / 1024


def build_only(cache: Path, build: Callable[[Path], datetime]) -> int:
    """``--build-only``: build the cached file in this (fresh) process and say how long."""
    began = time.perf_counter()
    built_at = build(cache)
    print(f"built {cache} in {time.perf_counter() - began:.1f} s (as of {built_at:%Y-%m-%d})")
    return 0


def ensure_cache(
    cache: Path, script: str, *, rebuild: bool, stale_days: float | None = None
) -> None:
    """Build ``cache`` unless it is there (and, with ``stale_days``, recent enough).

    The build runs as ``script --build-only`` in a process of its own, so that the
    benchmark's own memory stays small (see :func:`run_child`).
    """
    stale = (
        stale_days is not None
        and cache.exists()
        and time.time() - cache.stat().st_mtime > stale_days * 86400
    )
    if rebuild or stale or not cache.exists():
        subprocess.run([sys.executable, script, "--build-only"], check=True)
    else:
        print(f"using cached {cache} (delete it or pass --rebuild to build again)")


def measure(argv: list[str], runs: int) -> tuple[list[float], float, bytes]:
    """``argv`` run ``runs`` times after an untimed warm-up, as a user would run it (no
    colour, own config and data directories): the seconds of each run, the peak RSS
    (MiB) of the runs, and the last run's stdout."""
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ, "INCTRACK_USER": "bench", "NO_COLOR": "1",
            "INCTRACK_CONFIG": str(Path(home) / "config.toml"),
            "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home,
        }  # fmt: skip
        env.pop("INCTRACK_FORMAT", None)
        subprocess.run(argv, env=env, check=True, capture_output=True)  # warm-up, untimed
        times, peak, out = [], 0.0, b""
        for _ in range(runs):
            out, seconds, rss = run_child(argv, env)
            times.append(seconds)
            peak = max(peak, rss)
    return times, peak, out
