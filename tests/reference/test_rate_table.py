"""CDC loads a yearly rate table from a CSV file: all rows or none, every wrong row named."""

from __future__ import annotations

import io
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.money.models import ExchangeRate
from portal.projects import services
from portal.projects.models import ProjectFunding
from tests import factories

TABLE = "currency,year,units_per_usd,source\nXDR,2019,0.7236,IMF\nXDR,2020,0.7095,\nNOK;bad\n"


def _rate(currency: str, year: int):
    return db.session.scalar(
        select(ExchangeRate.units_per_usd).where(
            ExchangeRate.currency_code == currency, ExchangeRate.year == year
        )
    )


def _upload(client, text: str, source: str = ""):
    return client.post(
        "/admin/exchange-rates/table",
        data={"file": (io.BytesIO(text.encode()), "rates.csv"), "table_source": source},
        content_type="multipart/form-data",
    )


def test_a_wrong_row_loads_nothing_and_is_named_with_its_line(client, login_as):
    login_as("cdc")
    text = TABLE.replace("NOK;bad\n", "NOK,20x9,10.1\nDKK,2019,-6\nXDR,2019,0.7\n")
    response = _upload(client, text)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was loaded" in page
    assert '<td class="num">4</td><td>Give a calendar year, e.g. 2024.</td>' in page
    assert "A rate must be greater than zero." in page
    assert "XDR 2019 is already on line 2." in page
    assert _rate("XDR", 2019) is None  # the good rows were not loaded either


def test_a_table_sets_each_rate_and_the_waiting_amounts_follow(client, login_as):
    """An imported amount in XDR waited for its rate: loading the table converts it."""
    project = factories.project()
    data = services.ProjectData(
        **{
            **{k: getattr(project, k) for k in ("title_en", "reporting_org_id")},
            "lead_national_partner_id": project.lead_national_partner_id,
            "planned_start": project.planned_start,
            "planned_end": project.planned_end,
            "sectors": [services.SectorShare("12220", Decimal(100))],
            "nationwide": True,
            "funding": [services.YearAmount(2019, "disbursement", Decimal("1000000"), "XDR")],
            "data_source": "iati",
        }
    )
    services.save_project(data, project=project, actor=None)
    db.session.flush()
    assert project.funding[0].amount_usd is None and project.disbursed_usd == 0

    login_as("cdc")
    page = client.get("/admin/exchange-rates/").get_data(as_text=True)
    assert "Imported amounts waiting for a rate" in page and "XDR 2019: 1 amount" in page

    text = TABLE.replace("NOK;bad\n", "")
    response = _upload(client, text, source="OECD DAC annual exchange rates")
    assert response.status_code == 302
    assert _rate("XDR", 2019) == Decimal("0.7236")
    sources = dict(
        db.session.execute(
            select(ExchangeRate.year, ExchangeRate.source).where(
                ExchangeRate.currency_code == "XDR"
            )
        ).all()
    )
    assert sources == {2019: "IMF", 2020: "OECD DAC annual exchange rates"}
    db.session.expire_all()
    row = db.session.scalars(
        select(ProjectFunding).where(ProjectFunding.project_id == project.id)
    ).one()
    assert row.amount_usd == (Decimal("1000000") / Decimal("0.7236")).quantize(Decimal("0.01"))
    assert "waiting for a rate" not in client.get("/admin/exchange-rates/").get_data(as_text=True)


def test_the_command_line_loads_a_table_or_nothing(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("currency;year;units_per_usd\nXDR;2021;0,7\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["portal", "load-rates", str(bad)])
    assert result.exit_code == 1
    assert "line 2: Enter the rate as a number" in result.output
    assert _rate("XDR", 2021) is None

    good = tmp_path / "rates.csv"
    good.write_text("CURRENCY;TIME_PERIOD;OBS_VALUE\nXDR;2021;0.7021\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["portal", "load-rates", str(good), "--source", "IMF"]
    )
    assert result.exit_code == 0, result.output
    assert "1 rates loaded." in result.output
    assert _rate("XDR", 2021) == Decimal("0.7021")
