"""A live portal on its own database, and a real Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.config import TestConfig
from portal.demo.organizations import DEMO_PASSWORD
from portal.extensions import db
from tests.conftest import SHARED_DATA, drop_scratch_database, scratch_database_url

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# What each role opens on its journeys (the accessibility and phone-layout checks go through
# them all); "first:<selector>" follows the first matching link.
JOURNEY_PAGES = {
    None: [
        "/",
        "/dashboard/",
        "/projects/",
        "first:table tbody a[href^='/projects/']",  # a project (not a column's sort link)
        "/map/",
        "/map/districts/?area=12",
        "/reports/",
        "/analysis/?rows=partner&columns=year&measure=disbursed",
        "/login",
    ],
    "jica@demo.example": [
        "/",
        "/projects/",
        "first:table tbody a[href^='/projects/']",  # a project (not a column's sort link)
        "/projects/new",
        "/commitments/",
        "/pilots/",
        "/projects/quality",
        "/reports/",
        "/analysis/?rows=partner&columns=year&measure=disbursed",
        "/rounds/",
        # Its own loan (the demo's JICA lends): the results and the loan terms pages.
        "/projects/?assistance=loan",
        "first:table tbody a[href^='/projects/']",
        "first:a[href$='/results']",
        "/projects/?assistance=loan",
        "first:table tbody a[href^='/projects/']",
        "first:a[href$='/loan']",
    ],
    "moh@demo.example": [
        "/",
        "/alignment/inbox",
        "first:a[href*='/review']",
        "/dashboard/portfolio",
        "/commitments/",
        "/pilots/",
        "/map/",
        "/analysis/?rows=partner&columns=year&measure=disbursed",
        "/rounds/",
        # A project it leads (validated: no journey moves it) and its budget codes page.
        "/dashboard/portfolio",
        "first:a.stat-card[href*='state=validated']",
        "first:table tbody a[href^='/projects/']",
        "first:a[href$='/budget']",
    ],
    "cdc@demo.example": [
        "/",
        "/alignment/pipeline",
        "/alignment/validation",
        "/admin/users/throttles",
        "/commitments/",
        "first:a[href^='/commitments/'][href$='/']",
        "/pilots/",
        "/reports/",
        "/reports/new",
        "/analysis/?rows=sector,province&columns=year&measure=planned",
        "/admin/users/",
        "/admin/reference/",
        "/admin/reference/budget/",
        "/loans/settings",
        # A loan's results, loan terms and budget codes pages.
        "/projects/?assistance=loan",
        "first:table tbody a[href^='/projects/']",
        "first:a[href$='/results']",
        "/projects/?assistance=loan",
        "first:table tbody a[href^='/projects/']",
        "first:a[href$='/loan']",
        "/projects/?assistance=loan",
        "first:table tbody a[href^='/projects/']",
        "first:a[href$='/budget']",
        "/rounds/",
        "first:a[href^='/rounds/20']",
        "/rounds/",
        "first:tr:has(.text-bg-secondary) a[href^='/rounds/20']",  # a closed round
    ],
}


def journey_id(who: str | None) -> str:
    """A test id for a journey's role: the account's name, or 'public'."""
    return (who or "public").split("@")[0]


@pytest.fixture(scope="session")
def live_server(backend, tmp_root):
    """Serve the portal with demo accounts on 127.0.0.1 at a free port; yield its base URL."""
    url = scratch_database_url(backend, "e2e", tmp_root)
    config = TestConfig(url)
    config.WTF_CSRF_ENABLED = True  # the browser posts real forms with real tokens
    config.JOBS_MODE = "thread"  # long work (reports) runs beside the requests, as in production
    boundaries = SHARED_DATA / "geo" / "khm-adm1-provinces.geojson"
    if boundaries.is_file():  # the map draws the real provinces (tests/e2e/test_map_journey.py)
        config.BOUNDARIES_FILE = str(boundaries)
    app = create_app(config)
    with app.app_context():
        db.create_all()
        from portal.demo.services import build_demo

        build_demo(project_count=60)  # a few projects with locations, for the map
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()
    drop_scratch_database(url)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium; the suite fails (not skips) when it is missing."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (Debian package 'chromium')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def log_in(page, email: str) -> None:
    """Log in as a demo account by the form's ids (so in either language); wait for home."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main form button[type='submit']").click()
    page.wait_for_url("**/")


def open_journey_page(page, target: str) -> None:
    """Open one entry of JOURNEY_PAGES."""
    if target.startswith("first:"):
        link = page.locator(target.removeprefix("first:")).first
        href = link.get_attribute("href")
        assert href, f"no link matches {target} on {page.url}"
        page.goto(href)
    else:
        page.goto(target)


def back_to_english(page) -> None:
    """The language choice is kept with the account: leave the demo accounts in English."""
    page.goto("/")
    page.locator("button[name='lang'][value='en']").click()


def screenshot(page, name: str) -> None:
    """Keep a full-page screenshot for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def pytest_collection_modifyitems(config, items):
    """Checks of the pages' markup (accessibility, phone layout) run on one database only."""
    kept, dropped = [], []
    for item in items:
        markup_only = item.get_closest_marker("markup_only")
        is_sqlite = "[sqlite" in item.nodeid or "-sqlite" in item.nodeid or "sqlite-" in item.nodeid
        (dropped if markup_only and not is_sqlite else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    # A test that imports a whole real file into the shared browser database runs after every
    # other test, which expect the demo data as built.
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)
