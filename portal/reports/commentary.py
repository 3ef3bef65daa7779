"""CDC's own words in a joint review report: an introduction and a commentary per section.

Stored with the draft (`ReportJob.commentary`) and copied into the issued report as
{"introduction" or a section's key: {"en": text, "km": text}}; only texts that say something
are kept. The PDF prints the texts of the edition's languages: an empty one prints nothing.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

INTRODUCTION = "introduction"
LOCALES = ("en", "km")
# A page of text at most: CDC's words frame the figures, they do not replace them.
MAX_LENGTH = 4000
# Control characters other than tab, line feed and carriage return (pasted from other software)
# would print as boxes, or not at all.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINE = re.compile(r"\n\s*\n")


def keys_for(sections) -> tuple[str, ...]:
    """The texts a report with these sections may have: its introduction, then each section's."""
    return (INTRODUCTION, *sections)


def normalized(text: str | None) -> str:
    """The text without trailing spaces, with Unix line ends."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def cleaned(texts: dict | None) -> dict[str, dict[str, str]]:
    """Only the texts that say something, by key then language."""
    result: dict[str, dict[str, str]] = {}
    for key, by_locale in (texts or {}).items():
        kept = {
            locale: normalized(by_locale.get(locale))
            for locale in LOCALES
            if normalized((by_locale or {}).get(locale))
        }
        if kept:
            result[key] = kept
    return result


def text_of(commentary: dict | None, key: str, locale: str) -> str:
    """One stored text ('' when none)."""
    return normalized(((commentary or {}).get(key) or {}).get(locale))


def paragraphs(text: str) -> Markup:
    """Paragraphs at blank lines, line breaks kept inside them; everything else escaped."""
    parts = [p.strip() for p in _BLANK_LINE.split(normalized(text)) if p.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in p.split("\n")))
        for p in parts
    )


def render(commentary: dict | None, key: str, locales: tuple[str, ...]) -> Markup:
    """The commentary of `key` in the edition's languages (side by side in a bilingual one).

    Nothing at all when the edition's languages have no text for it.
    """
    texts = [(locale, text_of(commentary, key, locale)) for locale in locales]
    texts = [(locale, text) for locale, text in texts if text]
    if not texts:
        return Markup("")
    blocks = [
        Markup('<div class="commentary{}" lang="{}">{}</div>').format(
            " side" if len(texts) > 1 else "", locale, paragraphs(text)
        )
        for locale, text in texts
    ]
    if len(blocks) == 1:
        return blocks[0]
    return Markup('<div class="sides commentary-sides">{}</div>').format(Markup("").join(blocks))


def has_text(commentary: dict | None, key: str, locales: tuple[str, ...]) -> bool:
    """Whether the edition prints something for `key`."""
    return any(text_of(commentary, key, locale) for locale in locales)
