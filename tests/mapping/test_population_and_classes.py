"""CDC uploads population as CSV, all or nothing; the map's classes are round and ordered."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.mapping import population
from portal.mapping.classes import NO_DATA, PALETTE, ZERO, ZERO_COLOR, classify, nice_ceiling
from portal.mapping.models import ProvincePopulation


def _upload(client, text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        "/map/population",
        data={"file": (io.BytesIO(data), "population.csv")},
        content_type="multipart/form-data",
    )


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ProvincePopulation))


def test_cdc_uploads_population_and_uploads_again_to_correct_it(client, login_as):
    login_as("cdc")
    response = _upload(client, "code,year,population\n12,2019,2281951\n1,2019,859545\n")
    assert response.status_code == 302
    assert population.by_province(2019) == {"12": 2281951, "01": 859545}
    response = _upload(client, "Year;Population;Code;Name\n2019;2 300 000;KH-12;Phnom Penh\n")
    assert response.status_code == 302
    assert population.by_province(2019)["12"] == 2300000
    assert _count() == 2
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "population.import")) == 2
    )
    page = client.get("/map/population").get_data(as_text=True)
    assert "2,300,000" in page and "859,545" in page
    assert "per_capita" in client.get("/map/").get_data(as_text=True)


def test_a_bad_file_is_refused_row_by_row_and_nothing_is_saved(client, login_as):
    login_as("cdc")
    text = (
        "code,year,population\n"
        "12,2019,2281951\n"  # fine, but the file is refused as a whole
        "26,2019,1000\n"
        "17,nineteen,1000\n"
        "02,2019,-5\n"
        "12,2019,2281951\n"
    )
    response = _upload(client, text)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The file was refused and nothing was saved" in page
    assert "Row 3: the province code “26” is not in the gazetteer." in page
    assert "Row 4: the year “nineteen” is not a whole number from 1950 to 2100." in page
    assert "Row 5: the population “-5” is not a whole number above zero." in page
    assert "Row 6: province 12 in 2019 is also on row 2." in page
    assert _count() == 0


@pytest.mark.parametrize(
    "data, message",
    [
        ("province,year,people\n12,2019,5\n", "missing: code, population"),
        ("code,year,population\n\n", "no rows under its header"),
        ("code,year,population\n12,2019,5\n".encode("utf-16"), "not UTF-8"),
    ],
)
def test_a_file_without_the_right_shape_is_refused(client, login_as, data, message):
    login_as("cdc")
    response = _upload(client, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count() == 0


def test_uploading_needs_a_file_and_cdc(client, login_as):
    login_as("cdc")
    response = client.post("/map/population", data={})
    assert response.status_code == 400
    assert "Choose a CSV file to upload." in response.get_data(as_text=True)


def test_the_population_year_is_the_latest_at_or_before_the_years_asked():
    population.import_csv("code,year,population\n12,2008,1\n12,2019,2\n12,2023,3\n")
    assert population.year_for(None) == 2023
    assert population.year_for(2020) == 2019
    assert population.year_for(2000) == 2008


def test_nice_bounds_round_up_to_two_significant_digits():
    assert nice_ceiling(Decimal("1234567")) == Decimal("1300000")
    assert nice_ceiling(Decimal("0.123")) == Decimal("0.13")
    assert nice_ceiling(Decimal("100")) == Decimal("100")


def test_classes_cover_every_value_with_ordered_round_bounds():
    values = [Decimal(v) for v in (0, 5, 17, 230, 1_000, 15_500, 75_000, 2_345_678)] + [None]
    classes = classify(values)
    assert list(classes.uppers) == sorted(classes.uppers)
    assert classes.uppers[-1] >= Decimal(2_345_678)
    assert len(classes.uppers) == 5 and classes.colors == PALETTE
    indexes = [classes.index(v) for v in values]
    assert indexes[0] == ZERO and indexes[-1] == NO_DATA
    assert indexes[1:-1] == sorted(indexes[1:-1])
    assert classes.color(Decimal(0)) == ZERO_COLOR
    for value in values[1:-1]:
        assert value <= classes.uppers[classes.index(value)]
    legend = classes.legend("en")
    assert legend[0] == (ZERO_COLOR, "No money") and legend[1][1].startswith("up to ")
    assert legend[-1][1].endswith("2.4M")


def test_few_distinct_values_make_few_classes():
    assert classify([]).uppers == ()
    assert classify([Decimal(7), Decimal(7)]).uppers == (Decimal(7),)
    assert len(classify([Decimal(1), Decimal(2)]).colors) == 2
