"""The builder's table writes every figure exactly as the `money` filter does, in each language."""

from decimal import Decimal

import pytest
from flask import g

from portal.analysis.numbers import cell_writer, money_text
from portal.reference.services import set_khmer_digits
from portal.templating import money

AMOUNTS = [
    Decimal("0.00"),
    Decimal("0.05"),
    Decimal("12.30"),
    Decimal("999.99"),
    Decimal("1000.00"),
    Decimal("1234567.89"),
    Decimal("-0.01"),
    Decimal("-98765432.10"),
    Decimal("123456789012.34"),
]


@pytest.mark.parametrize("language, khmer_digits", [("en", False), ("km", False), ("km", True)])
def test_amounts_read_as_the_money_filter_writes_them(app, language, khmer_digits):
    if khmer_digits:
        set_khmer_digits(True, actor=None)
    with app.test_request_context(f"/?lang={language}", headers={"Accept-Language": language}):
        g.pop("khmer_digits", None)
        write = money_text()
        for amount in AMOUNTS:
            assert write(amount) == money(amount), (language, amount)
        if khmer_digits:
            assert write(Decimal("1234.50")) == money(Decimal("1234.50")) != "1,234.50"


def test_cells_are_shares_counts_or_money(app):
    with app.test_request_context("/"):
        assert cell_writer("row", "commitment")(Decimal("12.5")) == "12.5&nbsp;%"
        assert cell_writer("", "projects")(7) == "7"
        assert cell_writer("", "disbursed")(Decimal("1234.5")) == "1,234.50"
        assert cell_writer("column", "disbursed")(None) == "—"
