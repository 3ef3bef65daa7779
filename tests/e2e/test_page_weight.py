"""Pages stay light for slow connections: the bytes a first visit downloads, compressed.

Every response of a first visit (empty cache) is counted at its gzip size (level 6, what a
reverse proxy such as nginx sends); WOFF2 fonts and images are counted as they are.
Budgets: the project list 500 KB, the map 1.5 MB, each in English and in Khmer.
"""

from __future__ import annotations

import gzip

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.markup_only]

BUDGETS = {"/projects/": 500 * 1024, "/map/": 1536 * 1024}
ALREADY_COMPRESSED = ("font/woff", "font/woff2", "image/png", "image/jpeg")


def _first_visit(browser, live_server, path: str, locale: str) -> tuple[int, int, list[str]]:
    context = browser.new_context(base_url=live_server, locale=locale)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        page.goto(path)
        if path == "/map/":
            page.frame_locator("#map-frame").locator("path.province-shape").first.wait_for()
        page.wait_for_load_state("networkidle")
        raw = compressed = 0
        lines = []
        for response in responses:
            if response.status >= 300:
                continue
            try:
                body = response.body()
            except Exception:  # the map's frame document: fetched again, as the browser did
                body = page.request.get(response.url).body()
            kind = response.headers.get("content-type", "")
            size = len(body) if kind.startswith(ALREADY_COMPRESSED) else len(gzip.compress(body, 6))
            raw += len(body)
            compressed += size
            lines.append(f"{size:>9,} {response.url.removeprefix(live_server)}")
        return raw, compressed, lines
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en-US", "km-KH"])
@pytest.mark.parametrize("path", list(BUDGETS))
def test_a_first_visit_stays_within_its_budget(browser, live_server, path, locale):
    raw, compressed, lines = _first_visit(browser, live_server, path, locale)
    report = f"{path} ({locale}): {compressed:,} bytes compressed, {raw:,} raw\n" + "\n".join(lines)
    print(report)
    assert compressed <= BUDGETS[path], report
