"""The export and import formats are documented as they are (docs/reference/formats.md)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from inctrack.transfer import EXPORT_CSV_COLUMNS, SUMMARY_CSV_COLUMNS, servicenow

from .helpers import Cli

FORMATS = Path(__file__).resolve().parent.parent / "docs" / "reference" / "formats.md"


def section(title: str) -> str:
    text = FORMATS.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def first_cells(text: str) -> list[str]:
    """The first cell of each row of the Markdown tables in ``text``, backticks removed."""
    rows = re.findall(r"^\| `([^`|]+)`[^|]*\|", text, re.MULTILINE)
    return [row.strip() for row in rows]


def a_desk(cli: Cli) -> None:
    assert cli("log", "Mail bounces", "-r", "Di", "--impact", "2", "--urgency", "1").exit_code == 0
    assert cli("respond", "1", "On it").exit_code == 0


def test_the_documented_export_keys_are_the_keys_of_an_export(cli: Cli) -> None:
    a_desk(cli)
    record = json.loads(cli("export").stdout)
    documented = first_cells(section("Export (`export`)"))
    assert documented == list(record)  # every key, in order, and nothing else
    event_keys = first_cells(section("Event"))
    assert list(record["events"][0]) == event_keys[: len(record["events"][0])]


def test_the_documented_csv_header_is_the_header_of_an_export(cli: Cli) -> None:
    a_desk(cli)
    header = next(csv.reader(io.StringIO(cli("export", "-f", "csv").stdout)))
    assert header == list(EXPORT_CSV_COLUMNS)
    assert f"```text\n{','.join(header)}\n```" in section("Export (`export`)")


def test_the_documented_summary_keys_are_the_keys_of_a_summary(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text('{"title": "Printer jams", "reporter": "Ann"}\n', encoding="utf-8")
    result = cli("import", str(path), "--summary", "json")
    summary = json.loads(result.stdout)
    assert first_cells(section("Import summary")) == list(summary)
    csv_result = cli("import", str(path), "--summary", "csv")
    assert csv_result.stdout.splitlines()[0] == ",".join(SUMMARY_CSV_COLUMNS)


def test_every_servicenow_column_read_is_documented() -> None:
    text = section("ServiceNow (`import --from servicenow`)")
    table = re.findall(r"^\| (`[^|]+)\|", text, re.MULTILINE)
    documented = {name for cells in table for name in re.findall(r"`([a-z_]+)`", cells)}
    assert set(servicenow.COLUMNS) <= documented
