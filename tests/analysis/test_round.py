"""The builder over a closed round's snapshot: the joint review's figures, to the cent, over
what each reader may see, unmoved by later changes; open rounds and what a snapshot does not
keep are refused with the reason."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.analysis.frozen import frozen_pivot
from portal.analysis.pivot import Question, pivot
from portal.api.limits import api_limiter
from portal.extensions import db
from portal.projects import services as project_services
from portal.reports import content
from portal.reports.common import PublicReader
from portal.reports.params import PUBLIC, ReportParams
from portal.rounds import freeze, services
from portal.spreadsheets.compare import data_from_project
from tests.conftest import TEST_PASSWORD
from tests.rounds import scenario
from tests.rounds.scenario import YEAR

SECTIONS = ("key_figures", "partners", "sectors", "provinces", "assistance")


@pytest.fixture
def closed():
    """The scenario's round of 2025, closed; the Rural roads project published."""
    world = scenario.build()
    round_ = services.open_round(YEAR, date.today() + timedelta(days=20), actor=world.cdc_user)
    freeze.close(round_, actor=world.cdc_user)
    project_services.set_published(world.usd_project, True, actor=world.cdc_user)
    db.session.commit()
    return world, round_


def _by(answer, column) -> dict:
    """Each row's figure in one column, the empty ones left out."""
    return {k[0]: answer.value(k, column) for k in answer.row_keys if answer.value(k, column)}


def _report(audience=None):
    extra = {"audience": audience} if audience else {}
    return content.collect(ReportParams(year=YEAR, round_year=YEAR, sections=SECTIONS, **extra))


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_totals_equal_the_joint_reviews_frozen_figures(closed):
    world, _round = closed
    report = _report()
    # 150,000 + 90,000 EUR at 0.9 (100,000) + 500,000 disbursed in 2025, as the round froze it.
    assert report.key["disbursed"] == Decimal("750000.00")
    rows = {"partner": "partner", "category": "category", "province": "province"}
    for measure in ("commitment", "disbursed", "planned"):
        for dimension, section in rows.items():
            question = Question([dimension], ["year"], measure=measure, round=YEAR)
            answer = frozen_pivot(world.cdc_user, question)
            expected = {
                r.key if r.key is not None else "unallocated": r.value(measure)
                for r in report.rows[section]
                if r.value(measure)
            }
            assert _by(answer, (YEAR,)) == expected, (measure, dimension)
            assert answer.value(None, (YEAR,)) == report.key[measure]
    # Over every year it holds: the round's disbursements and its plans for the next years.
    planned = frozen_pivot(world.cdc_user, Question(["year"], measure="planned", round=YEAR))
    assert _by(planned, ()) == {2026: Decimal("250000.00"), 2027: Decimal("250000.00")}
    assert planned.total == Decimal("500000.00")
    # Three dimensions still add up along every side.
    three = frozen_pivot(
        world.cdc_user, Question(["partner", "province"], ["year"], "disbursed", round=YEAR)
    )
    assert three.total == Decimal("750000.00")
    for row in three.row_keys:
        assert sum(three.value(row, c) for c in three.column_keys) == three.value(row, None)


def test_a_partner_and_the_public_count_only_what_they_may_see(closed):
    world, _round = closed
    question = Question(["partner"], ["year"], measure="disbursed", round=YEAR)
    # The public: the published project alone, as the joint review's public edition counts.
    public = frozen_pivot(PublicReader(), question)
    assert public.total == Decimal("150000.00") == _report(PUBLIC).key["disbursed"]
    # BETA: its own project and ALPHA's published one, never ALPHA's Clean water (100,000).
    other = frozen_pivot(world.other_user, question)
    assert _by(other, None) == {
        world.partner.id: Decimal("150000.00"),
        world.other_partner.id: Decimal("500000.00"),
    }
    # ALPHA sees both its projects, not BETA's (unpublished); the ministry leads all three.
    assert frozen_pivot(world.partner_user, question).total == Decimal("250000.00")
    assert frozen_pivot(world.ministry_user, question).total == Decimal("750000.00")
    counted = Question(["status"], measure="projects", round=YEAR)
    assert frozen_pivot(PublicReader(), counted).total == 1
    assert frozen_pivot(world.other_user, counted).total == 2


def test_a_saved_question_with_a_round_keeps_its_answer_after_live_changes(client, app, closed):
    world, _round = closed
    client.post("/login", data={"email": world.cdc_user.email, "password": TEST_PASSWORD})
    login = client.get("/analysis/")
    assert login.status_code == 200
    saved = client.post(
        "/analysis/save",
        data={
            "query": f"rows=partner&columns=year&measure=disbursed&round={YEAR}",
            "title": "Disbursed, as frozen",
        },
    )
    assert saved.status_code == 302
    link = saved.headers["Location"]
    before = client.get(link).get_data(as_text=True)
    assert "750,000.00" in before
    assert f"Figures as frozen when the round of {YEAR} closed on" in before
    live_before = pivot(world.cdc_user, Question(["year"], measure="disbursed")).value(
        (YEAR,), None
    )
    # The partner corrects its 2025 disbursement after the freeze.
    data = data_from_project(world.other_project)
    data.funding = [scenario.money(YEAR, "disbursement", "7")]
    project_services.save_project(data, actor=world.other_user, project=world.other_project)
    db.session.commit()
    live_after = pivot(world.cdc_user, Question(["year"], measure="disbursed")).value((YEAR,), None)
    assert live_after == live_before - Decimal("499993.00")  # the live answer moved
    after = client.get(link).get_data(as_text=True)
    assert "750,000.00" in after and "250,007" not in after  # the round's did not
    rows = _csv(client.get(f"/analysis/export.csv?rows=partner&measure=disbursed&round={YEAR}"))
    assert rows[-1] == ["Total", "750000.00"]


def test_open_and_unknown_rounds_and_what_a_snapshot_lacks_are_refused(client, closed):
    world, _round = closed
    services.open_round(YEAR - 1, date.today() + timedelta(days=20), actor=world.cdc_user)
    db.session.commit()
    page = client.get(f"/analysis/?rows=partner&measure=disbursed&round={YEAR - 1}")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert 'id="a-round-error"' in text and "is still open" in text
    unknown = client.get("/analysis/?rows=partner&round=2001").get_data(as_text=True)
    assert "There is no reporting round for 2001." in unknown
    commune = client.get(f"/analysis/?rows=commune&round={YEAR}")
    assert commune.status_code == 400
    assert 'id="a-rows-error"' in commune.get_data(as_text=True)
    assert "does not keep this: Commune" in commune.get_data(as_text=True)
    searched = client.get(f"/analysis/?rows=partner&round={YEAR}&q=roads")
    assert searched.status_code == 400
    assert "cannot be filtered by this" in searched.get_data(as_text=True)
    assert client.get(f"/analysis/export.csv?rows=commune&round={YEAR}").status_code == 400
    # The page offers the closed round only, live data first.
    offered = client.get("/analysis/").get_data(as_text=True)
    assert f'<option value="{YEAR}">' in offered
    assert f'<option value="{YEAR - 1}">' not in offered
    with pytest.raises(ValueError):
        frozen_pivot(world.cdc_user, Question(["partner"], round=YEAR - 1))


def test_the_api_answers_from_the_snapshot_and_refuses_with_reasons(client, app, closed):
    api_limiter(app).reset()
    answer = client.get(f"/api/v1/pivot?rows=partner&measure=disbursed&round={YEAR}").get_json()
    assert answer["total"] == "150000.00"  # the public: the published project
    assert answer["snapshot"]["round"] == YEAR and answer["snapshot"]["closed_at"].endswith("Z")
    assert answer["question"]["round"] == YEAR
    live = client.get("/api/v1/pivot?rows=partner&measure=disbursed").get_json()
    assert live["snapshot"] is None
    bad = client.get(f"/api/v1/pivot?rows=commune&columns=year&round={YEAR}&year_to=2026")
    assert bad.status_code == 400
    assert set(bad.get_json()["error"]["fields"]) == {"rows", "year_to"}
    # A snapshot keeps no funding sources: their dimension, measures and filters are refused.
    sources = client.get(
        f"/api/v1/pivot?rows=source&measure=signed&round={YEAR}&source_kind=cofinancier"
    )
    assert sources.status_code == 400
    assert set(sources.get_json()["error"]["fields"]) == {"rows", "measure", "source_kind"}
    for wrong in ("2001", "abc", str(YEAR + 1)):
        refused = client.get(f"/api/v1/pivot?rows=partner&round={wrong}")
        assert refused.status_code == 400 and "round" in refused.get_json()["error"]["fields"]
    document = client.get("/api/v1/openapi.json").get_json()
    names = [p["name"] for p in document["paths"]["/pivot"]["get"]["parameters"]]
    assert "round" in names
