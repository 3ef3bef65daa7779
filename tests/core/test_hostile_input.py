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
            "",
            " ",
            "0",
            "-1",
            "1e309",
            "NaN",
            "Infinity",
            "9" * 40,
            "1,2,3",
            "១២៣",
            "<script>alert(1)</script>",
            "'; DROP TABLE project;--",
            '=HYPERLINK("x")',
            "\x00",
            "2024-13-45",
            "../../etc/passwd",
            "%(name)s",
            "{{ 7*7 }}",
            "ក" * 600,
        ]
    ),
)
# Tables whose row counts must not move when a request is refused (the audit log may: it
# records refused logins on purpose).
WATCHED = (
    "project",
    "project_funding",
    "project_sector",
    "project_location",
    "organization",
    "user_account",
    "commitment",
    "progress_report",
    "pilot",
    "pilot_lesson",
    "exchange_rate",
    "report_job",
    "issued_report",
    "strategy_node",
    "technical_working_group",
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


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "partner",
                "ministry",
                "sector",
                "province",
                "status",
                "year",
                "year_from",
                "year_to",
                "sort",
                "page",
                "measure",
                "assistance",
                "fmt",
            ]
        ),
        HOSTILE,
        max_size=5,
    )
)
def test_hostile_query_strings_never_break_the_lists(client, query):
    for path in ("/projects/", "/dashboard/", "/map/", "/map/frame", "/reports/"):
        response = client.get(path, query_string=query)
        assert response.status_code < 500, (path, query)


API_PARAMETERS = [
    "partner",
    "ministry",
    "sector",
    "province",
    "status",
    "year_from",
    "year_to",
    "q",
    "sort",
    "page",
    "per_page",
    "money_from",
    "money_to",
    "group",
]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(
        [
            "/api/v1/projects",
            "/api/v1/organizations",
            "/api/v1/aggregates/province",
            "/api/v1/aggregates/sector",
            "/api/v1/aggregates/partner",
            "/api/v1/aggregates/year",
            "/api/v1/projects/1",
            "/api/v1/organizations/1",
        ]
    ),
    query=st.dictionaries(st.sampled_from(API_PARAMETERS), HOSTILE, max_size=5),
)
def test_hostile_api_calls_get_a_json_answer_never_a_500(app, client, path, query):
    from portal.api.limits import api_limiter

    api_limiter(app).reset()  # the budget is not what this test is about
    response = client.get(path, query_string=query)
    assert response.status_code < 500, (path, query)
    assert response.is_json, (path, query)
    if response.status_code >= 400:
        assert response.json["error"]["message"]


@settings(max_examples=40, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.builds(
            lambda body: (
                f'<?xml version="1.0"?><iati-activities version="2.03">{body}'
                "</iati-activities>".encode()
            ),
            st.text(max_size=300),
        ),
    )
)
def test_the_iati_parser_refuses_garbage_cleanly(data):
    from portal.iati.parser import FileRefused, parse_file

    try:
        parse_file("upload.xml", data)
    except FileRefused as refusal:
        assert str(refusal)  # says why


@settings(max_examples=40, deadline=None)
@given(data=st.one_of(st.binary(max_size=3000), st.just(b"PK\x03\x04" + b"\x00" * 100)))
def test_the_spreadsheet_reader_refuses_garbage_cleanly(data):
    from portal.spreadsheets.reading import UnreadableFile, read_workbook

    try:
        read_workbook(data)
    except UnreadableFile as refusal:
        assert str(refusal)


def test_years_past_the_calendar_answer_an_empty_span(client):
    # Found by the test above: a year beyond 9999 broke the map's money span.
    for query in ({"year_from": "10000"}, {"year_from": "32130", "year_to": "99999"}):
        for path in ("/map/", "/map/frame", "/dashboard/", "/projects/"):
            assert client.get(path, query_string=query).status_code in (200, 400), (path, query)
