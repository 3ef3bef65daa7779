import pytest

from portal.extensions import db
from portal.organizations.models import OrgKind
from tests import factories


@pytest.fixture
def loan_world():
    """A lending partner with a loan project and a grant project, and its focal point."""
    partner = factories.organization(OrgKind.MULTILATERAL, acronym="LND")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MIN")
    loan = factories.project(
        reporting=partner, lead=ministry, title_en="Rural roads loan", type_of_assistance="loan"
    )
    grant = factories.project(
        reporting=partner, lead=ministry, title_en="Health grant", type_of_assistance="grant"
    )
    db.session.flush()
    return {"partner": partner, "ministry": ministry, "loan": loan, "grant": grant}
