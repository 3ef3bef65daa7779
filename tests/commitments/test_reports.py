"""The lead reports with evidence; bad input is refused beside its field and nothing is kept."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.commitments import uploads
from portal.commitments.models import EvidenceFile, ProgressReport
from portal.extensions import db
from tests import factories
from tests.commitments import helpers


@pytest.fixture
def case():
    orgs = helpers.parties()
    return {"orgs": orgs, "commitment": helpers.commitment(orgs)}


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"]) / uploads.SUBFOLDER
    return sorted(folder.glob("*")) if folder.exists() else []


def counts():
    return (
        db.session.scalar(select(func.count()).select_from(ProgressReport)),
        db.session.scalar(select(func.count()).select_from(EvidenceFile)),
    )


def post_report(client, commitment, files=(), **fields):
    data = {
        "period": "2025-S1",
        "actual_value": "45.5",
        "narrative": "Two budget support operations recorded on budget.",
        "self_rating": "on_track",
        **fields,
    }
    data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(
        f"/commitments/{commitment.id}/report", data=data, content_type="multipart/form-data"
    )


def test_the_lead_reports_with_evidence_and_sees_both_ratings(app, client, login_as, case):
    item = case["commitment"]
    login_as("ministry", organization=case["orgs"]["lead"])
    files_before = set(stored_files(app))
    form = client.get(f"/commitments/{item.id}/report").get_data(as_text=True)
    assert '<option value="2025-S1">' in form
    assert '<option value="2027-S2">' not in form  # has not started yet
    response = post_report(
        client,
        item,
        files=[("execution-report.pdf", helpers.PDF), ("figures.csv", helpers.CSV)],
        self_rating="some_risk",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    report = db.session.scalar(select(ProgressReport))
    assert report.period == "2025-S1" and not report.by_cdc
    assert [e.original_name for e in report.evidence] == ["execution-report.pdf", "figures.csv"]
    assert [e.content_type for e in report.evidence] == [
        "application/pdf",
        "text/csv; charset=utf-8",
    ]
    # Files live under the upload folder, never under static/, under random names.
    files = set(stored_files(app)) - files_before
    assert {f.name for f in files} == {e.stored_name for e in report.evidence}
    assert all("static" not in str(f) and "execution" not in f.name for f in files)
    page = client.get(f"/commitments/{item.id}").get_data(as_text=True)
    assert "Some risk" in page and "On track" in page  # self-rating beside computed status
    assert "Differs" in page
    assert "execution-report.pdf" in page


@pytest.mark.parametrize(
    ("fields", "files", "field", "message"),
    [
        ({"period": "2031-S1"}, (), "period", "2031-S1 is not a period of this commitment"),
        ({"period": "2027-S2"}, (), "period", "2027-S2 has not started yet."),
        ({"actual_value": "forty"}, (), "actual_value", "Enter a number"),
        ({"actual_value": ""}, (), "actual_value", "Enter the actual value, in %."),
        ({"self_rating": "excellent"}, (), "self_rating", "Rate the progress"),
        ({"narrative": "  "}, (), "narrative", "Say in a few sentences"),
        ({}, [("setup.pdf", helpers.EXE)], "evidence", "“setup.pdf” is not a type of file"),
        ({}, [("photo.pdf", helpers.PNG)], "evidence", "does not match its name: it is a PNG"),
        ({}, [("notes.docx", helpers.plain_zip())], "evidence", "not a type of file"),
        ({}, [("binary.txt", b"abc\x00def")], "evidence", "not a type of file"),
        ({}, [("empty.pdf", b"")], "evidence", "“empty.pdf” is empty."),
        ({}, [("run.sh", b"#!/bin/sh\nrm -rf /\n")], "evidence", "“run.sh” is not a type of file"),
        ({}, [("data.csv", helpers.PDF)], "evidence", "does not match its name: it is a PDF"),
    ],
)
def test_bad_input_is_refused_beside_its_field(
    app, client, login_as, case, fields, files, field, message
):
    login_as("ministry", organization=case["orgs"]["lead"])
    before, files_before = counts(), stored_files(app)
    response = post_report(client, case["commitment"], files=files, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page
    assert message in page
    assert "Nothing has been saved yet" in page
    assert counts() == before
    assert stored_files(app) == files_before


def test_a_file_over_the_limit_is_refused_with_a_clear_message(app, client, login_as, case):
    login_as("ministry", organization=case["orgs"]["lead"])
    big = helpers.PDF + b"0" * uploads.MAX_BYTES
    before = counts()
    response = post_report(client, case["commitment"], files=[("scan.pdf", big)])
    assert response.status_code == 400
    assert "“scan.pdf” is larger than 10 MB." in response.get_data(as_text=True)
    assert counts() == before


def test_office_images_and_text_files_are_accepted_by_content(app, client, login_as, case):
    login_as("ministry", organization=case["orgs"]["lead"])
    files = [
        ("table.xlsx", helpers.office_file("xl")),
        ("letter.docx", helpers.office_file("word")),
        ("site.JPG", helpers.JPEG),
        ("chart.png", helpers.PNG),
        ("notes.txt", "ភ្នំពេញ\n".encode()),
    ]
    assert post_report(client, case["commitment"], files=files).status_code == 302
    assert counts() == (1, 5)


def test_a_second_report_for_the_same_period_is_refused(client, login_as, case):
    lead_user = login_as("ministry", organization=case["orgs"]["lead"])
    helpers.report(case["commitment"], lead_user)
    response = post_report(client, case["commitment"])
    assert response.status_code == 400
    assert "A report for 2025-S1 already exists." in response.get_data(as_text=True)


def test_cdc_reports_on_behalf_of_the_lead_and_it_says_so(client, login_as, case):
    login_as("cdc")
    page = client.get(f"/commitments/{case['commitment'].id}/report").get_data(as_text=True)
    assert "on behalf of LEADM" in page
    assert post_report(client, case["commitment"]).status_code == 302
    report = db.session.scalar(select(ProgressReport))
    assert report.by_cdc and report.on_behalf_of.acronym == "LEADM"
    page = client.get(f"/commitments/{case['commitment'].id}").get_data(as_text=True)
    assert "(CDC) on behalf of LEADM" in page


def test_evidence_is_served_as_an_attachment_to_the_parties_only(client, login_as, case):
    lead_user = factories.user(role="ministry", organization=case["orgs"]["lead"])
    report = helpers.report(
        case["commitment"], lead_user, files=[("report <draft>.pdf", helpers.PDF)]
    )
    evidence_id = report.evidence[0].id
    login_as("dp", organization=case["orgs"]["dp1"])
    response = client.get(f"/commitments/evidence/{evidence_id}")
    assert response.status_code == 200
    assert response.data == helpers.PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    client.post("/logout")
    login_as("dp", organization=case["orgs"]["outsider"])
    assert client.get(f"/commitments/evidence/{evidence_id}").status_code == 404
    page = client.get(f"/commitments/{case['commitment'].id}").get_data(as_text=True)
    assert "report &lt;draft&gt;.pdf" in page  # the name shows, the link does not
    assert f"/commitments/evidence/{evidence_id}" not in page
    client.post("/logout")
    assert client.get(f"/commitments/evidence/{evidence_id}").status_code == 404  # the public
