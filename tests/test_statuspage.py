"""The public status page: what `statuspage build` writes and `statuspage show` prints,
built from a real database, on every backend. Nothing internal may reach any file."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from inctrack.clock import FixedClock
from inctrack.statuspage.site import StatusPage

from .helpers import Cli, Desk, fails, ok
from .statuspage_seed import SECRETS, seed

ATOM = "{http://www.w3.org/2005/Atom}"


def build(desk: Desk, target: Path, *, base_url: str = "", days: int = 90) -> dict[str, Any]:
    with desk.tracker(write=False) as tracker:
        page = StatusPage(tracker.work)
        return page.build(target, title="Acme status", base_url=base_url, days=days)


def read(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


def test_the_site_holds_every_page_the_visitor_needs(
    desk: Desk, clock: FixedClock, tmp_path: Path
) -> None:
    seed(desk, clock)
    site = tmp_path / "public"
    summary = build(desk, site, base_url="https://status.example.com/")
    names = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    assert names == [
        ".inctrack-statuspage", "api/v2/components.json", "api/v2/incidents.json",
        "api/v2/status.json", "api/v2/summary.json", "feed.atom", "history.html",
        "incidents/INC-1.html", "incidents/INC-2.html", "index.html", "style.css",
    ]  # fmt: skip
    assert summary["public_incidents"] == 2
    assert summary["active_incidents"] == 1
    index = read(site, "index.html")
    assert "Partial system outage" not in index  # VPN is degraded (medium impact), not worse
    assert "Some systems degraded" in index
    for text in ("Email", "VPN", "Wiki", "Degraded performance", "Operational",
                 "VPN drops every few minutes", "Some VPN users are disconnected.",
                 "Wiki: Upgrading the wiki", "<title>Acme status</title>"):  # fmt: skip
        assert text in index
    assert "Mail flows again." not in index  # a resolved incident is history, not news
    assert "<script" not in index  # no JavaScript
    history = read(site, "history.html")
    assert "November 2026" in history
    assert 'href="incidents/INC-1.html"' in history
    incident = read(site, "incidents/INC-1.html")
    for text in ("Mail is delayed; we are looking.", "A full disk on the relay.",
                 "Mail flows again.", "Resolved", 'href="../index.html"'):  # fmt: skip
        assert text in incident
    assert incident.index("Mail flows again.") < incident.index("A full disk on the relay.")


def test_the_day_bars_show_the_worst_status_of_each_day_and_the_uptime(
    desk: Desk, clock: FixedClock, tmp_path: Path
) -> None:
    seed(desk, clock)
    build(desk, tmp_path / "site", days=7)
    index = read(tmp_path / "site", "index.html")
    email = index[index.index("<h3>Email</h3>") : index.index("<h3>VPN</h3>")]
    # 2026-11-18 09:00-10:00 was a major outage; the window is 6 days and 9 hours.
    assert 'title="2026-11-18: Major outage"' in email
    assert email.count('title="2026-11-1') + email.count('title="2026-11-20') == 7
    assert 'aria-label="Email, last 7 days: 6 days operational, 1 day major outage; ' in email
    assert "99.35% uptime" in email
    vpn = index[index.index("<h3>VPN</h3>") : index.index("<h3>Wiki</h3>")]
    assert 'title="2026-11-20: Degraded performance"' in vpn
    assert "100.00% uptime" in vpn  # degraded is not down


def test_the_api_has_the_statuspage_v2_shapes(
    desk: Desk, clock: FixedClock, tmp_path: Path
) -> None:
    seed(desk, clock)
    build(desk, tmp_path / "s", base_url="https://status.example.com")
    api = tmp_path / "s" / "api" / "v2"
    summary = json.loads((api / "summary.json").read_text())
    assert set(summary) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert set(summary["page"]) == {"id", "name", "url", "time_zone", "updated_at"}
    assert summary["page"]["name"] == "Acme status"
    assert summary["page"]["url"] == "https://status.example.com"
    assert summary["status"] == {"indicator": "minor", "description": "Minor Service Outage"}
    components = {c["name"]: c for c in summary["components"]}
    assert {name: c["status"] for name, c in components.items()} == {
        "Email": "operational", "VPN": "degraded_performance", "Wiki": "degraded_performance",
    }  # fmt: skip
    assert set(components["Email"]) == {
        "id", "name", "status", "created_at", "updated_at", "position", "description",
        "showcase", "start_date", "group_id", "page_id", "group", "only_show_if_degraded",
    }  # fmt: skip
    [active] = summary["incidents"]
    assert active["name"] == "VPN drops every few minutes"
    assert active["status"] == "investigating"
    assert active["impact"] == "minor"
    assert active["shortlink"] == "https://status.example.com/incidents/INC-2.html"
    assert [u["body"] for u in active["incident_updates"]] == ["Some VPN users are disconnected."]
    told = {"id", "status", "body", "incident_id", "created_at", "updated_at", "display_at"}
    assert set(active["incident_updates"][0]) >= told
    [window] = summary["scheduled_maintenances"]
    assert (window["status"], window["scheduled_for"], window["scheduled_until"]) == (
        "scheduled", "2026-11-21T09:00:00+00:00", "2026-11-21T11:00:00+00:00",
    )  # fmt: skip
    incidents = json.loads((api / "incidents.json").read_text())["incidents"]
    assert [(i["id"], i["status"], i["impact"]) for i in incidents] == [
        ("INC-2", "investigating", "minor"), ("INC-1", "resolved", "critical"),
    ]  # fmt: skip
    assert incidents[1]["resolved_at"] == "2026-11-18T10:00:00+00:00"
    assert [u["status"] for u in incidents[1]["incident_updates"]] == [
        "resolved", "identified", "investigating",
    ]  # fmt: skip
    status = json.loads((api / "status.json").read_text())
    assert status == {"page": summary["page"], "status": summary["status"]}
    listed = json.loads((api / "components.json").read_text())
    assert listed == {"page": summary["page"], "components": summary["components"]}


def test_the_feed_has_one_entry_per_public_update(
    desk: Desk, clock: FixedClock, tmp_path: Path
) -> None:
    seed(desk, clock)
    build(desk, tmp_path / "s", base_url="https://status.example.com")
    root = ET.fromstring((tmp_path / "s" / "feed.atom").read_bytes())
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert sorted(e.findtext(f"{ATOM}content") or "" for e in entries) == sorted([
        "Mail is delayed; we are looking.", "A full disk on the relay.", "Mail flows again.",
        "Some VPN users are disconnected.",
    ])  # fmt: skip
    links = {e.find(f"{ATOM}link").get("href") for e in entries}  # type: ignore[union-attr]
    assert links == {"https://status.example.com/incidents/INC-1.html",
                     "https://status.example.com/incidents/INC-2.html"}  # fmt: skip


def test_nothing_internal_reaches_any_file(desk: Desk, clock: FixedClock, tmp_path: Path) -> None:
    seed(desk, clock)
    build(desk, tmp_path / "site", base_url="https://status.example.com")
    files = [p for p in (tmp_path / "site").rglob("*") if p.is_file()]
    assert len(files) == 11
    leaks = [
        f"{what} in {path.name}"
        for path in files
        for what, secret in SECRETS.items()
        if secret.lower() in path.read_text(encoding="utf-8").lower()
    ]
    assert not leaks, leaks
    assert not (tmp_path / "site" / "incidents" / "INC-3.html").exists()


def test_user_text_is_escaped_everywhere(desk: Desk, clock: FixedClock, tmp_path: Path) -> None:
    seed(desk, clock, title="<script>alert(1)</script>")
    build(desk, tmp_path / "site")
    for path in (tmp_path / "site").rglob("*.html"):
        assert "<script>" not in path.read_text(), path.name
    incident = read(tmp_path / "site", "incidents/INC-1.html")
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in incident
    history = read(tmp_path / "site", "history.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in history
    feed = ET.fromstring((tmp_path / "site" / "feed.atom").read_bytes())
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert "INC-1 <script>alert(1)</script>: resolved" in titles  # the XML parser unescaped it
    data = json.loads(read(tmp_path / "site", "api/v2/incidents.json"))
    assert data["incidents"][1]["name"] == "<script>alert(1)</script>"


def test_a_rebuild_replaces_the_whole_site(desk: Desk, clock: FixedClock, tmp_path: Path) -> None:
    seed(desk, clock)
    site = tmp_path / "www" / "site"
    site.parent.mkdir()
    build(desk, site)
    (site / "incidents" / "INC-9.html").write_text("stale")
    build(desk, site)
    assert not (site / "incidents" / "INC-9.html").exists()
    assert (site / "incidents" / "INC-2.html").exists()
    assert sorted(p.name for p in site.parent.iterdir()) == ["site"]  # no staging left behind


def test_build_through_the_cli_and_its_refusals(
    cli: Cli, desk: Desk, clock: FixedClock, tmp_path: Path
) -> None:
    seed(desk, clock)
    cli.clock = clock
    site = tmp_path / "out"
    built = cli.json("statuspage", "build", str(site), "--title", "Acme", "--days", "30")
    assert (built["files"], built["public_incidents"], built["status"]) == (11, 2, "degraded")
    assert "<title>Acme</title>" in read(site, "index.html")
    table = ok(cli("statuspage", "build", str(site)))
    assert "2 public (1 active), 4 public updates" in table
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    fails(cli("statuspage", "build", str(mine)), 4, "not a status page built by inctrack")
    assert (mine / "notes.txt").read_text() == "keep me"
    fails(cli("statuspage", "build", str(mine / "notes.txt")), 4, "is a file")
    fails(cli("statuspage", "build", str(tmp_path / "no" / "such")), 4, "does not exist")
    assert cli("statuspage", "build", str(site), "--days", "0").exit_code == 2
    fails(cli("statuspage", "build", str(site), "--title", "  "), 4, "title")
    fails(cli("statuspage", "build", str(site), "--base-url", "status.example.com"), 4,
          "is not a web address")  # fmt: skip
    assert "<title>Service status</title>" in read(site, "index.html")  # left as it was


def test_show_prints_the_page_in_the_terminal(cli: Cli, desk: Desk, clock: FixedClock) -> None:
    seed(desk, clock)
    cli.clock = clock
    shown = ok(cli("statuspage", "show", "--title", "Acme"))
    for text in ("Acme", "Minor Service Outage", "Email", "VPN", "Degraded performance", "99.95%",
                 "INC-2 VPN drops every few minutes", "Investigating",
                 "Some VPN users are disconnected.", "Upgrading the wiki"):  # fmt: skip
        assert text in shown
    for secret in SECRETS.values():
        assert secret not in shown
    data = cli.json("statuspage", "show", "--days", "7")
    assert [c["uptime"] for c in data["components"]] == [99.35, 100.0, 100.0]
    assert data["components"][0]["days"][-3:] == ["major_outage", "operational", "operational"]
    assert ok(cli("statuspage", "show", "--days", "7", "-f", "csv")).splitlines() == [
        "id,name,status,uptime,description",
        "email,Email,operational,99.35,Mail for everyone",
        "vpn,VPN,degraded_performance,100.0,",
        "wiki,Wiki,degraded_performance,100.0,",
    ]


@pytest.mark.parametrize("days", ["-1", "367", "many"])
def test_show_refuses_a_bad_number_of_days(cli: Cli, days: str) -> None:
    assert cli("statuspage", "show", "--days", days).exit_code == 2
