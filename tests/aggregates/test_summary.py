"""The sums of every group kept current on every change equal the sums worked out from scratch,
and the answers read from them equal the aggregate service's, to the cent."""

import random
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from portal.aggregates import services as aggregates
from portal.aggregates import summary
from portal.aggregates.grants import GRANT_EQUIVALENT
from portal.aggregates.summary import MoneySummary
from portal.extensions import db
from portal.iati import services as iati
from portal.iati.preview import Decisions
from portal.projects.models import Project, ProjectFunding, ProjectLocation, ProjectSector
from portal.projects.queries import ProjectFilters
from tests import factories
from tests.aggregates import random_changes
from tests.iati.generate import activities_xml

TABLE = MoneySummary.__table__
GROUP = [TABLE.c[name] for name in (*summary.GROUP, *summary.VALUES)]
EVERY_MEASURE = [*aggregates.MEASURES, "signed", "expenditure", GRANT_EQUIVALENT]


def _kept() -> list[tuple]:
    """The kept rows, leaving out groups whose every figure is back to nothing."""
    return sorted(
        (row for row in db.session.execute(select(*GROUP)) if any(row[len(summary.GROUP) :])),
        key=repr,
    )


def _from_scratch() -> list[tuple]:
    parts = summary._parts(select(Project.id))
    names = (*summary.GROUP, *summary.VALUES)
    rows = db.session.execute(
        select(
            *(parts.c[name] for name in summary.GROUP),
            *(db.func.sum(parts.c[name]) for name in summary.VALUES),
        ).group_by(*(parts.c[name] for name in summary.GROUP))
    )
    assert names
    return sorted((tuple(row) for row in rows if any(row[len(summary.GROUP) :])), key=repr)


def _assert_current(step: str) -> None:
    kept, fresh = _kept(), _from_scratch()
    assert kept == [tuple(row) for row in fresh], step


def test_kept_sums_equal_rebuilt_sums_after_random_changes(demo):
    rng = random.Random(2027)
    assert _kept(), "the demo's projects are summed"
    _assert_current("after the demo's bulk inserts")
    ids = random_changes.project_ids()
    for step in range(2 * random_changes.KINDS):
        kind = random_changes.change(step, rng, demo, ids)
        db.session.commit()
        _assert_current(f"step {step}, change {kind}")
    # The live path reads a project's earlier years from its stored totals, the kept sums from
    # its rows: after every kind of change they still agree over spans of years.
    for dimension in ("province", "sector"):
        for year, year_to in ((2022, 2025), (2024, None)):
            asked = dict(year=year, year_to=year_to, measures=["disbursed", "planned"])
            live = aggregates.aggregate(demo, ProjectFilters(), dimension, **asked)
            kept = summary.aggregate(demo, ProjectFilters(), dimension, **asked)
            assert _rows(kept) == _rows(live), (dimension, year, year_to)


def test_a_bulk_change_of_most_projects_works_every_sum_out_again(demo, monkeypatch):
    # As the demo's bulk build does at 20,000 projects and more; here from 10.
    monkeypatch.setattr(summary, "REBUILD_FROM", 10)
    ids = random_changes.project_ids()
    db.session.execute(
        update(Project).where(Project.id.in_(ids[: len(ids) * 3 // 4])).values(status="3")
    )
    db.session.execute(
        update(ProjectFunding)
        .where(ProjectFunding.project_id.in_(ids[::2]))
        .values(amount_usd=ProjectFunding.amount_usd + 1)
    )
    db.session.commit()
    _assert_current("after a bulk change of three projects in four")


def test_a_rolled_back_change_leaves_the_sums_as_they_were(demo):
    before = _kept()
    project = db.session.scalars(select(Project).where(Project.commitment_usd > 0)).first()
    project.commitment_usd = project.commitment_usd + Decimal(1)
    db.session.flush()
    assert summary.pending(db.session)
    db.session.rollback()
    assert not summary.pending(db.session)
    db.session.commit()
    assert _kept() == before


def test_an_iati_import_keeps_the_sums_of_the_projects_it_inserts(demo):
    """A batch import inserts projects with ids the database gives, then their rows: nothing of
    the new projects may be taken off (none of it was summed), all of it is added."""
    data = activities_xml(30)
    activities = iati.parse_files([("batch.xml", data)])
    batch = iati.create_batch([("batch.xml", data)], user=None, activities=activities)
    plan = iati.confirm(batch, user=None, decisions=Decisions())
    db.session.commit()
    assert plan.counts["new"] == 30
    _assert_current("after an IATI import")
    # And again, updating what it wrote and inserting more in one batch.
    data = activities_xml(40)
    batch = iati.create_batch([("batch.xml", data)], user=None)
    iati.confirm(batch, user=None, decisions=Decisions())
    db.session.commit()
    _assert_current("after a second import")


def test_the_rebuild_command_works_every_sum_out_again(app, demo):
    before = _kept()
    db.session.execute(TABLE.delete())
    db.session.commit()
    assert _kept() == []
    result = CliRunner().invoke(app.cli, ["portal", "summaries", "rebuild"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "sums of groups" in result.output
    assert _kept() == before


def _rows(rows) -> dict:
    return {str(row.key): row for row in rows}


def _read(
    dimension, measures=("disbursed",), *, public=True, year=None, year_to=None, **asked
) -> list | None:
    """The kept sums' answer (None when they do not answer)."""
    kept = [m for m in measures if m != GRANT_EQUIVALENT]
    asked.setdefault("counts", True)
    return summary.read(
        db.session.connection(), dimension, kept, public=public, year=year, year_to=year_to, **asked
    )


def _answered_as_live(user, filters, dimension, within=summary.EVERYWHERE, **asked) -> bool:
    """Assert that the kept answer is the service's; return whether the kept sums gave it."""
    live = aggregates.aggregate(user, filters, dimension, **asked)
    kept = summary.aggregate(user, filters, dimension, **asked)
    assert _rows(kept) == _rows(live), (user, filters, dimension, asked)
    return _read(dimension, public=user is None, within=within, **asked) is not None


@pytest.mark.parametrize("dimension", summary.KEPT_DIMENSIONS)
def test_kept_answers_equal_the_aggregate_service(demo, dimension):
    answered = 0
    for user in (None, demo):
        for year, year_to in ((None, None), (2024, None), (2022, 2025), (1999, None)):
            for counts in (True, False):
                for measures in (EVERY_MEASURE, ["disbursed"], ["commitment", GRANT_EQUIVALENT]):
                    asked = dict(year=year, year_to=year_to, measures=measures, counts=counts)
                    answered += _answered_as_live(user, ProjectFilters(), dimension, **asked)
    # Every question is read from the kept sums, spans of years over shares too.
    assert answered == 2 * 4 * 2 * 3


def _assert_kept_within(demo, dimension: str, filters: ProjectFilters, within: str) -> None:
    """The kept sums within a province or a sector answer as the service does, over all years
    (and by year), for the public and for CDC."""
    for user in (None, demo):
        for year in (None, 2024):
            for counts in (True, False):
                asked = dict(year=year, measures=EVERY_MEASURE, counts=counts)
                assert summary.kept_scope(user, filters) == (user is None, within)
                answered = _answered_as_live(user, filters, dimension, within, **asked)
                assert answered == (year is None or dimension == "year")


@pytest.mark.parametrize("dimension", summary.WITHIN_DIMENSIONS)
def test_kept_answers_within_a_province_equal_the_aggregate_service(demo, dimension):
    provinces = db.session.scalars(
        select(ProjectLocation.province_code).distinct().order_by(ProjectLocation.province_code)
    ).all()
    assert len(provinces) > 3
    for code in (*provinces[:3], "99"):  # and a province no project is in
        _assert_kept_within(demo, dimension, ProjectFilters(province=code), code)


@pytest.mark.parametrize("dimension", summary.SECTOR_WITHIN_DIMENSIONS)
def test_kept_answers_within_a_sector_equal_the_aggregate_service(demo, dimension):
    codes = db.session.scalars(
        select(ProjectSector.sector_code).distinct().order_by(ProjectSector.sector_code)
    ).all()
    assert len(codes) > 3
    # Two sector codes, their categories, and a sector and a category no project is in.
    for code in (*codes[:2], codes[0][:3], codes[-1][:3], "99999", "999"):
        filters = ProjectFilters(sector=code)
        _assert_kept_within(demo, dimension, filters, summary.SECTOR_WITHIN + code)
    # A filter that is neither a sector code nor a category is answered live.
    assert summary.kept_scope(None, ProjectFilters(sector="1")) is None


# Year filters as the map asks them: (year_from, year_to); the money limited to those years.
YEAR_FILTERS = ((2020, 2024), (2024, None), (None, 2019), (2026, 2026), (1990, 1995))


@pytest.mark.parametrize("dimension", summary.YEARS_WITHIN_DIMENSIONS)
def test_kept_answers_of_some_years_equal_the_aggregate_service(demo, dimension):
    """The list's year filter (projects running in some of its years) is answered from the sums
    kept within each period projects run in, by year, as the service answers it, also after the
    projects' years change (one without a start year, one without an end year)."""
    projects = db.session.scalars(select(Project).order_by(Project.id)).all()
    projects[0].start_year = None
    projects[1].start_year = 2019  # the ORM changing a project's years alone
    # Projects with money outside their years: all of it, and the years before 2022.
    projects[3].start_year, projects[3].end_year = 2030, 2031
    projects[4].start_year = 2022
    db.session.commit()
    db.session.execute(update(Project).where(Project.id == projects[2].id).values(end_year=None))
    db.session.commit()
    # One that starts after it ends, with money in the years between.
    projects[5].start_year, projects[5].end_year = 2026, 2019
    db.session.commit()
    _assert_current("after projects' years changed")
    outside = set(
        db.session.execute(
            select(TABLE.c.within, TABLE.c.year).where(
                TABLE.c.within.in_(["b2030", "e2019", "y20262019"])
            )
        )
    )
    # Money before 2030 of the project that starts in 2030 is kept by year.
    assert {within for within, year in outside if year != summary.TOTAL} >= {"b2030"}
    assert {within for within, year in outside if year == summary.TOTAL} == {
        "b2030",
        "e2019",
        "y20262019",
    }
    for year_from, year_to in YEAR_FILTERS:
        filters = ProjectFilters(year_from=year_from, year_to=year_to)
        within = f"years:{year_from or 0:04d}-{year_to or 9999:04d}"
        assert aggregates.aggregate(None, filters, dimension) or year_from == 1990
        for user in (None, demo):
            assert summary.kept_scope(user, filters) == (user is None, within)
            for year, last in ((year_from or 0, year_to or 9999), (None, None)):
                for counts in (True, False):
                    for measures in (EVERY_MEASURE, ["disbursed"]):
                        asked = dict(year=year, year_to=last, measures=measures, counts=counts)
                        assert _answered_as_live(user, filters, dimension, within, **asked)
    # Other dimensions, a year filter beside another filter, and years past 9999 are live.
    assert _read("partner", within="years:2020-2024") is None
    # A span of money beyond the filter's years is answered live.
    filters = ProjectFilters(year_from=2020, year_to=2024)
    for year, year_to in ((2018, 2024), (2020, 2026)):
        asked = dict(year=year, year_to=year_to, measures=["disbursed"])
        assert not _answered_as_live(None, filters, "province", "years:2020-2024", **asked)
    assert summary.kept_scope(None, ProjectFilters(year_from=2020, province="12")) is None
    assert summary.kept_scope(None, ProjectFilters(year_from=12020)) is None


def test_a_partners_and_a_ministrys_answers_add_their_own_unpublished_projects(demo):
    unpublished = db.session.scalars(
        select(Project).where(
            Project.published_at.is_(None), Project.lead_national_partner_id.is_not(None)
        )
    ).first()
    assert unpublished is not None, "the demo has unpublished projects"
    partner = factories.user(role="dp", organization=unpublished.reporting_org)
    ministry = factories.user(role="ministry", organization=unpublished.lead_national_partner)
    code = db.session.scalars(
        select(ProjectLocation.province_code).where(ProjectLocation.project_id == unpublished.id)
    ).first()
    for user in (partner, ministry):
        assert summary._own_reader(user, ProjectFilters())
        sector = db.session.scalars(
            select(ProjectSector.sector_code).where(ProjectSector.project_id == unpublished.id)
        ).first()
        for filters in (
            ProjectFilters(),
            ProjectFilters(province=code or "12"),
            ProjectFilters(sector=sector or "122"),
            ProjectFilters(sector=(sector or "122")[:3]),
            ProjectFilters(year_from=2020, year_to=2024),
        ):
            for dimension in ("partner", "sector", "year", "source", "province"):
                for year in (None, 2024):
                    asked = dict(year=year, measures=EVERY_MEASURE, counts=True)
                    live = aggregates.aggregate(user, filters, dimension, **asked)
                    kept = summary.aggregate(user, filters, dimension, **asked)
                    assert _rows(kept) == _rows(live), (user.role, filters, dimension, year)
    # The partner's own unpublished project counts for the partner, not for the public.
    mine = _rows(summary.aggregate(partner, ProjectFilters(), "partner"))
    public = _rows(summary.aggregate(None, ProjectFilters(), "partner"))
    key = str(unpublished.reporting_org_id)
    assert mine[key].project_count > (public[key].project_count if key in public else 0)


def test_other_readers_and_filters_take_the_live_path(demo):
    partner = factories.user(role="dp")
    assert summary.kept_scope(partner, ProjectFilters()) is None
    assert summary.kept_scope(None, ProjectFilters(q="water")) is None
    assert summary.kept_scope(None, ProjectFilters(province="12", sector="122")) is None
    assert summary.kept_scope(demo, ProjectFilters()) == (False, summary.EVERYWHERE)
    assert summary.kept_scope(None, ProjectFilters()) == (True, summary.EVERYWHERE)
    assert _read("modality", within="12") is None, "a dimension not kept within provinces"
    # Unsaved changes of the money are the session's own: not read from the kept sums.
    project = db.session.scalars(select(Project)).first()
    project.commitment_usd = (project.commitment_usd or Decimal(0)) + Decimal(100)
    assert summary._unsettled(db.session)
    live = aggregates.aggregate(demo, ProjectFilters(), "partner")
    assert _rows(summary.aggregate(demo, ProjectFilters(), "partner")) == _rows(live)
