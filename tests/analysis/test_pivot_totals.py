"""The report builder's totals equal the project list's and the aggregate service's, to the cent."""

import random
from decimal import Decimal

import pytest

from portal.aggregates.services import DIMENSIONS, aggregate
from portal.analysis.pivot import MONEY_MEASURES, Question, pivot
from portal.demo.projects import seed_projects
from portal.demo.services import seed_organizations, seed_rates
from portal.projects import queries, services
from tests import factories

FILTERS = {
    "sector": ["", "122", "140", "12220", "151"],
    "province": ["", "12", "17", "02"],
    "status": ["", "2", "3"],
    "assistance": ["", "grant", "loan"],
    "year_from": [None, 2010, 2020],
}


@pytest.fixture
def cdc():
    return factories.user(role="cdc")


@pytest.fixture
def demo():
    seed_organizations()
    seed_rates()
    seed_projects(120)


def _service(user, filters, dimension, measure, span=(None, None)) -> dict:
    """The aggregate service's figure of each group (rows with money or projects)."""
    rows = aggregate(user, filters, dimension, year=span[0], year_to=span[1])
    if measure == "projects":
        return {r.key: r.project_count for r in rows if r.project_count}
    return {r.key: r.value(measure) for r in rows if r.value(measure)}


def _nonzero(values: dict) -> dict:
    return {k: v for k, v in values.items() if v}


def test_random_questions_add_up_to_the_list_and_the_service(cdc, demo):
    randomness = random.Random(21)
    for attempt in range(14):
        filters = queries.ProjectFilters(**{k: randomness.choice(v) for k, v in FILTERS.items()})
        dimensions = randomness.sample(DIMENSIONS, randomness.choice([2, 2, 3]))
        rows, columns = dimensions[:-1], dimensions[-1:]
        measure = MONEY_MEASURES[attempt % 3]
        answer = pivot(cdc, Question(rows, columns, measure=measure, filters=filters))
        listed = queries.totals(queries.filtered(cdc, filters))
        expected = {
            "commitment": listed.commitment_usd,
            "disbursed": listed.disbursed_usd,
            "planned": listed.planned_usd,
        }[measure]
        label = (filters, dimensions, measure)
        assert answer.total == expected, label
        # Each column total is the service's figure of that group, to the cent.
        by_column = {k[0]: v for k, v in answer.column_totals.items()}
        assert _nonzero(by_column) == _service(cdc, filters, columns[0], measure), label
        if len(rows) == 1:
            by_row = {k[0]: v for k, v in answer.row_totals.items()}
            assert _nonzero(by_row) == _service(cdc, filters, rows[0], measure), label
        # Every row adds up to its total, every column too.
        for row in answer.row_keys:
            assert sum(answer.value(row, c) for c in answer.column_keys) == answer.value(row, None)
        for column in answer.column_keys:
            assert sum(answer.value(r, column) for r in answer.row_keys) == answer.value(
                None, column
            )


def test_money_years_add_up_to_the_service_in_every_dimension(cdc, demo):
    for dimension in ("province", "sector", "partner", "category", "district"):
        for measure in MONEY_MEASURES:
            question = Question(
                [dimension], ["year"], measure=measure, money_from=2018, money_to=2024
            )
            answer = pivot(cdc, question)
            by_row = {k[0]: v for k, v in answer.row_totals.items()}
            assert _nonzero(by_row) == _service(
                cdc, queries.ProjectFilters(), dimension, measure, (2018, 2024)
            )
            by_year = {k[0]: v for k, v in answer.column_totals.items()}
            assert _nonzero(by_year) == _service(
                cdc, queries.ProjectFilters(), "year", measure, (2018, 2024)
            )


def test_project_counts_equal_the_list_and_the_service(cdc, demo):
    filters = queries.ProjectFilters(status="2")
    answer = pivot(cdc, Question(["province"], ["assistance"], measure="projects", filters=filters))
    assert answer.total == queries.totals(queries.filtered(cdc, filters)).count
    by_row = {k[0]: v for k, v in answer.row_totals.items()}
    assert by_row == _service(cdc, filters, "province", "projects")


def test_a_project_over_two_sectors_and_three_provinces_splits_exactly(cdc):
    partner = factories.organization()
    factories.project(
        reporting=partner,
        nationwide=False,
        commitment_amount=Decimal("100.01"),
        sectors=[
            services.SectorShare("12220", Decimal("33.33")),
            services.SectorShare("14030", Decimal("66.67")),
        ],
        locations=[
            services.LocationShare("12", Decimal("33.33")),
            services.LocationShare("17", Decimal("33.33")),
            services.LocationShare("02", Decimal("33.34")),
        ],
    )
    filters = queries.ProjectFilters(partner=partner.id)
    answer = pivot(cdc, Question(["sector"], ["province"], filters=filters))
    assert answer.total == Decimal("100.01")
    assert {k[0]: v for k, v in answer.row_totals.items()} == _service(
        cdc, filters, "sector", "commitment"
    )
    assert {k[0]: v for k, v in answer.column_totals.items()} == _service(
        cdc, filters, "province", "commitment"
    )
    # About a ninth of the money in each of the six cells of the first sector and province.
    assert answer.value(("12220",), ("12",)) == Decimal("11.11")


def test_shares_of_row_and_column(cdc):
    partner = factories.organization()
    for amount, status in (("300", "2"), ("100", "3")):
        factories.project(reporting=partner, commitment_amount=Decimal(amount), status=status)
    filters = queries.ProjectFilters(partner=partner.id)
    answer = pivot(cdc, Question(["partner"], ["status"], share="row", filters=filters))
    assert answer.shown((partner.id,), ("2",)) == Decimal("75.0")
    assert answer.shown((partner.id,), None) == Decimal("100.0")
    answer = pivot(cdc, Question(["status"], [], share="column", filters=filters))
    assert answer.shown(("3",), ()) == Decimal("25.0")


def test_each_working_group_holds_the_money_of_its_projects(cdc, demo):
    """The technical working group is a dimension: each group's commitment is its projects'."""
    from collections import defaultdict

    from portal.extensions import db
    from portal.reference.models import TechnicalWorkingGroup

    expected: dict = defaultdict(Decimal)
    for project in db.session.scalars(queries.filtered(cdc, queries.ProjectFilters())):
        expected[project.twg_id] += project.commitment_usd or Decimal(0)
    answer = pivot(cdc, Question(["twg"], [], measure="commitment"))
    assert {k[0]: v for k, v in answer.row_totals.items() if v} == _nonzero(dict(expected))
    assert len([k for k in expected if k is not None]) >= 3  # the demo spreads its projects
    by_service = _service(cdc, queries.ProjectFilters(), "twg", "commitment")
    assert by_service == _nonzero(dict(expected))
    names = {t.id: t.name_en for t in db.session.scalars(db.select(TechnicalWorkingGroup))}
    from portal.analysis.labels import labels_of

    labels = labels_of("twg", list(expected), "en")
    assert all(labels[k] == names[k] for k in expected if k is not None)
