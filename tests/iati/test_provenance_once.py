"""The "From IATI" section does not repeat what the project's own sections show: results, loan
terms and budget items appear there only while the project has none of its own (an activity
imported before the portal kept them)."""

from __future__ import annotations

from decimal import Decimal

from lxml import html

from portal.budget import services as budget
from portal.extensions import db
from portal.iati.models import IatiRecord
from portal.loans import services as loans
from portal.loans.rules import LoanData
from portal.organizations.models import OrgKind
from portal.results.models import ProjectResult
from tests import factories

EXTRAS = {
    "results": [
        {
            "type": "1",
            "title": "Roads built",
            "indicators": [
                {
                    "title": "Kilometres of rural road paved",
                    "measure": "1",
                    "baseline": {"year": "2019", "iso-date": None, "value": "0"},
                    "targets": [{"end": "2023-12-31", "value": "120"}],
                    "actuals": [{"end": "2023-12-31", "value": "87"}],
                }
            ],
        }
    ],
    "loan_terms": {"rate-1": "1.25", "rate-2": None, "commitment_date": "2019-05-02"},
    "budget_items": [{"code": "ROADS-77", "percentage": "100"}],
    "budget_items_flag": "ROADS-77 (no such code in the national budget tree)",
    "policy_markers": [{"code": "1", "significance": "1", "vocabulary": "1"}],
}


def _section(client, project) -> str:
    page = html.fromstring(client.get(f"/projects/{project.id}").get_data(as_text=True))
    found = page.xpath('//section[@id="iati-provenance"]')
    assert len(found) == 1
    return " ".join(found[0].text_content().split())


def test_the_iati_section_shows_only_what_the_project_has_no_record_of(client, login_as):
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="TMRDX")
    project = factories.project(lead=ministry, type_of_assistance="loan")
    db.session.add(
        IatiRecord(project_id=project.id, iati_identifier="XM-TEST-1", extras=dict(EXTRAS))
    )
    db.session.commit()
    login_as("cdc")

    # Imported before the portal kept results, loan terms and budget codes: all shown here.
    before = _section(client, project)
    assert "Results reported to IATI" in before and "Kilometres of rural road paved" in before
    assert "Loan terms" in before and "1.25 %" in before
    assert "Country budget items" in before and "ROADS-77 (100 %)" in before
    assert "Policy markers" in before

    # The project gets its own results: the section no longer repeats them.
    db.session.add(ProjectResult(project_id=project.id, result_type="1", title="Roads built"))
    db.session.commit()
    text = _section(client, project)
    assert "Results reported to IATI" not in text and "Kilometres" not in text
    assert "Loan terms" in text and "Country budget items" in text

    # Its loan terms.
    loans.save_terms(
        project,
        LoanData(
            interest_rate=Decimal("1.25"),
            maturity_years=Decimal("30"),
            grace_years=Decimal("8"),
            repayment_type="1",
            repayment_plan="2",
        ),
        actor=None,
    )
    db.session.commit()
    text = _section(client, project)
    assert "Loan terms" not in text and "1.25 %" not in text
    assert "Country budget items" in text and "ROADS-77 (100 %)" in text

    # Its budget codes: the items published to IATI go, the note of what was not taken stays.
    for code, name, parent in (("TR", "Transport", None), ("TR-P1", "Rural roads", "TR")):
        budget.save_node(
            budget.NodeData(
                code=code,
                name_en=name,
                name_km=name,
                parent_code=parent,
                organization_id=ministry.id if parent is None else None,
            ),
            None,
            actor=None,
        )
    budget.set_budget_codes(project, [budget.BudgetShare("TR-P1", Decimal(100))], actor=None)
    db.session.commit()
    text = _section(client, project)
    assert "ROADS-77 (100 %)" not in text
    assert "Country budget items" in text and "no such code in the national budget tree" in text
    assert "Policy markers" in text  # what no section of the portal keeps stays
