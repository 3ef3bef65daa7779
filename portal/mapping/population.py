"""Population by province and year: CSV upload (all or nothing) and look-ups for per capita."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.audit.services import record
from portal.extensions import db
from portal.mapping.boundaries import code_in
from portal.mapping.models import ProvincePopulation
from portal.reference.models import Province

REQUIRED_COLUMNS = ("code", "year", "population")
MAX_ROWS = 20_000
FIRST_YEAR, LAST_YEAR = 1950, 2100


@dataclass(frozen=True)
class PopulationRow:
    code: str
    year: int
    population: int


class PopulationCsvError(ValueError):
    """The file was refused; `errors` says why, row by row (nothing was saved)."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PopulationCsvError([_("The file is not UTF-8 text. Save it as CSV (UTF-8).")])


def _whole(text: str) -> int | None:
    cleaned = text.strip().replace(",", "").replace(" ", "").replace("_", "")
    return int(cleaned) if cleaned.isdigit() else None


def parse_csv(data: bytes | str, known_codes: set[str]) -> list[PopulationRow]:
    """Read code,year,population rows; refuse the whole file with every row's problem."""
    text = _text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [column.strip().lower() for column in next(reader, [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise PopulationCsvError(
            [
                _(
                    "Row 1: the header must name the columns code, year and population "
                    "(missing: %(missing)s).",
                    missing=", ".join(missing),
                )
            ]
        )
    where = {column: header.index(column) for column in REQUIRED_COLUMNS}
    rows: list[PopulationRow] = []
    errors: list[str] = []
    seen: dict[tuple[str, int], int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(_("The file has more than %(n)s rows.", n=MAX_ROWS))
            break
        cells = cells + [""] * (len(header) - len(cells))
        raw_code, raw_year, raw_population = (cells[where[c]].strip() for c in REQUIRED_COLUMNS)
        code = code_in(raw_code)
        year = _whole(raw_year)
        population = _whole(raw_population)
        problems = []
        if code not in known_codes:
            problems.append(
                _("the province code “%(code)s” is not in the gazetteer", code=raw_code)
            )
        if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
            problems.append(
                _(
                    "the year “%(year)s” is not a whole number from %(first)s to %(last)s",
                    year=raw_year,
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                )
            )
        if population is None or population <= 0:
            problems.append(
                _(
                    "the population “%(value)s” is not a whole number above zero",
                    value=raw_population,
                )
            )
        if problems:
            errors.append(_("Row %(row)s: %(problems)s.", row=number, problems="; ".join(problems)))
            continue
        if code is None or year is None or population is None:
            raise AssertionError("the checks above refuse a row without these")
        if (code, year) in seen:
            problem = _(
                "province %(code)s in %(year)s is also on row %(row)s",
                code=code,
                year=year,
                row=seen[(code, year)],
            )
            errors.append(_("Row %(row)s: %(problems)s.", row=number, problems=problem))
            continue
        seen[(code, year)] = number
        rows.append(PopulationRow(code, year, population))
    if not rows and not errors:
        errors.append(_("The file has no rows under its header."))
    if errors:
        raise PopulationCsvError(errors)
    return rows


def import_csv(data: bytes | str, *, actor=None) -> dict[str, int]:
    """Add or replace the figures of a CSV (flushed); refuses the whole file on any error."""
    known = set(db.session.scalars(select(Province.code)))
    rows = parse_csv(data, known)
    existing = {
        (p.province_code, p.year): p
        for p in db.session.scalars(
            select(ProvincePopulation).where(
                ProvincePopulation.year.in_({row.year for row in rows})
            )
        )
    }
    added = changed = 0
    for row in rows:
        current = existing.get((row.code, row.year))
        if current is None:
            db.session.add(
                ProvincePopulation(
                    province_code=row.code,
                    year=row.year,
                    population=row.population,
                    updated_by_id=getattr(actor, "id", None),
                )
            )
            added += 1
        elif current.population != row.population:
            current.population = row.population
            current.updated_by_id = getattr(actor, "id", None)
            changed += 1
    db.session.flush()
    counts = {"rows": len(rows), "added": added, "changed": changed}
    record("population.import", user=actor, object_type="ProvincePopulation", **counts)
    return counts


def has_population() -> bool:
    """Say whether any population figure exists (the per-capita measure needs one)."""
    return db.session.scalar(select(ProvincePopulation.id).limit(1)) is not None


def years() -> list[int]:
    """Return the years with population figures, latest first."""
    statement = select(ProvincePopulation.year).distinct().order_by(ProvincePopulation.year.desc())
    return list(db.session.scalars(statement))


def year_for(target: int | None) -> int | None:
    """Pick the population year: the latest at or before `target` (else the earliest)."""
    available = years()
    if not available:
        return None
    if target is None:
        return available[0]
    earlier = [year for year in available if year <= target]
    return earlier[0] if earlier else available[-1]


def by_province(year: int) -> dict[str, int]:
    """Return {province code: population} for one year."""
    statement = select(ProvincePopulation.province_code, ProvincePopulation.population).where(
        ProvincePopulation.year == year
    )
    return dict(db.session.execute(statement).all())


def table() -> dict[str, dict[int, int]]:
    """Return every figure as {province code: {year: population}}, for the upload page."""
    out: dict[str, dict[int, int]] = {}
    for code, year, population in db.session.execute(
        select(
            ProvincePopulation.province_code, ProvincePopulation.year, ProvincePopulation.population
        )
    ):
        out.setdefault(code, {})[year] = population
    return out


def count() -> int:
    """Count the figures the table holds."""
    return db.session.scalar(select(func.count()).select_from(ProvincePopulation)) or 0
