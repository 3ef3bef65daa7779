"""A project's sectors, locations and yearly funding from its rows on the other sheets.

Each function takes what the project has and its rows, and returns the new list and the
problems found as (row number, column key, message). A blank value cell keeps the value the
project has for the same sector, place or (year, kind, currency); a blank key cell is refused.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.projects import services
from portal.projects.sources import MONEY_KIND, PROJECT_FUNDING_KINDS
from portal.spreadsheets.reading import SheetRow

BLANK = _l("This cell cannot be blank.")

ELSEWHERE = _l(
    "Commitments signed in a year and expenditure go on the Money by source sheet, with their "
    "source."
)

Problem = tuple[int, str, object]  # (row number, column key, message: a lazy string)


def _blank_keys(row: SheetRow, keys, problems: list[Problem]) -> bool:
    """Note each key cell left blank; say whether there was any."""
    absent = [key for key in keys if row.values.get(key) is None]
    problems.extend((row.number, key, BLANK) for key in absent)
    return bool(absent)


def sectors_from_rows(current: list, rows: list[SheetRow]):
    """The sector shares the rows give, keeping current shares where a cell is blank."""
    before = {share.sector_code: share.percentage for share in current}
    shares: list[services.SectorShare] = []
    problems: list[Problem] = []
    for row in rows:
        if _blank_keys(row, ("sector",), problems):
            continue
        code = str(row.values["sector"])
        percentage = row.values.get("percentage")
        percentage = before.get(code) if percentage is None else percentage
        if percentage is None:
            problems.append((row.number, "percentage", _l("Give the share.")))
            continue
        shares.append(services.SectorShare(code, percentage))
    return shares, problems


def locations_from_rows(current: list, rows: list[SheetRow]):
    """The location shares the rows give, keeping current shares where a cell is blank."""
    before = {(loc.province_code, loc.district_code): loc.percentage for loc in current}
    shares: list[services.LocationShare] = []
    problems: list[Problem] = []
    for row in rows:
        if _blank_keys(row, ("province",), problems):
            continue
        district = row.values.get("district")
        place = (str(row.values["province"]), str(district) if district is not None else None)
        percentage = row.values.get("percentage")
        percentage = before.get(place) if percentage is None else percentage
        if percentage is None:
            problems.append((row.number, "percentage", _l("Give the share.")))
            continue
        shares.append(services.LocationShare(place[0], percentage, place[1]))
    return shares, problems


def funding_from_rows(current: list, rows: list[SheetRow]):
    """The yearly amounts the rows give, keeping current amounts where a cell is blank."""
    before = {(f.year, f.kind, f.currency): f.amount for f in current}
    amounts: list[services.YearAmount] = []
    problems: list[Problem] = []
    for row in rows:
        if _blank_keys(row, ("year", "kind", "currency"), problems):
            continue
        key = (row.values["year"], str(row.values["kind"]), str(row.values["currency"]))
        if key[1] in MONEY_KIND and key[1] not in PROJECT_FUNDING_KINDS:
            problems.append((row.number, "kind", ELSEWHERE))
            continue
        amount = row.values.get("amount")
        amount = before.get(key) if amount is None else amount
        if amount is None:
            problems.append((row.number, "amount", _l("Enter an amount.")))
            continue
        amounts.append(services.YearAmount(key[0], key[1], amount, key[2]))
    return amounts, problems


FROM_ROWS = {
    "sectors": sectors_from_rows,
    "locations": locations_from_rows,
    "funding": funding_from_rows,
}
