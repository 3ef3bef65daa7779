"""No English left in the Khmer interface: every page, as every role, rendered in Khmer, shows
no interface string in its English form (a piece of text equal to a catalog entry's English)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KHMER = ROOT / "portal" / "translations" / "km" / "LC_MESSAGES" / "messages.po"
SKIP_ENDPOINTS = {"static", "bootstrap.static", "home.khmer_font", "accounts.logout"}


def _english_strings() -> list[str]:
    """Interface strings whose Khmer differs from the English (short ones are left out: a
    code such as 'PDF' or a partner's acronym is the same in both languages)."""
    with KHMER.open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        msgstr = message.string[0] if isinstance(message.string, tuple) else message.string
        if not msgid or msgstr == msgid or "%(" in msgid or len(msgid) < 14:
            continue
        found.append(msgid)
    return found


def _text_nodes(page: str) -> set[str]:
    """The page's pieces of visible text, each as a whole (a label, a heading, a sentence)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return {" ".join(html.unescape(piece).split()) for piece in re.split(r"<[^>]+>", page)} - {""}


def _pages(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or rule.arguments or "GET" not in rule.methods:
            continue
        if rule.rule.startswith("/api/") or rule.rule.endswith((".csv", ".xlsx", ".xml", ".pdf")):
            continue
        yield rule.rule


@pytest.mark.parametrize("role", [None, "dp", "ministry", "cdc"])
def test_every_page_in_khmer_shows_no_english_interface_string(app, client, login_as, role):
    from tests import factories

    factories.project()  # something to list
    if role:
        login_as(role, locale="km")
    else:
        client.post("/language", data={"lang": "km"})
    english = _english_strings()
    assert len(english) > 200
    left = []
    for path in _pages(app):
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        nodes = _text_nodes(response.get_data(as_text=True))
        left += [f"{path}: {s!r}" for s in english if s in nodes]
    assert left == [], "\n".join(left[:30])
