"""Indicators computed from the portal's own data: the value, its source, CDC's override."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.commitments import measures, queries, values
from portal.commitments import services as commitment_services
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services as project_services
from tests import factories
from tests.commitments import helpers
from tests.commitments.test_commitment_form import form_data

REASON = "The 2025 figures of one partner arrived after the review; CDC took its audited total"


def _project(partner, lead, amount: str, *, on_budget: bool, year: int = 2025, actor=None):
    """A project disbursing `amount` USD in `year`, on budget or not."""
    return factories.project(
        partner,
        lead,
        actor=actor,
        on_budget=on_budget,
        funding=[project_services.YearAmount(year, "disbursement", Decimal(amount), "USD")],
    )


@pytest.fixture
def linked():
    """Four projects disbursing in 2025 (100k, 200k, 300k on budget; 400k not: 60 %), and a
    commitment on the share of disbursements on budget."""
    cdc = factories.user(role="cdc", name="Sok Override")
    orgs = helpers.parties()
    partner = factories.organization(OrgKind.BILATERAL, acronym="PARTX")
    projects = [
        _project(partner, orgs["lead"], amount, on_budget=on)
        for amount, on in (("100000", True), ("200000", True), ("300000", True), ("400000", False))
    ]
    item = helpers.commitment(orgs, actor=cdc, measure="disbursed_on_budget")
    db.session.commit()
    return {"cdc": cdc, "orgs": orgs, "partner": partner, "projects": projects, "item": item}


def _value_row(page: str, period: str) -> str:
    """The text of the computed-values table's row of `period`."""
    found = re.search(rf'<tr id="value-{period}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, f"no row for {period}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found[1]))


def test_a_linked_commitment_shows_the_computed_value_and_where_it_came_from(
    client, login_as, linked
):
    login_as("ministry", organization=linked["orgs"]["co"])
    page = client.get(f"/commitments/{linked['item'].id}").get_data(as_text=True)
    row = _value_row(page, "2025-S1")
    assert " 60 " in row
    assert "Computed by the portal from 4 projects on" in row
    assert "Share of disbursements on budget" in row
    assert "Disbursements (USD) of the period's year by projects recorded on budget" in page
    # No disbursement is recorded for 2026: those periods have no value, and say so.
    assert "No value yet" in _value_row(page, "2026-S1")
    # The trajectory table and the status use it like a typed value: 60 reaches the target.
    assert "(computed)" in page
    row_of = queries.row_of(linked["item"], date.today(), published_only=False)
    assert row_of.latest_value.period == "2025-S2" and row_of.latest_value.value == Decimal(60)
    assert row_of.status == "achieved"


def test_the_computed_value_follows_a_change_in_the_data(client, login_as, linked):
    login_as("cdc")
    url = f"/commitments/{linked['item'].id}"
    assert " 60 " in _value_row(client.get(url).get_data(as_text=True), "2025-S1")
    # A fifth project disbursing 1,000,000 on budget: (600k + 1,000k) / 2,000k = 80 %.
    _project(linked["partner"], linked["orgs"]["lead"], "1000000", on_budget=True)
    db.session.commit()
    row = _value_row(client.get(url).get_data(as_text=True), "2025-S1")
    assert " 80 " in row and "from 5 projects" in row


def test_an_override_with_a_reason_wins_stays_as_typed_and_is_audited(client, login_as, linked):
    item = linked["item"]
    cdc = login_as("cdc", name="Dara Override")
    response = client.post(
        f"/commitments/{item.id}/values/2025-S1",
        data={"o-2025-S1-value": "55.5", "o-2025-S1-reason": REASON},
    )
    assert response.status_code == 302
    page = client.get(f"/commitments/{item.id}").get_data(as_text=True)
    row = _value_row(page, "2025-S1")
    assert " 55.5 " in row
    assert "Overridden by Dara Override on" in row and REASON in row
    assert "The data give 60, from 4 projects." in row
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "commitment.value_overridden")
    )
    assert event.user_id == cdc.id and event.object_id == str(item.id)
    assert event.detail["period"] == "2025-S1" and event.detail["reason"] == REASON
    # The data change: the other periods follow, the overridden one stays as typed.
    _project(linked["partner"], linked["orgs"]["lead"], "1000000", on_budget=True)
    db.session.commit()
    page = client.get(f"/commitments/{item.id}").get_data(as_text=True)
    assert " 55.5 " in _value_row(page, "2025-S1")
    assert " 80 " in _value_row(page, "2025-S2")
    # Back to the computed value, audited too.
    response = client.post(
        f"/commitments/{item.id}/values/2025-S1",
        data={"o-2025-S1-value": "", "o-2025-S1-reason": "", "clear": "1"},
    )
    assert response.status_code == 302
    page = client.get(f"/commitments/{item.id}").get_data(as_text=True)
    assert " 80 " in _value_row(page, "2025-S1")
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "commitment.override_removed")
    )


def test_an_override_without_a_reason_is_refused_beside_the_field(client, login_as, linked):
    item = linked["item"]
    login_as("cdc")
    response = client.post(
        f"/commitments/{item.id}/values/2025-S1",
        data={"o-2025-S1-value": "55", "o-2025-S1-reason": "  "},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(r'id="o-2025-S1-reason-error"[^>]*>([^<]*)<', page)
    assert error and "Say why the computed value is overridden." in error[1]
    assert 'value="55"' in page  # the typed value is kept
    db.session.expire_all()
    assert item.overrides == []
    assert " 60 " in _value_row(page, "2025-S1")


@pytest.mark.parametrize("role", ["ministry", "dp"])
def test_only_cdc_links_a_measure_or_overrides_a_value(client, login_as, linked, role):
    item, orgs = linked["item"], linked["orgs"]
    login_as(role, organization=orgs["lead"] if role == "ministry" else orgs["dp1"])
    data = form_data(orgs, unit="%", measure="alignment_confirmed")
    assert client.post(f"/commitments/{item.id}/edit", data=data).status_code == 403
    response = client.post(
        f"/commitments/{item.id}/values/2025-S1",
        data={"o-2025-S1-value": "10", "o-2025-S1-reason": "Mine"},
    )
    assert response.status_code == 403
    page = client.get(f"/commitments/{item.id}").get_data(as_text=True)
    assert "override-form" not in page
    db.session.expire_all()
    assert item.measure == "disbursed_on_budget" and item.overrides == []


def test_cdc_links_a_measure_with_a_scope_in_the_commitment_form(client, login_as, linked):
    orgs = linked["orgs"]
    login_as("cdc")
    data = form_data(
        orgs,
        unit="%",
        baseline_value="40",
        target_value="90",
        **{"trajectory-0-planned_value": "50", "trajectory-1-planned_value": "60"},
        measure="disbursed_on_budget",
        measure_organization_id=str(linked["partner"].id),
        measure_sector="122",
    )
    response = client.post("/commitments/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    from portal.commitments.models import Commitment

    item = db.session.scalar(select(Commitment).order_by(Commitment.id.desc()))
    assert (item.measure, item.measure_organization_id, item.measure_sector) == (
        "disbursed_on_budget",
        linked["partner"].id,
        "122",
    )
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "commitment.measure_linked",
            AuditEvent.object_id == str(item.id),
        )
    )
    page = client.get(f"/commitments/{item.id}").get_data(as_text=True)
    assert "Over the projects of" in page and "122 " in page
    # A unit other than the measure's is refused beside the unit field.
    bad = client.post("/commitments/new", data={**data, "unit": "provinces"})
    assert bad.status_code == 400
    assert "A computed indicator is in %" in bad.get_data(as_text=True)


def test_the_public_sees_values_computed_over_published_projects_only(client, login_as, linked):
    item, cdc = linked["item"], linked["cdc"]
    first, _second, _third, fourth = linked["projects"]
    project_services.set_published(first, True, actor=cdc)  # 100k on budget
    project_services.set_published(fourth, True, actor=cdc)  # 400k off budget: 20 %
    commitment_services.set_public(item, True, actor=cdc)
    db.session.commit()
    public = client.get(f"/commitments/{item.id}")
    assert public.status_code == 200
    page = public.get_data(as_text=True)
    row = _value_row(page, "2025-S1")
    assert " 20 " in row and "from 2 projects" in row
    assert "computed over published projects only" in page
    dashboard = client.get("/commitments/").get_data(as_text=True)
    assert "20 / 48 %" in re.sub(r"\s+", " ", dashboard)
    login_as("dp", organization=linked["orgs"]["dp1"])
    assert " 60 " in _value_row(
        client.get(f"/commitments/{item.id}").get_data(as_text=True), "2025-S1"
    )


def test_the_lead_reports_on_a_computed_indicator_without_typing_the_value(
    client, login_as, linked
):
    item, orgs = linked["item"], linked["orgs"]
    login_as("ministry", organization=orgs["lead"])
    response = client.post(
        f"/commitments/{item.id}/report",
        data={
            "period": "2025-S1",
            "actual_value": "",
            "narrative": "Done.",
            "self_rating": "on_track",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert item.report_for("2025-S1").actual_value == Decimal(60)


def test_the_other_measures_count_what_they_say():
    """Alignment confirmed and updated in 12 months, each over the projects created here."""
    orgs = helpers.parties()
    partner = factories.organization(OrgKind.BILATERAL)
    projects = [factories.project(partner, orgs["lead"]) for _ in range(4)]
    projects[0].workflow_state = "confirmed"
    projects[1].workflow_state = "validated"
    projects[2].workflow_state = "reconfirm"
    db.session.flush()
    scope = measures.Scope(organization_id=partner.id)
    period = measures.Period(2025, 2, "semester")
    figure = measures.MEASURES["alignment_confirmed"].compute(scope, period, date.today())
    assert (figure.value, figure.projects) == (Decimal(50), 4)
    # Created today: updated in the 12 months before today, not before mid-2025.
    this_period = measures.Period(date.today().year, 2, "semester")
    figure = measures.MEASURES["updated_12_months"].compute(scope, this_period, date.today())
    assert (figure.value, figure.projects) == (Decimal(100), 4)
    old = measures.MEASURES["updated_12_months"].compute(scope, period, date.today())
    assert old.projects == 0 and old.value is None  # none existed by then
    # Predictability needs two closed rounds: none here, so no value.
    assert measures.MEASURES["predictability"].compute(scope, period, date.today()).value is None


def test_an_unlinked_commitment_keeps_the_reported_values(linked):
    item = helpers.commitment(linked["orgs"], title_en="Typed indicator")
    lead_user = factories.user(role="ministry", organization=linked["orgs"]["lead"])
    helpers.report(item, lead_user, actual="45")
    found = values.actuals(item, published_only=False)
    assert list(found) == ["2025-S1"]
    assert (found["2025-S1"].value, found["2025-S1"].source) == (Decimal(45), "reported")


def test_predictability_is_the_rounds_rule_over_the_scope():
    """The same figure as portal.rounds.predictability for the country; the public's scope
    (published projects) holds none of these frozen projects, so it gives no value."""
    from tests.rounds.test_predictability import closed_round, frozen

    alpha = factories.organization(OrgKind.BILATERAL)
    ministry = factories.organization(OrgKind.GOVERNMENT)
    previous, current = closed_round(2024), closed_round(2025)
    frozen(previous, 1, alpha, ministry, plan_2025="200")
    frozen(previous, 2, alpha, ministry, plan_2025="100")
    frozen(current, 1, alpha, ministry, actual="150")
    frozen(current, 2, alpha, ministry, actual="130")
    db.session.flush()
    period = measures.Period(2025, 2, "semester")
    measure = measures.MEASURES["predictability"]
    figure = measure.compute(measures.Scope(), period, date.today())
    assert (figure.value, figure.projects) == (Decimal("83.33"), 2)  # (150 + 100) / 300
    public = measure.compute(measures.Scope(published_only=True), period, date.today())
    assert (public.value, public.projects) == (None, 0)
    assert (
        measure.compute(measures.Scope(), measures.Period(2026, 1, "semester"), date.today()).value
        is None
    )


def test_the_commitments_download_carries_the_computed_value_the_page_shows(
    client, login_as, linked
):
    """The delivery dashboard's CSV gives a computed indicator's latest value, as its page does."""
    import csv
    import io

    login_as("cdc")
    text = client.get("/exports/commitments.csv").get_data(as_text=True)
    rows = {row["Commitment"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    row = rows[linked["item"].title_en]
    assert row["Latest period"] == "2025-S2"
    assert Decimal(row["Latest actual"]) == Decimal(60)
