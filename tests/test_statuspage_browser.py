"""The status page in a real browser: headless Chromium driven by Playwright, with
axe-core checking every page for accessibility problems at phone and desktop widths,
in light and dark. Screenshots go to .artifacts/statuspage/.

These tests need Debian's `chromium` (or INCTRACK_CHROMIUM naming one), Playwright
for Python, and axe-core from npm (`npm install --prefix .cache/axe axe-core`, or
INCTRACK_AXE naming axe.min.js). Without them they skip, saying what is missing;
with INCTRACK_REQUIRE_BROWSER=1 (as `.ci/run` sets) they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inctrack.clock import FixedClock
from inctrack.statuspage.site import StatusPage
from inctrack.storage import Database

from .helpers import START, Desk
from .statuspage_seed import SECRETS, seed

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / ".artifacts" / "statuspage"
AXE = Path(os.environ.get("INCTRACK_AXE", ROOT / ".cache/axe/node_modules/axe-core/axe.min.js"))
WIDTHS = {"phone": 375, "desktop": 1280}
SCHEMES = ("light", "dark")
PAGES = ("index.html", "history.html", "incidents/INC-1.html", "incidents/INC-2.html")


def chromium() -> str | None:
    named = os.environ.get("INCTRACK_CHROMIUM")
    return named or shutil.which("chromium") or shutil.which("chromium-browser")


def missing() -> list[str]:
    found = []
    if chromium() is None:
        found.append("no chromium on PATH (apt-get install chromium, or set INCTRACK_CHROMIUM)")
    if not AXE.is_file():
        found.append(f"no axe-core at {AXE} (npm install --prefix .cache/axe axe-core)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        found.append("Playwright for Python is not installed (pip install -e '.[test]')")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    absent = missing()
    if absent:
        reason = "browser tests cannot run: " + "; ".join(absent)
        if os.environ.get("INCTRACK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"INCTRACK_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site built from the seeded database (SQLite: the browser sees files, not a backend)."""
    folder = tmp_path_factory.mktemp("browser")
    target = str(folder / "inctrack.db")
    Database.init(target)
    database = Database.open(target)
    clock = FixedClock(START)
    desk = Desk(database, clock)
    seed(desk, clock)
    with desk.tracker(write=False) as tracker:
        StatusPage(tracker.work).build(
            folder / "site", title="Acme status", base_url="https://status.example.com"
        )
    database.dispose()
    return folder / "site"


def open_page(browser: Any, site: Path, name: str, *, width: int, scheme: str) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto((site / name).as_uri())
    return page


def axe_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})"
        for v in result["violations"]
    ]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS.values())
@pytest.mark.parametrize("name", PAGES)
def test_every_page_has_no_accessibility_violation(
    browser: Any, site: Path, name: str, width: int, scheme: str
) -> None:
    page = open_page(browser, site, name, width=width, scheme=scheme)
    try:
        assert page.locator("script").count() == 0  # works with JavaScript off
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{name} scrolls sideways at {width} px ({overflow} px)"
        assert axe_violations(page) == []
    finally:
        page.context.close()


def test_a_visitor_sees_the_services_and_the_active_incident(browser: Any, site: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    backgrounds = {}
    for scheme in SCHEMES:
        for label, width in WIDTHS.items():
            page = open_page(browser, site, "index.html", width=width, scheme=scheme)
            try:
                for service in ("Email", "VPN", "Wiki"):
                    assert page.get_by_role("heading", name=service, exact=True).is_visible()
                assert page.get_by_text("Some systems degraded").is_visible()
                assert page.get_by_text("Degraded performance").first.is_visible()
                incident = page.locator("article", has_text="VPN drops every few minutes")
                assert incident.get_by_text("Some VPN users are disconnected.").is_visible()
                assert page.get_by_text("Upgrading the wiki").is_visible()
                bar = page.get_by_role("img", name="Email, last 90 days")
                assert "1 day major outage" in (bar.get_attribute("aria-label") or "")
                text = page.locator("body").inner_text()
                assert not [s for s in SECRETS.values() if s in text]
                backgrounds[scheme] = page.evaluate(
                    "getComputedStyle(document.body).backgroundColor"
                )
                page.screenshot(path=ARTIFACTS / f"index-{label}-{scheme}.png", full_page=True)
            finally:
                page.context.close()
    assert backgrounds["light"] != backgrounds["dark"]


def test_a_visitor_follows_an_incident_to_its_updates(browser: Any, site: Path) -> None:
    page = open_page(browser, site, "history.html", width=1280, scheme="light")
    try:
        page.get_by_role("link", name="Mail is not delivered").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Mail is not delivered"
        updates = page.locator("ol.updates li").all_inner_texts()
        assert [u.split("\n")[0].split(" ·")[0] for u in updates] == [
            "Resolved", "Identified", "Investigating",
        ]  # fmt: skip
        page.screenshot(path=ARTIFACTS / "incident-desktop-light.png", full_page=True)
        page.get_by_role("link", name="Current status").click()
        assert page.title() == "Acme status"
    finally:
        page.context.close()
