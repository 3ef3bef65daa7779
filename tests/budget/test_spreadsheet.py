"""Budget codes through the project workbook: download, edit, upload, preview, confirm."""

from decimal import Decimal

import pytest

from portal.budget import queries, services
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects.models import Project
from tests import factories
from tests.spreadsheets.conftest import confirm_token, download, set_cell, to_bytes, upload


@pytest.fixture
def mapped(tree):
    """A partner's two projects led by the health ministry; one with budget codes."""
    jica = factories.organization(OrgKind.BILATERAL, acronym="JICAB")
    coded = factories.project(reporting=jica, lead=tree["health_org"], title_en="Coded")
    services.set_budget_codes(
        coded,
        [
            services.BudgetShare("H-P1-01", Decimal(60)),
            services.BudgetShare("H-P2", Decimal(40)),
        ],
        actor=None,
    )
    plain = factories.project(reporting=jica, lead=tree["health_org"], title_en="Plain")
    return {"jica": jica, "coded": coded, "plain": plain}


def _codes(project) -> list[tuple[str, Decimal]]:
    db.session.expire_all()
    mapping = queries.mapping_of(project.id)
    return [(line.node.code, line.percentage) for line in (mapping.lines if mapping else [])]


def _cell(book, project) -> object:
    sheet = book["Projects"]
    headers = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if row[0] == project.id:
            return row[headers.index("Budget codes")]
    raise AssertionError(project.id)


def _problems(preview) -> str:
    return preview.text.split('id="problems"')[1].split("</table>")[0]


def test_cdc_changes_codes_through_the_workbook(client, login_as, mapped):
    login_as("cdc")
    book = download(client, partner=mapped["jica"].id)
    assert _cell(book, mapped["coded"]) == "H-P1-01 60; H-P2 40"
    assert _cell(book, mapped["plain"]) is None
    set_cell(book["Projects"], mapped["plain"].id, "Budget codes", "H-P1 75; H-P2 25")
    version = mapped["plain"].version
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 200, preview.text
    assert "H-P1 75; H-P2 25" in preview.text
    assert _codes(mapped["plain"]) == []
    result = client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    assert result.status_code == 200
    assert _codes(mapped["plain"]) == [("H-P1", Decimal("75.00")), ("H-P2", Decimal("25.00"))]
    # Only the codes changed: the project itself was not saved again.
    assert db.session.get(Project, mapped["plain"].id).version == version
    # The other project's cell said what it had: its codes are as they were.
    assert _codes(mapped["coded"]) == [("H-P1-01", Decimal("60.00")), ("H-P2", Decimal("40.00"))]


def test_a_blank_cell_never_erases_codes(client, login_as, mapped):
    login_as("cdc")
    book = download(client, partner=mapped["jica"].id)
    set_cell(book["Projects"], mapped["coded"].id, "Budget codes", None)
    set_cell(book["Projects"], mapped["coded"].id, "Title", "Coded, renamed")
    preview = upload(client, to_bytes(book))
    client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    assert db.session.get(Project, mapped["coded"].id).title_en == "Coded, renamed"
    assert _codes(mapped["coded"]) == [("H-P1-01", Decimal("60.00")), ("H-P2", Decimal("40.00"))]


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("H-P1 60; NOPE 40", "NOPE: There is no budget code NOPE."),
        ("H-P1 60; H-P2 30", "must add up to 100; they add up to 90"),
        ("R-P1 100", "not of the project&#39;s lead ministry"),
        ("H-P1 sixty", "sixty is not a share in percent (for H-P1)."),
        ("H-P1; H-P2", "Write each budget code with its share"),
    ],
)
def test_a_wrong_cell_is_refused_at_its_row_and_nothing_changes(
    client, login_as, mapped, cell, words
):
    login_as("cdc")
    book = download(client, partner=mapped["jica"].id)
    set_cell(book["Projects"], mapped["coded"].id, "Budget codes", cell)
    set_cell(book["Projects"], mapped["plain"].id, "Title", "Plain, renamed")
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 400
    assert 'name="token"' not in preview.text
    problems = _problems(preview)
    assert words in problems
    assert "Budget codes (" in problems
    assert db.session.get(Project, mapped["plain"].id).title_en == "Plain"
    assert _codes(mapped["coded"]) == [("H-P1-01", Decimal("60.00")), ("H-P2", Decimal("40.00"))]


def test_a_partner_keeps_the_codes_it_cannot_change(client, login_as, mapped):
    """A partner's unchanged cells pass; a changed one is refused at the cell, not dropped."""
    login_as("dp", organization=mapped["jica"])
    book = download(client)
    assert _cell(book, mapped["coded"]) == "H-P1-01 60; H-P2 40"
    set_cell(book["Projects"], mapped["plain"].id, "Title", "Plain, renamed")
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 200, _problems(preview) if "problems" in preview.text else ""
    client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    assert db.session.get(Project, mapped["plain"].id).title_en == "Plain, renamed"

    book = download(client)
    set_cell(book["Projects"], mapped["coded"].id, "Budget codes", "H-P1 100")
    set_cell(book["Projects"], mapped["plain"].id, "Title", "Plain, again")
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 400
    assert "Only CDC and the project&#39;s lead ministry change its budget codes" in _problems(
        preview
    )
    db.session.expire_all()
    assert db.session.get(Project, mapped["plain"].id).title_en == "Plain, renamed"
    assert _codes(mapped["coded"]) == [("H-P1-01", Decimal("60.00")), ("H-P2", Decimal("40.00"))]


def test_codes_changed_after_the_download_are_not_overwritten(client, login_as, mapped):
    """The cell carries the version of the codes it was written with, as the project's Version
    cell does for its fields: a colleague's later codes are refused, never silently replaced."""
    login_as("cdc")
    coded = mapped["coded"]
    book = download(client, partner=mapped["jica"].id)
    set_cell(book["Projects"], coded.id, "Budget codes", "H-P1 50; H-P2 50")
    services.set_budget_codes(coded, [services.BudgetShare("H-P2", Decimal(100))], actor=None)
    db.session.flush()

    preview = upload(client, to_bytes(book))
    assert preview.status_code == 400
    problems = _problems(preview)
    assert "were changed in the portal after this file was made" in problems
    assert "Budget codes (" in problems
    assert _codes(coded) == [("H-P2", Decimal("100.00"))]

    # The same file with the cell put back as downloaded is no change to the codes.
    set_cell(book["Projects"], coded.id, "Budget codes", "H-P1-01 60; H-P2 40")
    set_cell(book["Projects"], coded.id, "Title", "Coded, renamed")
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 400  # still the colleague's newer codes, and the cell differs
    set_cell(book["Projects"], coded.id, "Budget codes", None)
    preview = upload(client, to_bytes(book))
    client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    assert db.session.get(Project, coded.id).title_en == "Coded, renamed"
    assert _codes(coded) == [("H-P2", Decimal("100.00"))]
