"""The executive summary: the key figures of the year against the year before, with the change."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from portal.alignment.workflow import CONFIRMED, RETURNED, VALIDATED
from portal.extensions import db
from portal.projects import services as projects
from portal.reports import content, services
from portal.reports.params import ReportParams
from tests import factories
from tests.reports import pdf as read


def _money(year: int, kind: str, amount: str):
    return projects.YearAmount(year, kind, Decimal(amount), "USD")


def _world():
    """Four projects whose figures of 2023 and 2024 are worked out by hand below."""
    roads = factories.project(
        title_en="Roads",
        on_budget=True,
        commitment_amount=Decimal("600000"),
        commitment_date=date(2024, 3, 1),
        funding=[_money(2023, "disbursement", "100000"), _money(2024, "disbursement", "300000")],
    )
    water = factories.project(
        title_en="Water",
        commitment_amount=Decimal("400000"),
        commitment_date=date(2023, 5, 1),
        funding=[_money(2023, "disbursement", "300000"), _money(2024, "disbursement", "100000")],
    )
    factories.project(  # active in 2024 only, by its plans; a draft
        title_en="Schools",
        commitment_date=date(2021, 1, 1),
        funding=[_money(2024, "planned", "50000")],
    )
    clinics = factories.project(  # active in 2023 only
        title_en="Clinics",
        commitment_date=date(2021, 1, 1),
        funding=[_money(2023, "disbursement", "100000")],
    )
    roads.workflow_state, water.workflow_state, clinics.workflow_state = (
        CONFIRMED,
        RETURNED,
        VALIDATED,
    )
    db.session.flush()
    return [roads, water, clinics]


def test_the_summary_compares_the_year_with_the_year_before():
    _world()
    params = ReportParams(year=2024, sections=("summary", "key_figures"), audience="internal")
    data = content.collect(params)
    summary = data.summary
    assert (summary.current_label, summary.previous_label) == ("2024", "2023")
    figures = {r.name: (r.previous, r.current, r.difference, r.percent) for r in summary.rows}
    assert figures == {
        # Commitments by the year of agreement: 400,000 in 2023, 600,000 in 2024.
        "commitment": (
            Decimal("400000.00"),
            Decimal("600000.00"),
            Decimal("200000.00"),
            Decimal("50.0"),
        ),
        "disbursed": (
            Decimal("500000.00"),
            Decimal("400000.00"),
            Decimal("-100000.00"),
            Decimal("-20.0"),
        ),
        # Money disbursed or planned: roads, water, clinics in 2023; roads, water, schools.
        "projects": (3, 3, 0, Decimal("0.0")),
        # Roads is on budget: 100,000 of 500,000, then 300,000 of 400,000; a share's change
        # is in points, without a percent of a percent.
        "on_budget_share": (Decimal("20.0"), Decimal("75.0"), Decimal("55.0"), None),
        # Of the active projects sent to their ministry: 2 of 3 in 2023 (roads confirmed,
        # clinics validated, water returned), 1 of 2 in 2024 (schools is a draft).
        "confirmed_share": (Decimal("66.7"), Decimal("50.0"), Decimal("-16.7"), None),
    }
    # This year's figures are the key figures' (the same aggregate service).
    assert summary.row("disbursed").current == data.key["disbursed"]
    assert summary.row("commitment").current == data.key["commitment"]

    text = read.text(services.build(params).pdf)
    assert "Executive summary" in text
    row = next(line for line in text.splitlines() if "Committed (USD)" in line and "%" in line)
    assert row.split()[-4:] == ["600,000.00", "+200,000.00", "+50.0", "%"]
    assert "400,000.00" in row
    row = next(line for line in text.splitlines() if "Disbursed (USD)" in line and "%" in line)
    assert row.split()[-5:] == ["500,000.00", "400,000.00", "−100,000.00", "−20.0", "%"]
    shares = [line.split() for line in text.splitlines() if "points" in line]
    assert shares[0][-7:] == ["20.0", "%", "75.0", "%", "+55.0", "points", "—"]
    assert shares[1][-7:] == ["66.7", "%", "50.0", "%", "−16.7", "points", "—"]


def test_the_public_summary_has_no_alignment_and_counts_published_projects_only():
    roads, water, _clinics = _world()
    cdc = factories.user(role="cdc")
    projects.set_published(roads, True, actor=cdc)
    params = ReportParams(year=2024, sections=("summary",), audience="public")
    summary = content.collect(params).summary
    assert [r.name for r in summary.rows] == [
        "commitment",
        "disbursed",
        "projects",
        "on_budget_share",
    ]
    assert summary.row("disbursed").previous == Decimal("100000.00")
    assert summary.row("disbursed").current == Decimal("300000.00")
    assert summary.row("disbursed").percent == Decimal("200.0")
    assert summary.row("projects").current == 1
    text = read.text(services.build(params).pdf)
    assert "alignment" not in text.lower()


def test_a_period_is_compared_with_the_period_as_long_before_it():
    _world()
    params = ReportParams(year=2023, year_to=2024, sections=("summary",))
    summary = content.collect(params).summary
    assert (summary.previous_label, summary.current_label) == ("2021–2022", "2023–2024")
    assert summary.row("disbursed").previous == Decimal(0)
    assert summary.row("disbursed").percent is None  # from nothing, no percent
    assert summary.row("disbursed").difference == Decimal("900000.00")


def test_a_rounds_summary_compares_with_the_round_before():
    from portal.rounds import checklist, freeze
    from portal.rounds import services as rounds
    from tests.rounds import scenario

    town = scenario.build()
    cdc = town.cdc_user
    deadline = date.today() + timedelta(days=20)
    params = ReportParams(
        year=scenario.YEAR, round_year=scenario.YEAR, sections=("summary",), audience="internal"
    )
    for year in (scenario.YEAR - 1, scenario.YEAR):
        round_ = rounds.open_round(year, deadline, actor=cdc)
        checklist.confirm_unchanged(round_, town.usd_project, actor=town.partner_user)
        if year == scenario.YEAR:
            # Only the earlier round is closed yet: the report of this one cannot be built,
            # and one of the earlier one has nothing closed to compare with.
            earlier = content.collect(
                ReportParams(year=year - 1, round_year=year - 1, sections=("summary",))
            ).summary
            assert earlier.previous_missing and earlier.row("disbursed").previous is None
        freeze.close(round_, actor=cdc)
    summary = content.collect(params).summary
    live = content.collect(ReportParams(year=scenario.YEAR, sections=("summary",))).summary
    assert not summary.previous_missing
    # Frozen figures, the same as the live ones here (nothing changed since the freeze).
    for name in ("commitment", "disbursed", "projects", "on_budget_share"):
        assert (summary.row(name).previous, summary.row(name).current) == (
            live.row(name).previous,
            live.row(name).current,
        ), name
