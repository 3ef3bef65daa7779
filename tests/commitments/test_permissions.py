"""Who may do what on a commitment: every object route, each role, own and other organizations."""

from datetime import date

import pytest

from portal.commitments.reporting import BottleneckData, add_bottleneck
from portal.extensions import db
from portal.organizations.models import OrgKind
from tests import factories
from tests.commitments import helpers


@pytest.fixture
def world():
    orgs = helpers.parties()
    orgs["other_ministry"] = factories.organization(OrgKind.GOVERNMENT, acronym="OTHERM")
    item = helpers.commitment(orgs)
    lead_user = factories.user(role="ministry", organization=orgs["lead"])
    report = helpers.report(item, lead_user, files=[("evidence.pdf", helpers.PDF)])
    bottleneck = add_bottleneck(
        item,
        BottleneckData("Late data", orgs["lead"].id, "Chase it.", date(2027, 1, 1)),
        actor=lead_user,
    )
    return {"orgs": orgs, "commitment": item, "report": report, "bottleneck": bottleneck}


WHO = {
    "anonymous": (None, None),
    "anonymous_public": (None, None),  # the same commitment, once CDC made it public
    "lead": ("ministry", "lead"),
    "co_responsible": ("ministry", "co"),
    "supporting": ("dp", "dp1"),
    "outside_partner": ("dp", "outsider"),
    "outside_ministry": ("ministry", "other_ministry"),
    "cdc": ("cdc", None),
}

# who -> GET detail, GET edit, GET report, POST assess, GET evidence, POST bottleneck,
#        POST resolve
EXPECTED = {
    "anonymous": (404, 302, 302, 302, 404, 302, 302),
    "anonymous_public": (200, 302, 302, 302, 404, 302, 302),
    "lead": (200, 403, 200, 403, 200, 400, 302),
    "co_responsible": (200, 403, 403, 400, 200, 400, 302),
    "supporting": (200, 403, 403, 400, 200, 400, 302),
    "outside_partner": (200, 403, 403, 403, 404, 403, 403),
    "outside_ministry": (200, 403, 403, 403, 404, 403, 403),
    "cdc": (200, 200, 200, 400, 200, 400, 302),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_commitment_routes_answer_each_role(client, login_as, world, who):
    role, org_key = WHO[who]
    if who == "anonymous_public":
        world["commitment"].public = True
        db.session.commit()
    if role:
        login_as(role, organization=world["orgs"][org_key] if org_key else None)
    item, report = world["commitment"], world["report"]
    answers = (
        client.get(f"/commitments/{item.id}").status_code,
        client.get(f"/commitments/{item.id}/edit").status_code,
        client.get(f"/commitments/{item.id}/report").status_code,
        client.post(f"/commitments/reports/{report.id}/assess", data={}).status_code,
        client.get(f"/commitments/evidence/{report.evidence[0].id}").status_code,
        client.post(f"/commitments/{item.id}/bottlenecks", data={}).status_code,
        client.post(f"/commitments/bottlenecks/{world['bottleneck'].id}/resolve").status_code,
    )
    assert answers == EXPECTED[who]


def test_everyone_logged_in_reads_the_dashboard_the_public_only_public_ones(
    client, login_as, world
):
    public_page = client.get("/commitments/")
    assert public_page.status_code == 200
    assert "Share of ODA disbursed on budget" not in public_page.get_data(as_text=True)
    login_as("dp", organization=world["orgs"]["outsider"])
    page = client.get("/commitments/").get_data(as_text=True)
    assert "Share of ODA disbursed on budget" in page
    assert "New commitment" not in page
    assert client.get("/commitments/new").status_code == 403
    assert client.post("/commitments/new", data={"title_en": "x"}).status_code == 403


def test_unknown_records_answer_404(client, login_as):
    login_as("cdc")
    for url in ("/commitments/999999", "/commitments/evidence/999999"):
        assert client.get(url).status_code == 404
    assert client.post("/commitments/reports/999999/assess").status_code == 404
