"""axe-core on every page of the main journeys, for each role, in English and in Khmer; and the
browser's console reports nothing blocked by the Content-Security-Policy on any of them.

No serious or critical violation of WCAG 2.1 A/AA may remain. axe-core is the npm build that the
`axe-playwright-python` package ships; Playwright injects it into each page.
"""

from __future__ import annotations

import pytest

from portal.demo.organizations import DEMO_PASSWORD

# The markup does not depend on the database: these run once, on SQLite (see conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.markup_only]

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

# What each role opens on its journeys; "first:<selector>" follows the first matching link.
PAGES = {
    None: [
        "/",
        "/dashboard/",
        "/projects/",
        "first:table a[href^='/projects/']",
        "/map/",
        "/reports/",
        "/login",
    ],
    "jica@demo.example": [
        "/",
        "/projects/",
        "first:table a[href^='/projects/']",
        "/projects/new",
        "/commitments/",
        "/pilots/",
        "/projects/quality",
        "/reports/",
    ],
    "moh@demo.example": [
        "/",
        "/alignment/inbox",
        "first:a[href*='/review']",
        "/commitments/",
        "/pilots/",
        "/map/",
    ],
    "cdc@demo.example": [
        "/",
        "/alignment/pipeline",
        "/commitments/",
        "first:a[href^='/commitments/'][href$='/']",
        "/pilots/",
        "/reports/",
        "/reports/new",
        "/admin/users/",
        "/admin/reference/",
    ],
}


def _log_in(page, email):
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main form button[type='submit']").click()
    page.wait_for_url("**/")


def _back_to_english(page) -> None:
    """The language choice is kept with the account: leave the demo accounts in English."""
    page.goto("/")
    page.locator("button[name='lang'][value='en']").click()


def _open(page, target: str) -> None:
    if target.startswith("first:"):
        link = page.locator(target.removeprefix("first:")).first
        href = link.get_attribute("href")
        assert href, f"no link matches {target} on {page.url}"
        page.goto(href)
    else:
        page.goto(target)


def _violations(page, axe) -> list[str]:
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"{page.url}: {violation['id']} ({violation['impact']}) {targets}")
    return found


@pytest.mark.parametrize("language", ["en", "km"])
@pytest.mark.parametrize("who", list(PAGES), ids=lambda w: (w or "public").split("@")[0])
def test_no_serious_accessibility_violations(browser, live_server, who, language):
    from axe_playwright_python.sync_playwright import Axe

    locale = "km-KH" if language == "km" else "en-US"
    context = browser.new_context(base_url=live_server, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15000)
    blocked: list[str] = []  # what the Content-Security-Policy refused, as the console says
    page.on(
        "console",
        lambda m: (
            blocked.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None
        ),
    )
    axe = Axe()
    try:
        if who:
            _log_in(page, who)
        page.goto("/")
        page.locator(f"button[name='lang'][value='{language}']").click()
        problems = []
        for target in PAGES[who]:
            _open(page, target)
            assert page.locator("html").get_attribute("lang") == language, page.url
            problems += _violations(page, axe)
        assert problems == [], "\n".join(problems)
        assert blocked == [], "\n".join(blocked)
    finally:
        _back_to_english(page)
        context.close()
