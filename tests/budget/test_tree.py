"""The budget tree: adding, renaming, moving, retiring, deleting, and its CSV import."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.budget import csv_import, services
from portal.budget.models import BudgetNode, ProjectBudgetLine
from portal.extensions import db
from tests import factories


def _codes():
    return {
        n.code: (n.level, n.parent.code if n.parent else None, n.name_en, n.name_km, n.retired)
        for n in db.session.scalars(select(BudgetNode))
    }


def test_levels_follow_the_parent_and_a_sub_programme_holds_nothing(tree):
    assert tree["health"].level == "ministry"
    assert tree["h1"].level == "programme"
    assert tree["h1a"].level == "subprogramme"
    assert tree["h1a"].organization_id == tree["health_org"].id
    with pytest.raises(services.BudgetInvalid) as refused:
        services.save_node(
            services.NodeData(code="H-P1-01-X", name_en="Too deep", parent_code="H-P1-01"),
            None,
            actor=None,
        )
    assert "parent_code" in refused.value.errors


def test_a_ministry_needs_a_national_institution_and_codes_are_unique(tree):
    with pytest.raises(services.BudgetInvalid) as refused:
        services.save_node(services.NodeData(code="X", name_en="No institution"), None, actor=None)
    assert "organization_id" in refused.value.errors
    with pytest.raises(services.BudgetInvalid) as refused:
        services.save_node(
            services.NodeData(code="H-P2", name_en="Again", parent_code="H"), None, actor=None
        )
    assert "code" in refused.value.errors


def test_rename_in_both_languages_and_move_keeps_the_level(tree):
    data = services.NodeData(
        code="H-P1-01",
        name_en="Primary health care",
        name_km="ការថែទាំសុខភាពបឋម",
        parent_code="H-P2",
    )
    node = services.save_node(data, tree["h1a"], actor=None)
    assert (node.name_en, node.name_km, node.parent.code) == (
        "Primary health care",
        "ការថែទាំសុខភាពបឋម",
        "H-P2",
    )
    assert node.display_name("km") == "ការថែទាំសុខភាពបឋម"
    # A sub-programme under a ministry would become a programme: refused.
    with pytest.raises(services.BudgetInvalid) as refused:
        services.save_node(
            services.NodeData(code="H-P1-01", name_en="x", parent_code="R"), node, actor=None
        )
    assert "keeps its level" in refused.value.errors["parent_code"]


def test_moving_a_programme_to_another_ministry_moves_its_branch(tree):
    services.save_node(
        services.NodeData(code="H-P1", name_en="Health services", parent_code="R"),
        tree["h1"],
        actor=None,
    )
    db.session.refresh(tree["h1a"])
    assert tree["h1a"].organization_id == tree["roads_org"].id


def test_retire_cascades_and_a_used_node_cannot_be_deleted(tree):
    project = factories.project(lead=tree["health_org"])
    services.set_budget_codes(project, [services.BudgetShare("H-P1-01", Decimal(100))], actor=None)
    with pytest.raises(services.BudgetInvalid) as refused:
        services.delete_node(tree["h1a"], actor=None)
    assert "retire" in refused.value.errors["node"]
    services.save_node(
        services.NodeData(code="H-P1", name_en="Health services", parent_code="H", retired=True),
        tree["h1"],
        actor=None,
    )
    db.session.refresh(tree["h1a"])
    assert tree["h1a"].retired and tree["h1"].retired
    # The project keeps its (retired) code; an unused leaf can be deleted.
    assert db.session.scalar(select(func.count()).select_from(ProjectBudgetLine)) == 1
    services.delete_node(tree["r1"], actor=None)
    assert db.session.scalar(select(BudgetNode).where(BudgetNode.code == "R-P1")) is None


GOOD = """code,parent_code,ministry,name_en,name_km,retired
H,,TMOH,Ministry of Health,ក្រសួងសុខាភិបាល,
H-P3,H,,Health financing,ហិរញ្ញប្បទានសុខាភិបាល,
H-P3-01,H-P3,,Social health protection,,
H-P1,H,,Health service delivery,,
R-P1,R,,Rural roads,,yes
"""


def test_csv_import_creates_updates_and_is_idempotent(tree):
    result = csv_import.import_tree(GOOD.encode(), actor=None)
    assert (result.created, result.changed) == (2, 3)
    codes = _codes()
    assert codes["H-P3-01"] == ("subprogramme", "H-P3", "Social health protection", None, False)
    assert codes["H"][3] == "ក្រសួងសុខាភិបាល"
    assert codes["H-P1"][2] == "Health service delivery"
    # A blank Khmer cell kept the name it had; a row can retire a code.
    assert codes["H-P1"][3] == "Health services (km)"
    assert codes["R-P1"][4] is True
    before = _codes()
    again = csv_import.import_tree(GOOD.encode(), actor=None)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 5)
    assert _codes() == before


def test_csv_import_refuses_bad_rows_by_line_and_changes_nothing(tree):
    before = _codes()
    bad = (
        "code;parent_code;ministry;name_en\n"
        "H-P9;H;;Fine row\n"
        "H-P9-01;NOPE;;Unknown parent\n"
        "H-P1-01-Z;H-P1-01;;Under a sub-programme\n"
        "NEW;;NOBODY;A ministry nobody knows\n"
        "H-P9;H;;Twice\n"
        "H-P2;R-P1;;A programme moved under a programme\n"
    )
    with pytest.raises(csv_import.BudgetCsvError) as refused:
        csv_import.import_tree(bad.encode(), actor=None)
    errors = refused.value.errors
    assert any(e.startswith("Line 3:") and "NOPE" in e for e in errors)
    assert any(e.startswith("Line 4:") for e in errors)
    assert any(e.startswith("Line 5:") and "NOBODY" in e for e in errors)
    assert any(e.startswith("Line 6:") and "line 2" in e for e in errors)
    assert any(e.startswith("Line 7:") for e in errors)
    assert not any(e.startswith("Line 2:") for e in errors)
    assert _codes() == before


def test_csv_import_refuses_a_file_without_the_columns():
    with pytest.raises(csv_import.BudgetCsvError) as refused:
        csv_import.import_tree(b"code,name\nX,Y\n", actor=None)
    assert refused.value.errors[0].startswith("Line 1:")
