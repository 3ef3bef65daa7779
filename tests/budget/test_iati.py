"""Budget codes as IATI country-budget-items: a valid 2.03 export, read back on import."""

from decimal import Decimal

from lxml import etree
from sqlalchemy import select

from portal.budget import queries, services
from portal.extensions import db
from portal.iati import export
from portal.iati import services as iati
from portal.iati.models import IatiRecord
from portal.iati.preview import Decisions
from portal.organizations.models import OrgKind
from portal.projects.models import Project
from tests import factories
from tests.iati.test_export import assert_valid


def _codes(project_id) -> list[tuple[str, Decimal]]:
    db.session.expire_all()
    mapping = queries.mapping_of(project_id)
    return [(line.node.code, line.percentage) for line in (mapping.lines if mapping else [])]


def _mapped(tree):
    partner = factories.organization(OrgKind.BILATERAL, acronym="SDCB", iati_ref="CH-4")
    project = factories.project(
        reporting=partner,
        lead=tree["health_org"],
        iati_identifier="CH-4-BUDGET-1",
        title_en="Primary care and dengue",
    )
    services.set_budget_codes(
        project,
        [
            services.BudgetShare("H-P1-01", Decimal("66.67")),
            services.BudgetShare("H-P2", Decimal("33.33")),
        ],
        actor=None,
    )
    return project


def _write(body: bytes):
    return iati.write(
        iati.parse_files([("export.xml", body)]), user=None, decisions=Decisions(), batch=None
    )


def test_the_export_validates_with_the_national_chart_of_accounts(app, iati_schema, tree):
    project = _mapped(tree)
    document = assert_valid(iati_schema, export.export_xml([project]))
    items = document.find("iati-activity/country-budget-items")
    assert items.get("vocabulary") == "2"  # BudgetIdentifierVocabulary: Country Chart of Accounts
    assert [(i.get("code"), i.get("percentage")) for i in items.findall("budget-item")] == [
        ("H-P1-01", "66.67"),
        ("H-P2", "33.33"),
    ]
    description = items.find("budget-item/description")
    assert [n.text for n in description.findall("narrative")] == [
        "Primary care",
        "Primary care (km)",
    ]
    # A project without codes writes no element (an empty one would not validate).
    plain = factories.project(lead=tree["health_org"], title_en="No codes")
    assert (
        assert_valid(iati_schema, export.export_xml([plain])).find(
            "iati-activity/country-budget-items"
        )
        is None
    )


def test_a_round_trip_keeps_the_codes(app, tree):
    project = _mapped(tree)
    body = export.export_xml([project])
    # Removed (its codes first, so none can linger under a reused id), then imported again.
    services.set_budget_codes(project, [], actor=None)
    assert _codes(project.id) == []
    db.session.delete(project)
    db.session.flush()
    plan = _write(body)
    again = plan.lines[0].project_id
    assert _codes(again) == [("H-P1-01", Decimal("66.67")), ("H-P2", Decimal("33.33"))]
    # Imported over the project again: unchanged.
    _write(body)
    assert _codes(again) == [("H-P1-01", Decimal("66.67")), ("H-P2", Decimal("33.33"))]


def test_unknown_codes_are_kept_and_flagged_not_refused(app, tree):
    project = _mapped(tree)
    body = export.export_xml([project])
    body = body.replace(b'code="H-P2"', b'code="H-P9"')
    plan = _write(body)
    project_id = plan.lines[0].project_id
    assert project_id == project.id
    # The project keeps its codes; the record keeps the file's, with why, for a person.
    assert _codes(project_id) == [("H-P1-01", Decimal("66.67")), ("H-P2", Decimal("33.33"))]
    record = db.session.scalar(select(IatiRecord).where(IatiRecord.project_id == project_id))
    assert [i["code"] for i in record.extras["budget_items"]] == ["H-P1-01", "H-P9"]
    assert record.extras["budget_items"][1]["vocabulary"] == "2"
    assert "There is no budget code H-P9." in record.extras["budget_items_flag"]
    assert db.session.get(Project, project_id).title_en == "Primary care and dengue"


def test_other_vocabularies_are_kept_on_the_record_only(app, tree):
    project = _mapped(tree)
    body = export.export_xml([project]).replace(b'vocabulary="2"', b'vocabulary="4"')
    document = etree.fromstring(body)
    assert document.find("iati-activity/country-budget-items").get("vocabulary") == "4"
    services.set_budget_codes(project, [], actor=None)
    plan = _write(body)
    assert _codes(plan.lines[0].project_id) == []
