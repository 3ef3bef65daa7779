"""The budget programme as a dimension: the service, the builder and the list agree to the cent."""

from decimal import Decimal

import pytest

from portal.aggregates.services import UNALLOCATED, aggregate
from portal.analysis.labels import labels_of
from portal.analysis.pivot import MONEY_MEASURES, Question, pivot
from portal.budget import services
from portal.projects import queries
from portal.projects.services import YearAmount
from tests import factories


def _share(code, percentage):
    return services.BudgetShare(code, Decimal(percentage))


@pytest.fixture
def mapped(tree):
    """Three projects of one partner: two mapped over programmes, one without budget codes."""
    partner = factories.organization()
    money = [
        YearAmount(2023, "disbursement", Decimal("333.33"), "USD"),
        YearAmount(2025, "planned", Decimal("100.01"), "USD"),
    ]
    split = factories.project(
        reporting=partner,
        lead=tree["health_org"],
        commitment_amount=Decimal("100.01"),
        funding=money,
    )
    # A sub-programme and its own programme: both count under H-P1.
    services.set_budget_codes(
        split,
        [_share("H-P1-01", "33.33"), _share("H-P1", "33.33"), _share("H-P2", "33.34")],
        actor=None,
    )
    whole = factories.project(
        reporting=partner, lead=tree["roads_org"], commitment_amount=Decimal("250.50")
    )
    services.set_budget_codes(whole, [_share("R-P1", "100")], actor=None)
    factories.project(reporting=partner, lead=tree["health_org"], commitment_amount=Decimal("7.07"))
    return queries.ProjectFilters(partner=partner.id)


def _service(user, filters, measure) -> dict:
    return {r.key: r.value(measure) for r in aggregate(user, filters, "budget") if r.value(measure)}


def test_money_splits_over_programmes_and_unmapped_projects_stay_apart(tree, mapped):
    cdc = factories.user(role="cdc")
    rows = {r.key: r for r in aggregate(cdc, mapped, "budget")}
    h1, h2, r1 = (str(tree[k].id) for k in ("h1", "h2", "r1"))
    assert {k: r.commitment for k, r in rows.items()} == {
        h1: Decimal("66.67"),
        h2: Decimal("33.34"),
        r1: Decimal("250.50"),
        UNALLOCATED: Decimal("7.07"),
    }
    # The project counts once under H-P1 though two of its lines fall there.
    assert {k: r.project_count for k, r in rows.items()} == {h1: 1, h2: 1, r1: 1, UNALLOCATED: 1}
    labels = labels_of("budget", list(rows), "en")
    assert labels[h1] == "H-P1 — Health services"
    assert labels[UNALLOCATED] == "No budget code"
    assert labels_of("budget", [h1], "km")[h1] == "H-P1 — Health services (km)"


@pytest.mark.parametrize("measure", MONEY_MEASURES)
def test_builder_and_service_totals_equal_the_list_to_the_cent(tree, mapped, measure):
    cdc = factories.user(role="cdc")
    listed = queries.totals(queries.filtered(cdc, mapped))
    expected = {
        "commitment": listed.commitment_usd,
        "disbursed": listed.disbursed_usd,
        "planned": listed.planned_usd,
    }[measure]
    by_service = _service(cdc, mapped, measure)
    assert sum(by_service.values()) == expected
    for columns in ([], ["status"], ["sector"]):
        answer = pivot(cdc, Question(["budget"], columns, measure=measure, filters=mapped))
        assert answer.total == expected
        assert {k[0]: v for k, v in answer.row_totals.items() if v} == by_service


def test_budget_crossed_with_places_and_sectors_adds_up(tree, mapped):
    cdc = factories.user(role="cdc")
    answer = pivot(cdc, Question(["budget", "sector"], ["province"], filters=mapped))
    assert answer.total == Decimal("357.58")
    by_row: dict = {}
    for key, value in answer.row_totals.items():
        by_row[key[0]] = by_row.get(key[0], Decimal(0)) + value
    assert {k: v for k, v in by_row.items() if v} == _service(cdc, mapped, "commitment")


def test_a_round_snapshot_has_no_budget_codes(client, login_as):
    login_as("cdc")
    page = client.get("/analysis/?rows=budget&round=2019")
    assert page.status_code == 400
    assert "does not keep this: Budget programme" in page.get_data(as_text=True)
