"""How fast `inctrack kb import` reads a wiki of Markdown files, first and again.

    python bench/kb_import.py [--files 1000] [--runs 3] [--pg URL]

Writes its own folder of ``--files`` Markdown pages (front matter with title, tags,
category, service; a body of about 2 KB with a list, a code block and a diagnostic
block) to a temporary directory, then runs the installed ``inctrack`` in
subprocesses on a new SQLite file each run (and, with ``--pg``, a new schema on
that PostgreSQL server):

1. ``kb import DIR`` into an empty database (every file created),
2. ``kb import DIR`` again, nothing changed (every file unchanged),
3. ``kb export OUT`` and ``kb import OUT`` (the round trip: unchanged).

Prints the wall time of each, minimum and median over ``--runs``, and the peak
RSS of the child (``wait4``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

INCTRACK = str(Path(sys.executable).with_name("inctrack"))
SEED = 20261206
CATEGORIES = ("network/vpn", "hardware/printer", "email/delivery", "software/application",
              "access/password-reset")  # fmt: skip
WORDS = ("restart", "client", "printer", "queue", "driver", "tunnel", "lease", "mailbox",
         "quota", "password", "token", "cache", "profile", "reboot", "update")  # fmt: skip


def page(number: int, rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(300)]
    paragraphs = [" ".join(words[i : i + 60]).capitalize() + "." for i in range(0, 300, 60)]
    return (
        f'---\ntitle: "Article {number}: {rng.choice(WORDS)} {rng.choice(WORDS)}"\n'
        f"tags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]\n"
        f"category: {rng.choice(CATEGORIES)}\nservice: service-{number % 40}\n---\n\n"
        + "\n\n".join(paragraphs)
        + "\n\n- check the cable\n- check the power\n\n```sh\nsystemctl status cups\n```\n\n"
        "```diagnostic\nuptime\n```\n"
    )


def write_wiki(folder: Path, count: int) -> None:
    rng = random.Random(SEED)
    for number in range(1, count + 1):
        sub = folder / f"section-{number % 10}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"page-{number}.md").write_text(page(number, rng), encoding="utf-8")


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB (the child's own, from wait4) and stdout of one run."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        child = subprocess.Popen(args, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - began
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            sys.exit(f"{' '.join(args)} failed: {err.read().decode()}")
        return elapsed, usage.ru_maxrss / 1024, out.read().decode()


def one_run(db: str, wiki: Path, out: Path) -> dict[str, tuple[float, float]]:
    env = dict(os.environ, INCTRACK_DB=db, INCTRACK_USER="bench", INCTRACK_TIMEZONE="UTC")
    subprocess.run([INCTRACK, "db", "init"], env=env, check=True, capture_output=True)
    results = {}
    for name, args, expected in (
        ("first import", ["kb", "import", str(wiki), "-f", "json"], "created"),
        ("re-import, unchanged", ["kb", "import", str(wiki), "-f", "json"], "unchanged"),
        ("export", ["kb", "export", str(out), "-f", "json"], "written"),
        ("import of the export", ["kb", "import", str(out), "-f", "json"], "unchanged"),
    ):
        seconds, rss, stdout = timed([INCTRACK, *args], env)
        actions = {row["action"] for row in json.loads(stdout)}
        assert actions == {expected}, (name, actions)
        results[name] = (seconds, rss)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", metavar="URL", help="also measure on this PostgreSQL server")
    options = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {options.files} files")
    with tempfile.TemporaryDirectory(prefix="inctrack-kb-bench-") as tmp:
        root = Path(tmp)
        wiki = root / "wiki"
        write_wiki(wiki, options.files)
        backends = [("sqlite", None)] + ([("postgresql", options.pg)] if options.pg else [])
        for backend, url in backends:
            runs = []
            for run in range(options.runs):
                out = root / f"out-{backend}-{run}"
                db = str(root / f"kb-{run}.db") if url is None else _pg_schema(url)
                runs.append(one_run(db, wiki, out))
            print(f"\n{backend}:")
            for name in runs[0]:
                seconds = [r[name][0] for r in runs]
                rss = max(r[name][1] for r in runs)
                print(f"  {name:<22} min {min(seconds):6.2f} s  median "
                      f"{statistics.median(seconds):6.2f} s  peak RSS {rss:5.0f} MiB")  # fmt: skip


def _pg_schema(url: str) -> str:
    from sqlalchemy import create_engine, text

    schema = f"kb_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


if __name__ == "__main__":
    main()
