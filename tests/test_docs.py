"""The reference docs keep up with the code: commands, exit codes, record keys."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from inctrack import errors
from inctrack.cli import app
from inctrack.records import CLOCK_KEYS, INCIDENT_CSV_COLUMNS

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference"


def command_paths(command: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, sub in getattr(command, "commands", {}).items():
        if not getattr(sub, "hidden", False):
            paths += [(*prefix, name), *command_paths(sub, (*prefix, name))]
    return paths


def table_rows(page: str) -> set[str]:
    """First cells of the Markdown table rows of a reference page, backticks removed."""
    text = (REFERENCE / page).read_text(encoding="utf-8")
    return {m.strip().strip("`") for m in re.findall(r"^\|([^|\n]+)\|", text, re.MULTILINE)}


@pytest.mark.parametrize("path", command_paths(typer.main.get_command(app)), ids=" ".join)
def test_every_command_has_a_cli_reference_section(path: tuple[str, ...]) -> None:
    headings = re.findall(r"^## (.+)$", (REFERENCE / "cli.md").read_text(), re.MULTILINE)
    assert " ".join(("inctrack", *path)) in headings, "run python scripts/gen_cli_reference.py"


def test_every_exit_code_is_documented() -> None:
    classes = [
        c for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.InctrackError)
    ]  # fmt: skip
    text = (REFERENCE / "exit-codes.md").read_text(encoding="utf-8")
    assert {str(c.exit_code) for c in classes} <= table_rows("exit-codes.md")
    assert {str(code.value) for code in errors.ExitCode} <= table_rows("exit-codes.md")
    assert [c.__name__ for c in classes if f"`{c.__name__}`" not in text] == []


def test_every_record_key_is_documented(tmp_path: Path) -> None:
    env = {
        "INCTRACK_DB": str(tmp_path / "docs.db"),
        "INCTRACK_CONFIG": str(tmp_path / "absent.toml"),
        "INCTRACK_USER": "docs",
        "INCTRACK_FORMAT": None,
        "INCTRACK_TIMEZONE": "UTC",
    }
    runner = CliRunner()
    assert runner.invoke(app, ["log", "Printer jams", "-q"], env=env).exit_code == 0
    result = runner.invoke(app, ["show", "INC-1", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    incident = json.loads(result.stdout)
    documented = table_rows("formats.md")
    keys = {*incident, *incident["events"][0], *CLOCK_KEYS, *INCIDENT_CSV_COLUMNS}
    assert sorted(keys - documented) == []
    assert ",".join(INCIDENT_CSV_COLUMNS) in (REFERENCE / "formats.md").read_text()


def test_ci_runs_the_readme_test_command() -> None:
    root = REFERENCE.parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.+?)\n```", readme, re.DOTALL)
    test_command = next(block for block in blocks if block.endswith("pytest"))
    ci_lines = (root / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines
