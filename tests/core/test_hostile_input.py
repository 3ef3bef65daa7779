"""Random and hostile values sent to every form (Hypothesis): the portal never answers 500, and a
refused request changes nothing."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.extensions import db
from tests import factories

HOSTILE = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "", " ", "0", "-1", "1e309", "NaN", "Infinity", "9" * 40, "1,2,3", "១២៣",
            "<script>alert(1)</script>", "'; DROP TABLE project;--", "=HYPERLINK(\"x\")",
            "\x00", "2024-13-45", "../../etc/passwd", "%(name)s", "{{ 7*7 }}", "ក" * 600,
        ]
    ),
)
# Tables whose row counts must not move when a request is refused (the audit log may: it
# records refused logins on purpose).
WATCHED = (
    "project", "project_funding", "project_sector", "project_location", "organization",
    "user_account", "commitment", "progress_report", "pilot", "pilot_lesson", "exchange_rate",
    "report_job", "issued_report", "strategy_node", "technical_working_group",
)


def _counts() -> dict[str, int]:
    tables = db.metadata.tables
    return {
        name: db.session.scalar(select(func.count()).select_from(tables[name]))
        for name in WATCHED
        if name in tables
    }


def _form_targets(app, client, project_id: int) -> list[tuple[str, list[str]]]:
    """(URL, field names) of every form page reachable with a GET and posted back to itself."""
    targets = []
    for rule in app.url_map.iter_rules():
        if not {"GET", "POST"} <= (rule.methods or set()):
            continue
        values = {}
        for name in rule.arguments:
            values[name] = project_id if name == "project_id" else 1
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
        page = client.get(url)
        if page.status_code != 200 or page.mimetype != "text/html":
            continue
        names = sorted(set(re.findall(r'name="([^"]+)"', page.get_data(as_text=True))))
        names = [n for n in names if n not in ("csrf_token", "lang", "next")]
        if names:
            targets.append((url, names))
    return targets


@pytest.mark.parametrize("role", ["dp", "cdc"])
def test_hostile_form_input_never_breaks_the_portal(app, client, login_as, role):
    user = login_as(role)
    project = factories.project(reporting=user.organization if role == "dp" else None)
    # A refused request rolls its session back: commit the setup (to the test's savepoint) so
    # that only what a request itself did could be undone.
    db.session.commit()
    targets = _form_targets(app, client, project.id)
    assert len(targets) >= (3 if role == "dp" else 12), targets

    @settings(
        max_examples=6,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def post_hostile(data):
        url, names = data.draw(st.sampled_from(targets))
        form = data.draw(st.dictionaries(st.sampled_from(names), HOSTILE, max_size=len(names)))
        before = _counts()
        response = client.post(url, data=form)
        assert response.status_code < 500, (url, form, response.status_code)
        if response.status_code != 302:  # refused (the form comes back with its messages)
            assert _counts() == before, (url, form, response.status_code, _counts(), before)

    post_hostile()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(
    st.sampled_from(["q", "partner", "ministry", "sector", "province", "status", "year",
                     "year_from", "year_to", "sort", "page", "measure", "assistance", "fmt"]),
    HOSTILE,
    max_size=5,
))
def test_hostile_query_strings_never_break_the_lists(client, query):
    for path in ("/projects/", "/dashboard/", "/map/", "/map/frame", "/reports/"):
        response = client.get(path, query_string=query)
        assert response.status_code < 500, (path, query)
