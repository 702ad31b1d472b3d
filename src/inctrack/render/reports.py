"""Rich views of the trend, MTTR and backlog reports: a table and a chart each.

Like every table view, for people only (scripts read ``--format json|csv``).
The chart strings come from :mod:`inctrack.render.chart`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from inctrack.records import Record
from inctrack.render.chart import bar, sparkline
from inctrack.render.table import PRIORITY_STYLES, duration, local_time, safe_text

TOP_KEYS = 6
"""Keys shown as columns of the trend table; the rest are summed under "other"."""
SPARK_WIDTH = 52
"""At most this many characters per sparkline: longer series are summed in groups."""
BAR_WIDTH = 30
PERIOD_NAMES = {"day": "Day", "week": "Week of", "month": "Month"}


class ChartBar:
    """A bar as wide as its cell lets it be (at most :data:`BAR_WIDTH`), so that the
    bars of one column keep their proportions in a narrow terminal too."""

    def __init__(self, value: float, top: float, style: str = "cyan") -> None:
        self.value, self.top, self.style = value, top, style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, BAR_WIDTH)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = min(options.max_width, BAR_WIDTH)
        yield Segment(bar(self.value, self.top, width).ljust(width), console.get_style(self.style))


def key_label(by: str, value: Any) -> str:
    if value is None:
        return "untriaged" if by == "priority" else "(none)"
    return str(value)


def _key_text(by: str, value: Any) -> Text:
    style = PRIORITY_STYLES.get(value, "") if by == "priority" else ""
    if value is None:
        style = "bold magenta" if by == "priority" else "dim"
    return safe_text(key_label(by, value), style)


def trends_table(
    rows: Sequence[Record],
    *,
    tz: tzinfo,
    now: datetime,
    by: str,
    every: str,
    zone: str,
    since: str | None,
    until: str | None,
) -> RenderableType:
    """Periods down, the busiest keys across, and a sparkline per key."""
    if not rows:
        return Text(
            f"No incidents reported from {local_time(since, tz)} to {local_time(until, tz)}.",
            style="dim",
        )
    periods = list(dict.fromkeys(row["period"] for row in rows))
    counts: dict[Any, list[int]] = {}
    for row in rows:
        counts.setdefault(row[by], []).append(row["count"])
    if by == "priority":  # the ladder, then untriaged
        keys = sorted(counts, key=lambda k: (k is None, str(k)))
    else:  # the busiest first
        keys = sorted(counts, key=lambda k: (-sum(counts[k]), k is None, str(k)))
    shown, rest = keys[:TOP_KEYS], keys[TOP_KEYS:]
    if len(rest) == 1:
        shown, rest = keys, []
    title = f"Incidents reported per {every} by {by} ({zone})"
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", padding=(0, 1, 0, 0), show_edge=False)
    table.add_column(PERIOD_NAMES[every], no_wrap=True)
    for key in shown:
        table.add_column(_key_text(by, key), justify="right", max_width=14, overflow="fold")
    if rest:
        table.add_column(Text(f"{len(rest)} more", style="dim"), justify="right", no_wrap=True)
    table.add_column("Total", justify="right", style="bold")
    for n, period in enumerate(periods):
        cells = [Text(str(counts[key][n])) for key in shown]
        if rest:
            cells.append(Text(str(sum(counts[key][n] for key in rest)), style="dim"))
        total = sum(values[n] for values in counts.values())
        table.add_row(Text(period), *cells, Text(str(total)))
    chart = Table.grid(padding=(0, 2))
    chart.add_column(no_wrap=True, max_width=24, overflow="ellipsis")
    chart.add_column(no_wrap=True, style="cyan")
    chart.add_column(justify="right")
    for key in keys:
        chart.add_row(
            _key_text(by, key), sparkline(counts[key], width=SPARK_WIDTH), str(sum(counts[key]))
        )
    span = f"{periods[0]} to {periods[-1]}, one character per {every}"
    if len(periods) > SPARK_WIDTH:
        span = f"{periods[0]} to {periods[-1]}, several {every}s per character"
    return Group(Text(title, style="bold"), table, Text(f"Trend ({span}):", style="bold"), chart)


def mttr_table(
    rows: Sequence[Record],
    *,
    tz: tzinfo,
    now: datetime,
    by: str,
    business: bool,
    since: str | None,
    until: str | None,
) -> RenderableType:
    """One row per key: how many, how fast (median, mean, 90th percentile), SLA met.

    Fits 80 columns; the JSON and CSV rows have every figure (``resolved``, the
    response's 90th percentile, the SLA counts)."""
    span = f"{local_time(since, tz)} to {local_time(until, tz)}"
    if not rows:
        return Text(f"No incidents reported from {span}.", style="dim")
    kind = "in business hours" if business else "in calendar time"
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", padding=(0, 1, 0, 0), show_edge=False)
    table.add_column(by.capitalize(), overflow="fold", min_width=6)
    for header in (
        "Count",
        "Respond\nmedian",
        "Resolve\nmedian",
        "Resolve\nmean",
        "Resolve\np90",
        "SLA met\nrespond",
        "SLA met\nresolve",
        "First\nfix",
    ):
        table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(
            _key_text(by, row[by]),
            str(row["incidents"]),
            *(
                Text(duration(row[name]) if row[name] is not None else "-")
                for name in (
                    "median_response_seconds",
                    "median_resolution_seconds",
                    "mean_resolution_seconds",
                    "p90_resolution_seconds",
                )
            ),
            _percent(row["response_sla_met_pct"]),
            _percent(row["resolution_sla_met_pct"]),
            _rate(row["first_contact_resolution_pct"]),
        )
    resolved = sum(row["resolved"] for row in rows)
    first = sum(row["first_contact_resolved"] for row in rows)
    overall = f"{100.0 * first / resolved:.1f}% of {resolved}" if resolved else "none resolved"
    note = (
        f"Times from the report to the first response and to the resolution, {kind}. "
        "SLA met: of the clocks that have met or breached their target. First fix: "
        "first-contact resolutions (at tier 1, never escalated, reassigned or reopened) "
        f"of the resolved; overall {overall}."
    )
    return Group(
        Text(f"Incidents reported {span}, by {by}", style="bold"), table, Text(note, style="dim")
    )


def _percent(value: float | None) -> Text:
    if value is None:
        return Text("-", style="dim")
    style = "green" if value >= 95 else "yellow" if value >= 80 else "red"
    return Text(f"{value:.1f}%", style=style)


def _rate(value: float | None) -> Text:
    """A share with no target to meet: plain, ``-`` when there is nothing to share."""
    return Text("-", style="dim") if value is None else Text(f"{value:.1f}%")


def backlog_table(
    rows: Sequence[Record], *, tz: tzinfo, now: datetime, as_of: str | None
) -> RenderableType:
    """Age buckets down (oldest first), priorities across, and a bar of each total."""
    when = local_time(as_of, tz)
    if not rows:
        return Text(f"No open incidents as of {when}.", style="dim")
    ages = list(dict.fromkeys(row["age"] for row in rows))
    priorities = list(dict.fromkeys(row["priority"] for row in rows))
    counts = {(row["age"], row["priority"]): row["count"] for row in rows}
    totals = {age: sum(counts[(age, p)] for p in priorities) for age in ages}
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", padding=(0, 1, 0, 0), show_edge=False)
    table.add_column("Age", no_wrap=True)
    for priority in priorities:
        table.add_column(_key_text("priority", priority), justify="right", no_wrap=True)
    table.add_column("Total", justify="right", style="bold", no_wrap=True)
    table.add_column("")
    top = max(totals.values())
    for age in ages:
        table.add_row(
            Text(age),
            *(
                Text(
                    str(counts[(age, p)]) if counts[(age, p)] else "·",
                    style="" if counts[(age, p)] else "dim",
                )
                for p in priorities
            ),
            Text(str(totals[age])),
            ChartBar(totals[age], top),
        )
    table.add_section()
    table.add_row(
        Text("Total", style="bold"),
        *(Text(str(sum(counts[(a, p)] for a in ages))) for p in priorities),
        Text(str(sum(totals.values()))),
        Text(""),
    )
    return Group(Text(f"Open incidents by age and priority, as of {when}", style="bold"), table)


def comms_table(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    """``report comms``: the incidents whose stakeholders are overdue an update."""
    if not records:
        return Text("No stakeholder update is overdue.", style="dim")
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for name in ("ID", "Pri", "Title", "Comms", "Last update", "Every", "Overdue"):
        table.add_column(name, overflow="fold", ratio=1 if name == "Title" else None)
    for record in records:
        last = local_time(record["last_update_at"], tz) or "none yet"
        title = ("MAJOR " if record["major"] else "") + record["title"]
        table.add_row(
            safe_text(record["id"], "bold"),
            safe_text(record["priority"], PRIORITY_STYLES.get(record["priority"] or "", "")),
            safe_text(title),
            safe_text(record["comms"]),
            safe_text(last),
            safe_text(record["update_every"]),
            safe_text(duration(record["overdue_seconds"]), "bold red"),
        )
    return table
