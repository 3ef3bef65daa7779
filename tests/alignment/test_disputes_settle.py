"""A disputed year settles when the partner corrects its figure to the government's: agreed,
said in the year's thread, and in the audit log; a correction that still differs settles
nothing."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from sqlalchemy import select

from portal.alignment.models import FigureComment, GovernmentFigure
from portal.alignment.services import FigureData, save_figures
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services
from portal.spreadsheets.compare import data_from_project
from tests import factories


def _resave(project, amount: str, actor):
    data = data_from_project(project)
    data = dataclasses.replace(
        data, funding=[services.YearAmount(2023, "disbursement", Decimal(amount), "USD")]
    )
    services.save_project(data, actor=actor, project=project)


def test_a_partners_correction_to_the_governments_figure_settles_the_dispute():
    partner = factories.organization(OrgKind.BILATERAL, acronym="SETP")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="SETM")
    partner_user = factories.user(role="dp", organization=partner)
    ministry_user = factories.user(role="ministry", organization=ministry)
    project = factories.project(
        reporting=partner,
        lead=ministry,
        funding=[services.YearAmount(2023, "disbursement", Decimal("400000"), "USD")],
    )
    save_figures(
        project,
        [FigureData(2023, Decimal("350000"), "disputed", "We received 350,000 only.")],
        actor=ministry_user,
    )
    figure = db.session.scalars(select(GovernmentFigure)).one()

    _resave(project, "360000", partner_user)  # closer, still not the same
    assert figure.status == "disputed"

    _resave(project, "350000", partner_user)
    assert figure.status == "agreed"
    thread = db.session.scalars(
        select(FigureComment.text).where(FigureComment.figure_id == figure.id)
    ).all()
    assert any("now matches the government's (350,000.00 USD)" in text for text in thread)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "figure.settled")
    ).one()
    assert event.user_id == partner_user.id


def test_each_figure_status_is_readable_on_the_project_page(client, login_as):
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="READM")
    ministry_user = factories.user(role="ministry", organization=ministry)
    project = factories.project(
        lead=ministry,
        funding=[
            services.YearAmount(2022, "disbursement", Decimal("100"), "USD"),
            services.YearAmount(2023, "disbursement", Decimal("200"), "USD"),
            services.YearAmount(2024, "disbursement", Decimal("300"), "USD"),
        ],
    )
    save_figures(
        project,
        [
            FigureData(2022, Decimal("100"), "agreed"),
            FigureData(2023, Decimal("150"), "disputed", "Only 150 arrived."),
            FigureData(2024, None, "pending"),
        ],
        actor=ministry_user,
    )
    login_as("cdc")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    # A badge is white text unless it has a background: each status has one (or dark text).
    assert 'class="badge figure-agreed text-bg-success"' in page
    assert 'class="badge figure-disputed text-bg-warning"' in page
    assert 'class="badge figure-pending text-bg-light border"' in page


def test_the_partners_home_tells_of_disputes_and_confirmations(client, login_as):
    from portal.alignment import workflow

    partner = factories.organization(OrgKind.BILATERAL, acronym="NEWSP")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="NEWSM")
    ministry_user = factories.user(role="ministry", organization=ministry)
    project = factories.project(
        reporting=partner,
        lead=ministry,
        title_en="Irrigation canals",
        funding=[services.YearAmount(2023, "disbursement", Decimal("400000"), "USD")],
    )
    save_figures(
        project,
        [FigureData(2023, Decimal("350000"), "disputed", "Only 350,000 arrived.")],
        actor=ministry_user,
    )
    workflow.transition(project, "submit", actor=factories.user(role="dp", organization=partner))
    workflow._log(project.id, "submitted", "confirmed", ministry_user, None)
    db.session.flush()
    login_as("dp", organization=partner)
    page = client.get("/").get_data(as_text=True)
    news = page[page.index('id="news-heading"') :]
    assert "Irrigation canals</a> — 2023: the government recorded 350,000.00 USD" in news
    assert "Confirmed by the ministry" in news
