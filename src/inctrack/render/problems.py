"""Rich views of problems (the list, one in detail) and of recurring-incident patterns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from inctrack.records import Record
from inctrack.render.incidents import timeline
from inctrack.render.table import (
    STATUS_STYLES,
    Column,
    Listing,
    age,
    cell,
    local_time,
    priority_text,
    safe_text,
)

PROBLEM_STYLES = {"open": "bold cyan", "known-error": "yellow", "resolved": "green",
                  "closed": "dim"}  # fmt: skip


def problem_list(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text("No problems match.", style="dim")
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Title", ratio=1, min_width=14, overflow="fold")
    table.add_column("Incidents", no_wrap=True, justify="right")
    table.add_column("Open", no_wrap=True, justify="right")
    table.add_column("Updated", no_wrap=True, justify="right")
    for record in records:
        table.add_row(
            safe_text(record["id"], "bold"),
            safe_text(record["status"], PROBLEM_STYLES.get(record["status"], "")),
            safe_text(record["title"]),
            safe_text(record["incident_count"]),
            safe_text(record["open_incident_count"] or ""),
            safe_text(age(record["updated_at"], now)),
        )
    return table


def problem_detail(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    heading = Text.assemble(
        (record["id"], "bold"), "  ", safe_text(record["title"], "bold"), "  ",
        safe_text(record["status"], PROBLEM_STYLES.get(record["status"], "")),
    )  # fmt: skip
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim", no_wrap=True)
    fields.add_column(overflow="fold")
    for label, value in (
        ("Created", f"{local_time(record['created_at'], tz)} by {record['created_by']}"),
        ("Updated", local_time(record["updated_at"], tz)),
        ("Resolved", local_time(record["resolved_at"], tz)),
        ("Closed", local_time(record["closed_at"], tz)),
        ("Root cause", record["root_cause"]),
        ("Workaround", record["workaround"]),
    ):
        if value:
            fields.add_row(label, safe_text(value))
    parts: list[RenderableType] = [heading, fields]
    if record["description"]:
        parts += [Text(""), safe_text(record["description"], lines=True)]
    incidents = Table(box=box.SIMPLE_HEAD, header_style="bold", title="Incidents",
                      title_justify="left")  # fmt: skip
    for column in ("ID", "Pri", "Status", "Title", "Reported"):
        incidents.add_column(column, overflow="fold", ratio=1 if column == "Title" else None)
    for incident in record["incidents"]:
        incidents.add_row(
            safe_text(incident["id"], "bold"),
            priority_text(incident["priority"]),
            safe_text(incident["status"], STATUS_STYLES.get(incident["status"], "")),
            safe_text(incident["title"]),
            safe_text(local_time(incident["reported_at"], tz)),
        )
    if record["incidents"]:
        parts += [Text(""), incidents]
    else:
        parts += [Text(""), Text("No incidents linked yet.", style="dim")]
    if record.get("events"):
        parts += [Text(""), timeline(record["events"], tz=tz)]
    return Group(*parts)


def pattern_table(
    records: Sequence[Record], *, tz: tzinfo, now: datetime, create: str | None = None
) -> RenderableType:
    """The candidates; ``create`` is the command that records one as a problem."""
    if not records:
        return Text("No recurring incidents found.", style="dim")
    how = create or "inctrack problem create TITLE --from-pattern N (with the same options)."
    rows = []
    for record in records:
        linked = {link["id"] for link in record["linked_incidents"]}
        shown = Text(", ").join(
            safe_text(f"{number}*", "dim") if number in linked else safe_text(number)
            for number in record["incidents"]
        )
        problems = ", ".join(record["problems"])
        rows.append(
            (
                cell(f"#{record['number']}", "bold"),
                cell(record["label"]),
                cell(record["count"]),
                cell(local_time(record["first"], tz)[:10]),  # the day is enough here
                cell(local_time(record["last"], tz)[:10]),
                cell(f"{record['linked']}: {problems}" if problems else ""),
                shown,
            )
        )
    caption = f"*: linked to a problem already. Record #N as a problem: {how}"
    return Listing(PATTERN_COLUMNS, rows, caption=caption)


PATTERN_COLUMNS = (
    Column("#", right=True), Column("Key", shrink=2, shrink_to=24),
    Column("Count", right=True), Column("First", drop=3), Column("Last", drop=1),
    Column("Linked", shrink=3, shrink_to=8, drop=2, separator=", "),
    Column("Incidents", min_width=14, shrink=1, separator=", "),
)  # fmt: skip
"""One line per candidate however narrow the terminal: the incidents are cut after the
last whole ID (the JSON has them all), then the key, and the dates drop out."""
