"""Rich views of records, for people at a terminal.

User text is never parsed as markup: it goes in as ``Text`` after control
characters are stripped. Times are shown in the reader's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from inctrack.records import Record
from inctrack.render.text import clean
from inctrack.sla.compute import NOTHING_DUE

PRIORITY_STYLES = {"P1": "bold red", "P2": "red", "P3": "yellow", "P4": "green", "P5": "blue"}
STATUS_STYLES = {
    "new": "bold cyan",
    "in_progress": "cyan",
    "on_hold": "magenta",
    "resolved": "green",
    "closed": "dim",
    "cancelled": "dim strike",
}


def local_time(value: str | None, tz: tzinfo) -> str:
    if value is None:
        return ""
    return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _text(value: Any, style: str = "") -> Text:
    if value is None:
        return Text("")
    return Text(clean(str(value)), style=style)


def incident_list(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text("No incidents match.", style="dim")
    columns = (
        Column("ID"), Column("Pri"), Column("Status"), Column("Title", fold=True, min_width=14),
        Column("Assignee", max_width=14), Column("SLA", right=True),
        Column("Age", right=True, min_width=3),
    )  # fmt: skip
    rows = [
        (
            _cell(record["id"], "bold"),
            _priority_cell(record["priority"]),
            _cell(record["status"], STATUS_STYLES.get(record["status"], "")),
            _cell(record["title"]),
            _cell(record["assignee"] or record["group"]),
            _sla_cell(record),
            _cell(age(record["reported_at"], now)),
        )
        for record in records
    ]
    return Listing(columns, rows)


Cell = tuple[str, str]
"""A table cell: its (cleaned) text and a style name."""


def _cell(value: Any, style: str = "") -> Cell:
    return ("", style) if value is None else (clean(str(value)), style)


@dataclass(frozen=True)
class Column:
    header: str
    right: bool = False
    fold: bool = False
    """The one column that takes the width left over, its text wrapped onto more lines."""
    min_width: int = 0
    max_width: int | None = None
    """Longer cells are cut with an ellipsis."""


class Listing:
    """A table of one-line cells drawn straight to segments, in the look of
    ``rich.table.Table`` with ``box.SIMPLE_HEAD``.

    A queue or report can have ten thousand rows; Rich's general table measures
    and pads every cell through several layers and took seconds for that, this
    takes a fraction of one.
    """

    GAP = "   "

    def __init__(self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> None:
        self.columns = columns
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = self._widths(options.max_width)
        yield Segment.line()
        yield from self._line([(c.header, "bold") for c in self.columns], widths)
        rule = "─" * (sum(widths) + len(self.GAP) * (len(widths) - 1))
        yield Segment(f" {rule}", console_style("dim"))
        yield Segment.line()
        for row in self.rows:
            cells: list[list[Cell]] = []
            for column, width, (text, style) in zip(self.columns, widths, row, strict=True):
                if cell_len(text) <= width:
                    cells.append([(text, style)])
                elif column.fold:
                    lines = Text(text).wrap(console, width, overflow="fold")
                    cells.append([(line.plain.rstrip(), style) for line in lines])
                else:
                    cut = Text(text)
                    cut.truncate(width, overflow="ellipsis")
                    cells.append([(cut.plain, style)])
            for index in range(max(len(lines) for lines in cells)):
                parts = [lines[index] if index < len(lines) else ("", "") for lines in cells]
                yield from self._line(parts, widths)
        yield Segment.line()

    def _line(self, cells: Sequence[Cell], widths: Sequence[int]) -> RenderResult:
        """One line: a segment per styled cell, and one for each run of plain text (the
        spaces between cells and the unstyled cells): the console handles each segment
        on its own, and a long report has a hundred thousand of them."""
        space = " "
        plain = ""
        last = len(cells) - 1
        for index, ((text, style), column, width) in enumerate(
            zip(cells, self.columns, widths, strict=True)
        ):
            pad = " " * (width - cell_len(text))
            if column.right:
                space += pad
            if text and style:
                yield Segment(plain + space)
                yield Segment(text, console_style(style))
                plain = space = ""
            elif text:
                plain += space + text
                space = ""
            if index != last:
                space += ("" if column.right else pad) + self.GAP
        yield Segment(plain + "\n")

    def _widths(self, available: int) -> list[int]:
        widths = []
        for index, column in enumerate(self.columns):
            natural = max(
                [cell_len(column.header), column.min_width]
                + [cell_len(row[index][0]) for row in self.rows]
            )
            widths.append(min(natural, column.max_width or natural))
        folding = [i for i, c in enumerate(self.columns) if c.fold]
        if folding:
            index = folding[0]
            others = sum(w for i, w in enumerate(widths) if i != index)
            room = available - 2 - len(self.GAP) * (len(widths) - 1) - others
            widths[index] = max(self.columns[index].min_width, min(widths[index], room))
        return widths


def console_style(style: str) -> Style | None:
    """A style name parsed once."""
    return _parsed_style(style) if style else None


@lru_cache(maxsize=64)
def _parsed_style(name: str) -> Style:
    return Style.parse(name)


def age(value: str | None, now: datetime) -> str:
    """How long ago, in the largest whole unit: 45s, 12m, 5h, 3d, 7w."""
    if value is None:
        return ""
    seconds = max(0, int((now - datetime.fromisoformat(value)).total_seconds()))
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit == "w" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def incident_detail(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    heading = Text.assemble(
        (record["id"], "bold"), "  ", _text(record["title"], "bold"), "  ",
        _priority(record["priority"]), " ",
        _text(record["status"], STATUS_STYLES.get(record["status"], "")),
    )  # fmt: skip
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim", no_wrap=True)
    fields.add_column(overflow="fold")
    for label, value in _detail_rows(record, tz):
        if isinstance(value, Text):
            fields.add_row(label, value)
        elif value not in (None, ""):
            fields.add_row(label, _text(value))
    parts: list[RenderableType] = [heading, fields]
    if record.get("description"):
        parts += [Text(""), _text(record["description"])]
    if record.get("events"):
        parts += [Text(""), timeline(record["events"], tz=tz)]
    return Group(*parts)


def timeline(events: Sequence[Record], *, tz: tzinfo) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", title="Timeline", title_justify="left")
    table.add_column("When", no_wrap=True)
    table.add_column("Who", overflow="ellipsis", max_width=20)
    table.add_column("What", no_wrap=True)
    table.add_column("Detail", ratio=1, overflow="fold")
    for event in events:
        table.add_row(
            _text(local_time(event["at"], tz)),
            _text(event["actor"]),
            _text(event["kind"], "bold"),
            _text(_event_detail(event)),
        )
    return table


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
        ("SLA response", _clock_summary(record["sla"]["response"], tz)),
        ("SLA resolution", _clock_summary(record["sla"]["resolution"], tz)),
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
    ]


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


def _priority(value: str | None) -> Text:
    return Text(*_priority_cell(value))


def _priority_cell(value: str | None) -> Cell:
    if value is None:
        return ("untriaged", "bold magenta")
    return (value, PRIORITY_STYLES.get(value, ""))


def findings_table(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("Check", no_wrap=True)
    table.add_column("Result", no_wrap=True)
    table.add_column("Detail", overflow="fold")
    for record in records:
        result = Text("ok", style="green") if record["ok"] else Text("PROBLEM", style="bold red")
        table.add_row(_text(record["check"]), result, _text(record["detail"]))
    return table


def user_table(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text("No users registered: everyone may do everything (a solo desk).", style="dim")
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for name in ("Name", "Roles", "Tier", "Group", "Email", "Active"):
        table.add_column(name, overflow="fold")
    for record in records:
        table.add_row(
            _text(record["name"], "bold"),
            _text(", ".join(record["roles"])),
            _text(record["tier"]),
            _text(record["group"]),
            _text(record["email"]),
            Text("yes") if record["active"] else Text("no", style="dim"),
        )
    return table


def user_detail(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    return user_table([record], tz=tz, now=now)


_TEMPLATE_LABELS = (
    ("title", "Title"), ("reporter", "Reporter"), ("contact", "Contact"),
    ("description", "Description"), ("channel", "Channel"), ("service", "Service"),
    ("category", "Category"), ("impact", "Impact"), ("urgency", "Urgency"),
    ("dedup_key", "Dedup key"),
)  # fmt: skip


def template_table(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text("No templates yet; `inctrack template add NAME --title ...` makes one.",
                    style="dim")  # fmt: skip
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("Name", no_wrap=True)
    table.add_column("Presets", ratio=1, overflow="fold")
    for record in records:
        preset = [f"{label.lower()}: {record[key]}" for key, label in _TEMPLATE_LABELS
                  if record[key] is not None]  # fmt: skip
        table.add_row(_text(record["name"], "bold"), _text("; ".join(preset)))
    return table


def template_detail(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim", no_wrap=True)
    fields.add_column(overflow="fold")
    for key, label in _TEMPLATE_LABELS:
        if record[key] is not None:
            fields.add_row(label, _text(record[key]))
    fields.add_row("Created", _text(f"{local_time(record['created_at'], tz)} by "
                                    f"{record['created_by']}"))  # fmt: skip
    return Group(_text(record["name"], "bold"), fields)


def category_tree(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("Category", no_wrap=True)
    table.add_column("Subcategories", overflow="fold")
    subs: dict[str, list[Text]] = {}
    order: list[str] = []
    for record in records:
        if record["subcategory"] is None:
            order.append(record["category"])
            subs.setdefault(record["category"], [])
            continue
        name = record["subcategory"] + (" (retired)" if record["retired"] else "")
        style = "dim" if record["retired"] else ""
        subs.setdefault(record["category"], []).append(_text(name, style))
    retired = {r["category"] for r in records if r["subcategory"] is None and r["retired"]}
    for category in order:
        if category in retired:
            table.add_row(_text(f"{category} (retired)", "dim"), Text(", ").join(subs[category]))
        else:
            table.add_row(_text(category, "bold"), Text(", ").join(subs[category]))
    return table


# -- SLA -------------------------------------------------------------------------

SLA_STYLES = {
    "breached": "bold red",
    "at_risk": "yellow",
    "paused": "magenta",
    "met": "green",
    "cancelled": "dim",
}


def duration(seconds: float | None) -> str:
    """12m, 3h 20m, 33h: in hours, because a business day is not 24 of them."""
    if seconds is None:
        return ""
    hours, minutes = divmod(round(abs(seconds) / 60), 60)
    if hours >= 10 or (hours and not minutes):
        return f"{hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def _current_clock(record: Record) -> dict[str, Any] | None:
    """Response until the first response, then resolution; None when nothing runs."""
    if record["status"] in ("resolved", "closed", "cancelled"):
        return None
    clock = record["sla"]["response" if record["responded_at"] is None else "resolution"]
    return None if clock["state"] in NOTHING_DUE else dict(clock)


def sla_marker(record: Record) -> Text:
    """The queue's SLA cell: time left, overdue (-), paused, or nothing."""
    return Text(*_sla_cell(record))


def _sla_cell(record: Record) -> Cell:
    clock = _current_clock(record)
    if clock is None:
        return ("", "")
    state, left = clock["state"], clock["remaining_seconds"]
    if state == "paused":
        return ("paused", SLA_STYLES["paused"])
    if state == "breached":
        return (f"-{duration(left)}", SLA_STYLES["breached"])
    return (duration(left), SLA_STYLES.get(state, ""))


def _clock_summary(clock: dict[str, Any], tz: tzinfo) -> Text:
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
        parts.append(Text.assemble((f"\n{name.capitalize()}: ", "bold"), _clock_summary(clock, tz)))
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
        for column in ("From", "To", "Clock", "Counted", "Began with"):
            table.add_column(column, overflow="fold")
        for segment in clock["segments"]:
            event = segment["event"]
            began = f"{event['kind']} by {event['actor']}" if event else ""
            state = segment["state"].replace("_", " ")
            if segment["reason"]:
                state = f"{state} ({segment['reason']})"
            table.add_row(
                _text(local_time(segment["start"], tz)),
                _text(local_time(segment["end"], tz) or "as of"),
                _text(state, SLA_STYLES.get(segment["state"], "")),
                _text(duration(segment["counted_seconds"]) if segment["counted_seconds"] else ""),
                _text(began),
            )
        parts.append(table)
    return Group(*parts)


def policy_table(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    targets = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, title="SLA targets",
                    title_justify="left")  # fmt: skip
    for column in ("Priority", "Respond", "Resolve", "Calendar"):
        targets.add_column(column)
    for t in record["targets"]:
        targets.add_row(_priority(t["priority"]), t["respond"], t["resolve"], t["calendar"])
    levels = ("high", "medium", "low")
    cells = {(c["impact"], c["urgency"]): c["priority"] for c in record["matrix"]}
    matrix = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False,
                   title="Matrix: impact x urgency", title_justify="left")  # fmt: skip
    matrix.add_column("")
    for urgency in levels:
        matrix.add_column(urgency)
    for impact in levels:
        matrix.add_row(impact, *(_priority(cells[(impact, u)]) for u in levels))
    at_risk = Text(f"At risk from {round(record['at_risk'] * 100)} % of a target used.")
    return Group(targets, matrix, at_risk, calendar_table(record["calendar"], tz=tz, now=now))


def calendar_table(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    grid.add_row("Business hours", _text(record["hours"]))
    grid.add_row("Time zone", _text(record["timezone"]))
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
        table.add_row(record["date"], _text(record["name"]))
    return table


# -- problems and patterns -----------------------------------------------------------

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
            _text(record["id"], "bold"),
            _text(record["status"], PROBLEM_STYLES.get(record["status"], "")),
            _text(record["title"]),
            _text(record["incident_count"]),
            _text(record["open_incident_count"] or ""),
            _text(age(record["updated_at"], now)),
        )
    return table


def problem_detail(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    heading = Text.assemble(
        (record["id"], "bold"), "  ", _text(record["title"], "bold"), "  ",
        _text(record["status"], PROBLEM_STYLES.get(record["status"], "")),
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
            fields.add_row(label, _text(value))
    parts: list[RenderableType] = [heading, fields]
    if record["description"]:
        parts += [Text(""), _text(record["description"])]
    incidents = Table(box=box.SIMPLE_HEAD, header_style="bold", title="Incidents",
                      title_justify="left")  # fmt: skip
    for column in ("ID", "Pri", "Status", "Title", "Reported"):
        incidents.add_column(column, overflow="fold", ratio=1 if column == "Title" else None)
    for incident in record["incidents"]:
        incidents.add_row(
            _text(incident["id"], "bold"),
            _priority(incident["priority"]),
            _text(incident["status"], STATUS_STYLES.get(incident["status"], "")),
            _text(incident["title"]),
            _text(local_time(incident["reported_at"], tz)),
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
    table = Table(
        box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False,
        caption=f"*: linked to a problem already. Record #N as a problem: {how}",
        caption_justify="left",
    )  # fmt: skip
    table.add_column("#", no_wrap=True, justify="right")
    # The key wraps rather than pushing the table past an 80-column terminal, where
    # Rich would cut the incidents off.
    table.add_column("Key", overflow="fold")
    table.add_column("Count", no_wrap=True, justify="right")
    table.add_column("First", no_wrap=True)
    table.add_column("Last", no_wrap=True)
    table.add_column("Linked", overflow="fold")
    table.add_column("Incidents", ratio=1, min_width=14, overflow="fold")
    for record in records:
        linked = {link["id"] for link in record["linked_incidents"]}
        shown = Text(", ").join(
            _text(f"{number}*", "dim") if number in linked else _text(number)
            for number in record["incidents"]
        )
        problems = ", ".join(record["problems"])
        table.add_row(
            _text(f"#{record['number']}", "bold"),
            _text(record["label"]),
            _text(record["count"]),
            _text(local_time(record["first"], tz)[:10]),  # the day is enough here
            _text(local_time(record["last"], tz)[:10]),
            _text(f"{record['linked']}: {problems}" if problems else ""),
            shown,
        )
    return table


# -- import ----------------------------------------------------------------------


def import_summary(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    """What an import did (or would do), and what it could not read."""
    would = record["dry_run"]
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column("What", style="bold", no_wrap=True)
    table.add_column("Count", justify="right")
    table.add_column("Detail", overflow="fold")
    read = f"{record['rows']} rows" if record["from"] == "servicenow" else f"{record['rows']}"
    table.add_row("read", _text(read), _text(f"{record['source']} ({record['format']})"))
    table.add_row("incidents", _text(record["incidents"]), Text(""))
    for key in ("created", "updated", "unchanged", "skipped", "events"):
        label = f"would be {key}" if would and key != "unchanged" else key
        if key == "events":
            label = "events that would be written" if would else "events written"
        table.add_row(label, _text(record[key]), Text(""))
    if record["categories_added"]:
        table.add_row(
            "categories added", _text(len(record["categories_added"])),
            _text(", ".join(record["categories_added"][:20])
                  + (", …" if len(record["categories_added"]) > 20 else "")),
        )  # fmt: skip
    if record["ignored_columns"]:
        table.add_row("ignored columns", _text(len(record["ignored_columns"])),
                      _text(", ".join(record["ignored_columns"])))  # fmt: skip
    for unknown in record["unknown_values"]:
        table.add_row(
            "unknown value", _text(unknown["count"]),
            _text(f"{unknown['column']}: {unknown['value']}"),
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
