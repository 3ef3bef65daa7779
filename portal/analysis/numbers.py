"""The answer's figures as the page writes them, quickly: a big table has tens of thousands.

`money_text` gives exactly what the templates' `money` filter gives (babel's "#,##0.00" in the
interface language, Khmer digits when CDC chose them), but reads the language's symbols once
instead of formatting each figure through babel.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask_babel import get_locale
from markupsafe import Markup

from portal.i18n import localize_digits

DIGITS = "0123456789"


def money_text() -> Callable[[Decimal | int], str]:
    """A function writing an amount as the `money` filter does, in the current language."""
    symbols = get_locale().number_symbols
    symbols = symbols.get("latn", symbols)
    characters = str.maketrans(
        {",": symbols.get("group", ","), ".": symbols.get("decimal", ".")}
        | dict(zip(DIGITS, localize_digits(DIGITS), strict=True))
    )
    minus = symbols.get("minusSign", "-").translate(characters)

    def write(amount: Decimal | int) -> str:
        text = f"{abs(Decimal(amount)):,.2f}".translate(characters)
        return f"{minus}{text}" if amount < 0 else text

    return write


def cell_writer(share: str, measure: str) -> Callable[[Decimal | int | None], str]:
    """How a cell is written: a share as "12.5 %", a count as is, money as money; none "—"."""
    money = money_text()

    def write(value: Decimal | int | None) -> str:
        if value is None:
            return "—"
        if share:
            return Markup("{}&nbsp;%").format(value)
        if measure == "projects":
            return str(value)
        return money(value)

    return write
