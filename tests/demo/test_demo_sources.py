"""The demo's funding sources: co-financiers, counterpart funds in cash and in kind, tranches."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.demo.services import build_demo
from portal.demo.sources import seed_sources
from portal.extensions import db
from portal.projects import funding, services
from portal.projects.forms import ProjectForm, fill_from_project, prepare, to_data
from portal.projects.models import Project
from portal.projects.sources import FundingSource, SourceFunding

COUNT = 60


@pytest.fixture
def demo():
    counts = build_demo(project_count=COUNT)
    db.session.expire_all()
    return counts


def _count(kind: str | None = None) -> int:
    statement = select(func.count()).select_from(FundingSource)
    if kind:
        statement = statement.where(FundingSource.kind == kind)
    return db.session.scalar(statement)


def test_a_quarter_of_the_projects_have_counterpart_funds_and_most_a_co_financier(demo):
    assert demo["funding_sources"] == db.session.scalar(
        select(func.count())
        .select_from(Project)
        .where(Project.id % 4 == 1, Project.is_demo, Project.commitment_usd > 0)
    )
    assert _count("reporting") == COUNT  # every project has its partner as a source
    counterparts = _count("counterpart")
    assert COUNT * 0.2 <= counterparts <= COUNT * 0.3
    in_kind = db.session.scalar(
        select(func.count()).select_from(FundingSource).where(FundingSource.in_kind)
    )
    assert 0 < in_kind < counterparts  # some in kind, some in cash
    assert _count("cofinancier") >= counterparts // 2
    cash = db.session.scalar(
        select(func.count())
        .select_from(SourceFunding)
        .join(FundingSource)
        .where(FundingSource.kind == "counterpart", SourceFunding.currency == "KHR")
    )
    assert cash > 0
    signed = db.session.scalar(
        select(func.count())
        .select_from(SourceFunding)
        .join(FundingSource)
        .where(FundingSource.kind == "reporting", SourceFunding.kind == "commitment")
    )
    assert signed > 0


def test_the_demo_adds_no_source_twice(demo):
    sources, amounts = _count(), db.session.scalar(select(func.count(SourceFunding.id)))
    assert seed_sources() == 0
    assert build_demo(project_count=COUNT)["funding_sources"] == 0
    assert (_count(), db.session.scalar(select(func.count(SourceFunding.id)))) == (
        sources,
        amounts,
    )


def test_the_money_is_in_usd_at_the_rate_and_signed_tranches_stay_within_the_total(demo):
    for row in db.session.scalars(select(SourceFunding)):
        assert row.amount_usd == (row.amount / row.rate).quantize(Decimal("0.01"))
    for project in db.session.scalars(select(Project).where(Project.id % 4 == 1)):
        table = funding.by_source(project)
        signed = table.lines[0].cells.get("signed")
        if signed is not None:
            assert signed.usd <= project.commitment_usd
        assert not [f for f in project.quality_findings or [] if f["code"] == "sources_signed"]


def test_a_co_financed_demo_project_goes_through_the_form_unchanged(app, demo):
    """What the demo wrote is what the registry's rules accept: the form saves it as it is."""
    project = db.session.scalar(
        select(Project)
        .join(FundingSource, FundingSource.project_id == Project.id)
        .where(FundingSource.kind == "cofinancier")
        .order_by(Project.id)
        .limit(1)
    )
    before = funding.snapshot_text(project)
    with app.test_request_context():
        form = ProjectForm(obj=project, meta={"csrf": False})
        fill_from_project(form, project)
        prepare(form, reporting_choices=[(project.reporting_org_id, "partner")])
        data = to_data(form)
    services.save_project(data, actor=None, project=project)
    db.session.flush()
    db.session.expire_all()
    assert funding.snapshot_text(db.session.get(Project, project.id)) == before
