"""Sorting by an internal field (quality) reveals nothing: the public gets the default order
(the API, which says what it does not take, refuses it), and a logged-in reader's order puts
the projects whose scores it may not see after, by id."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from portal.api.limits import api_limiter
from portal.api.tokens import create_token
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services
from tests import factories
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def scored():
    """Partner A: a good project updated long ago, a poor one updated today; B: one of its own."""
    cdc = factories.user(role="cdc")
    partner_a = factories.organization(OrgKind.BILATERAL, acronym="SORTA")
    partner_b = factories.organization(OrgKind.BILATERAL, acronym="SORTB")
    good = factories.project(reporting=partner_a, title_en="Sort good", actor=cdc)
    poor = factories.project(reporting=partner_a, title_en="Sort poor", actor=cdc)
    own = factories.project(reporting=partner_b, title_en="Sort own of B", actor=cdc)
    for project in (good, poor, own):
        services.set_published(project, True, actor=cdc)
    now = utcnow()
    for project, score, age in ((good, 95, 30), (poor, 10, 1), (own, 50, 60)):
        project.quality_score = score
        project.updated_at = now - timedelta(days=age)
    db.session.flush()
    reader_b = factories.user(role="dp", organization=partner_b)
    return {"good": good, "poor": poor, "own": own, "reader_b": reader_b}


def _ids(client, query: str) -> list[int]:
    text = client.get(f"/projects/export.csv?{query}").get_data(as_text=True).lstrip("\ufeff")
    return [int(row[0]) for row in list(csv.reader(io.StringIO(text)))[1:]]


def _api_ids(app, client, query: str, headers=None) -> list[int]:
    api_limiter(app).reset()
    response = client.get(f"/api/v1/projects?per_page=100&{query}", headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return [p["id"] for p in response.get_json()["data"]]


def _mine(ids, scored):
    wanted = {scored[k].id for k in ("good", "poor", "own")}
    return [i for i in ids if i in wanted]


def test_the_public_sorting_by_quality_gets_the_default_order(app, client, scored):
    default = _mine(_ids(client, ""), scored)
    assert default == [scored["poor"].id, scored["good"].id, scored["own"].id]
    for sort in ("quality", "-quality"):
        assert _mine(_ids(client, f"sort={sort}"), scored) == default
        refused = client.get(f"/api/v1/projects?sort={sort}")
        assert refused.status_code == 400
        assert "sort" in refused.get_json()["error"]["fields"]
    page = client.get("/projects/?sort=-quality").get_data(as_text=True)
    assert page.index("Sort poor") < page.index("Sort good")


def test_another_partner_sees_only_its_own_scores_in_the_order(app, client, scored):
    reader = scored["reader_b"]
    client.post("/login", data={"email": reader.email, "password": TEST_PASSWORD})
    ids = _mine(_ids(client, "sort=-quality&partner="), scored)
    # B's own project first (the only score it may see); A's after, by id, not by score.
    assert ids == [scored["own"].id, scored["poor"].id, scored["good"].id]
    token = {"Authorization": f"Bearer {create_token(reader, 'sorting').secret}"}
    assert _mine(_api_ids(app, client, "sort=-quality", token), scored) == ids


def test_cdc_sorts_every_project_by_quality(client, login_as, scored):
    login_as("cdc")
    ids = _mine(_ids(client, "sort=-quality&partner="), scored)
    assert ids == [scored["good"].id, scored["own"].id, scored["poor"].id]
