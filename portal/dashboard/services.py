"""What the funding dashboard shows, all from the one aggregate service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast

from flask import render_template
from markupsafe import Markup

from portal import changes
from portal.aggregates.grants import GRANT_EQUIVALENT
from portal.aggregates.labels import key_labels
from portal.aggregates.services import MEASURES, Row, totals
from portal.aggregates.summary import aggregate, kept_scope
from portal.extensions import db
from portal.i18n import current_locale, khmer_digits_on
from portal.projects.queries import ProjectFilters

TOP = 10


@dataclass
class Bar:
    """One labelled bar of a chart, with the figures of its table."""

    label: str
    value: Decimal
    projects: int = 0
    secondary: Decimal | None = None


def default_year() -> int:
    """The last complete calendar year."""
    return date.today().year - 1


def top_bars(labelled: list[tuple[str, Row]], measure: str, *, limit: int = TOP) -> list[Bar]:
    """Draw (label, row) pairs with some of `measure` as bars; sum those past `limit` as Others."""
    from flask_babel import gettext as _

    shown = [(label, r) for label, r in labelled if r.value(measure) > 0]
    result = [Bar(label, r.value(measure), r.project_count) for label, r in shown[:limit]]
    rest = [r for _label, r in shown[limit:]]
    if rest:
        result.append(
            Bar(_("Others (%(n)s)", n=len(rest)), sum((r.value(measure) for r in rest), Decimal(0)))
        )
    return result


def bars(
    rows: list[Row],
    dimension: str,
    measure: str,
    locale: str,
    *,
    limit: int = TOP,
    keep_order: bool = False,
) -> list[Bar]:
    """The largest `limit` rows of a measure as labelled bars (the rest summed as 'Others')."""
    from flask_babel import gettext as _

    chosen = rows if keep_order else sorted(rows, key=lambda r: -r.value(measure))
    chosen = [r for r in chosen if r.value(measure) > 0]
    labels = key_labels(dimension, [r.key for r in chosen], locale)
    return top_bars(
        [
            (labels.get(r.key, str(r.key) if r.key is not None else _("Not given")), r)
            for r in chosen
        ],
        measure,
        limit=limit,
    )


def dashboard(user, filters: ProjectFilters, year: int, locale: str, loans=None) -> dict:
    """Key figures for `year`, the trend over years and the top groups, with their tables.

    `loans` are the loan rows of the filtered projects when the caller has read them (the
    grant equivalent is worked out from them, as the loans' own figures are).
    """
    trend_rows = sorted(
        (
            r
            for r in aggregate(user, filters, "year", measures=("disbursed", "planned"))
            if r.key is not None
        ),
        key=lambda r: cast(int, r.key),  # the year
    )
    by_partner = aggregate(
        user, filters, "partner", year=year, measures=(*MEASURES, GRANT_EQUIVALENT), loans=loans
    )
    total = totals(by_partner)
    budget = {
        r.key: r.disbursed
        for r in aggregate(
            user, filters, "on_budget", year=year, measures=("disbursed",), counts=False
        )
    }
    on_budget_share = (
        round(100 * budget.get(True, Decimal(0)) / total.disbursed) if total.disbursed else None
    )
    trend = [
        Bar(str(r.key), r.disbursed, secondary=r.planned)
        for r in trend_rows
        if r.disbursed or r.planned
    ]
    return {
        "year": year,
        "key": {
            "disbursed": total.disbursed,
            "planned": total.planned,
            "commitment": total.commitment,
            "grant_equivalent": total.grant_equivalent,
            "partners": sum(1 for r in by_partner if r.disbursed or r.planned),
            "on_budget_share": on_budget_share,
        },
        "trend": trend,
        "charts": [
            ("partners", bars(by_partner, "partner", "disbursed", locale)),
            (
                "sectors",
                bars(
                    aggregate(
                        user, filters, "category", year=year, measures=("disbursed",), counts=False
                    ),
                    "category",
                    "disbursed",
                    locale,
                ),
            ),
            (
                "provinces",
                bars(
                    aggregate(
                        user, filters, "province", year=year, measures=("disbursed",), counts=False
                    ),
                    "province",
                    "disbursed",
                    locale,
                ),
            ),
            (
                "assistance",
                bars(
                    aggregate(
                        user,
                        filters,
                        "assistance",
                        year=year,
                        measures=("disbursed",),
                        counts=False,
                    ),
                    "assistance",
                    "disbursed",
                    locale,
                ),
            ),
        ],
    }


def dashboard_html(args, user) -> Markup:
    """The dashboard's filters and figures (dashboard/_dashboard.html) for a request's year and
    filters, drawn as HTML.

    The public and CDC, with no filter but a province, share their figures with every reader
    of their kind: theirs are drawn once per data version, year, province and language, and
    kept in the process (`changes.per_version`); any change of the data draws them afresh.
    Other readers' are drawn for each request."""
    filters = ProjectFilters.from_args(args)
    scope = kept_scope(user, filters)

    def draw() -> Markup:
        return Markup(render_template("dashboard/_dashboard.html", **dashboard_context(args, user)))

    if scope is None:
        return draw()
    public, within = scope
    year = _year(args)
    digits = khmer_digits_on()
    name = f"dashboard:{'public' if public else 'cdc'}:{within}:{year}:{current_locale()}:{digits}"
    return changes.per_version(db.session, name, draw)


def _year(args) -> int:
    """The year a dashboard shows: the one asked for (1990 to 2100), else the last complete."""
    year = args.get("year", type=int) or default_year()
    return min(max(year, 1990), 2100)


def dashboard_context(args, user) -> dict:
    """The dashboard's figures for a request's year and filters."""
    from portal.loans import queries as loan_queries
    from portal.loans import services as loan_services
    from portal.projects.queries import filter_options, filtered

    filters = ProjectFilters.from_args(args)
    year = _year(args)
    from portal.rounds.predictability import for_reader

    # The loans' figures and their grant equivalents are summed in SQL (every loan the reader
    # may see), from each set of terms' grant element.
    return {
        "data": dashboard(user, filters, year, current_locale()),
        "predictability": for_reader(user, year),
        "loans": loan_queries.figures_of(filtered(user, filters)),
        "loan_settings": loan_services.concessionality(None),
        "filters": filters,
        "options": filter_options(),
        "years": range(2031, 1994, -1),
    }
