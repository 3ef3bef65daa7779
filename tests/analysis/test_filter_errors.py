"""A wrong filter on the builder's page is named beside its own field, not in a list above."""

import re


def _field(html: str, field_id: str) -> str:
    """The filter's column: from its label to the end of its box."""
    start = html.index(f'for="{field_id}"')
    return html[start : html.index("</div>", start)]


def test_a_wrong_year_filter_is_shown_beside_its_field(client):
    response = client.get("/analysis/?rows=partner&measure=commitment&year_from=abc&year_to=1800")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for field_id in ("f-from", "f-to"):
        box = _field(html, field_id)
        assert f'id="{field_id}-error"' in box
        assert 'aria-invalid="true"' in box and "is-invalid" in box
    assert "Some filters are not valid" not in html
    # The fields without a fault stay as they were.
    assert "is-invalid" not in _field(html, "f-partner")


def test_pages_that_pass_no_errors_show_none(client):
    html = client.get("/projects/?year_from=abc").get_data(as_text=True)
    assert "f-from" in html
    assert not re.search(r'id="f-[a-z]+-error"', html)
    assert "is-invalid" not in _field(html, "f-from")
