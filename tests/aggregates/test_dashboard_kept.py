"""The dashboard's figures, drawn once per data version for the public and for CDC.

CDC reads the same figures as every other CDC reader: they are drawn once, kept, and drawn
afresh after any committed change. The public's are kept apart from CDC's, each language's
apart, and a partner's (its own projects) are never kept.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services
from portal.projects.services import set_published
from tests import factories
from tests.statements import recorded

URL = "/dashboard/?year=2024"


def _project(partner, amount: str, *, published: bool = False):
    project = factories.project(
        reporting=partner,
        commitment_date=date(2024, 1, 15),
        funding=[services.YearAmount(2024, "disbursement", Decimal(amount), "USD")],
    )
    if published:
        set_published(project, True, actor=None)
    db.session.commit()  # committed: the data's version moves on
    return project


def _page(client, url: str = URL) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_cdc_figures_are_drawn_once_per_version_and_afresh_after_a_change(client, login_as):
    login_as("cdc")
    partner = factories.organization(OrgKind.BILATERAL, acronym="KEPTA")
    _project(partner, "700")

    first = _page(client)
    assert "700.00" in first and "KEPTA" in first
    with recorded() as seen:
        again = _page(client)
    assert again == first
    # Drawn from what was kept: no sum is read again.
    assert not [s for s in seen if "money_summary" in s or "loan_terms" in s]

    _project(partner, "300")  # a committed change
    with recorded() as seen:
        fresh = _page(client)
    assert 'title="1,000.00"' in fresh  # the key figure: 700 + 300 disbursed in 2024
    assert [s for s in seen if "money_summary" in s]

    other_year = _page(client, "/dashboard/?year=2023")
    assert "Disbursed in 2023 (USD)" in other_year and 'title="1,000.00"' not in other_year


def test_the_public_never_gets_cdcs_figures_nor_a_partner_anyones(app, client, login_as):
    partner = factories.organization(OrgKind.MULTILATERAL, acronym="KEPTB")
    other = factories.organization(OrgKind.MULTILATERAL, acronym="KEPTC")
    _project(partner, "1500", published=True)
    _project(partner, "250")  # a draft: CDC's and KEPTB's, not the public's
    _project(other, "40")  # a draft of another partner

    public = app.test_client()
    login_as("cdc")
    cdc_page = _page(client)
    assert "1,790.00" in cdc_page  # 1,500 + 250 + 40
    public_page = _page(public)
    assert "1,500.00" in public_page and "1,790.00" not in public_page
    assert "1,790.00" in _page(client)  # CDC's kept copy is still CDC's

    own = app.test_client()
    user = factories.user(role="dp", organization=partner)
    db.session.commit()
    from tests.conftest import TEST_PASSWORD

    own.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    partner_page = _page(own)
    assert "1,750.00" in partner_page  # the published ones and its own draft, not KEPTC's
    assert "1,790.00" not in partner_page


def test_each_language_has_its_own_figures(client, login_as):
    login_as("cdc")
    partner = factories.organization(OrgKind.BILATERAL, acronym="KEPTD")
    _project(partner, "900")
    english = _page(client)
    client.post("/language", data={"lang": "km"})
    khmer = _page(client)
    assert "Disbursed in 2024 (USD)" in english
    assert "Disbursed in 2024 (USD)" not in khmer and "900.00" in khmer
    client.post("/language", data={"lang": "en"})
    assert _page(client) == english
