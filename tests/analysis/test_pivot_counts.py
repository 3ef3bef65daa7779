"""Projects counted by the report builder: a total over dimensions of the project row itself
(partner, ministry, status, modality...) is summed from the finer groups, and still counts
each project once, as the aggregate service and the project list do."""

import gc

import pytest

from portal.aggregates.services import aggregate
from portal.analysis.pivot import Question, pivot
from portal.demo.projects import seed_projects
from portal.demo.services import seed_organizations, seed_rates
from portal.projects import queries
from tests import factories


@pytest.fixture
def cdc():
    return factories.user(role="cdc")


@pytest.fixture
def demo():
    seed_organizations()
    seed_rates()
    seed_projects(120)


def _service(user, dimension) -> dict:
    rows = aggregate(user, queries.ProjectFilters(), dimension)
    return {r.key: r.project_count for r in rows if r.project_count}


def test_two_project_dimensions_count_each_project_once(cdc, demo):
    answer = pivot(cdc, Question(["ministry"], ["status"], measure="projects"))
    listed = queries.totals(queries.filtered(cdc, queries.ProjectFilters())).count
    assert answer.total == listed
    assert {k[0]: v for k, v in answer.row_totals.items()} == _service(cdc, "ministry")
    assert {k[0]: v for k, v in answer.column_totals.items()} == _service(cdc, "status")
    # A project has one status: its ministry's row is the sum of its cells.
    for row in answer.row_keys:
        assert sum(answer.value(row, c) for c in answer.column_keys) == answer.value(row, None)


def test_places_and_years_by_modality_count_as_places_and_years_alone(cdc, demo):
    answer = pivot(cdc, Question(["province", "year"], ["modality"], measure="projects"))
    alone = pivot(cdc, Question(["province"], ["year"], measure="projects"))
    # Each (province, year) row counts the projects of that province and year once.
    assert answer.row_totals == {
        (province, year): projects for ((province,), (year,)), projects in alone.cells.items()
    }
    assert {k[0]: v for k, v in answer.column_totals.items()} == _service(cdc, "modality")
    assert answer.total == alone.total


def test_the_cycle_collector_is_held_only_while_answering(cdc, demo):
    """The builder holds Python's cycle collector while it answers, and gives it back."""
    assert gc.isenabled()
    pivot(cdc, Question(["sector", "province"], ["year"], measure="disbursed"))
    assert gc.isenabled()
    gc.disable()
    try:
        pivot(cdc, Question(["sector"], ["year"], measure="disbursed"))
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
