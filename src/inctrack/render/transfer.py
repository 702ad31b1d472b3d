"""The Rich view of an import: what it did (or would do), and what it could not read."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from inctrack.records import Record
from inctrack.render.table import safe_text
from inctrack.render.text import clean


def import_summary(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    """What an import did (or would do), and what it could not read."""
    would = record["dry_run"]
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column("What", style="bold", no_wrap=True)
    table.add_column("Count", justify="right")
    table.add_column("Detail", overflow="fold")
    read = f"{record['rows']} rows" if record["from"] == "servicenow" else f"{record['rows']}"
    table.add_row("read", safe_text(read), safe_text(f"{record['source']} ({record['format']})"))
    table.add_row("incidents", safe_text(record["incidents"]), Text(""))
    for key in ("created", "updated", "unchanged", "skipped", "events"):
        label = f"would be {key}" if would and key != "unchanged" else key
        if key == "events":
            label = "events that would be written" if would else "events written"
        table.add_row(label, safe_text(record[key]), Text(""))
    if record["categories_added"]:
        table.add_row(
            "categories added", safe_text(len(record["categories_added"])),
            safe_text(", ".join(record["categories_added"][:20])
                  + (", …" if len(record["categories_added"]) > 20 else "")),
        )  # fmt: skip
    if record["groups_added"]:
        table.add_row("groups added", safe_text(len(record["groups_added"])),
                      safe_text(", ".join(record["groups_added"])))  # fmt: skip
    if record["services_added"]:
        table.add_row("services added", safe_text(len(record["services_added"])),
                      safe_text(", ".join(record["services_added"])))  # fmt: skip
    if record["ignored_columns"]:
        table.add_row("ignored columns", safe_text(len(record["ignored_columns"])),
                      safe_text(", ".join(record["ignored_columns"])))  # fmt: skip
    for unknown in record["unknown_values"]:
        table.add_row(
            "unknown value", safe_text(unknown["count"]),
            safe_text(f"{unknown['column']}: {unknown['value']}"),
        )  # fmt: skip
    parts: list[RenderableType] = [table]
    for warning in record["warnings"]:
        parts.append(Text.assemble(("warning: ", "yellow"), clean(warning)))
    for name in record["conflicts"]:
        parts.append(Text.assemble(("conflict: ", "bold red"), clean(name)))
    for problem in record["problems"]:
        where = "record" if record["format"] == "json" else "line"
        parts.append(
            Text.assemble(("problem: ", "bold red"), f"{where} {problem['line']}: ",
                          clean(problem["message"]))
        )  # fmt: skip
    return Group(*parts)
