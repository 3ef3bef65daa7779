"""Reporting periods: quarters ('2025-Q1') and semesters ('2025-S1') of the calendar year.

Cambodia's fiscal year is the calendar year, so Q1 is January to March and S1 January to June.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

# A report is on time when it arrives within this many days after its period ends.
REPORTING_GRACE_DAYS = 30

_PATTERN = re.compile(r"^\s*(\d{4})\s*-?\s*([QqSs])\s*([1-4])\s*$")
_LETTER = {"quarter": "Q", "semester": "S"}
_MONTHS = {"quarter": 3, "semester": 6}
_COUNT = {"quarter": 4, "semester": 2}


@dataclass(frozen=True, order=True)
class Period:
    """One quarter or semester of a calendar year."""

    year: int
    number: int
    kind: str = "quarter"

    @property
    def code(self) -> str:
        return f"{self.year}-{_LETTER[self.kind]}{self.number}"

    @property
    def start(self) -> date:
        return date(self.year, (self.number - 1) * _MONTHS[self.kind] + 1, 1)

    @property
    def end(self) -> date:
        month = self.number * _MONTHS[self.kind]
        return date(self.year, month, monthrange(self.year, month)[1])

    @property
    def due(self) -> date:
        """The last day a report for this period counts as on time."""
        return self.end + timedelta(days=REPORTING_GRACE_DAYS)

    def __str__(self) -> str:
        return self.code


def parse(text: str, kind: str | None = None) -> Period:
    """Read '2025-Q1' or '2025-S2' (of `kind` when given); raise ValueError otherwise."""
    match = _PATTERN.match(text or "")
    if not match:
        raise ValueError(text)
    year, letter, number = int(match[1]), match[2].upper(), int(match[3])
    found = "quarter" if letter == "Q" else "semester"
    if kind is not None and found != kind:
        raise ValueError(text)
    if number > _COUNT[found] or not (1990 <= year <= 2100):
        raise ValueError(text)
    return Period(year, number, found)


def containing(day: date, kind: str) -> Period:
    """The period of `kind` that `day` falls in."""
    return Period(day.year, (day.month - 1) // _MONTHS[kind] + 1, kind)


def sort_key(code: str) -> tuple[int, int]:
    """Order period codes in time; unreadable codes go first."""
    try:
        period = parse(code)
    except ValueError:
        return (0, 0)
    return (period.year, period.number)
