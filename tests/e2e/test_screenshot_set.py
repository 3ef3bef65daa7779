"""The pages people work on most, as each role sees them, at 1366 px and 360 px, in English and
Khmer: a screenshot of each for people to look at (tests/e2e/screenshots/set-*.png), and a
failure when one scrolls sideways on a phone or shows interface text of the other language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.e2e.conftest import back_to_english, log_in, open_journey_page, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.markup_only]

KHMER_CATALOG = (
    Path(__file__).resolve().parents[2] / "portal/translations/km/LC_MESSAGES/messages.po"
)
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 360, "height": 740}}

# (name, who, how to reach it): the review, the inbox, CDC's validation queue, the project
# form, the dashboard and a province page.
PAGES = [
    ("review", "moh@demo.example", ["/alignment/inbox", "first:table.inbox a[href*='/review']"]),
    ("inbox", "moh@demo.example", ["/alignment/inbox"]),
    ("validation", "cdc@demo.example", ["/alignment/validation"]),
    ("project-form", "jica@demo.example", ["/projects/new"]),
    ("dashboard", None, ["/dashboard/"]),
    ("province", None, ["/map/province/17"]),
]


def _interface_strings() -> tuple[set[str], set[str]]:
    """The catalog's English and Khmer strings that differ (long enough to be unmistakable, and
    without placeholders, which a page shows filled in)."""
    with KHMER_CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    english, khmer = set(), set()
    for message in catalog:
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        msgstr = message.string[0] if isinstance(message.string, tuple) else message.string
        if not msgid or not msgstr or msgstr == msgid or "%(" in msgid or len(msgid) < 14:
            continue
        english.add(" ".join(msgid.split()))
        khmer.add(" ".join(msgstr.split()))
    return english, khmer


TEXT_PIECES = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: n => ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(n.parentElement.tagName)
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  const pieces = [];
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.replace(/\\s+/g, ' ').trim();
    if (text) pieces.push(text);
  }
  return pieces;
}"""


CLIPPED_CONTROLS = """width => {
  const out = [];
  const controls = 'main input, main select, main textarea, main button';
  for (const el of document.querySelectorAll(controls)) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (el.type === 'hidden' || box.width === 0 || style.visibility === 'hidden') continue;
    if (el.closest('details:not([open])')) continue;
    if (box.right > width + 1 || box.left < -1) {
      out.push((el.name || el.id || el.textContent.trim()).slice(0, 40));
    }
  }
  return out;
}"""


@pytest.mark.parametrize("language", ["en", "km"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize(("name", "who", "steps"), PAGES, ids=[p[0] for p in PAGES])
def test_the_daily_pages_fit_and_speak_one_language(
    browser, live_server, name, who, steps, size, language
):
    viewport = SIZES[size]
    context = browser.new_context(
        base_url=live_server,
        viewport=viewport,
        is_mobile=size == "phone",
        has_touch=size == "phone",
        locale="en-US",
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        if who:
            log_in(page, who)
        page.goto("/")
        # The choice is a form posted back to the page: wait until the page speaks it.
        with page.expect_navigation():
            page.locator(f"button[name='lang'][value='{language}']").click()
        page.wait_for_function(f"document.documentElement.lang === '{language}'")
        for step in steps:
            open_journey_page(page, step)
        assert page.locator("h1").count() >= 1, page.url
        screenshot(page, f"set-{name}-{language}-{viewport['width']}")

        problems = []
        if size == "phone":
            extra = page.evaluate("document.documentElement.scrollWidth") - viewport["width"]
            if extra > 0:
                problems.append(f"{page.url} scrolls sideways by {extra}px at 360 px")
            # Every field and button of the page is on the screen, none hidden in a table
            # that scrolls sideways by itself.
            clipped = page.evaluate(CLIPPED_CONTROLS, viewport["width"])
            problems += [f"{page.url}: {control} is off the screen" for control in clipped]
        english, khmer = _interface_strings()
        other = english if language == "km" else khmer
        pieces = set(page.evaluate(TEXT_PIECES))
        problems += [f"{page.url} shows {text!r}" for text in sorted(pieces & other)]
        if who:
            back_to_english(page)
        assert problems == [], "\n".join(problems)
    finally:
        context.close()
