"""The builder's page, exports, saved questions and API, read as each reader would."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.api.limits import api_limiter
from portal.organizations.models import OrgKind
from portal.projects import services
from tests import factories

HIDDEN = "7654321"  # the unpublished project's commitment: shown only to who may see it


@pytest.fixture
def registry():
    """Partner A's published project (1,000,000) and unpublished one (7,654,321)."""
    cdc = factories.user(role="cdc")
    partner_a = factories.organization(OrgKind.BILATERAL, acronym="PARTA")
    partner_b = factories.organization(OrgKind.BILATERAL, acronym="PARTB")
    published = factories.project(
        reporting=partner_a,
        nationwide=False,
        locations=[services.LocationShare("17", Decimal(100))],
        commitment_amount=Decimal("1000000"),
        commitment_date=date(2023, 3, 1),
        funding=[services.YearAmount(2023, "disbursement", Decimal("250000"), "USD")],
        actor=cdc,
    )
    services.set_published(published, True, actor=cdc)
    factories.project(
        reporting=partner_a,
        nationwide=False,
        locations=[services.LocationShare("12", Decimal(100))],
        commitment_amount=Decimal(HIDDEN),
        commitment_date=date(2023, 3, 1),
        actor=cdc,
    )
    other_b = factories.project(reporting=partner_b, commitment_amount=Decimal("5"), actor=cdc)
    from portal.extensions import db

    db.session.commit()
    return {"cdc": cdc, "a": partner_a, "b": partner_b, "other_b": other_b}


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_public_counts_only_published_projects(client, registry):
    page = client.get("/analysis/?rows=partner&columns=province&measure=commitment")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "PARTA" in text and "1,000,000.00" in text
    assert "7,654,321" not in text and "8,654,321" not in text
    rows = _csv(client.get("/analysis/export.csv?rows=partner&measure=commitment"))
    assert rows[-1] == ["Total", "1000000.00"]
    assert not any(HIDDEN in cell for row in rows for cell in row)


def test_a_partner_never_counts_what_it_may_not_see(client, login_as, registry):
    login_as("dp", organization=registry["b"])
    rows = _csv(client.get("/analysis/export.csv?rows=partner&measure=commitment"))
    assert {row[0]: row[1] for row in rows[1:]} == {
        "PARTA": "1000000.00",
        "PARTB": "5.00",
        "Total": "1000005.00",
    }


def test_the_owner_counts_its_unpublished_project(client, login_as, registry):
    login_as("dp", organization=registry["a"])
    rows = _csv(client.get("/analysis/export.csv?rows=province&measure=commitment"))
    assert f"{HIDDEN}.00" in [row[1] for row in rows]
    book = load_workbook(
        io.BytesIO(client.get("/analysis/export.xlsx?rows=partner&measure=commitment").data)
    )
    values = [[c.value for c in row] for row in book.active.iter_rows()]
    assert values[-1][0] == "Total" and Decimal(str(values[-1][-1])) == Decimal("8654321")


def test_a_saved_question_opens_with_the_openers_permissions(client, login_as, registry, app):
    login_as("dp", organization=registry["a"])
    response = client.post(
        "/analysis/save",
        data={"query": "rows=partner&measure=commitment", "title": "Money by partner"},
    )
    assert response.status_code == 302
    link = response.headers["Location"]
    assert "/analysis/q/" in link
    own = client.get(link).get_data(as_text=True)
    # Partner A counts its unpublished project, not B's (which A may not see).
    assert "Money by partner" in own and "8,654,321.00" in own
    client.post("/logout")
    # The public, then partner B, open the same link: the unpublished project is not counted.
    public = client.get(link)
    assert public.status_code == 200
    assert "1,000,000.00" in public.get_data(as_text=True)
    assert "8,654,321" not in public.get_data(as_text=True)
    login_as("dp", organization=registry["b"])
    other = client.get(link).get_data(as_text=True)
    assert "1,000,005.00" in other and HIDDEN not in other.replace(",", "")
    # Only its owner (or CDC) may delete it.
    token = link.rsplit("/", 1)[-1]
    assert client.post(f"/analysis/q/{token}/delete").status_code == 403
    assert client.get("/analysis/q/unknown-token").status_code == 404


def test_bad_parameters_are_named_beside_the_field(client, registry):
    page = client.get("/analysis/?rows=colour&measure=commitment&money_from=abc")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert 'id="a-rows-error"' in text and "Choose from: year" in text
    assert 'id="a-money_from-error"' in text and "Give a whole number." in text
    twice = client.get("/analysis/?rows=partner&columns=partner")
    assert twice.status_code == 400 and 'id="a-columns-error"' in twice.get_data(as_text=True)
    khmer = client.get("/analysis/?rows=colour", headers={"Accept-Language": "km"}, environ_base={})
    assert khmer.status_code == 400
    assert client.get("/analysis/export.csv?rows=colour").status_code == 400


def test_the_form_keeps_the_question(client, registry):
    text = client.get(
        "/analysis/?rows=province&row2=status&columns=year&measure=disbursed&share=row"
    ).get_data(as_text=True)
    assert '<option value="status" selected>' in text
    assert '<option value="year" selected>' in text
    assert '<option value="row" selected>' in text
    assert "100.0&nbsp;%" in text


def test_the_api_answers_and_refuses_with_reasons(client, registry, app):
    api_limiter(app).reset()
    answer = client.get("/api/v1/pivot?rows=partner&columns=year&measure=commitment").get_json()
    assert answer["total"] == "1000000.00"  # the public: the published project alone
    parta = next(r for r in answer["rows"] if r["keys"][0]["label"] == "PARTA")
    assert parta["total"] == "1000000.00"
    assert [c["keys"][0]["key"] for c in answer["columns"]] == [2023]
    counted = client.get("/api/v1/pivot?rows=status&measure=projects").get_json()
    assert counted["total"] == 1
    bad = client.get("/api/v1/pivot?rows=colour&measure=money&sauce=1")
    assert bad.status_code == 400
    fields = bad.get_json()["error"]["fields"]
    assert set(fields) == {"rows", "measure", "sauce"}
    assert client.get("/api/v1/pivot").status_code == 400
    km = client.get("/api/v1/pivot", headers={"Accept-Language": "km"}).get_json()
    assert km["error"]["message"] != "Some parameters are not valid."
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/pivot" in document["paths"]


def test_the_menu_offers_the_builder_to_everyone(client, login_as, registry):
    assert 'href="/analysis/"' in client.get("/").get_data(as_text=True)
    for role in ("dp", "ministry", "cdc"):
        login_as(role)
        assert 'href="/analysis/"' in client.get("/projects/").get_data(as_text=True)
