"""The round's rules: opening, the checklist, returns, the freeze and what later changes do."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.alignment.models import Notification
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.money.services import set_rate
from portal.projects import services as project_services
from portal.projects.models import ProjectChange
from portal.projects.services import EditConflict, ProjectInvalid
from portal.rounds import checklist, freeze, progress, services
from portal.rounds.models import RoundEvent, RoundSnapshotProject
from portal.spreadsheets.compare import data_from_project
from tests.rounds import scenario
from tests.rounds.scenario import YEAR

TODAY = date(2026, 2, 1)
DEADLINE = date(2026, 3, 31)


@pytest.fixture
def world():
    return scenario.build(partner_locale="km")


def open_round(world, **kwargs):
    return services.open_round(YEAR, DEADLINE, actor=world.cdc_user, today=TODAY, **kwargs)


def snapshot_of(round_, project):
    return db.session.scalar(
        select(RoundSnapshotProject).where(
            RoundSnapshotProject.round_id == round_.id,
            RoundSnapshotProject.project_id == project.id,
        )
    )


def frozen_money(snapshot):
    return {(f.kind, f.year): (f.amount, f.currency, f.amount_usd) for f in snapshot.funding}


def test_opening_tells_every_focal_point_in_their_language(world):
    round_ = open_round(world, message_en="Please report.", message_km="សូមរាយការណ៍។")
    mails = {m.to_email: m for m in db.session.scalars(select(OutboxMessage))}
    assert set(mails) == {world.partner_user.email, world.other_user.email}
    khmer, english = mails[world.partner_user.email], mails[world.other_user.email]
    assert "2025" in english.subject and "Please report." in english.body
    assert "សូមរាយការណ៍។" in khmer.body and "Please report." not in khmer.body
    assert "/rounds/2025/checklist" in english.body
    notices = db.session.scalars(select(Notification).where(Notification.kind == "round")).all()
    assert {n.user_id for n in notices} == {world.partner_user.id, world.other_user.id}
    assert round_.is_open and round_.plan_years == [2026, 2027, 2028]


@pytest.mark.parametrize(
    ("year", "deadline", "field"),
    [(2026, DEADLINE, "year"), (YEAR, TODAY - timedelta(days=1), "deadline")],
)
def test_opening_refuses_an_unfinished_year_or_a_past_deadline(world, year, deadline, field):
    with pytest.raises(services.RoundError) as refused:
        services.open_round(year, deadline, actor=world.cdc_user, today=TODAY)
    assert refused.value.field == field


def test_a_second_round_for_the_same_year_is_refused(world):
    open_round(world)
    with pytest.raises(services.RoundError):
        open_round(world)


def test_the_round_concerns_projects_active_in_its_year_or_later(world):
    round_ = open_round(world)
    rows = checklist.rows(round_, world.partner.id)
    assert {r.project.title_en for r in rows} == {"Rural roads", "Clean water"}
    eur = next(r for r in rows if r.project.title_en == "Clean water")
    assert eur.currency == "EUR"
    assert eur.figures.amounts[("disbursement", YEAR)] == Decimal("90000")
    assert eur.figures.amounts[("planned", 2026)] == Decimal("45000")
    assert eur.figures.amounts[("planned", 2027)] is None


def test_a_correction_goes_through_the_registry_and_counts_as_updated(world):
    round_ = open_round(world)
    project = world.eur_project
    wanted = checklist.Figures(
        {
            ("disbursement", YEAR): Decimal("95000"),
            ("planned", 2026): Decimal("60000"),
            ("planned", 2027): Decimal("10000"),
            ("planned", 2028): None,
        },
        project.status,
        date(2028, 6, 30),
    )
    checklist.apply(
        round_, project, wanted, actor=world.partner_user, expected_version=project.version
    )
    money = {(f.kind, f.year): (f.amount, f.currency) for f in project.funding}
    assert money[("disbursement", YEAR)] == (Decimal("95000"), "EUR")
    assert money[("planned", 2027)] == (Decimal("10000"), "EUR")
    assert project.planned_end == date(2028, 6, 30)
    mine = progress.of_partner(round_, world.partner.id)
    assert (mine.projects, mine.updated) == (2, 1)


def test_a_correction_the_registry_refuses_changes_nothing(world):
    round_ = open_round(world)
    project = world.usd_project
    before = [(f.kind, f.year, f.amount) for f in project.funding]
    wanted = checklist.Figures(
        {("disbursement", YEAR): Decimal("1")},
        project.status,
        project.planned_start - timedelta(days=1),
    )
    with pytest.raises(ProjectInvalid), db.session.begin_nested():
        checklist.apply(
            round_, project, wanted, actor=world.partner_user, expected_version=project.version
        )
    db.session.refresh(project)
    assert [(f.kind, f.year, f.amount) for f in project.funding] == before
    assert progress.of_partner(round_, world.partner.id).updated == 0


def test_two_people_saving_one_project_never_overwrite_each_other(world):
    round_ = open_round(world)
    project = world.usd_project
    seen = project.version
    data = data_from_project(project)
    data.title_en = "Rural roads, phase 2"
    project_services.save_project(
        data, actor=world.partner_user, project=project, expected_version=seen
    )
    wanted = checklist.Figures(
        {("disbursement", YEAR): Decimal("1")}, project.status, project.planned_end
    )
    with pytest.raises(EditConflict):
        checklist.apply(round_, project, wanted, actor=world.partner_user, expected_version=seen)


def test_no_change_is_one_click_and_the_return_is_logged(world):
    round_ = open_round(world)
    for project in (world.usd_project, world.eur_project):
        checklist.confirm_unchanged(round_, project, actor=world.partner_user)
    services.submit_return(
        round_, world.partner, actor=world.partner_user, explanation="Checked with the office."
    )
    mine = progress.of_partner(round_, world.partner.id)
    assert mine.complete and mine.submitted_at is not None
    kinds = [e.kind for e in services.events(round_)]
    assert kinds[0] == "submitted"


def test_closing_freezes_the_figures_and_later_changes_do_not_touch_them(world):
    round_ = open_round(world)
    frozen = freeze.close(round_, actor=world.cdc_user)
    assert frozen == 3  # the project that ended in 2023 is not concerned
    snapshot = snapshot_of(round_, world.eur_project)
    assert frozen_money(snapshot)[("disbursement", YEAR)] == (
        Decimal("90000"),
        "EUR",
        Decimal("100000.00"),
    )
    # Later: a changed rate, a changed figure, a deleted project.
    set_rate("EUR", YEAR, Decimal("0.5"))
    data = data_from_project(world.eur_project)
    data.funding = [scenario.money(YEAR, "disbursement", "1", "EUR")]
    project_services.save_project(data, actor=world.partner_user, project=world.eur_project)
    db.session.delete(world.other_project)
    db.session.flush()
    db.session.expire_all()
    snapshot = snapshot_of(round_, world.eur_project)
    assert frozen_money(snapshot)[("disbursement", YEAR)] == (
        Decimal("90000"),
        "EUR",
        Decimal("100000.00"),
    )
    assert (
        db.session.scalar(select(func.count()).where(RoundSnapshotProject.round_id == round_.id))
        == 3
    )
    marked = db.session.scalars(
        select(ProjectChange.after_freeze_of).where(
            ProjectChange.project_id == world.eur_project.id, ProjectChange.field == "funding"
        )
    ).all()
    assert YEAR in marked


def test_closing_twice_is_refused(world):
    round_ = open_round(world)
    freeze.close(round_, actor=world.cdc_user)
    with pytest.raises(services.RoundError):
        freeze.close(round_, actor=world.cdc_user)


def test_a_closed_round_refuses_changes_until_cdc_gives_a_grace_period(world):
    round_ = open_round(world)
    freeze.close(round_, actor=world.cdc_user)
    assert not services.accepts_updates(round_, world.partner.id)
    with pytest.raises(services.RoundError):
        services.submit_return(
            round_, world.partner, actor=world.partner_user, explanation="Checked with the office."
        )
    with pytest.raises(services.RoundError) as no_reason:
        services.reopen_partner(
            round_, world.partner, until=date.today(), reason=" ", actor=world.cdc_user
        )
    assert no_reason.value.field == "reason"
    services.reopen_partner(
        round_,
        world.partner,
        until=date.today() + timedelta(days=10),
        reason="Their finance office was closed in March.",
        actor=world.cdc_user,
    )
    assert services.accepts_updates(round_, world.partner.id)
    assert not services.accepts_updates(round_, world.other_partner.id)
    # The partner corrects one figure and submits: only its part of the snapshot is taken again.
    other_before = frozen_money(snapshot_of(round_, world.other_project))
    project = world.usd_project
    wanted = checklist.Figures(
        {
            ("disbursement", YEAR): Decimal("175000"),
            ("planned", 2026): Decimal("200000"),
            ("planned", 2027): Decimal("250000"),
            ("planned", 2028): None,
        },
        project.status,
        project.planned_end,
    )
    checklist.apply(
        round_, project, wanted, actor=world.partner_user, expected_version=project.version
    )
    data = data_from_project(world.other_project)
    data.funding = [scenario.money(YEAR, "disbursement", "1")]
    project_services.save_project(data, actor=world.other_user, project=world.other_project)
    services.submit_return(
        round_, world.partner, actor=world.partner_user, explanation="Checked with the office."
    )
    db.session.expire_all()
    assert frozen_money(snapshot_of(round_, project))[("disbursement", YEAR)][0] == Decimal(
        "175000"
    )
    assert frozen_money(snapshot_of(round_, world.other_project)) == other_before
    kinds = {
        e.kind
        for e in db.session.scalars(select(RoundEvent).where(RoundEvent.round_id == round_.id))
    }
    assert {"reopened", "refrozen", "resubmitted"} <= kinds
    assert not services.accepts_updates(round_, world.partner.id)  # the grace ends with the return


def test_coverage_counts_partners_projects_money_and_ministry_confirmations(world):
    from portal.alignment.services import FigureData, save_figures

    deadline = date.today() + timedelta(days=30)
    round_ = services.open_round(YEAR, deadline, actor=world.cdc_user)
    checklist.confirm_unchanged(round_, world.usd_project, actor=world.partner_user)
    services.submit_return(
        round_, world.other_partner, actor=world.other_user, explanation="Checked with the office."
    )
    save_figures(
        world.other_project,
        [FigureData(YEAR, Decimal("500000"), "agreed")],
        actor=world.ministry_user,
    )
    found = progress.measure(round_, today=deadline + timedelta(days=5))
    by_acronym = {p.organization.acronym: p for p in found.partners}
    assert (by_acronym["ALPHA"].projects, by_acronym["ALPHA"].updated) == (2, 1)
    assert by_acronym["ALPHA"].days_late == 5 and not by_acronym["ALPHA"].submitted
    assert by_acronym["BETA"].submitted and by_acronym["BETA"].days_late == 0
    assert found.share_submitted == 50
    assert [p.organization.acronym for p in found.late] == ["ALPHA"]
    # Commitments concerned: 1,000,000 USD twice and 1,000,000 EUR (1,111,111.11 USD);
    # ALPHA's USD project is the one updated: 1,000,000 / 3,111,111.11 = 32 %.
    assert found.share_money == 32
    ministry = next(m for m in found.ministries if m.organization.id == world.ministry.id)
    assert (ministry.projects, ministry.confirmed) == (3, 1)
    # 150,000 + 100,000 (90,000 EUR) + 500,000 disbursed; 500,000 of it agreed.
    assert ministry.actual == Decimal("750000.00") and ministry.share_money_confirmed == 67


def test_partners_without_a_project_in_the_round_are_told_too(world):
    from portal.organizations.models import OrgKind
    from tests import factories

    newcomer = factories.user("dp", factories.organization(OrgKind.INTERNATIONAL_NGO))
    open_round(world)
    told = set(db.session.scalars(select(OutboxMessage.to_email)))
    assert newcomer.email in told and world.ministry_user.email not in told
