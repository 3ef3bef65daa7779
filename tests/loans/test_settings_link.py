"""CDC finds the grant element settings among its reference data, with the values in force."""

from lxml import html


def _page(client, url):
    return html.fromstring(client.get(url).get_data(as_text=True))


def _entry(client):
    found = _page(client, "/admin/reference/").xpath('//a[@id="reference-loan-settings"]')
    assert len(found) == 1
    return found[0]


def _text(element) -> str:
    return " ".join(element.text_content().split())


def test_the_reference_index_links_to_the_settings_with_the_current_values(client, login_as):
    login_as("cdc")
    entry = _entry(client)
    assert entry.get("href") == "/loans/settings"
    assert "Grant element of loans" in _text(entry)
    assert "Discount rate 10 %, concessional from a grant element of 35 %" in _text(entry)
    saved = client.post("/loans/settings", data={"discount_rate": "5", "threshold": "42.5"})
    assert saved.status_code == 302
    assert "Discount rate 5 %, concessional from a grant element of 42.5 %" in _text(_entry(client))
    # The settings page leads back to the reference data.
    back = _page(client, "/loans/settings")
    assert back.xpath('//nav[@aria-label="Breadcrumb"]//a[@href="/admin/reference/"]')
