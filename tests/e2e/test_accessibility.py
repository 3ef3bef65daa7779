"""axe-core on every page of the main journeys, for each role, in English and in Khmer; and the
browser's console reports nothing blocked by the Content-Security-Policy on any of them.

No serious or critical violation of WCAG 2.1 A/AA may remain. axe-core is the npm build that the
`axe-playwright-python` package ships; Playwright injects it into each page.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import JOURNEY_PAGES, back_to_english, journey_id, log_in, open_journey_page

# The markup does not depend on the database: these run once, on SQLite (see conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.markup_only]

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


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
@pytest.mark.parametrize("who", list(JOURNEY_PAGES), ids=journey_id)
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
            log_in(page, who)
        page.goto("/")
        page.locator(f"button[name='lang'][value='{language}']").click()
        problems = []
        for target in JOURNEY_PAGES[who]:
            open_journey_page(page, target)
            assert page.locator("html").get_attribute("lang") == language, page.url
            problems += _violations(page, axe)
        assert problems == [], "\n".join(problems)
        assert blocked == [], "\n".join(blocked)
    finally:
        back_to_english(page)
        context.close()
