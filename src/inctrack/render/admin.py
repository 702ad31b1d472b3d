"""Rich views for the desk's administration: users, categories, incident templates,
and the findings of ``db check``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from inctrack.records import Record
from inctrack.render.table import Column, Listing, cell, local_time, safe_text


def findings_table(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("Check", no_wrap=True)
    table.add_column("Result", no_wrap=True)
    table.add_column("Detail", overflow="fold")
    for record in records:
        result = Text("ok", style="green") if record["ok"] else Text("PROBLEM", style="bold red")
        table.add_row(safe_text(record["check"]), result, safe_text(record["detail"]))
    return table


def user_table(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text("No users registered: everyone may do everything (a solo desk).", style="dim")
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for name in ("Name", "Roles", "Tier", "Group", "Email", "Login", "DB role", "Active"):
        table.add_column(name, overflow="fold")
    for record in records:
        table.add_row(
            safe_text(record["name"], "bold"),
            safe_text(", ".join(record["roles"])),
            safe_text(record["tier"]),
            safe_text(record["group"]),
            safe_text(record["email"]),
            safe_text(record["login"]),
            safe_text(record["db_role"]),
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
        table.add_row(safe_text(record["name"], "bold"), safe_text("; ".join(preset)))
    return table


def template_detail(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim", no_wrap=True)
    fields.add_column(overflow="fold")
    for key, label in _TEMPLATE_LABELS:
        if record[key] is not None:
            fields.add_row(label, safe_text(record[key]))
    fields.add_row("Created", safe_text(f"{local_time(record['created_at'], tz)} by "
                                    f"{record['created_by']}"))  # fmt: skip
    return Group(safe_text(record["name"], "bold"), fields)


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
        subs.setdefault(record["category"], []).append(safe_text(name, style))
    retired = {r["category"] for r in records if r["subcategory"] is None and r["retired"]}
    for category in order:
        if category in retired:
            table.add_row(
                safe_text(f"{category} (retired)", "dim"), Text(", ").join(subs[category])
            )
        else:
            table.add_row(safe_text(category, "bold"), Text(", ").join(subs[category]))
    return table


def group_table(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text("No groups registered; an admin adds one with `inctrack group add NAME`.",
                    style="dim")  # fmt: skip
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("Group", no_wrap=True)
    table.add_column("Open", justify="right", no_wrap=True)
    table.add_column("Members", ratio=1, overflow="fold")
    table.add_column("Description", ratio=1, overflow="fold")
    for record in records:
        name = record["name"] + (" (retired)" if record["retired"] else "")
        table.add_row(
            safe_text(name, "dim" if record["retired"] else "bold"),
            safe_text(record["open_incidents"]),
            safe_text(", ".join(record["members"])),
            safe_text(record["description"]),
        )
    return table


def group_detail(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    return group_table([record], tz=tz, now=now)


SETTING_COLUMNS = (
    Column("Setting"),
    Column("Value", fold=True, shrink=1, shrink_to=16),
    Column("From", fold=True, shrink=2, shrink_to=20),
)
"""Here every word counts: a value or its origin too long for the terminal wraps."""
TEAM_SETTINGS = (
    "Team settings (SLA policy and matrix, business calendar, categories, users) are in the "
    "database: see `inctrack policy show`, `calendar show`, `category list` and `user list`."
)
SOURCE_NAMES = {"config_file": "config file"}


def settings_table(
    records: Record | Sequence[Record], *, tz: tzinfo, now: datetime
) -> RenderableType:
    """``config show`` (every setting, and where team settings are) or the one setting
    ``config set`` wrote."""
    one = isinstance(records, dict)
    listed = [records] if isinstance(records, dict) else list(records)
    rows = [
        (cell(record["key"], "bold"), cell(record["value"]), cell(_setting_origin(record)))
        for record in listed
    ]
    return Listing(SETTING_COLUMNS, rows, caption=None if one else TEAM_SETTINGS)


def _setting_origin(record: Record) -> str:
    """``environment: INCTRACK_DB``, ``default: your login name``; the file's path is in
    the first row, so ``config file`` alone."""
    source = SOURCE_NAMES.get(record["source"], record["source"])
    if record["source"] == "config_file" or not record["detail"]:
        return str(source)
    return f"{source}: {record['detail']}"
