"""Every results route for every role: read as the project is read (the public, a published
project's), changed only by the reporting partner and CDC."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.results import services
from portal.results.rules import IndicatorData
from tests import factories

# who: (reads the unpublished project's results, may change them)
ROLES = {
    "public": (False, False),
    "own partner": (True, True),
    "other partner": (False, False),
    "lead ministry": (True, False),
    "other ministry": (False, False),
    "cdc": (True, True),
}


@pytest.fixture
def recorded(project):
    result = services.save_result(
        project, services.ResultData("1", "Roads rehabilitated"), actor=None
    )
    indicator = services.save_indicator(
        result, IndicatorData(title="Kilometres", measure="1"), actor=None
    )
    return project, result, indicator


def _login(role, login_as, partner, ministry):
    if role == "own partner":
        login_as("dp", organization=partner)
    elif role == "other partner":
        login_as("dp", organization=factories.organization(OrgKind.BILATERAL))
    elif role == "lead ministry":
        login_as("ministry", organization=ministry)
    elif role == "other ministry":
        login_as("ministry", organization=factories.organization(OrgKind.GOVERNMENT))
    elif role == "cdc":
        login_as("cdc")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_and_changes_results_as_its_rule_says(
    role, client, login_as, recorded, partner, ministry
):
    project, result, indicator = recorded
    reads, changes = ROLES[role]
    _login(role, login_as, partner, ministry)
    base = f"/projects/{project.id}/results"
    unseen = 404
    refused = 403 if reads else unseen
    if role == "public":
        refused = 302  # asked to log in
    assert client.get(base).status_code == (200 if reads else unseen)
    pages = [
        f"{base}/new",
        f"{base}/{result.id}/edit",
        f"{base}/{result.id}/indicators/new",
        f"{base}/{result.id}/indicators/{indicator.id}/edit",
    ]
    for url in pages:
        assert client.get(url).status_code == (200 if changes else refused), url
    for url in (
        f"{base}/{result.id}/indicators/{indicator.id}/delete",
        f"{base}/{result.id}/delete",
    ):
        assert client.post(url).status_code == (302 if changes else refused), url
    db.session.expire_all()
    assert (services.results_of(project) == []) is changes


def test_the_public_reads_the_results_of_a_published_project(client, recorded):
    project, _result, _indicator = recorded
    project.published_at = project.updated_at
    db.session.flush()
    assert client.get(f"/projects/{project.id}/results").status_code == 200
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Roads rehabilitated" in page and "Kilometres" in page
    assert "Edit results" not in page
