"""Khmer line breaking: Khmer writes no spaces between words, so a line may break anywhere
unless the break opportunities are marked.

Browsers find Khmer word boundaries themselves (their ICU line breaker has a Khmer dictionary).
The PDF renderer does not, so report HTML gets a zero-width space (U+200B) between Khmer words,
found by `khmercut` (a CRF word segmenter). The space is invisible and only allows a break.
"""

from __future__ import annotations

import re
from functools import lru_cache

ZWSP = "\u200b"
_KHMER = re.compile("[\u1780-\u17ff]")
_KHMER_RUN = re.compile("[\u1780-\u17ff\u19e0-\u19ff]+")
# Tags whose content is not text to break: the text of <style>/<script>, and whole tags.
_SKIP = re.compile(r"(<(?:style|script)\b.*?</(?:style|script)>|<[^>]*>)", re.S | re.I)


@lru_cache(maxsize=8192)
def _segment(run: str) -> str:
    from khmercut import tokenize

    return ZWSP.join(token for token in tokenize(run) if token)


def break_words(text: str) -> str:
    """`text` with a zero-width space between Khmer words (other text untouched)."""
    if not _KHMER.search(text):
        return text
    return _KHMER_RUN.sub(lambda match: _segment(match.group(0)), text)


def break_html(html: str) -> str:
    """The same for every text node of an HTML document (tags, styles and scripts untouched)."""
    parts = _SKIP.split(html)
    return "".join(part if _SKIP.fullmatch(part) else break_words(part) for part in parts)
