"""Rich views of incidents: the queue (a :class:`~inctrack.render.table.Listing`),
one incident in detail, and a timeline of events (also shown under a problem)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from inctrack.records import Record
from inctrack.render.sla import clock_summary, sla_cell
from inctrack.render.table import (
    STATUS_STYLES,
    Column,
    Listing,
    age,
    cell,
    local_time,
    priority_cell,
    safe_text,
)


def incident_list(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text("No incidents match.", style="dim")
    # In a narrow terminal each incident stays on one line: the assignee, then the title
    # are cut with "…"; below that the age, then the assignee are left out.
    columns = (
        Column("ID"), Column("Pri"), Column("Status"), Column("Title", min_width=14, shrink=2),
        Column("Assignee", max_width=14, shrink=1, shrink_to=10, drop=2), Column("SLA", right=True),
        Column("Age", right=True, min_width=3, drop=1),
    )  # fmt: skip
    rows = [
        (
            cell(record["id"], "bold"),
            _priority(record),
            cell(record["status"], STATUS_STYLES.get(record["status"], "")),
            cell(record["title"]),
            cell(record["assignee"] or record["group"]),
            sla_cell(record),
            cell(age(record["reported_at"], now)),
        )
        for record in records
    ]
    return Listing(columns, rows)


def incident_detail(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    heading = Text.assemble(
        (record["id"], "bold"), "  ", safe_text(record["title"], "bold"), "  ",
        Text(*_priority(record)), " ",
        safe_text(record["status"], STATUS_STYLES.get(record["status"], "")),
    )  # fmt: skip
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim", no_wrap=True)
    fields.add_column(overflow="fold")
    for label, value in _detail_rows(record, tz):
        if isinstance(value, Text):
            fields.add_row(label, value)
        elif value not in (None, ""):
            fields.add_row(label, safe_text(value))
    parts: list[RenderableType] = [heading, fields]
    if record.get("description"):
        parts += [Text(""), safe_text(record["description"], lines=True)]
    if record.get("updates"):
        parts += [Text(""), updates_table(record["updates"], tz=tz)]
    if record.get("events"):
        parts += [Text(""), timeline(record["events"], tz=tz)]
        parts += [evidence(event, tz=tz) for event in record["events"] if "evidence" in event]
    return Group(*parts)


def evidence(event: Record, *, tz: tzinfo) -> RenderableType:
    """A diagnostic run as recorded: what ran, when, how it ended, and what it said."""
    found = event["evidence"]
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim", no_wrap=True)
    fields.add_column(overflow="fold")
    ended = "timed out, killed" if found["timed_out"] else (
        "interrupted, killed" if found["interrupted"] else f"exit status {found['exit_status']}"
    )  # fmt: skip
    for label, value in (
        ("Article", f"{found['article']} revision {found['revision']}, step {found['step']}"),
        ("Command", found["command"]),
        ("Ran", f"{local_time(found['started_at'], tz)} to {local_time(found['ended_at'], tz)}"
                f" by {event['actor']}"),
        ("Ended", ended),
    ):  # fmt: skip
        fields.add_row(label, safe_text(value))
    parts: list[RenderableType] = [Text(""), Text("Evidence", style="bold"), fields]
    for stream in ("stdout", "stderr"):
        if found[stream] or found[f"{stream}_truncated"]:
            note = (
                f" (first {found['cap_bytes']} of {found[f'{stream}_bytes']} bytes)"
                if found[f"{stream}_truncated"] else ""
            )  # fmt: skip
            parts += [Text(f"{stream}{note}:", style="dim"), safe_text(found[stream].rstrip("\n"))]
    return Group(*parts)


def updates_table(updates: Sequence[Record], *, tz: tzinfo) -> RenderableType:
    """The stakeholder updates, oldest first, each marked public or internal."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", title="Updates", title_justify="left")
    table.add_column("When", no_wrap=True)
    table.add_column("Who", overflow="ellipsis", max_width=20)
    table.add_column("State", no_wrap=True)
    table.add_column("Audience", no_wrap=True)
    table.add_column("Message", ratio=1, overflow="fold")
    for update in updates:
        table.add_row(
            safe_text(local_time(update["at"], tz)),
            safe_text(update["actor"]),
            safe_text(update["state"], "bold"),
            Text("public", style="bold") if update["public"] else Text("internal", style="dim"),
            safe_text(update["message"]),
        )
    return table


def timeline(events: Sequence[Record], *, tz: tzinfo) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", title="Timeline", title_justify="left")
    table.add_column("When", no_wrap=True)
    table.add_column("Who", overflow="ellipsis", max_width=32)
    table.add_column("What", no_wrap=True)
    table.add_column("Detail", ratio=1, overflow="fold")
    for event in events:
        table.add_row(
            safe_text(local_time(event["at"], tz)),
            _who(event),
            safe_text(event["kind"], "bold"),
            safe_text(_event_detail(event), lines=True),
        )
    return table


def _who(event: Record) -> Text:
    """The actor, and the OS login that ran the command when it is not the actor's name
    (``kim via root``): who a timeline says did it, and which account typed it."""
    who = safe_text(event["actor"])
    login = event.get("os_login")
    if login and login != event["actor"]:
        who.append_text(safe_text(f" via {login}", "dim"))
    return who


def _event_detail(event: Record) -> str:
    parts = []
    if event["field"]:
        parts.append(f"{event['field']}: {event['old'] or '—'} → {event['new'] or '—'}")
    if event["message"]:
        parts.append(event["message"])
    return "; ".join(parts)


def _detail_rows(record: Record, tz: tzinfo) -> list[tuple[str, Any]]:
    reporter = record["reporter"]
    if record["reporter_contact"]:
        reporter = f"{reporter} <{record['reporter_contact']}>"
    impact_urgency = None
    if record["impact"] or record["urgency"]:
        impact_urgency = f"{record['impact']} / {record['urgency']}"
    roles = ", ".join(f"{role}: {name}" for role, name in record["roles"].items() if name)
    return [
        ("Reporter", reporter),
        ("Reported", local_time(record["reported_at"], tz)),
        ("Logged", f"{local_time(record['logged_at'], tz)} by {record['logged_by']}"),
        ("Channel", record["channel"]),
        ("Service", record["service"]),
        ("Category", _category(record)),
        ("Impact / urgency", impact_urgency),
        ("Tier", record["tier"]),
        ("Group", record["group"]),
        ("Assignee", record["assignee"]),
        ("Owner", record["owner"]),
        ("Major", "yes" if record["major"] else None),
        ("Roles", roles),
        ("On hold", record["hold_reason"]),
        ("SLA response", clock_summary(record["sla"]["response"], tz)),
        ("SLA resolution", clock_summary(record["sla"]["resolution"], tz)),
        ("Responded", local_time(record["responded_at"], tz)),
        ("Resolved", local_time(record["resolved_at"], tz)),
        ("Resolution", _resolution(record)),
        ("Closed", _closed(record, tz)),
        ("Reopened", record["reopen_count"] or None),
        ("Reassigned", record["reassignment_count"] or None),
        ("Dedup key", record["dedup_key"]),
        ("Occurrences", record["occurrences"] if record["occurrences"] > 1 else None),
        ("Problem", _problem(record)),
        ("Workaround", (record.get("problem_detail") or {}).get("workaround")),
        ("Duplicate of", record["duplicate_of"]),
        ("Duplicates", ", ".join(record.get("duplicates") or ())),
        ("Version", str(record["version"])),  # what --if-version compares
    ]


MAJOR_MARK = "▲MAJOR"
"""After a major incident's priority, so that it stands out without colour too."""


def _priority(record: Record) -> tuple[str, str]:
    """The priority cell: ``P1``, or ``P1 ▲MAJOR`` for a major incident."""
    text, style = priority_cell(record["priority"])
    if record["major"]:
        return f"{text} {MAJOR_MARK}", "bold red"
    return text, style


def _problem(record: Record) -> str | None:
    """``PRB-3 (known-error): Outlook drops after the KB5031 update`` in ``show``."""
    detail = record.get("problem_detail")
    if not detail:
        return record["problem"]  # type: ignore[no-any-return]
    return f"{detail['id']} ({detail['status']}): {detail['title']}"


def _resolution(record: Record) -> str | None:
    if not record["resolution_code"]:
        return None
    note = record["resolution_note"]
    return f"{record['resolution_code']}: {note}" if note else record["resolution_code"]


def _closed(record: Record, tz: tzinfo) -> str | None:
    if not record["closed_at"]:
        return None
    by = f" by {record['closed_by']}" if record["closed_by"] else ""
    confirmed = f", confirmed by {record['confirmed_by']}" if record["confirmed_by"] else ""
    return f"{local_time(record['closed_at'], tz)}{by}{confirmed}"


def _category(record: Record) -> str:
    if not record["category"]:
        return ""
    if not record["subcategory"]:
        return str(record["category"])
    return f"{record['category']}/{record['subcategory']}"
