"""A project's partner records results through the form; bad input is refused beside its
field; two editors never overwrite each other silently."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.results.models import ProjectResult, ResultIndicator


def _result(client, project, **fields):
    data = {"result_type": "1", "title": "Roads rehabilitated", "aggregation_status": "1"}
    data.update(fields)
    return client.post(f"/projects/{project.id}/results/new", data=data)


def _indicator_form(**fields):
    data = {
        "title": "Kilometres of rural road rehabilitated",
        "measure": "1",
        "ascending": "1",
        "baseline_year": "2022",
        "baseline_value": "0",
        "periods-0-period_start": "2023-01-01",
        "periods-0-period_end": "2023-12-31",
        "periods-0-target_value": "120",
        "periods-0-actual_value": "95",
        "periods-1-period_start": "2024-01-01",
        "periods-1-period_end": "2024-12-31",
        "periods-1-target_value": "1,250",
    }
    data.update(fields)
    return data


def _new_result(client, project) -> ProjectResult:
    response = _result(client, project)
    assert response.status_code == 302
    return db.session.scalars(
        select(ProjectResult).where(ProjectResult.project_id == project.id)
    ).one()


def test_the_partner_records_a_result_and_its_indicator_and_the_page_draws_it(
    client, login_as, project, partner, priority
):
    login_as("dp", organization=partner)
    result = _new_result(client, project)
    url = f"/projects/{project.id}/results/{result.id}/indicators/new"
    assert client.get(url).status_code == 200
    response = client.post(url, data=_indicator_form(priority_ids=str(priority.id)))
    assert response.status_code == 302, response.get_data(as_text=True)
    indicator = db.session.scalars(select(ResultIndicator)).one()
    assert [(p.target_value, p.actual_value) for p in indicator.periods] == [
        ("120", "95"),
        ("1250", None),
    ]
    assert [p.node.code for p in indicator.priorities] == ["1.2"]
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Kilometres of rural road rehabilitated" in page
    assert f'id="indicator-{indicator.id}-chart-title"' in page  # the chart
    assert f'id="indicator-{indicator.id}-table"' in page  # and its table
    assert "1.2" in page


def test_bad_input_is_refused_beside_each_field(client, login_as, project, partner):
    login_as("dp", organization=partner)
    result = _new_result(client, project)
    url = f"/projects/{project.id}/results/{result.id}/indicators/new"
    response = client.post(
        url,
        data=_indicator_form(
            measure="2",
            baseline_value="120",  # a percentage above 100
            **{
                "periods-0-period_end": "2022-06-30",  # before its start
                "periods-1-period_start": "2023-06-01",  # overlaps the first
                "periods-1-target_value": "lots",  # words on a numeric indicator
            },
        ),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "A percentage is between 0 and 100." in page
    assert "The period ends before it starts." in page
    assert "give a number" in page
    assert 'id="periods-1-target_value-error"' in page
    assert 'value="lots"' in page  # the input is kept
    assert db.session.scalars(select(ResultIndicator)).first() is None


def test_overlapping_periods_and_a_value_on_a_qualitative_indicator_are_refused(
    client, login_as, project, partner
):
    login_as("dp", organization=partner)
    result = _new_result(client, project)
    url = f"/projects/{project.id}/results/{result.id}/indicators/new"
    response = client.post(
        url,
        data=_indicator_form(
            measure="5",
            baseline_value="",
            **{"periods-1-period_start": "2023-12-01", "periods-0-target_value": ""},
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This period overlaps another period of the indicator." in page
    assert "A qualitative indicator takes no value" in page


def test_a_second_editor_is_told_and_keeps_their_input(client, login_as, project, partner):
    login_as("dp", organization=partner)
    result = _new_result(client, project)
    url = f"/projects/{project.id}/results/{result.id}/indicators/new"
    assert client.post(url, data=_indicator_form()).status_code == 302
    indicator = db.session.scalars(select(ResultIndicator)).one()
    edit = f"/projects/{project.id}/results/{result.id}/indicators/{indicator.id}/edit"
    first = _indicator_form(version=str(indicator.version), **{"periods-0-actual_value": "100"})
    second = _indicator_form(version=str(indicator.version), **{"periods-0-actual_value": "80"})
    assert client.post(edit, data=first).status_code == 302
    response = client.post(edit, data=second)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else saved this indicator" in page
    assert 'value="80"' in page
    db.session.expire_all()
    assert db.session.get(ResultIndicator, indicator.id).periods[0].actual_value == "100"


def test_the_lead_ministry_reads_but_does_not_edit(client, login_as, project, partner, ministry):
    login_as("dp", organization=partner)
    result = _new_result(client, project)
    client.post("/logout")
    login_as("ministry", organization=ministry)
    assert client.get(f"/projects/{project.id}/results").status_code == 200
    assert client.get(f"/projects/{project.id}/results/{result.id}/edit").status_code == 403
    response = client.post(f"/projects/{project.id}/results/{result.id}/delete")
    assert response.status_code == 403
    assert db.session.get(ProjectResult, result.id) is not None
