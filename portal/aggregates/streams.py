"""The money of funding sources for the aggregates (see portal/projects/sources.py).

Without the `source` dimension every measure is the reporting partner's, as it always was:
commitment, disbursed and planned are the project's stored figures and yearly rows, and the
measures `signed` (commitments signed in a year) and `expenditure` read the reporting source's
rows. With the `source` dimension each kind of source (reporting, cofinancier, counterpart,
national) is a row of its own money: the reporting row is the figures above, to the cent; the
other rows sum their sources' yearly amounts, where a source's commitment is what it signed.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, and_, case, cast, func, null, select, true, type_coerce

from portal.projects.sources import REPORTING, FundingSource, SourceFunding

# The measures read from source_funding for the reporting partner, and the kind of each.
REPORTING_KINDS = {"signed": "commitment", "expenditure": "expenditure"}
# The kind of money each measure sums for a source other than the reporting partner.
OTHER_KINDS = {
    "commitment": "commitment",
    "signed": "commitment",
    "disbursed": "disbursement",
    "planned": "planned",
    "expenditure": "expenditure",
}


def _cents(column):
    return type_coerce(column, BigInteger)


def _in_years(year: int | None, last: int | None):
    return true() if year is None else SourceFunding.year.between(year, last)


BEFORE = "_before"  # the suffix of a measure's cents of the years before those asked


def reporting_money(
    measures: list[str], year: int | None, last: int | None, *, before: bool = False
):
    """Subquery (project_id, each measure's cents) of the reporting partners' signed
    commitments and expenditure, in those years (all years when `year` is None); with
    `before`, also each measure's cents of the earlier years (`<measure>_before`)."""
    amount = _cents(SourceFunding.amount_usd)

    def summed(measure: str, within):
        return cast(
            func.sum(case(((SourceFunding.kind == REPORTING_KINDS[measure]) & within, amount))),
            BigInteger,
        )

    if before and year is not None:
        columns = [summed(m, SourceFunding.year >= year).label(m) for m in measures]
        columns += [summed(m, SourceFunding.year < year).label(m + BEFORE) for m in measures]
        years = SourceFunding.year <= last
    else:
        columns = [summed(m, true()).label(m) for m in measures]
        years = _in_years(year, last)
    return (
        select(FundingSource.project_id, *columns)
        .join(FundingSource, FundingSource.id == SourceFunding.source_id)
        .where(
            FundingSource.kind == REPORTING,
            SourceFunding.kind.in_([REPORTING_KINDS[m] for m in measures]),
            years,
        )
        .group_by(FundingSource.project_id)
        .subquery("source_money")
    )


def reporting_by_year(measures: list[str], ids, span: tuple[int, int] | None):
    """SELECT (year, kind, cents) of the reporting partners' signed commitments and
    expenditure; `ids` (a SELECT of project ids) limits the projects when given."""
    statement = (
        select(
            SourceFunding.year,
            SourceFunding.kind,
            func.sum(_cents(SourceFunding.amount_usd)),
        )
        .join(FundingSource, FundingSource.id == SourceFunding.source_id)
        .where(
            FundingSource.kind == REPORTING,
            SourceFunding.kind.in_([REPORTING_KINDS[m] for m in measures]),
        )
        .group_by(SourceFunding.year, SourceFunding.kind)
    )
    if ids is not None:
        statement = statement.where(FundingSource.project_id.in_(ids))
    if span is not None:
        statement = statement.where(SourceFunding.year.between(*span))
    return statement


def other_sources(measures: list[str], ids, year: int | None, last: int | None):
    """SELECT (source kind, each measure's cents, projects) of the sources other than the
    reporting partner of the projects `ids` selects (None: every project); a project counts in
    each kind of source it has, with money in those years or not."""
    amount = _cents(SourceFunding.amount_usd)
    joined = and_(SourceFunding.source_id == FundingSource.id, _in_years(year, last))
    statement = (
        select(
            FundingSource.kind,
            *(
                cast(func.sum(case((SourceFunding.kind == OTHER_KINDS[m], amount))), BigInteger)
                if m in OTHER_KINDS
                # The grant equivalent: only the reporting partner's loan has terms.
                else cast(null(), BigInteger)
                for m in measures
            ),
            func.count(func.distinct(FundingSource.project_id)),
        )
        .select_from(FundingSource)
        .outerjoin(SourceFunding, joined)
        .where(FundingSource.kind != REPORTING)
        .group_by(FundingSource.kind)
    )
    return statement if ids is None else statement.where(FundingSource.project_id.in_(ids))
