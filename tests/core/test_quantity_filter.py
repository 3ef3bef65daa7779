"""Numbers of things (projects, loans, rows) read as people write them: grouped in the
interface language, in Khmer digits when CDC chose them, like the money beside them."""

from __future__ import annotations

import flask_babel
import pytest
from flask import g, render_template, render_template_string

from portal.loans import services as loan_services
from portal.loans.queries import LoanFigures
from portal.reference.services import set_khmer_digits
from portal.templating import counted


def _render(app, locale: str, render, khmer_digits: bool = False) -> str:
    if khmer_digits:
        set_khmer_digits(True, actor=None)
    with app.test_request_context(headers={"Accept-Language": locale}):
        flask_babel.refresh()  # the test's app context would keep the last language
        g.pop("khmer_digits", None)  # and the last reading of the setting
        return render()


@pytest.mark.parametrize(
    "locale, khmer_digits, expected",
    [
        ("en", False, "12,345"),
        ("km", False, "12,345"),
        ("km", True, "១២,៣៤៥"),
        ("en", True, "12,345"),  # the English interface keeps Western digits
    ],
)
def test_a_count_is_grouped_in_the_interface_language(app, locale, khmer_digits, expected):
    shown = _render(
        app, locale, lambda: render_template_string("{{ n|quantity }}", n=12345), khmer_digits
    )
    assert shown == expected


def test_small_counts_and_none(app):
    assert (
        _render(app, "en", lambda: render_template_string("{{ 0|quantity }}|{{ 999|quantity }}"))
        == "0|999"
    )
    assert _render(app, "en", lambda: render_template_string("{{ n|quantity }}", n=None)) == ""
    assert (
        _render(app, "en", lambda: render_template_string("{{ 1234567|quantity }}")) == "1,234,567"
    )


@pytest.mark.parametrize(
    "locale, khmer_digits, count, measured",
    [("en", False, "18,728", "1,502"), ("km", True, "១៨,៧២៨", "១,៥០២")],
)
def test_the_dashboard_loans_card_groups_its_counts(app, locale, khmer_digits, count, measured):
    loans = LoanFigures(loans=18728, with_grant_element=1502)

    def card() -> str:
        return render_template(
            "loans/_dashboard.html",
            loans=loans,
            loan_settings=loan_services.concessionality(None),
        )

    page = _render(app, locale, card, khmer_digits)
    assert "18728" not in page and "1502" not in page
    assert count in page and measured in page
    if locale == "en":
        assert "18,728 loans among the projects shown" in page
        assert "1,502 with terms that give a grant element" in page


@pytest.mark.parametrize(
    "locale, khmer_digits, number, expected",
    [
        ("en", False, 1, "1 project saved."),
        ("en", False, 1204, "1,204 projects saved."),
        ("km", False, 1204, "បានរក្សាទុកគម្រោង 1,204។"),
        ("km", True, 1204, "បានរក្សាទុកគម្រោង ១,២០៤។"),
    ],
)
def test_a_count_in_a_message_is_translated_and_grouped(
    app, locale, khmer_digits, number, expected
):
    def message() -> str:
        return counted("%(num)s project saved.", "%(num)s projects saved.", number)

    assert _render(app, locale, message, khmer_digits) == expected
