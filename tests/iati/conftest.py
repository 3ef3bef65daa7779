"""Fixtures of the IATI tests: the real file, exchange rates, a lead ministry, a CDC user."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.extensions import db
from portal.money.models import ExchangeRate
from portal.organizations.models import OrgKind
from tests import factories

CURRENCIES = ("EUR", "KRW", "GBP", "CAD", "NZD", "SEK", "JPY", "AUD", "KHR")


@pytest.fixture
def real_file(shared_data):
    """The 96 real Cambodian activities (d-portal, June 2021), as bytes."""
    return (shared_data / "iati" / "kh-activities-2021.xml").read_bytes()


@pytest.fixture
def rates():
    """A rate for every currency the files use, 2000 to 2035 (units per USD)."""
    for currency in CURRENCIES:
        for year in range(2000, 2036):
            db.session.add(
                ExchangeRate(currency_code=currency, year=year, units_per_usd=Decimal("2"))
            )
    db.session.flush()


@pytest.fixture
def ministry():
    """A national institution to lead activities that name none."""
    return factories.organization(
        OrgKind.GOVERNMENT, acronym="MEFX", name_en="Ministry of Economy and Finance (test)"
    )
