"""Every way out of the portal × every role: no export gives what the pages hide from its reader.

A small registry: partner A has one published project (with a contact person and quality
findings) and one unpublished project, both led by ministry M. Each reader downloads every
export, document and API answer; a contact, a quality score or the unpublished project must
appear only for the readers who see them on the pages (CDC, A's own people, M's own people).
A new export route without a place here fails `test_every_export_route_is_in_the_matrix`.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree
from openpyxl import load_workbook

from portal.api.limits import api_limiter
from portal.api.tokens import create_token
from portal.organizations.models import OrgKind
from portal.projects import services
from portal.spreadsheets.lists import LISTS
from tests import factories
from tests.conftest import TEST_PASSWORD

CONTACT = ("Sokha Sentinel", "sokha.sentinel@partner-a.example", "+855 12 987 654")
UNPUBLISHED_TITLE = "Unpublished sentinel irrigation"
UNPUBLISHED_AMOUNT = "7654321"  # its commitment in USD: shows in sums only if it is counted
QUALITY_HEADERS = ("quality", "score")

# Who sees the published project's contacts and quality, and the unpublished project at all.
INSIDERS = {"partner_own", "ministry_lead", "cdc"}
ROLES = ["public", "partner_own", "partner_other", "ministry_lead", "ministry_other", "cdc"]

# Routes that are ways out (downloads, documents, API answers): endpoint -> why it is covered.
COVERED = {
    "projects.export": "the project list, CSV and XLSX",
    "iati.export_xml": "IATI XML",
    "mapping.export": "the map's table, CSV and XLSX",
    "mapping.svg_map": "the map as an image",
    "mapping.districts_export": "the district map's table, CSV and XLSX",
    "mapping.districts_svg": "the district map as an image",
    "lists.download": "every list of portal/spreadsheets/lists",
    "spreadsheets.template": "the partner's own projects as a workbook",
    "rounds.checklist_workbook": "a round's checklist (no round here: refused)",
    "api.index": "the API's entry point",
    "api.openapi_document": "the API's description (no data)",
    "api.projects": "the API's project list",
    "api.project": "the API's project detail",
    "api.project_results": "a project's results (published, or the reader's own)",
    "api.organizations": "organizations (no project field)",
    "api.organization": "an organization (no project field)",
    "api.aggregates": "sums by province, sector, partner, year",
    "api.pivot": "the report builder's answer as JSON",
    "analysis.export": "the report builder's answer, CSV and XLSX",
    "budget.export_tree": "the budget tree (reference data, no project field; CDC only)",
    "reports.issued_workbook": "an issued report's complete lists, as attached to its PDF",
    "reports.job_workbook": "a draft report's complete lists (CDC only)",
}


def _is_way_out(rule: str) -> bool:
    path = rule.split("?")[0]
    return (
        path.startswith(("/exports", "/api/"))
        or "export" in path
        or path.endswith((".csv", ".xlsx", ".xml", ".json", ".svg", ".pdf"))
        or path.endswith((".<any(csv, xlsx):fmt>",))
    )


def test_every_export_route_is_in_the_matrix(app):
    found = {r.endpoint for r in app.url_map.iter_rules() if _is_way_out(r.rule)}
    # Reports (PDF) are built for an audience of their own: tests/reports. Their workbooks
    # of complete lists are in the matrix (test_a_reports_complete_lists_follow_its_pdf).
    found = {e for e in found if not (e.startswith("reports.") and e.endswith("pdf"))}
    assert found - set(COVERED) == set(), "a new way out: add it to the matrix"


@pytest.fixture
def registry():
    """Partner A's published and unpublished projects (led by M), and every kind of reader."""
    cdc = factories.user(role="cdc")
    partner_a = factories.organization(OrgKind.BILATERAL, acronym="PARTA")
    partner_b = factories.organization(OrgKind.BILATERAL, acronym="PARTB")
    ministry_m = factories.organization(OrgKind.GOVERNMENT, acronym="MINM")
    ministry_n = factories.organization(OrgKind.GOVERNMENT, acronym="MINN")
    published = factories.project(
        reporting=partner_a,
        lead=ministry_m,
        title_en="Published sentinel health centres",
        nationwide=False,
        locations=[services.LocationShare("17", Decimal(100))],
        commitment_amount=Decimal("1234567"),
        commitment_date=date(2023, 3, 1),
        funding=[services.YearAmount(2023, "disbursement", Decimal("250000"), "USD")],
        contact_name=CONTACT[0],
        contact_email=CONTACT[1],
        contact_phone=CONTACT[2],
        objectives=None,
        actor=cdc,
    )
    services.set_published(published, True, actor=cdc)
    unpublished = factories.project(
        reporting=partner_a,
        lead=ministry_m,
        title_en=UNPUBLISHED_TITLE,
        nationwide=False,
        locations=[services.LocationShare("12", Decimal(100))],
        commitment_amount=Decimal(UNPUBLISHED_AMOUNT),
        commitment_date=date(2023, 3, 1),
        actor=cdc,
    )
    assert published.quality_findings, "the published project should carry quality findings"
    readers = {
        "public": None,
        "partner_own": factories.user(role="dp", organization=partner_a),
        "partner_other": factories.user(role="dp", organization=partner_b),
        "ministry_lead": factories.user(role="ministry", organization=ministry_m),
        "ministry_other": factories.user(role="ministry", organization=ministry_n),
        "cdc": cdc,
    }
    return {
        "published": published,
        "unpublished": unpublished,
        "partner_a": partner_a,
        "readers": readers,
    }


def _urls(registry) -> list[str]:
    published, unpublished = registry["published"].id, registry["unpublished"].id
    partner = registry["partner_a"].id
    urls = [
        "/projects/export.csv",
        "/projects/export.xlsx",
        "/projects/export.csv?sort=quality",
        "/projects/export.csv?published=no",
        "/iati/export.xml",
        f"/iati/export.xml?partner={partner}",
        "/map/export.csv",
        "/map/export.xlsx",
        "/map/export.csv?measure=disbursed",
        "/map/map.svg",
        "/map/districts/export.csv",
        "/map/districts/export.xlsx?area=12",
        "/map/districts/map.svg?area=12",
        f"/spreadsheets/template.xlsx?partner={partner}",
        f"/rounds/{date.today().year}/checklist.xlsx",
        "/api/v1/",
        "/api/v1/openapi.json",
        "/api/v1/projects",
        "/api/v1/projects?sort=quality",
        "/api/v1/projects?published=no",
        f"/api/v1/projects/{published}",
        f"/api/v1/projects/{unpublished}",
        f"/api/v1/projects/{published}/results",
        f"/api/v1/projects/{unpublished}/results",
        "/api/v1/organizations",
        f"/api/v1/organizations/{partner}",
        *(f"/api/v1/aggregates/{d}" for d in ("province", "sector", "partner", "year")),
        "/api/v1/pivot?rows=partner&columns=province&measure=commitment",
        "/api/v1/pivot?rows=ministry,year&columns=status&measure=commitment",
        "/analysis/export.csv?rows=partner&columns=year&measure=commitment",
        "/analysis/export.xlsx?rows=province&measure=commitment",
        "/analysis/export.csv?rows=partner&measure=commitment&share=column",
        "/admin/reference/budget/export.csv",
    ]
    for name in sorted(LISTS):
        for project in (published, unpublished):
            args = f"project={project}&partner={partner}&year={date.today().year}"
            urls += [f"/exports/{name}.csv?{args}", f"/exports/{name}.xlsx?{args}"]
    return urls


def _tables(response) -> list[list[list[str]]]:
    """The tables of a CSV or XLSX answer, as rows of text cells."""
    kind = response.mimetype
    if kind == "text/csv":
        return [list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))]
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(response.data), read_only=True)
        return [
            [
                ["" if c is None else str(c) for c in row]
                for row in sheet.iter_rows(values_only=True)
            ]
            for sheet in book.worksheets
        ]
    return []


def _text(response) -> str:
    tables = _tables(response)
    if tables:
        return "\n".join("\t".join(row) for table in tables for row in table)
    return response.get_data(as_text=True)


def _quality_in_tables(tables, title: str) -> list[str]:
    """The non-blank quality cells of the rows about the project titled `title`."""
    shown = []
    for table in tables:
        header = next(
            (row for row in table if any(QUALITY_HEADERS[0] in c.lower() for c in row)), None
        )
        if header is None:
            continue
        columns = [i for i, c in enumerate(header) if any(w in c.lower() for w in QUALITY_HEADERS)]
        for row in table:
            if title in row:
                shown += [row[i] for i in columns if i < len(row) and row[i].strip()]
    return shown


def _quality_in_json(value, project_id: int) -> bool:
    """Whether the JSON answer holds internal fields of the project `project_id`."""
    if isinstance(value, list):
        return any(_quality_in_json(v, project_id) for v in value)
    if not isinstance(value, dict):
        return False
    if value.get("id") == project_id and "title_en" in value:
        return "internal" in value or "quality_score" in json.dumps(value)
    return any(_quality_in_json(v, project_id) for v in value.values())


def _leaks(response, registry, insider: bool) -> list[str]:
    if insider or response.status_code != 200:
        return []
    text = _text(response)
    leaks = [f"contact {c!r}" for c in CONTACT if c in text]
    if UNPUBLISHED_TITLE in text:
        leaks.append("the unpublished project's title")
    if UNPUBLISHED_AMOUNT in text.replace(",", ""):
        leaks.append("the unpublished project's commitment")
    published = registry["published"]
    if _quality_in_tables(_tables(response), published.title_en):
        leaks.append("the published project's quality score")
    if response.mimetype == "application/json" and _quality_in_json(
        response.get_json(), published.id
    ):
        leaks.append("the published project's internal fields")
    if response.mimetype == "application/xml":
        etree.fromstring(response.data)  # still a well-formed document
    return leaks


@pytest.mark.parametrize("role", ROLES)
def test_no_export_gives_what_the_pages_hide(app, client, registry, role):
    reader = registry["readers"][role]
    headers = {}
    if reader is not None:
        response = client.post("/login", data={"email": reader.email, "password": TEST_PASSWORD})
        assert response.status_code == 302
        headers = {"Authorization": f"Bearer {create_token(reader, 'matrix').secret}"}
    insider = role in INSIDERS
    found = {}
    for url in _urls(registry):
        api_limiter(app).reset()
        response = client.get(url, headers=headers if url.startswith("/api/") else {})
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if leaks := _leaks(response, registry, insider):
            found[url] = leaks
        response.close()  # a streamed download ends its own request context
    assert found == {}, "\n".join(f"{url}: {leaks}" for url, leaks in found.items())


@pytest.mark.parametrize("role", ["cdc", "partner_own", "ministry_lead"])
def test_insiders_still_get_what_their_pages_show(client, registry, role):
    """The rule hides per reader: the project's own people and CDC keep contacts and scores."""
    reader = registry["readers"][role]
    client.post("/login", data={"email": reader.email, "password": TEST_PASSWORD})
    listing = client.get("/projects/export.csv")
    assert CONTACT[1] in listing.get_data(as_text=True)
    assert _quality_in_tables(_tables(listing), registry["published"].title_en)
    assert UNPUBLISHED_TITLE in listing.get_data(as_text=True)
    assert UNPUBLISHED_AMOUNT in _text(client.get("/map/export.csv")).replace(",", "")
    xml = client.get("/iati/export.xml").get_data(as_text=True)
    assert CONTACT[1] in xml and UNPUBLISHED_TITLE in xml


def test_column_layout_is_the_same_for_every_reader(client, registry):
    """Hidden cells are blank, not missing: a reader's download has the same columns."""
    public = list(
        csv.reader(io.StringIO(client.get("/projects/export.csv").get_data(as_text=True)))
    )
    reader = registry["readers"]["partner_other"]
    client.post("/login", data={"email": reader.email, "password": TEST_PASSWORD})
    other = list(csv.reader(io.StringIO(client.get("/projects/export.csv").get_data(as_text=True))))
    assert public[0] == other[0]
    assert {len(row) for row in public} == {len(public[0])}


def test_the_public_downloads_no_commitment_or_pilot_that_is_not_public(client, registry):
    """Commitments and pilots go out to the public only once CDC made them public, and a
    public pilot's lessons go out without their evidence."""
    from portal.extensions import db
    from portal.pilots import services as pilot_services
    from tests.commitments import helpers as commitment_helpers
    from tests.pilots import helpers as pilot_helpers

    cdc = registry["readers"]["cdc"]
    commitment_helpers.commitment(
        commitment_helpers.parties(), title_en="Internal sentinel commitment", actor=cdc
    )
    orgs = pilot_helpers.partners()
    hidden = pilot_helpers.pilot(orgs, name_en="Internal sentinel pilot", actor=cdc)
    shown = pilot_helpers.pilot(orgs, name_en="Public sentinel pilot", actor=cdc)
    pilot_services.set_public(shown, True, actor=cdc)
    for pilot, text in ((hidden, "Hidden sentinel lesson"), (shown, "Shown sentinel lesson")):
        pilot_services.add_lesson(
            pilot,
            pilot_services.LessonData(date(2025, 1, 1), text, evidence="Sentinel evidence note"),
            actor=cdc,
        )
    db.session.commit()
    found = {}
    for url in _urls(registry):
        response = client.get(url)
        text = _text(response) if response.status_code == 200 else ""
        leaks = [
            s
            for s in (
                "Internal sentinel commitment",
                "Internal sentinel pilot",
                "Hidden sentinel lesson",
                "Sentinel evidence note",
            )
            if s in text
        ]
        if leaks:
            found[url] = leaks
        response.close()
    assert found == {}, "\n".join(f"{url}: {leaks}" for url, leaks in found.items())
    lessons = client.get("/exports/lessons.csv").get_data(as_text=True)
    assert "Shown sentinel lesson" in lessons


@pytest.mark.parametrize("role", ROLES)
def test_a_reports_complete_lists_follow_its_pdf(client, registry, role):
    """The workbook beside a report's PDF goes to the PDF's readers only, with what the PDF
    has: a published public edition to everyone, without the unpublished project (both are
    loans, so both would be listed); the internal edition and a draft to CDC alone."""
    from portal.extensions import db
    from portal.reports import services as reports
    from portal.reports.models import ReportJob
    from portal.reports.params import ReportParams

    cdc = registry["readers"]["cdc"]
    for project in (registry["published"], registry["unpublished"]):
        project.type_of_assistance = "loan"
    db.session.flush()
    sections = ("key_figures", "loans", "reconciliation", "quality")
    issued = {}
    for audience in ("public", "internal"):
        job = reports.start(ReportParams(year=2023, sections=sections, audience=audience), cdc)
        issued[audience] = reports.issue(db.session.get(ReportJob, job.id), cdc)
    reports.set_published(issued["public"], True, cdc)
    draft = reports.start(ReportParams(year=2023, sections=sections, audience="internal"), cdc)
    reader = registry["readers"][role]
    if reader is not None:
        client.post("/login", data={"email": reader.email, "password": TEST_PASSWORD})
    public = client.get(f"/reports/{issued['public'].id}/lists.xlsx")
    assert public.status_code == 200
    assert _leaks(public, registry, insider=False) == []
    assert registry["published"].title_en in _text(public)
    internal = client.get(f"/reports/{issued['internal'].id}/lists.xlsx")
    drafted = client.get(f"/reports/jobs/{draft.id}/lists.xlsx")
    if role == "cdc":
        assert internal.status_code == 200 and UNPUBLISHED_TITLE in _text(internal)
        assert drafted.status_code == 200
    else:
        assert internal.status_code == 404
        assert drafted.status_code in (302, 403)
