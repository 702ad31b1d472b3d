"""Rich views of the knowledge base: articles (rendered Markdown), their history, import
and export summaries, diagnostic steps, and ``report kb``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from rich import box
from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from inctrack.records import Record
from inctrack.render.chart import bar
from inctrack.render.table import age, local_time, safe_text
from inctrack.render.text import clean

ARTICLE_STYLES = {"draft": "yellow", "published": "green", "retired": "dim"}


def article_list(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text("No articles match.", style="dim")
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Title", ratio=1, min_width=14, no_wrap=True, overflow="ellipsis")
    table.add_column("Tags", no_wrap=True, overflow="ellipsis", max_width=24)
    table.add_column("Rev", no_wrap=True, justify="right")
    table.add_column("Updated", no_wrap=True, justify="right")
    for record in records:
        table.add_row(
            safe_text(record["id"], "bold"),
            safe_text(record["status"], ARTICLE_STYLES.get(record["status"], "")),
            safe_text(record["title"]),
            safe_text(", ".join(record["tags"])),
            safe_text(record["revision"]),
            safe_text(age(record["updated_at"], now)),
        )
    return table


def article_detail(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    """The article's fields, then its body rendered as Markdown."""
    heading = Text.assemble(
        (record["id"], "bold"), "  ", safe_text(record["title"], "bold"), "  ",
        safe_text(record["status"], ARTICLE_STYLES.get(record["status"], "")),
    )  # fmt: skip
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim", no_wrap=True)
    fields.add_column(overflow="fold")
    published = None
    if record["published_revision"] is not None:
        published = (
            f"revision {record['published_revision']} by {record['published_by']}, "
            f"{local_time(record['published_at'], tz)}"
        )
    for label, value in (
        ("Revision", record["revision"]),
        ("Published", published),
        ("Tags", ", ".join(record["tags"])),
        ("Category", record["category"]),
        ("Service", record["service"]),
        ("Source", record["source"]),
        ("Written", f"{local_time(record['created_at'], tz)} by {record['created_by']}"),
        ("Updated", local_time(record["updated_at"], tz)),
    ):
        if value not in (None, ""):
            fields.add_row(label, safe_text(value))
    parts: list[RenderableType] = [heading, fields]
    if record["published_revision"] not in (None, record["revision"]):
        parts.append(
            Text(
                f"Revision {record['revision']} is not published yet; readers and `kb run` "
                f"use revision {record['published_revision']}.",
                style="yellow",
            )
        )
    if record["body"]:
        parts += [Text(""), Markdown(clean(record["body"]), code_theme="ansi_dark")]
    return Group(*parts)


def article_history(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("Rev", no_wrap=True, justify="right")
    table.add_column("When", no_wrap=True)
    table.add_column("Who", no_wrap=True, overflow="ellipsis", max_width=20)
    table.add_column("Title", ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column("", no_wrap=True)
    for record in records:
        table.add_row(
            safe_text(record["revision"]),
            safe_text(local_time(record["at"], tz)),
            safe_text(record["actor"]),
            safe_text(record["title"]),
            Text("published", style="green") if record["published"] else Text(""),
        )
    return table


def file_results(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    """What ``kb import`` or ``kb export`` did, file by file, and the totals."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("File", ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column("ID", no_wrap=True)
    table.add_column("Action", no_wrap=True)
    counts: dict[str, int] = {}
    for record in records:
        counts[record["action"]] = counts.get(record["action"], 0) + 1
        table.add_row(
            safe_text(record["path"]), safe_text(record["id"], "bold"), safe_text(record["action"])
        )
    total = ", ".join(f"{count} {action}" for action, count in sorted(counts.items()))
    return Group(table, Text(f"{len(records)} files: {total}."))


def step_text(number: int, total: int, command: str) -> RenderableType:
    """One diagnostic step as shown before it runs."""
    return Group(
        Text(f"Step {number} of {total}:", style="bold"),
        Text("  " + clean(command).replace("\n", "\n  "), style="cyan"),
    )


def kb_report_view(record: Record, *, tz: tzinfo, now: datetime) -> RenderableType:
    """``report kb``: per-article use with a bar of incidents, first-contact rates, gaps."""
    title = f"Knowledge base {local_time(record['since'], tz)} to {local_time(record['until'], tz)}"
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, title=title,
                  title_justify="left")  # fmt: skip
    table.add_column("ID", no_wrap=True)
    table.add_column("Title", ratio=1, min_width=12, no_wrap=True, overflow="ellipsis")
    for name in ("Incidents", "Resolved", "Runs", "Helpful"):
        table.add_column(name, no_wrap=True, justify="right")
    table.add_column("", no_wrap=True, width=12)
    rows = record["articles"]
    top = max((row["incidents"] for row in rows), default=0)
    for row in rows:
        ratio = row["helpful_ratio"]
        table.add_row(
            safe_text(row["id"], "bold"),
            safe_text(row["title"]),
            safe_text(row["incidents"]),
            safe_text(row["resolutions"]),
            safe_text(row["runs"]),
            Text("—" if ratio is None else f"{ratio:.0%}"),
            Text(bar(row["incidents"], top, 12), style="cyan"),
        )
    fcr = record["first_contact"]
    lines = [Text("First-contact resolution", style="bold")]
    for key, label in (("with_article", "with an article"), ("without_article", "without")):
        part = fcr[key]
        rate = "—" if part["rate"] is None else f"{part['rate']:.0%}"
        lines.append(
            Text(f"  {label:<16} {rate:>5}  ({part['first_contact']} of {part['resolved']})")
        )
    lines.append(Text("Knowledge gaps (no published article)", style="bold"))
    if not record["gaps"]:
        lines.append(Text("  none", style="dim"))
    for gap in record["gaps"]:
        lines.append(safe_text(f"  {gap['by']} {gap['value']}: {gap['incidents']} incidents"))
    return Group(table if rows else Text("No articles yet.", style="dim"), Text(""), *lines)


ARTICLE_HIT_CSV_COLUMNS = ("id", "status", "title", "score", "snippet")
"""What ``kb search`` and ``kb suggest`` print of each hit in CSV (JSON has the record)."""


def article_hits(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    """``kb search`` and ``kb suggest``: one line per article, best first."""
    from inctrack.render.search import search_list

    return search_list(records, tz=tz, now=now)


def suggestion_lines(records: Sequence[Record]) -> RenderableType:
    """The few articles under an incident in ``log`` and ``show``: one line each."""
    lines = [Text(""), Text("Suggested articles:", style="bold")]
    for record in records:
        line = Text("  ")
        line.append(str(record["id"]), style="bold")
        line.append("  ")
        line.append_text(safe_text(str(record["title"])))
        lines.append(line)
    return Group(*lines)
