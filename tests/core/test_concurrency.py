"""Two people acting at the same moment, each with a real database session of their own.

Each test runs on a database of its own (a file for SQLite), and two threads, released together
by a barrier, send their requests at once. What is checked is what the people see: the loser's
message, the rows in the database, the winner's values.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services as project_services
from portal.projects.models import Project
from tests import factories
from tests.core.conftest import Rendezvous, at_once, iati_ready, logged_in, portal_command
from tests.projects.test_registration import complete_form

pytestmark = pytest.mark.own_database

CONFLICT = "Someone else saved this project while you were editing it."
# How long the first request waits inside the request for the second one. On PostgreSQL both
# always get there (row locks come later); SQLite makes the second wait for the first's commit
# before it reads anything, so there the first goes on alone after a short while.
PATIENCE = {"sqlite": 2.0, "postgresql": 20.0}
IMPORTED = 300  # activities of the file two people import at once


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def registered(own_app):
    """A partner's project, saved through the form, and two colleagues of that partner."""
    partner = factories.organization(OrgKind.BILATERAL, acronym="JICAT", iati_ref="JP-8")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MOHT")
    for year, value in ((2022, "0.95"), (2023, "0.92"), (2024, "0.925")):
        factories.rate("EUR", year, value)
    first = factories.user(role="dp", organization=partner, name="Sokha")
    second = factories.user(role="dp", organization=partner, name="Dara")
    db.session.commit()
    # complete_form reads the organizations' ids only; keep them beyond this session.
    setting = {
        "partner": SimpleNamespace(id=partner.id),
        "ministry": SimpleNamespace(id=ministry.id),
    }
    emails = (first.email, second.email)
    response = logged_in(own_app, emails[0]).post("/projects/new", data=complete_form(setting))
    assert response.status_code == 302
    project_id = db.session.scalar(select(Project.id))
    version = db.session.scalar(select(Project.version))
    db.session.remove()
    return {"setting": setting, "users": emails, "id": project_id, "version": version}


# On PostgreSQL the loser's removal of the old rows finds them already replaced by the winner's
# save (SQLAlchemy warns), and then its version check fails: that is the race being tested.
@pytest.mark.filterwarnings("ignore:DELETE statement on table:sqlalchemy.exc.SAWarning")
def test_two_edits_of_one_project_give_one_conflict_and_lose_nothing(
    own_app, backend, registered, monkeypatch
):
    first, second = (logged_in(own_app, user) for user in registered["users"])
    url = f"/projects/{registered['id']}/edit"
    opened = str(registered["version"])
    forms = (
        complete_form(registered["setting"], title_en="Title by Sokha", version=opened),
        complete_form(registered["setting"], contact_phone="+855 12 345 678", version=opened),
    )
    # Both requests meet after reading the project and checking its version, before writing.
    meet = Rendezvous(patience=PATIENCE[backend])
    real_validate = project_services.validate

    def validate_then_meet(*args, **kwargs):
        result = real_validate(*args, **kwargs)
        meet()
        return result

    monkeypatch.setattr(project_services, "validate", validate_then_meet)

    responses = at_once(
        lambda: first.post(url, data=forms[0]),
        lambda: second.post(url, data=forms[1]),
    )

    assert meet.met or backend == "sqlite"
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [302, 409], statuses
    winner = 0 if responses[0].status_code == 302 else 1
    loser_page = responses[1 - winner].get_data(as_text=True)
    assert CONFLICT in loser_page
    if winner == 0:
        assert "Title by Sokha" in loser_page  # what changed meanwhile
        assert 'value="+855 12 345 678"' in loser_page  # the loser's input is kept
    else:
        assert "+855 12 345 678" in loser_page
        assert 'value="Title by Sokha"' in loser_page
    db.session.remove()
    project = db.session.get(Project, registered["id"])
    assert project.version == registered["version"] + 1  # one save, on top of the opened one
    if winner == 0:
        assert (project.title_en, project.contact_phone) == ("Title by Sokha", None)
    else:
        assert (project.title_en, project.contact_phone) == (
            "Rural water supply and sanitation",
            "+855 12 345 678",
        )
    assert _count(Project) == 1


RACE_LOST = (
    "Someone else acted on this project at the same moment; their step was recorded first.",
    "someone else has already acted on it.",
)


def test_two_transitions_at_once_exactly_one_wins(own_app, backend, monkeypatch):
    from portal.alignment import workflow
    from portal.alignment.models import WorkflowTransition
    from portal.audit.models import AuditEvent

    project = factories.project()
    project.workflow_state = "confirmed"
    emails = [factories.user(role="cdc", name=name).email for name in ("Vanna", "Chenda")]
    db.session.commit()
    project_id = project.id
    clients = [logged_in(own_app, email) for email in emails]
    meet = Rendezvous(patience=PATIENCE[backend])
    real_can_transition = workflow.can_transition

    def allowed_then_meet(*args, **kwargs):
        allowed = real_can_transition(*args, **kwargs)
        meet()  # both have read the project as "confirmed"; neither has moved it
        return allowed

    monkeypatch.setattr(workflow, "can_transition", allowed_then_meet)
    url = f"/alignment/projects/{project_id}/step/validate"

    responses = at_once(*(lambda c=c: c.post(url, follow_redirects=True) for c in clients))

    assert meet.met or backend == "sqlite"
    pages = [response.get_data(as_text=True) for response in responses]
    assert [response.status_code for response in responses] == [200, 200]  # the project page
    won = [index for index, page in enumerate(pages) if "Done: the project is now" in page]
    assert len(won) == 1, "exactly one person is told their step was taken"
    loser_page = pages[1 - won[0]]
    assert any(message in loser_page for message in RACE_LOST), "the other is told why not"
    db.session.remove()
    steps = db.session.scalars(
        select(WorkflowTransition).where(WorkflowTransition.project_id == project_id)
    ).all()
    assert [(step.from_state, step.to_state) for step in steps] == [("confirmed", "validated")]
    assert steps[0].user_id == db.session.scalar(
        select(User.id).where(User.email == emails[won[0]])
    )
    assert _count(AuditEvent, AuditEvent.action == "workflow.validate") == 1
    assert db.session.get(Project, project_id).workflow_state == "validated"


def test_issuing_one_report_twice_at_once_keeps_one_record(own_app, backend, monkeypatch):
    from portal.audit.models import AuditEvent
    from portal.reports import render
    from portal.reports.models import IssuedReport

    emails = [factories.user(role="cdc", name=name).email for name in ("Vanna", "Chenda")]
    db.session.commit()
    first, second = (logged_in(own_app, email) for email in emails)
    generated = first.post(
        "/reports/new",
        data={"year": "2024", "scope": "country", "language": "en", "sections": ["key_figures"]},
    )
    job_id = int(generated.headers["Location"].rstrip("/").split("/")[-1])
    meet = Rendezvous(patience=PATIENCE[backend])
    real_title = render.title

    def title_then_meet(*args, **kwargs):
        meet()  # both found the job not issued yet; neither has written the record
        return real_title(*args, **kwargs)

    monkeypatch.setattr(render, "title", title_then_meet)

    responses = at_once(
        lambda: first.post(f"/reports/jobs/{job_id}/issue"),
        lambda: second.post(f"/reports/jobs/{job_id}/issue"),
    )

    assert meet.met or backend == "sqlite"
    db.session.remove()
    reports = db.session.scalars(select(IssuedReport)).all()
    assert len(reports) == 1
    # Both people land on the one issued report.
    assert [response.status_code for response in responses] == [302, 302]
    assert {response.headers["Location"] for response in responses} == {f"/reports/{reports[0].id}"}
    assert _count(AuditEvent, AuditEvent.action == "report_issued") == 1


def test_two_imports_of_one_file_at_once_write_each_activity_once(own_app, tmp_path):
    from portal.iati.models import IatiRecord, ImportBatch
    from portal.organizations.models import Organization
    from tests.iati.generate import activities_xml

    iati_ready()
    organizations_before = _count(Organization)
    path = tmp_path / "activities.xml"
    path.write_bytes(activities_xml(IMPORTED))

    def run_import():
        started = time.monotonic()
        command = portal_command(own_app, "iati", "import", str(path), "--lead-partner", "MEFX")
        output, _ignored = command.communicate(timeout=600)
        return command.returncode, output, (started, time.monotonic())

    results = at_once(run_import, run_import)

    (first_code, first, first_span), (second_code, second, second_span) = results
    assert first_code == 0, first[-2000:]
    assert second_code == 0, second[-2000:]
    assert max(first_span[0], second_span[0]) < min(first_span[1], second_span[1])  # overlap
    # One import wrote every activity; the other found them written (new + unchanged).
    totals = [_totals(first), _totals(second)]
    assert sorted(new for new, _changed, _unchanged in totals) == [0, IMPORTED], totals
    assert all(new + unchanged == IMPORTED for new, _changed, unchanged in totals), totals
    db.session.remove()
    identifiers = db.session.scalars(select(Project.iati_identifier)).all()
    assert len(identifiers) == IMPORTED == len(set(identifiers))
    assert _count(IatiRecord) == IMPORTED
    assert _count(ImportBatch, ImportBatch.status == "imported") == 2
    # The partners the file names were created once, by the import that wrote.
    created = sum(_organizations_created(output) for output in (first, second))
    assert created > 0
    assert _count(Organization) - organizations_before == created


def _totals(output: str) -> tuple[int, int, int]:
    """(new, changed, unchanged) from the import's summary line."""
    line = next(line for line in output.splitlines() if line.startswith(f"{IMPORTED} activities:"))
    numbers = [int(word) for word in line.split(":")[1].replace(",", " ").split() if word.isdigit()]
    return numbers[0], numbers[1], numbers[2]


def _organizations_created(output: str) -> int:
    for line in output.splitlines():
        if line.startswith("Organizations created ("):
            return int(line.split("(")[1].split(")")[0])
    return 0
