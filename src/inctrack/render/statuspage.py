"""The status page in the terminal (`statuspage show`) and what `statuspage build` wrote."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from inctrack.records import Record
from inctrack.render.table import local_time, safe_text

LABELS = {
    "operational": "Operational",
    "under_maintenance": "Under maintenance",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}
DAY = {  # a character per day, so the bar reads without colour too
    "operational": ("▁", "green"),
    "under_maintenance": ("▃", "blue"),
    "degraded_performance": ("▅", "yellow"),
    "partial_outage": ("▇", "dark_orange"),
    "major_outage": ("█", "red"),
}
BAR_DAYS = 30


def build_summary(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim", no_wrap=True)
    fields.add_column(overflow="fold")
    fields.add_row("Written to", safe_text(record["directory"]))
    fields.add_row("Overall", safe_text(record["status"]))
    fields.add_row("Services", str(record["services"]))
    fields.add_row(
        "Incidents",
        f"{record['public_incidents']} public ({record['active_incidents']} active), "
        f"{record['public_updates']} public updates",
    )
    fields.add_row("Maintenance", f"{record['maintenance']} scheduled")
    fields.add_row("Files", str(record["files"]))
    return fields


def status_view(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    parts: list[RenderableType] = [
        safe_text(record["page"]["name"], "bold"),
        safe_text(record["status"]["description"]),
    ]
    services = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    services.add_column("Service", overflow="fold")
    services.add_column("Status", no_wrap=True)
    services.add_column("Uptime", justify="right", no_wrap=True)
    services.add_column(f"Last {BAR_DAYS} days", no_wrap=True)
    for component in record["components"]:
        bar = Text()
        for day in component["days"][-BAR_DAYS:]:
            char, colour = DAY[day]
            bar.append(char, colour)
        services.add_row(
            safe_text(component["name"]),
            LABELS[component["status"]],
            f"{component['uptime']:.2f}%",
            bar,
        )
    parts.append(services)
    for incident in record["incidents"]:
        latest = incident["incident_updates"][0]
        parts.append(safe_text(f"{incident['id']} {incident['name']}", "bold"))
        parts.append(
            safe_text(
                f"  {latest['status'].capitalize()} · {local_time(latest['created_at'], tz)}: "
                f"{latest['body']}"
            )
        )
    for window in record["scheduled_maintenances"]:
        parts.append(
            safe_text(
                f"{window['id']} {local_time(window['scheduled_for'], tz)} to "
                f"{local_time(window['scheduled_until'], tz)}: {window['name']}"
            )
        )
    return Group(*parts)
