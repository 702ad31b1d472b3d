"""Writing the static site: HTML from Jinja2 templates (autoescaped), the Atom feed
from feedgen, the API documents as JSON, all into a new directory that then takes
the place of the old site, so a web server never serves half of one.

The site works from any web server or from a file URL: links between pages are
relative, there is no JavaScript, and the only absolute URLs (the feed's and the
API's) come from ``--base-url``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from feedgen.feed import FeedGenerator
from jinja2 import Environment, PackageLoader, select_autoescape

from inctrack.errors import Rejected
from inctrack.records import Record, timestamp
from inctrack.services.status import ServiceStatus
from inctrack.statuspage.api import documents
from inctrack.statuspage.content import DEFAULT_DAYS, IncidentView, Page, ServiceView, gather
from inctrack.work import UnitOfWork

TEMPLATES = Path(__file__).with_name("templates")
MARKER = ".inctrack-statuspage"
"""A file in every built site: only a directory holding it is ever replaced."""

LABELS = {
    ServiceStatus.OPERATIONAL: "Operational",
    ServiceStatus.MAINTENANCE: "Under maintenance",
    ServiceStatus.DEGRADED: "Degraded performance",
    ServiceStatus.PARTIAL_OUTAGE: "Partial outage",
    ServiceStatus.MAJOR_OUTAGE: "Major outage",
}
OVERALL = {
    ServiceStatus.OPERATIONAL: "All systems operational",
    ServiceStatus.MAINTENANCE: "Maintenance in progress",
    ServiceStatus.DEGRADED: "Some systems degraded",
    ServiceStatus.PARTIAL_OUTAGE: "Partial system outage",
    ServiceStatus.MAJOR_OUTAGE: "Major system outage",
}


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def day_summary(service: ServiceView) -> str:
    """The day bar in words: how many days the service spent worst in each status."""
    counts: dict[ServiceStatus, int] = {}
    for day in service.days:
        counts[day.status] = counts.get(day.status, 0) + 1
    parts = [
        f"{counts[status]} {'day' if counts[status] == 1 else 'days'} {LABELS[status].lower()}"
        for status in ServiceStatus
        if status in counts
    ]
    return ", ".join(parts) + f"; {service.uptime:.2f}% uptime"


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("inctrack.statuspage", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["label"] = lambda status: LABELS[ServiceStatus(status)]
    env.filters["day_summary"] = day_summary
    env.globals["OVERALL"] = OVERALL
    return env


def pages(view: Page) -> dict[str, str]:
    """Relative path -> HTML text of every page."""
    env = environment()
    by_month: dict[str, list[IncidentView]] = {}
    for incident in view.past:
        by_month.setdefault(incident.started_at.strftime("%B %Y"), []).append(incident)
    found = {
        "index.html": env.get_template("index.html").render(page=view, root=""),
        "history.html": env.get_template("history.html").render(
            page=view, root="", months=by_month
        ),
    }
    template = env.get_template("incident.html")
    for incident in view.incidents:
        found[f"incidents/{incident.id}.html"] = template.render(
            page=view, root="../", incident=incident
        )
    return found


def feed(view: Page) -> bytes:
    """One Atom entry per public update, newest first."""
    base = view.base_url or "urn:inctrack:statuspage"
    generator = FeedGenerator()
    generator.id(f"{base}/feed.atom")
    generator.title(view.title)
    generator.author({"name": view.title})
    generator.updated(view.now)
    if view.base_url:
        generator.link(href=f"{base}/feed.atom", rel="self")
        generator.link(href=f"{base}/index.html", rel="alternate")
    told = [(update, incident) for incident in view.incidents for update in incident.updates]
    for update, incident in sorted(told, key=lambda pair: (pair[0].at, pair[0].number)):
        entry = generator.add_entry()
        url = f"{base}/incidents/{incident.id}.html"
        entry.id(f"{url}#update-{update.number}")
        entry.title(f"{incident.id} {incident.title}: {update.state}")
        entry.updated(update.at)
        entry.published(update.at)
        entry.content(update.message, type="text")
        if view.base_url:
            entry.link(href=url, rel="alternate")
    return bytes(generator.atom_str(pretty=True))


def files(view: Page) -> dict[str, bytes]:
    """Relative path -> content of every file of the site."""
    built = {path: text.encode() for path, text in pages(view).items()}
    built["style.css"] = (TEMPLATES / "style.css").read_bytes()
    built["feed.atom"] = feed(view)
    for name, document in documents(view).items():
        built[f"api/v2/{name}"] = json.dumps(document, indent=2, ensure_ascii=False).encode()
    built[MARKER] = b"Built by inctrack statuspage build; replaced whole on every build.\n"
    return built


def write(view: Page, target: Path) -> dict[str, bytes]:
    """Build the site into a new directory beside ``target``, then put it in its place.

    An existing ``target`` is replaced only when it is empty or a site built here
    before (it holds :data:`MARKER`): anything else is refused, never deleted.
    """
    target = target.absolute()
    if target.exists() and not target.is_dir():
        raise Rejected(f"{target} is a file; give a directory for the status page.")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
        raise Rejected(
            f"{target} holds files that are not a status page built by inctrack; "
            "give an empty or new directory (it is replaced whole on every build)."
        )
    if not target.parent.is_dir():
        raise Rejected(f"{target.parent} does not exist; create it first.")
    built = files(view)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        for path, content in built.items():
            destination = staging / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(content)
        staging.chmod(0o755)
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return built


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` where ``target`` is: two renames, the old site removed after."""
    if not target.exists():
        os.replace(staging, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.replace(target, old / "site")
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


class StatusPage:
    """The status page inside one unit of work (reads only).

    >>> page = StatusPage(tracker.work).build(Path("public"), title="Acme status")
    """

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work

    def gather(self, *, title: str, base_url: str = "", days: int = DEFAULT_DAYS) -> Page:
        """What the page shows now, as plain data (``statuspage show``)."""
        return gather(
            self.work.session, now=self.work.now(), title=title, base_url=base_url, days=days
        )

    def build(
        self, target: Path, *, title: str, base_url: str = "", days: int = DEFAULT_DAYS
    ) -> Record:
        """Write the site to ``target`` and say what it holds."""
        view = self.gather(title=title, base_url=base_url, days=days)
        built = write(view, target)
        return {
            "directory": str(target.absolute()),
            "files": len(built),
            "status": view.status.value,
            "services": len(view.services),
            "active_incidents": len(view.active),
            "public_incidents": len(view.incidents),
            "public_updates": sum(len(incident.updates) for incident in view.incidents),
            "maintenance": len(view.maintenance),
            "built_at": timestamp(view.now),
        }
