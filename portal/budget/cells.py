"""A project's budget codes as one text cell ("12.01 60; 12.02 40"): written and read back.

The cell is what the project list download writes and what the spreadsheet round trip reads:
each code followed by its share in percent, codes separated by semicolons.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from portal.budget.services import BudgetShare

_PART = re.compile(r"^(\S+)\s+(\S+?)\s*%?$")


def percent_text(value: Decimal) -> str:
    """A share without trailing zeros: 60, 33.33, 12.5."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def codes_text(lines) -> str:
    """The cell of a project's budget lines, largest share order as stored; '' for none."""
    return "; ".join(f"{line.node.code} {percent_text(line.percentage)}" for line in lines)


class CellInvalid(ValueError):
    """The cell cannot be read as budget codes with shares (the message says why)."""


def parse_codes(text: str) -> list[BudgetShare]:
    """Read "CODE SHARE; CODE SHARE" into shares; refuses a part without a number (CellInvalid).

    A lone code with no share takes the whole (100). The shares' rules (sum, codes in force,
    the lead ministry's) are the service's to check.
    """
    parts = [part.strip() for part in re.split(r"[;\n]", text or "") if part.strip()]
    shares: list[BudgetShare] = []
    for part in parts:
        if len(parts) == 1 and not any(c.isspace() for c in part):
            shares.append(BudgetShare(part, Decimal(100)))
            continue
        match = _PART.match(part)
        if match is None:
            raise CellInvalid(
                _(
                    'Write each budget code with its share, e.g. "12.01 60; 12.02 40" '
                    "(not %(part)s).",
                    part=part,
                )
            )
        code, number = match.groups()
        try:
            percentage = Decimal(number.replace(",", "."))
        except InvalidOperation:
            raise CellInvalid(
                _("%(number)s is not a share in percent (for %(code)s).", number=number, code=code)
            )
        if not percentage.is_finite():
            raise CellInvalid(
                _("%(number)s is not a share in percent (for %(code)s).", number=number, code=code)
            )
        shares.append(BudgetShare(code, percentage))
    return shares
