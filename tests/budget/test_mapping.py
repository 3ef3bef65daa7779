"""A project's budget codes: refusals, versions, and the on-budget value they derive."""

from decimal import Decimal

import pytest

from portal.aggregates.services import aggregate
from portal.budget import queries, services
from portal.projects.queries import ProjectFilters
from portal.projects.services import YearAmount
from tests import factories


def _share(code, percentage):
    return services.BudgetShare(code, None if percentage is None else Decimal(percentage))


def test_codes_with_shares_are_saved_and_split_like_sectors(tree):
    project = factories.project(lead=tree["health_org"])
    mapping = services.set_budget_codes(
        project, [_share("H-P1-01", "60"), _share("H-P2", "40")], actor=None
    )
    assert [(line.node.code, line.percentage, line.programme_id) for line in mapping.lines] == [
        ("H-P1-01", Decimal("60.00"), tree["h1"].id),
        ("H-P2", Decimal("40.00"), tree["h2"].id),
    ]
    assert mapping.lines[-1].share_to == 1_000_000_000


@pytest.mark.parametrize(
    ("shares", "field", "words"),
    [
        ([("H-P1", "60"), ("H-P2", "30")], "lines", "add up to 100"),
        ([("R-P1", "100")], "lines-0-code", "not of the project's lead ministry"),
        ([("H", "100")], "lines-0-code", "not a whole ministry"),
        ([("NOPE", "100")], "lines-0-code", "no budget code"),
        ([("H-P1", "50"), ("H-P1", "50")], "lines-1-code", "once"),
        ([("H-P1", "0")], "lines-0-percentage", "more than 0"),
        ([("H-P1", None)], "lines-0-percentage", "more than 0"),
    ],
)
def test_bad_codes_are_refused_beside_the_field(tree, shares, field, words):
    project = factories.project(lead=tree["health_org"])
    with pytest.raises(services.BudgetInvalid) as refused:
        services.set_budget_codes(project, [_share(*s) for s in shares], actor=None)
    assert words in refused.value.errors[field]
    assert queries.mapping_of(project.id) is None


def test_a_retired_code_is_refused(tree):
    project = factories.project(lead=tree["health_org"])
    services.save_node(
        services.NodeData(code="H-P2", name_en="Disease control", parent_code="H", retired=True),
        tree["h2"],
        actor=None,
    )
    with pytest.raises(services.BudgetInvalid) as refused:
        services.set_budget_codes(project, [_share("H-P2", "100")], actor=None)
    assert "retired" in refused.value.errors["lines-0-code"]


def test_an_older_version_is_refused_not_overwritten(tree):
    project = factories.project(lead=tree["health_org"])
    services.set_budget_codes(project, [_share("H-P1", "100")], actor=None, expected_version=0)
    version = services.mapping_version(project.id)
    services.set_budget_codes(
        project, [_share("H-P2", "100")], actor=None, expected_version=version
    )
    with pytest.raises(services.MappingConflict):
        services.set_budget_codes(
            project, [_share("H-P1-01", "100")], actor=None, expected_version=version
        )
    assert [line.node.code for line in queries.mapping_of(project.id).lines] == ["H-P2"]


def test_on_budget_is_derived_from_the_codes_into_the_aggregates_to_the_cent(tree):
    money = [YearAmount(2024, "disbursement", Decimal("1000.01"), "USD")]
    typed_off = factories.project(lead=tree["health_org"], on_budget=False, funding=money)
    typed_on = factories.project(lead=tree["health_org"], on_budget=True, funding=list(money))
    plain = factories.project(
        lead=tree["health_org"],
        on_budget=False,
        funding=[YearAmount(2024, "disbursement", Decimal("7.07"), "USD")],
    )
    cdc = factories.user(role="cdc")

    def by_budget():
        rows = aggregate(cdc, ProjectFilters(), "on_budget", year=2024)
        return {row.key: (row.disbursed, row.project_count) for row in rows}

    assert by_budget() == {
        False: (Decimal("1007.08"), 2),
        True: (Decimal("1000.01"), 1),
    }
    services.set_budget_codes(typed_off, [_share("H-P1", "100")], actor=None)
    assert queries.is_on_budget(typed_off) and not typed_off.on_budget
    assert by_budget() == {False: (Decimal("7.07"), 1), True: (Decimal("2000.02"), 2)}
    # Without codes again, the typed field is back in force.
    services.set_budget_codes(typed_off, [], actor=None)
    assert by_budget()[False] == (Decimal("1007.08"), 2)
    assert queries.is_on_budget(typed_on) and not queries.is_on_budget(plain)
