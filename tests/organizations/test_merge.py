"""CDC merges a duplicate organization into the one that stays: every reference moves, logged."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint, func, select, update

from portal import changes
from portal.accounts.models import User
from portal.alignment.workflow import material_snapshot
from portal.audit.models import AuditEvent
from portal.budget.models import BudgetNode
from portal.commitments.models import Bottleneck, ProgressReport, RatingAssessment
from portal.db import Base
from portal.extensions import db
from portal.iati.models import IatiSource, ImportBatch
from portal.organizations import merging
from portal.organizations.models import Organization, OrgKind
from portal.pilots.models import PilotPartner
from portal.projects import services
from portal.projects.models import Project, ProjectParticipant
from portal.projects.sources import FundingSource
from portal.reference.models import SectorLead
from portal.rounds.models import ReportingRound, RoundEvent, RoundReturn, RoundSnapshotProject
from tests import factories
from tests.commitments import helpers as commitments
from tests.pilots import helpers as pilots


def _merge_page(client, source, target):
    return client.get(f"/admin/organizations/{source.id}/merge?into={target.id}")


def _merge(client, source, target, **data):
    """Merge as the page does: its confirmation first, then the merge it showed."""
    form = {"into": target.id, "shown": target.id, "action": "merge", **data}
    return client.post(f"/admin/organizations/{source.id}/merge", data=form)


def _count(column, org_id) -> int:
    return db.session.scalar(select(func.count()).select_from(column.table).where(column == org_id))


def test_a_partner_merged_moves_projects_participants_users_and_parties(client, login_as):
    usaid = factories.organization(
        acronym="USAID", name_en="United States Agency for International Development"
    )
    second = factories.organization(
        acronym="USAID2",
        name_en="U.S. Agency for International Development",
        name_km="ទីភ្នាក់ងារសហរដ្ឋអាមេរិកសម្រាប់ការអភិវឌ្ឍអន្តរជាតិ",
        iati_ref="US-GOV-1",
    )
    both_fund = factories.project(
        reporting=usaid,
        participants=[
            services.Participant(usaid.id, "funding"),
            services.Participant(second.id, "funding"),
            services.Participant(second.id, "implementing"),
        ],
    )
    reported = [factories.project(reporting=second, title_en=f"Imported {i}") for i in (1, 2)]
    focal_point = factories.user("dp", organization=second)
    orgs = commitments.parties()
    orgs["dp1"] = second
    commitment = commitments.commitment(orgs)
    pilot = pilots.pilot(pilots.partners(), external_partner_id=second.id)
    updated_at = reported[0].updated_at
    cdc = login_as("cdc")
    version_before, _ = changes.current(db.session)

    page = _merge_page(client, second, usaid)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in (
        'Projects it reports</td><td class="num">2</td><td class="num">0',
        'Projects it funds or implements</td><td class="num">1</td><td class="num">1',
        'User accounts</td><td class="num">1</td>',
        'Commitments it is a party to</td><td class="num">1</td>',
        'Pilots it leads as external partner</td><td class="num">1</td>',
        "taken from USAID2",
        "Merge USAID2 into USAID",
    ):
        assert text in html, text

    response = _merge(client, second, usaid)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/organizations/duplicates")
    assert db.session.get(Organization, second.id) is None
    kept = db.session.get(Organization, usaid.id)
    assert kept.acronym == "USAID"
    assert kept.name_en == "United States Agency for International Development"
    assert kept.iati_ref == "US-GOV-1" and kept.name_km.startswith("ទីភ្នាក់ងារ")
    assert {p.reporting_org_id for p in db.session.scalars(select(Project))} >= {usaid.id}
    assert _count(Project.__table__.c.reporting_org_id, usaid.id) == 3
    # The project both funded keeps one funding row, and USAID now implements it too.
    rows = db.session.execute(
        select(ProjectParticipant.organization_id, ProjectParticipant.role).where(
            ProjectParticipant.project_id == both_fund.id
        )
    ).all()
    assert sorted(rows) == [(usaid.id, "funding"), (usaid.id, "implementing")]
    assert db.session.get(User, focal_point.id).organization_id == usaid.id
    assert usaid.id in {p.organization_id for p in commitment.parties}
    db.session.refresh(pilot)
    assert pilot.external_partner_id == usaid.id
    # The projects moved keep their version and time of update: nothing of theirs changed.
    moved = db.session.get(Project, reported[0].id)
    assert moved.version == 1
    assert moved.updated_at.replace(tzinfo=None) == updated_at.replace(tzinfo=None)
    # Logged, with what moved; the data's version is raised.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organization.merged"))
    assert event.user_id == cdc.id and event.object_id == str(usaid.id)
    assert event.detail["merged"]["acronym"] == "USAID2"
    assert event.detail["moved"]["project.reporting_org_id"] == 2
    assert event.detail["moved"]["project_participant.organization_id"] == 1
    assert event.detail["dropped"] == {"project_participant.organization_id": 1}
    assert event.detail["took"] == {"iati_ref": "US-GOV-1", "name_km": kept.name_km}
    assert changes.current(db.session)[0] > version_before


def test_a_ministry_merged_keeps_its_commitments_pilots_and_confirmations():
    moh = factories.organization(OrgKind.GOVERNMENT, acronym="MOH", name_en="Ministry of Health")
    second = factories.organization(
        OrgKind.GOVERNMENT, acronym="MOH2", name_en="Ministry of Health", iati_type="10"
    )
    orgs = commitments.parties()
    orgs["lead"], orgs["co"] = second, moh
    led = commitments.commitment(orgs)  # MOH2 leads, MOH is co-responsible
    partners = pilots.partners()
    partners["lead"], partners["other"] = second, moh
    pilot = pilots.pilot(partners)  # MOH2 leads, MOH is a partner
    project = factories.project(lead=second)
    project.workflow_state = "confirmed"
    project.confirmed_snapshot = material_snapshot(project)
    db.session.add(SectorLead(code="12220", organization_id=second.id))
    ministry_user = factories.user("ministry", organization=second)
    db.session.flush()

    plan = merging.plan_merge(second, moh)
    assert {m.reference.key: (m.moved, m.dropped) for m in plan.moves} == {
        "project.lead_national_partner_id": (1, 0),
        "user_account.organization_id": (1, 0),
        "commitment.lead_institution_id": (1, 0),
        # MOH, co-responsible, now leads: no longer listed as a party.
        "commitment_party.organization_id": (0, 1),
        "pilot.lead_partner_id": (1, 0),
        "pilot_partner.organization_id": (0, 1),
        "sector_lead.organization_id": (1, 0),
    }
    assert plan.takes == {"iati_type": "10"}  # MOH has none
    merging.merge(second, moh)

    assert db.session.get(Organization, second.id) is None
    assert led.lead_institution_id == moh.id
    assert moh.id not in {p.organization_id for p in led.parties}
    assert pilot.lead_partner_id == moh.id and not pilot.partners
    assert db.session.get(SectorLead, "12220").organization_id == moh.id
    assert db.session.get(User, ministry_user.id).organization_id == moh.id
    db.session.refresh(project)
    assert project.lead_national_partner_id == moh.id
    # Its ministry's confirmation stands: the snapshot names the organization that stays.
    assert project.confirmed_snapshot["lead_national_partner"] == "MOH"
    assert project.workflow_state == "confirmed"


def test_takes_fields_only_where_the_one_that_stays_has_none():
    kept = factories.organization(acronym="EU", name_en="European Union", iati_ref="XI-IATI-EC")
    other = factories.organization(
        acronym="EU2", name_en="EU", iati_ref="XM-DAC-918", name_km="សហភាពអឺរ៉ុប", iati_type="40"
    )
    merging.merge(other, kept)
    assert (kept.iati_ref, kept.name_km, kept.iati_type) == ("XI-IATI-EC", "សហភាពអឺរ៉ុប", "40")


def test_a_round_return_of_both_keeps_one_holding_the_submission():
    kept = factories.organization(acronym="UNOPS")
    other = factories.organization(acronym="UNOPS2")
    round_ = ReportingRound(year=2030, deadline=date(2031, 3, 31))
    db.session.add(round_)
    db.session.flush()
    submitted = datetime(2031, 3, 1, tzinfo=UTC)
    db.session.add_all(
        [
            RoundReturn(round_id=round_.id, organization_id=kept.id, grace_reason="Kept's"),
            RoundReturn(
                round_id=round_.id,
                organization_id=other.id,
                submitted_at=submitted,
                grace_reason="Other's",
            ),
        ]
    )
    db.session.flush()
    merging.merge(other, kept)
    returns = list(db.session.scalars(select(RoundReturn)))
    assert len(returns) == 1
    assert returns[0].organization_id == kept.id
    assert returns[0].submitted_at.replace(tzinfo=UTC) == submitted  # taken: it had none
    assert returns[0].grace_reason == "Kept's"  # its own kept


def test_a_pending_import_keeps_its_chosen_leads():
    kept = factories.organization(OrgKind.GOVERNMENT, acronym="MOE")
    other = factories.organization(OrgKind.GOVERNMENT, acronym="MOE2")
    batch = ImportBatch(
        token="t" * 64,
        decisions={"default_lead_id": other.id, "leads": {"KH-1": other.id, "KH-2": 7}},
    )
    db.session.add(batch)
    db.session.flush()
    merging.merge(other, kept)
    assert batch.decisions == {"default_lead_id": kept.id, "leads": {"KH-1": kept.id, "KH-2": 7}}


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source_kind", "target_kind", "message"),
    [
        (OrgKind.BILATERAL, None, "An organization cannot be merged into itself."),
        (OrgKind.GOVERNMENT, OrgKind.BILATERAL, "are not both national or both external"),
        (OrgKind.UN_AGENCY, OrgKind.NATIONAL_NGO, "are not both national or both external"),
    ],
)
def test_refused_merges_say_why_beside_the_field(
    client, login_as, source_kind, target_kind, message
):
    source = factories.organization(source_kind, acronym="SRC")
    target = factories.organization(target_kind, acronym="DST") if target_kind else source
    factories.project(reporting=source if not source.is_national else None)
    login_as("cdc")
    for response in (_merge_page(client, source, target), _merge(client, source, target)):
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        error = html.split('id="into-error"')[1].split("</div>")[0]
        assert message in error
        assert 'aria-invalid="true"' in html
    assert db.session.get(Organization, source.id) is not None


def test_cdc_accounts_cannot_move_to_a_non_government_institution(client, login_as):
    cdc_office = factories.organization(OrgKind.GOVERNMENT, acronym="CDCX")
    ngo = factories.organization(OrgKind.NATIONAL_NGO, acronym="NGO")
    factories.user("cdc", organization=cdc_office)
    login_as("cdc")
    response = _merge(client, cdc_office, ngo)
    assert response.status_code == 400
    assert "CDC staff belong to a government body" in response.get_data(as_text=True)
    assert db.session.get(Organization, cdc_office.id) is not None


def test_an_unknown_or_missing_choice_is_refused(client, login_as):
    source = factories.organization(acronym="SRC")
    login_as("cdc")
    for into in ("999999", "", "abc"):
        response = client.post(
            f"/admin/organizations/{source.id}/merge", data={"into": into, "action": "merge"}
        )
        assert response.status_code == 400
        assert "Choose the organization that stays." in response.get_data(as_text=True)


def test_nothing_is_merged_before_its_consequences_were_shown(client, login_as):
    source = factories.organization(acronym="SRC")
    target = factories.organization(acronym="DST")
    other = factories.organization(acronym="OTH")
    factories.project(reporting=source)
    login_as("cdc")
    # Shown for one organization, merged into another: shown again for the one chosen.
    response = _merge(client, source, target, shown=other.id)
    assert response.status_code == 200
    assert "Merge SRC into DST" in response.get_data(as_text=True)
    assert f'value="{target.id}"' in response.get_data(as_text=True)
    response = client.post(
        f"/admin/organizations/{source.id}/merge", data={"into": target.id, "action": "preview"}
    )
    assert response.status_code == 200
    assert db.session.get(Organization, source.id) is not None
    assert _merge(client, source, target).status_code == 302
    assert db.session.get(Organization, source.id) is None


def test_only_cdc_merges(client, login_as):
    source = factories.organization(acronym="SRC")
    target = factories.organization(acronym="DST")
    login_as("dp")
    assert _merge(client, source, target).status_code == 403
    assert client.get("/admin/organizations/duplicates").status_code == 403
    assert db.session.get(Organization, source.id) is not None


# --- every reference, from the metadata -------------------------------------------------------


def _force(column, row_id, org_id) -> None:
    """Point a row's column at `org_id`, whatever the domain's rules (the merge must move it)."""
    table = column.table
    db.session.execute(
        update(table)
        .where(list(table.primary_key.columns)[0] == row_id)
        .values({column.name: org_id})
    )


def _every_kind_of_reference(a: Organization) -> None:
    """At least one row of every table, in every column that can refer to an organization,
    referring to `a`. A foreign key to organization.id added later fails the test below
    until a row of it is made here (and its label and rules are thought about)."""
    nat = factories.organization(OrgKind.GOVERNMENT)
    project = factories.project(
        reporting=a,
        lead=nat,
        external_lead_partner_id=a.id,
        participants=[services.Participant(a.id, "funding")],
    )
    _force(Project.__table__.c.lead_national_partner_id, project.id, a.id)
    factories.user("dp", organization=a)
    orgs = commitments.parties()
    orgs["dp1"] = a
    party_of = commitments.commitment(orgs)
    led = commitments.commitment({**orgs, "lead": nat, "dp1": factories.organization()})
    _force(led.__table__.c.lead_institution_id, led.id, a.id)
    _force(led.__table__.c.measure_organization_id, led.id, a.id)
    report = ProgressReport(
        commitment_id=led.id,
        period="2025-S1",
        actual_value=Decimal(44),
        narrative="On track.",
        self_rating="on_track",
        on_behalf_of_id=a.id,
    )
    db.session.add(report)
    db.session.flush()
    db.session.add_all(
        [
            Bottleneck(
                commitment_id=party_of.id,
                title="Late data",
                owner_id=a.id,
                action="Send it",
                due_date=date(2026, 1, 1),
            ),
            RatingAssessment(report_id=report.id, organization_id=a.id, agrees=True),
        ]
    )
    partners = pilots.partners()
    partners["external"] = a
    led_pilot = pilots.pilot(partners, partner_ids=[])
    _force(led_pilot.__table__.c.lead_partner_id, led_pilot.id, a.id)
    partnered = pilots.pilot({**partners, "external": factories.organization()})
    db.session.add(PilotPartner(pilot_id=partnered.id, organization_id=a.id))
    round_ = ReportingRound(year=2030, deadline=date(2031, 3, 31))
    db.session.add(round_)
    db.session.flush()
    db.session.add_all(
        [
            RoundReturn(round_id=round_.id, organization_id=a.id),
            RoundEvent(round_id=round_.id, organization_id=a.id, kind="opened"),
            RoundSnapshotProject(
                round_id=round_.id,
                frozen_at=datetime(2031, 4, 1, tzinfo=UTC),
                title_en="Frozen",
                reporting_org_id=a.id,
                lead_national_partner_id=a.id,
                status="2",
                workflow_state="draft",
            ),
            SectorLead(code="12220", organization_id=a.id),
            IatiSource(name="A source", location="https://example.org/a.xml", default_lead_id=a.id),
            FundingSource(project_id=project.id, kind="cofinancier", organization_id=a.id),
            BudgetNode(code="DUP-01", level="ministry", organization_id=a.id, name_en="Chapter"),
        ]
    )
    db.session.flush()


def test_every_foreign_key_to_organization_is_moved():
    a = factories.organization(acronym="DUP")
    b = factories.organization(acronym="KEEP")
    _every_kind_of_reference(a)
    refs = merging.references()
    assert len(refs) >= 18
    before = {ref.key: _count(ref.column, a.id) for ref in refs}
    missing = sorted(key for key, count in before.items() if not count)
    assert missing == [], f"make a row referring to the organization in each of {missing}"

    plan = merging.plan_merge(a, b)
    assert {move.reference.key: move.moved for move in plan.moves} == before
    merging.merge(a, b)

    assert db.session.get(Organization, a.id) is None
    for ref in refs:
        assert _count(ref.column, a.id) == 0, ref.key
        assert _count(ref.column, b.id) == before[ref.key], ref.key


def test_every_foreign_key_to_organization_has_a_label():
    keys = {ref.key for ref in merging.references()}
    assert keys == set(merging.REFERENCE_LABELS), (
        "name each column referring to an organization in REFERENCE_LABELS (and check what "
        "the merge must do to its rows)"
    )
    assert set(merging.REDUNDANT) <= keys


def test_no_table_refers_to_rows_a_merge_may_delete():
    """A merge deletes rows that would repeat one of the organization that stays, and rows its
    rules make redundant: nothing may refer to such rows, or it would be lost with them."""
    deletable = {key.split(".")[0] for key in merging.REDUNDANT}
    for ref in merging.references():
        if any(
            ref.column in list(constraint.columns)
            for constraint in ref.table.constraints
            if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint)
        ) or any(index.unique and ref.column in list(index.columns) for index in ref.table.indexes):
            deletable.add(ref.table.name)
    assert deletable >= {"project_participant", "commitment_party", "pilot_partner"}
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            assert fk.column.table.name not in deletable, f"{table.name} refers to {fk.column}"
