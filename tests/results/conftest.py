"""Fixtures of the results tests: a project with its partner's user, a priority, the real file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from portal.extensions import db
from portal.money.models import ExchangeRate
from portal.organizations.models import OrgKind
from portal.strategy.models import NodeKind, StrategyFramework, StrategyNode
from tests import factories

DATA = Path(__file__).parent / "data"


@pytest.fixture
def real_results() -> bytes:
    """Two real activities with results (UNDP and Oxfam Novib, from kh-activities-2021.xml)."""
    return (DATA / "kh-results-trimmed.xml").read_bytes()


@pytest.fixture
def rates():
    for currency in ("EUR", "KHR"):
        for year in range(2015, 2031):
            db.session.add(
                ExchangeRate(currency_code=currency, year=year, units_per_usd=Decimal("2"))
            )
    db.session.flush()


@pytest.fixture
def ministry():
    return factories.organization(OrgKind.GOVERNMENT, acronym="MRDX", name_en="Rural Development X")


@pytest.fixture
def partner():
    return factories.organization(OrgKind.MULTILATERAL, acronym="ADBX", name_en="Bank X")


@pytest.fixture
def project(partner, ministry):
    return factories.project(reporting=partner, lead=ministry, title_en="Rural roads")


@pytest.fixture
def priority():
    framework = StrategyFramework(
        code="PSX", name_en="Strategy X", start_year=2023, end_year=2028, is_current=True
    )
    pillar = StrategyNode(framework=framework, kind=NodeKind.PILLAR, code="1", name_en="People")
    node = StrategyNode(
        framework=framework, parent=pillar, kind=NodeKind.PRIORITY, code="1.2", name_en="Roads"
    )
    db.session.add_all([framework, pillar, node])
    db.session.flush()
    return node
