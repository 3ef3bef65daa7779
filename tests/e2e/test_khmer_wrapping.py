"""Khmer has no spaces between words: on a phone, a long Khmer paragraph must still break lines
only between words, never inside one (checked against the `khmercut` word segmenter)."""

from __future__ import annotations

import pytest
from khmercut import tokenize

from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.markup_only]

# Where each line of a paragraph starts, as character offsets into its text.
LINE_STARTS = """(element) => {
  const node = element.firstChild;
  const range = document.createRange();
  const starts = [];
  let lastTop = null;
  for (let i = 0; i < node.length; i++) {
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    const rects = range.getClientRects();
    if (!rects.length) continue;
    const top = Math.round(rects[0].top);
    if (lastTop !== null && top > lastTop + 4) starts.push(i);
    lastTop = top;
  }
  return [node.data, starts];
}"""


def _word_boundaries(text: str) -> set[int]:
    boundaries, offset = {0}, 0
    for token in tokenize(text):
        offset += len(token)
        boundaries.add(offset)
    return boundaries


def test_a_khmer_paragraph_breaks_only_between_words(browser, live_server):
    context = browser.new_context(
        base_url=live_server, viewport={"width": 360, "height": 740}, locale="km-KH"
    )
    page = context.new_page()
    try:
        log_in(page, "cdc@demo.example")
        page.locator("button[name='lang'][value='km']").click()
        page.goto("/reports/new")
        paragraph = page.locator("main p.text-muted").first
        text, starts = paragraph.evaluate(LINE_STARTS)
        assert "ជ្រើសរើស" in text
        assert len(starts) >= 3, "the paragraph should wrap over several lines at 360 px"
        boundaries = _word_boundaries(text)
        inside_words = [
            f"…{text[max(0, s - 8) : s]}|{text[s : s + 8]}…"
            for s in starts
            if s not in boundaries and not text[s - 1].isspace()
        ]
        page.locator("button[name='lang'][value='en']").click()  # leave the account in English
        assert inside_words == [], inside_words
    finally:
        context.close()
