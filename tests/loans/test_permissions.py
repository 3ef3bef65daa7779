"""Who may open a loan's terms page and CDC's settings: every role, own and other projects."""

import pytest

from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects.services import set_published
from tests import factories


@pytest.fixture
def world(loan_world):
    other = factories.organization(OrgKind.BILATERAL, acronym="OTH")
    other_ministry = factories.organization(OrgKind.GOVERNMENT, acronym="OMI")
    published = factories.project(
        reporting=other, lead=other_ministry, title_en="Public loan", type_of_assistance="loan"
    )
    set_published(published, True, actor=None)
    db.session.flush()
    return {**loan_world, "other": other, "other_ministry": other_ministry, "published": published}


# who -> (GET own loan's terms page, GET another partner's published loan's page)
EXPECTED = {
    "anonymous": (302, 302),
    "partner": (200, 404),
    "lead_ministry": (403, 404),
    "other_ministry": (404, 403),
    "cdc": (200, 200),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_loan_terms_page_by_role(client, login_as, world, who):
    if who == "partner":
        login_as("dp", world["partner"])
    elif who == "lead_ministry":
        login_as("ministry", world["ministry"])
    elif who == "other_ministry":
        login_as("ministry", world["other_ministry"])
    elif who == "cdc":
        login_as("cdc")
    own, published = EXPECTED[who]
    assert client.get(f"/projects/{world['loan'].id}/loan").status_code == own
    assert client.get(f"/projects/{world['published'].id}/loan").status_code == published
    # A POST is refused the same way (and changes nothing).
    if own != 200:
        assert client.post(f"/projects/{world['loan'].id}/loan", data={}).status_code == own


@pytest.mark.parametrize(("role", "status"), [("dp", 403), ("ministry", 403), ("cdc", 200)])
def test_settings_are_cdcs(client, login_as, role, status):
    login_as(role)
    assert client.get("/loans/settings").status_code == status
    assert client.post(
        "/loans/settings", data={"discount_rate": "5", "threshold": "25"}
    ).status_code in ((302,) if status == 200 else (403,))


def test_public_reads_a_published_loans_terms_without_editing(client, world):
    page = client.get(f"/projects/{world['published'].id}").get_data(as_text=True)
    assert "Loan terms" in page
    assert "Record the loan terms" not in page
