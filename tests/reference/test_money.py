"""Money is converted to USD by one function, in exact decimals, or refused clearly."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.money.models import ExchangeRate
from portal.money.services import MissingExchangeRate, set_rate, to_usd


def test_conversion_uses_the_year_rate_and_rounds_to_the_cent():
    set_rate("KHR", 2024, Decimal("4100"))
    set_rate("EUR", 2024, Decimal("0.92"))
    assert to_usd(Decimal("41000000"), "KHR", 2024) == Decimal("10000.00")
    assert to_usd(Decimal("1000"), "EUR", 2024) == Decimal("1086.96")
    assert to_usd(Decimal("123.45"), "USD", 1999) == Decimal("123.45")


def test_sums_are_exact():
    set_rate("EUR", 2023, Decimal("0.5"))
    amounts = [Decimal("0.10")] * 10
    assert sum(to_usd(a, "EUR", 2023) for a in amounts) == Decimal("2.00")


def test_missing_rate_is_a_clear_error():
    with pytest.raises(MissingExchangeRate) as error:
        to_usd(Decimal("100"), "JPY", 1961)
    assert "No exchange rate for JPY in 1961" in str(error.value)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_usd(100.0, "USD", 2024)


def test_rate_form_refuses_zero_and_keeps_input(client, login_as):
    login_as("cdc")
    before = db.session.scalar(select(func.count()).select_from(ExchangeRate))
    response = client.post(
        "/admin/exchange-rates/",
        data={
            "currency_code": "EUR",
            "year": "2024",
            "units_per_usd": "0",
            "source": "Central bank",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "A rate must be greater than zero." in page
    assert 'id="units_per_usd-error"' in page
    assert 'value="Central bank"' in page
    assert db.session.scalar(select(func.count()).select_from(ExchangeRate)) == before


def test_rate_form_refuses_text(client, login_as):
    login_as("cdc")
    response = client.post(
        "/admin/exchange-rates/",
        data={"currency_code": "EUR", "year": "2024", "units_per_usd": "abc"},
    )
    assert response.status_code == 400
    assert "Enter the rate as a number" in response.get_data(as_text=True)


def test_cdc_sets_and_changes_a_rate(client, login_as):
    login_as("cdc")
    data = {"currency_code": "KHR", "year": "2031", "units_per_usd": "4,050.5"}
    assert client.post("/admin/exchange-rates/", data=data).status_code == 302
    data["units_per_usd"] = "4060"
    assert client.post("/admin/exchange-rates/", data=data).status_code == 302
    rate = db.session.scalar(
        select(ExchangeRate).where(ExchangeRate.currency_code == "KHR", ExchangeRate.year == 2031)
    )
    assert rate.units_per_usd == Decimal("4060")
    page = client.get("/admin/exchange-rates/?year=2031").get_data(as_text=True)
    assert "4,060" in page
