"""A yearly exchange-rate table loaded at once from a CSV file (CDC's source, the OECD's annual
DAC exchange rates or the IMF's, copied into three columns).

The format, documented on the exchange-rate page and in the README: UTF-8 text, comma or
semicolon separated, a header row naming the columns `currency` (ISO 4217 code), `year` and
`units_per_usd` (how many units one US dollar bought on average that year; a decimal point),
and optionally `source`. The OECD's and SDMX's own names are read too (`TIME_PERIOD` for the
year, `OBS_VALUE` or `value` for the rate). Every row is checked first; one wrong row changes
nothing and the answer lists every wrong row with its line. Then each rate is set as if typed
(audited, and the stored USD values of that currency and year follow).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.money.models import Currency
from portal.money.services import USD, set_rate

MAX_ROWS = 20000
COLUMNS = {
    "currency": ("currency", "currency_code", "code"),
    "year": ("year", "time_period", "time"),
    "units_per_usd": ("units_per_usd", "rate", "obs_value", "value"),
    "source": ("source",),
}


@dataclass
class TableInvalid(ValueError):
    """What is wrong, each with the line of the file it is on (0 for the file as a whole)."""

    problems: list[tuple[int, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{line}: {message}" for line, message in self.problems)


@dataclass(frozen=True)
class TableRow:
    line: int
    currency: str
    year: int
    units_per_usd: Decimal
    source: str | None


def read_table(data: bytes) -> list[TableRow]:
    """The rows of a rate table file; raise TableInvalid listing every problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableInvalid([(0, str(_l("The file is not UTF-8 text.")))]) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise TableInvalid([(0, str(_l("The file is empty.")))])
    names = [name.strip().lower() for name in header]
    position = {}
    for key, aliases in COLUMNS.items():
        found = next((names.index(a) for a in aliases if a in names), None)
        if found is not None:
            position[key] = found
    missing = [key for key in ("currency", "year", "units_per_usd") if key not in position]
    if missing:
        raise TableInvalid(
            [
                (
                    1,
                    str(
                        _l(
                            "The header row needs the columns currency, year and "
                            "units_per_usd; missing: %(names)s.",
                            names=", ".join(missing),
                        )
                    ),
                )
            ]
        )
    known = set(db.session.scalars(select(Currency.code)))
    rows: list[TableRow] = []
    problems: list[tuple[int, str]] = []
    seen: dict[tuple[str, int], int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(
                (line, str(_l("More than %(num)s rows: split the file.", num=MAX_ROWS)))
            )
            break

        def cell(key: str, cells=cells) -> str:
            index = position.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        currency = cell("currency").upper()
        if currency not in known:
            problems.append((line, str(_l("%(code)s is not a known currency.", code=currency))))
            continue
        if currency == USD:
            problems.append(
                (line, str(_l("The US dollar is the reference currency; its rate is always 1.")))
            )
            continue
        try:
            year = int(cell("year")[:4])
        except ValueError:
            problems.append((line, str(_l("Give a calendar year, e.g. 2024."))))
            continue
        if not 1950 <= year <= 2100:
            problems.append((line, str(_l("Give a calendar year between 1950 and 2100."))))
            continue
        try:
            rate = Decimal(cell("units_per_usd").replace(" ", ""))
        except InvalidOperation:
            problems.append((line, str(_l("Enter the rate as a number, e.g. 4100 or 0.92."))))
            continue
        if not rate.is_finite() or rate <= 0:
            problems.append((line, str(_l("A rate must be greater than zero."))))
            continue
        if (currency, year) in seen:
            problems.append(
                (
                    line,
                    str(
                        _l(
                            "%(code)s %(year)s is already on line %(line)s.",
                            code=currency,
                            year=year,
                            line=seen[(currency, year)],
                        )
                    ),
                )
            )
            continue
        seen[(currency, year)] = line
        rows.append(TableRow(line, currency, year, rate, cell("source")[:255] or None))
    if problems:
        raise TableInvalid(problems)
    if not rows:
        raise TableInvalid([(0, str(_l("The file has no rates.")))])
    return rows


def load_table(data: bytes, *, source: str | None = None, actor=None) -> int:
    """Set every rate of the file (all or nothing); return how many."""
    rows = read_table(data)
    for row in rows:
        set_rate(
            row.currency, row.year, row.units_per_usd, source=row.source or source, actor=actor
        )
    return len(rows)
