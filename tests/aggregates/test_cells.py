"""The money cells kept current on every change equal the cells worked out from scratch, and
the report builder's answers from them equal the aggregate service's, to the cent."""

import random
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, select

from portal.aggregates import cells
from portal.aggregates.cells import MoneyCell
from portal.aggregates.services import aggregate
from portal.analysis.pivot import Question, _answered_by_cells, pivot
from portal.extensions import db
from portal.projects import queries
from portal.projects.models import Project
from tests.aggregates import random_changes

COLUMNS = [MoneyCell.__table__.c[name] for name in cells.COLUMNS]


def _kept() -> list[tuple]:
    return sorted(db.session.execute(select(*COLUMNS)).all(), key=repr)


def _from_scratch() -> list[tuple]:
    return sorted(db.session.execute(cells._cells(select(Project.id))).all(), key=repr)


def _assert_current(step: str) -> None:
    kept, fresh = _kept(), _from_scratch()
    assert kept == fresh, step


def test_kept_cells_equal_rebuilt_cells_after_random_changes(demo):
    rng = random.Random(2026)
    # The demo's bulk inserts left every project its cells.
    assert _kept(), "the demo's projects have cells"
    _assert_current("after the demo's bulk inserts")
    ids = random_changes.project_ids()
    for step in range(2 * random_changes.KINDS):
        kind = random_changes.change(step, rng, demo, ids)
        db.session.commit()
        _assert_current(f"step {step}, change {kind}")


def test_a_rolled_back_change_leaves_the_cells_as_they_were(demo):
    before = _kept()
    project = db.session.scalars(select(Project).where(Project.commitment_usd > 0)).first()
    project.commitment_usd = project.commitment_usd + Decimal(1)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert _kept() == before


def test_the_rebuild_command_works_every_cell_out_again(app, demo):
    before = _kept()
    db.session.execute(MoneyCell.__table__.delete())
    db.session.commit()
    assert _kept() == []
    result = CliRunner().invoke(app.cli, ["portal", "summaries", "rebuild"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"{len(before)} cells of money" in result.output
    assert _kept() == before


def _structure() -> tuple:
    found = inspect(db.session.connection())
    table = MoneyCell.__tablename__
    return (
        sorted((index["name"], tuple(index["column_names"])) for index in found.get_indexes(table)),
        sorted((key["name"], key["referred_table"]) for key in found.get_foreign_keys(table)),
        found.get_pk_constraint(table)["constrained_columns"],
    )


def test_a_rebuild_into_the_empty_table_makes_its_indexes_and_keys_again(demo):
    before, structure = _kept(), _structure()
    db.session.execute(MoneyCell.__table__.delete())
    db.session.commit()
    cells.rebuild(db.session.connection())
    db.session.commit()
    assert _kept() == before
    assert _structure() == structure
    assert structure[0] and structure[1], "the cells' indexes and foreign key were read"


@pytest.mark.parametrize(
    ("dimension", "measure"),
    [
        ("sector", "commitment"),
        ("category", "disbursed"),
        ("province", "planned"),
        ("district", "disbursed"),
        ("commune", "commitment"),
        ("year", "disbursed"),
        ("partner", "planned"),
        ("source", "commitment"),
        ("source", "disbursed"),
        ("source", "planned"),
        ("source", "signed"),
        ("source", "expenditure"),
        ("sector", "signed"),
        ("province", "expenditure"),
        ("year", "signed"),
    ],
)
def test_answers_from_the_cells_equal_the_aggregate_service(demo, dimension, measure):
    for user in (demo, None):
        answer = pivot(user, Question(rows=[dimension], measure=measure))
        assert _answered_by_cells(answer.question)
        service = {
            row.key: row.value(measure)
            for row in aggregate(
                user, queries.ProjectFilters(), dimension, measures=[measure], counts=False
            )
            if row.value(measure)
        }
        read = {key[0]: value for key, value in answer.row_totals.items() if value}
        assert read == service
        assert answer.total == sum(service.values(), Decimal(0))


def test_funding_sources_cross_with_sectors_and_places(demo):
    by_source = pivot(demo, Question(rows=["source"], measure="disbursed"))
    crossed = pivot(
        demo, Question(rows=["source", "sector"], columns=["province"], measure="disbursed")
    )
    assert {key[0] for key in by_source.row_keys} >= {"reporting", "cofinancier"}
    assert crossed.total == by_source.total
    for (kind,), amount in by_source.row_totals.items():
        assert amount == sum(
            value for key, value in crossed.row_totals.items() if key[0] == kind
        ), kind
    # Without the dimension, the reporting partner's money alone: the project list's figures.
    alone = pivot(demo, Question(rows=["sector"], measure="disbursed"))
    assert alone.total == by_source.row_totals[("reporting",)]


def test_a_question_of_sources_the_cells_cannot_answer_is_refused_beside_the_field(
    client, login_as, demo
):
    login_as("cdc")
    page = client.get("/analysis/?rows=source&columns=year&measure=projects")
    assert "Funding sources are compared by amounts, not project counts." in page.get_data(
        as_text=True
    )
    api = client.get("/api/v1/pivot?rows=source,budget&measure=disbursed")
    assert api.status_code == 400
    assert "Funding sources are not split by budget programme." in api.get_data(as_text=True)


def test_funding_sources_by_sector_over_some_years_add_up_to_their_years(demo):
    """A span of years crossed with sectors is the sum of its years, each of them the kept
    cells' (the years' ranges run from a project's first year on)."""
    span = pivot(
        demo,
        Question(rows=["source", "sector"], measure="disbursed", money_from=2020, money_to=2024),
    )
    by_year = pivot(
        demo,
        Question(
            rows=["source", "sector"],
            columns=["year"],
            measure="disbursed",
            money_from=2020,
            money_to=2024,
        ),
    )
    assert span.total > 0
    assert {k: v for k, v in span.row_totals.items() if v} == {
        k: v for k, v in by_year.row_totals.items() if v
    }
    years = {
        year: pivot(demo, Question(rows=["source", "sector"], measure="disbursed", money_from=year))
        for year in range(2020, 2025)
    }
    for key, amount in span.row_totals.items():
        assert amount == sum(
            (answer.row_totals.get(key, Decimal(0)) for answer in years.values()), Decimal(0)
        ), key
