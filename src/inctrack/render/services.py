"""Rich views of services, their status history, and maintenance windows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from inctrack.records import Record
from inctrack.render.table import local_time, safe_text

STATUS_STYLES = {
    "operational": "green",
    "maintenance": "blue",
    "degraded": "yellow",
    "partial-outage": "bold yellow",
    "major-outage": "bold red",
}


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


def service_table(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text(
            "No services registered; an admin adds one with "
            '`inctrack service add NAME --title "Title"`.',
            style="dim",
        )
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("Service", no_wrap=True)
    table.add_column("Title", ratio=1, overflow="fold")
    table.add_column("Status", no_wrap=True)
    table.add_column("Group", overflow="fold")
    table.add_column("Note", ratio=1, overflow="fold")
    for record in records:
        name = record["name"] + (" (retired)" if record["retired"] else "")
        note = f"set by hand: {record['status_reason']}" if record["status_set_by_hand"] else ""
        table.add_row(
            safe_text(name, "dim" if record["retired"] else "bold"),
            safe_text(record["title"]),
            status_text(record["status"]),
            safe_text(record["group"]),
            safe_text(note),
        )
    return table


def service_detail(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    """One service; with ``history`` (``service show``), its status changes too."""
    parts: list[RenderableType] = [service_table([record], tz=tz, now=now)]
    if record.get("description"):
        parts.append(safe_text(record["description"]))
    if record.get("history"):
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", title="Status history",
                      title_justify="left")  # fmt: skip
        for name in ("When", "Status", "Cause", "Who", "Reason"):
            table.add_column(name, overflow="fold")
        for change in record["history"]:
            cause = change["cause"] + (f" {change['incident']}" if change["incident"] else "")
            table.add_row(
                safe_text(local_time(change["at"], tz)),
                status_text(change["status"]),
                safe_text(cause),
                safe_text(change["actor"]),
                safe_text(change["reason"]),
            )
        parts.append(table)
    return Group(*parts)


def maintenance_table(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text("No maintenance scheduled.", style="dim")
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for name in ("ID", "Service", "From", "Until", "Message"):
        table.add_column(name, overflow="fold", ratio=1 if name == "Message" else None)
    for record in records:
        style = "dim" if record["cancelled"] else ""
        message = ("(cancelled) " if record["cancelled"] else "") + record["message"]
        table.add_row(
            safe_text(record["id"], "bold"),
            safe_text(record["service"]),
            safe_text(local_time(record["starts_at"], tz)),
            safe_text(local_time(record["ends_at"], tz)),
            safe_text(message, style),
        )
    return table


def maintenance_detail(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    return maintenance_table([record], tz=tz, now=now)
