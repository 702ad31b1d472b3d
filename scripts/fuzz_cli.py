"""Run many generated argument vectors through the whole CLI and count the exit codes.

Each vector is a whole command line (global options, a command path from the Typer
tree, its arguments and options with plausible and hostile values), run in process
against a seeded database, as tests/test_fuzz.py does a few hundred times. Exit 1 means
a bug: the first examples of each are printed, and the script then exits 1.

    python scripts/fuzz_cli.py                          # 10,000 vectors on a SQLite file
    python scripts/fuzz_cli.py -n 2000 --seed 7 --db postgresql+psycopg://...

A PostgreSQL URL must name a schema of its own (``?options=-csearch_path%3Dfuzz``):
every ``--fresh-every`` vectors the script drops and recreates its tables.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import typer.testing
from hypothesis import HealthCheck, Phase, given, seed, settings
from tests.helpers import argument_vectors, built_once, fuzz_desk

SHOWN = 5


def fresh(target: str | None, workdir: str, round_: int) -> str:
    """A new seeded database: a new SQLite file, or the server schema emptied."""
    if target is None:
        return fuzz_desk(os.path.join(workdir, f"fuzz-{round_}.db"), workdir).db
    from sqlalchemy import create_engine, text

    engine = create_engine(target)
    with engine.begin() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar()
        if schema is None or schema == "public":
            raise SystemExit("give a URL with a search_path of its own (the script empties it)")
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return fuzz_desk(target, workdir).db


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--db", help="a PostgreSQL URL with its own schema (default: SQLite)")
    parser.add_argument("--fresh-every", type=int, default=250, metavar="N")
    options = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="inctrack-fuzz-")
    os.chdir(workdir)  # anything a vector writes stays here
    os.environ.update(
        INCTRACK_CONFIG=f"{workdir}/config.toml", INCTRACK_USER="alice",
        INCTRACK_TIMEZONE="UTC", XDG_DATA_HOME=workdir, XDG_CONFIG_HOME=workdir,
        INCTRACK_HOOKS_DIR=f"{workdir}/hooks", COLUMNS="100", NO_COLOR="1",
        EDITOR="true", VISUAL="true", INCTRACK_BUSY_TIMEOUT="2",
    )  # fmt: skip
    typer.testing._get_command = built_once()
    codes: Counter[int] = Counter()
    crashes: list[tuple[list[str], str]] = []
    state: dict[str, Any] = {"cli": None, "runs": 0}
    started = time.monotonic()

    @seed(options.seed)
    @settings(
        max_examples=options.count, deadline=None, database=None, phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(argument_vectors(workdir))
    def run(vector: list[str]) -> None:
        if state["runs"] % options.fresh_every == 0:
            state["cli"] = fuzz_desk_for(state["runs"] // options.fresh_every)
        state["runs"] += 1
        result = state["cli"](*vector)
        codes[result.exit_code] += 1
        if result.exit_code == 1:
            crashes.append((vector, result.stderr.strip()[:300]))
        if state["runs"] % 1000 == 0:
            print(f"{state['runs']} vectors, {time.monotonic() - started:.0f} s", file=sys.stderr)

    def fuzz_desk_for(round_: int) -> Any:
        from tests.helpers import Cli

        return Cli(fresh(options.db, workdir, round_))

    run()
    total = sum(codes.values())
    print(f"{total} vectors, seed {options.seed}, {time.monotonic() - started:.0f} s, "
          f"{'PostgreSQL' if options.db else 'SQLite'}")  # fmt: skip
    print("exit  count")
    for code, count in sorted(codes.items()):
        print(f"{code:>4}  {count:>5}")
    for vector, said in crashes[:SHOWN]:
        print(f"\nexit 1: inctrack {' '.join(repr(arg) for arg in vector)}\n  {said}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
