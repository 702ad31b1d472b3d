"""How fast `inctrack kb search` answers over many published articles, and what the
suggested articles cost `log` and `show`.

    python bench/kb_search.py [--files 10000] [--runs 7] [--pg URL]

Writes ``--files`` Markdown pages like bench/kb_import.py's (about 2 KB each), all
``status: published``, imports them once into a new SQLite file (and, with ``--pg``,
a new schema on that PostgreSQL server), then times the installed ``inctrack`` in
subprocesses, minimum and median over ``--runs``:

- ``--version`` (start-up alone) and ``kb show KB-1`` (start-up, opening the
  database, one read): the floor a search is compared with;
- ``kb search`` with a common word, a rare phrase, and a misspelt word (no hit: the
  nearest-term suggestion);
- ``log`` and ``show`` with their suggestions, and with ``--no-suggest``;

then the library calls alone, in this process (no start-up): the search, the
nearest-term suggestion, three suggestions for an incident, the cheap check.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from kb_import import INCTRACK, SEED, _pg_schema, page


def write_wiki(folder: Path, count: int) -> None:
    rng = random.Random(SEED)
    for number in range(1, count + 1):
        sub = folder / f"section-{number % 10}"
        sub.mkdir(parents=True, exist_ok=True)
        text = page(number, rng).replace("\n---\n\n", "\nstatus: published\n---\n\n", 1)
        (sub / f"page-{number}.md").write_text(text, encoding="utf-8")


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str, str]:
    began = time.perf_counter()
    done = subprocess.run([INCTRACK, *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"inctrack {' '.join(args)} failed: {done.stderr}")
    return elapsed, done.stdout, done.stderr


CASES = (
    ("--version", ["--version"]),
    ("kb show KB-1", ["kb", "show", "KB-1", "-f", "json"]),
    ("kb search printer", ["kb", "search", "printer"]),
    ('kb search "restart client"', ["kb", "search", '"restart client" -token']),
    ("kb search pritner (no hit)", ["kb", "search", "pritner"]),
    ("log (suggestions)", ["log", "Printer queue stuck after driver update"]),
    ("log --no-suggest", ["log", "Printer queue stuck after driver update", "--no-suggest"]),
    ("show INC-1 (suggestions)", ["show", "INC-1"]),
    ("show INC-1 --no-suggest", ["show", "INC-1", "--no-suggest"]),
)


def measure(db: str, wiki: Path, runs: int, *, commands: bool = True) -> None:
    env = dict(os.environ, INCTRACK_DB=db, INCTRACK_USER="bench", INCTRACK_TIMEZONE="UTC",
               COLUMNS="120")  # fmt: skip
    env.pop("INCTRACK_CONFIG", None)
    subprocess.run([INCTRACK, "db", "init"], env=env, check=True, capture_output=True)
    began = time.perf_counter()
    subprocess.run([INCTRACK, "kb", "import", str(wiki), "-f", "json"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    print(f"  import of the articles  {time.perf_counter() - began:6.1f} s")
    timed(["log", "Printer queue stuck after driver update", "-q"], env)  # INC-1
    checks = {
        "kb search printer": lambda out, err: "KB-" in out,
        "kb search pritner (no hit)": lambda out, err: "did you mean printer?" in err,
        "log (suggestions)": lambda out, err: "Suggested articles:" in out,
        "log --no-suggest": lambda out, err: "Suggested" not in out,
    }
    for name, args in CASES if commands else ():
        seconds = []
        for _ in range(runs):
            elapsed, out, err = timed(args, env)
            if name in checks and not checks[name](out, err):
                sys.exit(f"{name}: unexpected output {out[-300:]!r} {err!r}")
            seconds.append(elapsed)
        print(f"  {name:<28} min {min(seconds) * 1000:7.0f} ms  median "
              f"{statistics.median(seconds) * 1000:7.0f} ms")  # fmt: skip
    in_process(db, runs)


def in_process(db: str, runs: int) -> None:
    """The library calls alone, without start-up: what a search adds to a command."""
    from inctrack.clock import SystemClock
    from inctrack.incidents.tracker import Tracker
    from inctrack.kb.articles import KnowledgeBase
    from inctrack.kb.finding import has_published, nearest_terms, search_articles, suggest
    from inctrack.storage import Database

    database = Database.open(db)
    calls = (
        ("search_articles printer", lambda kb: search_articles(kb, "printer")),
        ("nearest_terms pritner", lambda kb: nearest_terms(kb, "pritner")),
        ("suggest INC-1 (3)", lambda kb: suggest(kb, "INC-1", limit=3)),
        ("has_published", has_published),
    )
    for name, call in calls:
        seconds = []
        for _ in range(runs):
            with database.transaction(write=False) as session:
                kb = KnowledgeBase(Tracker(session, clock=SystemClock(), actor="bench"))
                began = time.perf_counter()
                call(kb)
                seconds.append(time.perf_counter() - began)
        print(f"  in process: {name:<24} min {min(seconds) * 1000:7.1f} ms  median "
              f"{statistics.median(seconds) * 1000:7.1f} ms")  # fmt: skip
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pg", metavar="URL", help="also measure on this PostgreSQL server")
    parser.add_argument("--library-only", action="store_true", help="no commands timed")
    options = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {options.files} articles")
    with tempfile.TemporaryDirectory(prefix="inctrack-kb-search-") as tmp:
        root = Path(tmp)
        wiki = root / "wiki"
        write_wiki(wiki, options.files)
        backends = [("sqlite", None)] + ([("postgresql", options.pg)] if options.pg else [])
        for backend, url in backends:
            print(f"\n{backend}:")
            db = str(root / "kb.db") if url is None else _pg_schema(url)
            measure(db, wiki, options.runs, commands=not options.library_only)


if __name__ == "__main__":
    main()
