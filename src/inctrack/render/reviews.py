"""Views of post-incident reviews: Markdown (also what `$EDITOR` opens), HTML from a
Jinja2 template (autoescaped, so no text of the incident can become markup), and
the tables of action items and of `report reviews`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from inctrack.records import Record
from inctrack.render.table import duration, local_time, safe_text
from inctrack.reviews.sections import EMPTY, SECTIONS

MEASURES = (("detect", "Time to detect"), ("respond", "Time to respond"),
            ("mitigate", "Time to mitigate"), ("resolve", "Time to resolve"))  # fmt: skip


def view(record: Record, tz: tzinfo) -> dict[str, Any]:
    """What both the Markdown and the HTML show, in the order they show it."""
    summary = record["summary"]
    window = record["impact_window"]
    facts = [
        ("Status of the review", record["status"]),
        ("Priority", summary["priority"] or "untriaged"),
        ("Major", "yes" if summary["major"] else "no"),
        ("Services", ", ".join(record["services"]) or "none named"),
        ("Impact window", f"{local_time(window['start'], tz)} → "
         f"{local_time(window['end'], tz) or 'not recovered'} ({duration(window['seconds'])})"),
        *[(label, duration(record["durations"][f"time_to_{key}_seconds"]) or "—")
          for key, label in MEASURES],
        ("Resolution", " — ".join(
            v for v in (summary["resolution_code"], summary["resolution_note"]) if v) or "—"),
        ("Problem", summary["problem"] or "—"),
    ]  # fmt: skip
    return {
        "title": f"Post-incident review: {record['incident']} {summary['title']}",
        "facts": facts,
        "roles": [(role, name) for role, name in record["roles"].items() if name],
        "sla": [(name, c["target"] or "—", c["outcome"]) for name, c in record["sla"].items()],
        "events": [
            (local_time(e["at"], tz), e["actor"], _event_text(e)) for e in record["key_events"]
        ],
        "updates": [
            (local_time(u["at"], tz), u["state"], u["message"]) for u in record["public_updates"]
        ],
        "sections": [(heading, record["sections"].get(name)) for name, heading in SECTIONS.items()],
        "actions": [
            (a["id"], a["text"], a["owner"], local_time(a["due_at"], tz),
             "done" if a["done_at"] else "overdue" if a["overdue"] else "open")
            for a in record["actions"]
        ],
    }  # fmt: skip


def _event_text(event: Record) -> str:
    change = ""
    if event["field"]:
        change = f"{event['field']}: {event['old'] or '—'} → {event['new'] or '—'}"
    parts = [event["kind"].replace("_", " "), change, event["message"] or ""]
    return " · ".join(p for p in parts if p)


def review_markdown(record: Record, *, tz: tzinfo) -> str:
    """The review as Markdown: the generated facts, then the team's sections under
    their ``## `` headings (what `review edit` reads back), then the actions."""
    shown = view(record, tz)
    lines = [f"# {_line(shown['title'])}", "", "## Summary", ""]
    lines += [f"- **{label}:** {_line(value)}" for label, value in shown["facts"]]
    lines += ["", "## Roles", ""]
    lines += [f"- **{role}:** {_line(name)}" for role, name in shown["roles"]] or ["- none"]
    lines += ["", "## SLA outcomes", ""]
    lines += [f"- **{name}:** {target}, {outcome}" for name, target, outcome in shown["sla"]]
    lines += ["", "## Key events", ""]
    lines += [f"- {at} {_line(actor)}: {_line(text)}" for at, actor, text in shown["events"]]
    lines += ["", "## Public updates", ""]
    lines += [f"- {at} **{state}**: {_line(text)}" for at, state, text in shown["updates"]] or [
        "- none"
    ]
    for heading, body in shown["sections"]:
        lines += ["", f"## {heading}", "", body or EMPTY]
    lines += ["", "## Action items", ""]
    lines += [
        f"- {act} {_line(text)} (owner {owner}, due {due}, {state})"
        for act, text, owner, due, state in shown["actions"]
    ] or ["- none"]
    return "\n".join(lines) + "\n"


def _line(value: object) -> str:
    """User text on one Markdown line: a line break would start a heading of its own."""
    return " ".join(str(value).split())


def review_html(record: Record, *, tz: tzinfo) -> str:
    """The review as one HTML page (autoescaped template)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("inctrack.render", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    return env.get_template("review.html").render(review=view(record, tz)) + "\n"


def action_list(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text("No action items match.", style="dim")
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for name in ("ID", "Incident", "Owner", "Due", "State"):
        table.add_column(name, no_wrap=True)
    table.add_column("Action", ratio=1, min_width=14, overflow="fold")
    for r in records:
        state = "done" if r["done_at"] else "overdue" if r["overdue"] else "open"
        style = {"done": "dim", "overdue": "bold red"}.get(state, "")
        table.add_row(safe_text(r["id"], "bold"), safe_text(r["incident"]), safe_text(r["owner"]),
                      safe_text(local_time(r["due_at"], tz)), safe_text(state, style),
                      safe_text(r["text"]))  # fmt: skip
    return table


def owed_list(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    if not records:
        return Text("No review owed and no action item overdue.", style="dim")
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for name in ("ID", "Incident", "Owner", "Since", "State"):
        table.add_column(name, no_wrap=True)
    table.add_column("What", ratio=1, min_width=14, overflow="fold")
    for r in records:
        table.add_row(safe_text(r["id"], "bold"), safe_text(r["incident"]),
                      safe_text(r["owner"] or ""), safe_text(local_time(r["since"], tz)),
                      safe_text(r["state"], "bold red"), safe_text(r["text"]))  # fmt: skip
    return table
