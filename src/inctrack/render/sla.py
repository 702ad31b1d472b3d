"""Rich views of SLA clocks (the queue's SLA cell, one incident's clocks segment by
segment) and of the SLA policy and business calendar they are measured against."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from inctrack.records import Record
from inctrack.render.table import (
    Cell,
    Column,
    Listing,
    cell,
    duration,
    local_time,
    priority_text,
    safe_text,
)
from inctrack.sla.compute import NOTHING_DUE

SLA_STYLES = {
    "breached": "bold red",
    "at_risk": "yellow",
    "paused": "magenta",
    "met": "green",
    "cancelled": "dim",
}


def _current_clock(record: Record) -> dict[str, Any] | None:
    """Response until the first response, then resolution; None when nothing runs."""
    if record["status"] in ("resolved", "closed", "cancelled"):
        return None
    clock = record["sla"]["response" if record["responded_at"] is None else "resolution"]
    return None if clock["state"] in NOTHING_DUE else dict(clock)


def sla_marker(record: Record) -> Text:
    """The queue's SLA cell: time left, overdue (-), paused, or nothing."""
    return Text(*sla_cell(record))


def sla_cell(record: Record) -> Cell:
    """:func:`sla_marker` as a :data:`~inctrack.render.table.Cell`, for the fast queue table."""
    clock = _current_clock(record)
    if clock is None:
        return ("", "")
    state, left = clock["state"], clock["remaining_seconds"]
    if state == "paused":
        return ("paused", SLA_STYLES["paused"])
    if state == "breached":
        return (f"-{duration(left)}", SLA_STYLES["breached"])
    return (duration(left), SLA_STYLES.get(state, ""))


def clock_summary(clock: dict[str, Any], tz: tzinfo) -> Text:
    """One clock on one line (its state, due time or time used, and target), as ``show``
    and ``sla ID`` both head it."""
    if clock["state"] == "none":
        return Text("no target (untriaged)", style="dim")
    due = local_time(clock["due_at"], tz)
    target = f"{clock['target']} {clock['calendar']}"
    left = clock["remaining_seconds"]
    detail = {
        "breached": f"due {due}, {duration(left)} over" if due else "breached",
        "met": f"{duration(clock['elapsed_seconds'])} used",
        "cancelled": f"{duration(clock['elapsed_seconds'])} used",
        "paused": f"paused, {duration(left)} left",
    }.get(clock["state"], f"due {due}, {duration(left)} left")
    return Text.assemble(
        (clock["state"], SLA_STYLES.get(clock["state"], "")), f"  {detail}  ({target})"
    )


def sla_detail(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    parts: list[RenderableType] = [
        Text.assemble((record["id"], "bold"), f"  as of {local_time(record['as_of'], tz)}")
    ]
    for name in ("response", "resolution"):
        clock = record[name]
        parts.append(Text.assemble((f"\n{name.capitalize()}: ", "bold"), clock_summary(clock, tz)))
        parts.append(Listing(SEGMENT_COLUMNS, [_segment_row(s, tz) for s in clock["segments"]]))
    return Group(*parts)


SEGMENT_COLUMNS = (
    Column("From"), Column("To"), Column("Clock", shrink=1, shrink_to=12),
    Column("Counted"), Column("Began with", shrink=2, drop=1),
)  # fmt: skip
"""One line per segment however narrow the terminal: the reason and the event are cut."""


def _segment_row(segment: Record, tz: tzinfo) -> list[Cell]:
    event = segment["event"]
    state = segment["state"].replace("_", " ")
    if segment["reason"]:
        state = f"{state} ({segment['reason']})"
    counted = segment["counted_seconds"]
    return [
        cell(local_time(segment["start"], tz)),
        cell(local_time(segment["end"], tz) or "as of"),
        cell(state, SLA_STYLES.get(segment["state"], "")),
        cell(duration(counted) if counted else ""),
        cell(f"{event['kind']} by {event['actor']}" if event else ""),
    ]


def policy_table(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    targets = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, title="SLA targets",
                    title_justify="left")  # fmt: skip
    for column in ("Priority", "Respond", "Resolve", "Calendar", "Updates every"):
        targets.add_column(column)
    for t in record["targets"]:
        targets.add_row(priority_text(t["priority"]), t["respond"], t["resolve"], t["calendar"],
                        t["update_every"] or "—")  # fmt: skip
    levels = ("high", "medium", "low")
    cells = {(c["impact"], c["urgency"]): c["priority"] for c in record["matrix"]}
    matrix = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False,
                   title="Matrix: impact x urgency", title_justify="left")  # fmt: skip
    matrix.add_column("")
    for urgency in levels:
        matrix.add_column(urgency)
    for impact in levels:
        matrix.add_row(impact, *(priority_text(cells[(impact, u)]) for u in levels))
    at_risk = Text(f"At risk from {round(record['at_risk'] * 100)} % of a target used.")
    return Group(targets, matrix, at_risk, calendar_table(record["calendar"], tz=tz, now=now))


def calendar_table(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    grid.add_row("Business hours", safe_text(record["hours"]))
    grid.add_row("Time zone", safe_text(record["timezone"]))
    grid.add_row("Working day", duration(record["working_day_seconds"]))
    upcoming = [h for h in record["holidays"] if h["date"] >= now.date().isoformat()]
    shown = ", ".join(h["date"] for h in upcoming[:6]) + (" …" if len(upcoming) > 6 else "")
    grid.add_row("Holidays", f"{len(record['holidays'])} ({len(upcoming)} to come) {shown}")
    return grid


def holiday_table(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text("No holidays.", style="dim")
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("Date", no_wrap=True)
    table.add_column("Name", overflow="fold")
    for record in records:
        table.add_row(record["date"], safe_text(record["name"]))
    return table
