"""Fixtures of the API tests: a small registry of published and draft projects, and tokens."""

from datetime import date
from decimal import Decimal

import pytest

from portal.api.limits import api_limiter
from portal.api.tokens import create_token
from portal.organizations.models import OrgKind
from portal.projects import services
from tests import factories


@pytest.fixture(autouse=True)
def fresh_rate_limits(app):
    """Every test starts, and leaves, with no API calls counted."""
    api_limiter(app).reset()
    yield
    api_limiter(app).reset()


@pytest.fixture
def registry():
    """Two partners: JICA with a published project and a draft; KOICA with a draft."""
    cdc = factories.user(role="cdc")
    jica = factories.organization(OrgKind.BILATERAL, acronym="JICAX")
    koica = factories.organization(OrgKind.BILATERAL, acronym="KOICAX")
    moh = factories.organization(OrgKind.GOVERNMENT, acronym="MOHX")
    factories.rate("JPY", 2023, "140")
    published = factories.project(
        reporting=jica,
        lead=moh,
        title_en="Hospital equipment Siem Reap",
        nationwide=False,
        locations=[
            services.LocationShare("17", Decimal(60)),
            services.LocationShare("12", Decimal(40)),
        ],
        sectors=[
            services.SectorShare("12220", Decimal(70)),
            services.SectorShare("12230", Decimal(30)),
        ],
        type_of_assistance="grant",
        commitment_amount=Decimal("1000000"),
        commitment_currency="USD",
        commitment_date=date(2023, 3, 1),
        funding=[
            services.YearAmount(2023, "disbursement", Decimal("14000000"), "JPY"),
            services.YearAmount(2024, "disbursement", Decimal("250000"), "USD"),
        ],
        contact_email="focal@jica.example",
        actor=cdc,
    )
    services.set_published(published, True, actor=cdc)
    jica_draft = factories.project(
        reporting=jica, lead=moh, title_en="JICA draft water supply", actor=cdc
    )
    koica_draft = factories.project(
        reporting=koica, lead=moh, title_en="KOICA draft school meals", actor=cdc
    )
    jica_user = factories.user(role="dp", organization=jica)
    koica_user = factories.user(role="dp", organization=koica)
    return {
        "cdc": cdc,
        "jica": jica,
        "koica": koica,
        "moh": moh,
        "published": published,
        "jica_draft": jica_draft,
        "koica_draft": koica_draft,
        "jica_user": jica_user,
        "koica_user": koica_user,
    }


@pytest.fixture
def bearer():
    """Create a token for `user`; return the Authorization header that sends it."""

    def _bearer(user) -> dict:
        return {"Authorization": f"Bearer {create_token(user, 'test program').secret}"}

    return _bearer
