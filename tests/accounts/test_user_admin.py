"""CDC manages accounts; the role must fit the organization."""

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.organizations.models import OrgKind
from tests import factories


def _form(org, **overrides):
    data = {
        "email": "new.person@example.org",
        "name": "New Person",
        "name_km": "",
        "organization_id": org.id,
        "role": "dp",
        "locale": "",
        "active": "y",
    }
    data.update(overrides)
    return data


def _user_count():
    return db.session.scalar(select(func.count()).select_from(User))


def test_cdc_creates_an_account_without_typing_a_password(client, login_as):
    login_as("cdc")
    partner = factories.organization(OrgKind.MULTILATERAL, acronym="ADBX")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'type="password"' not in form and "Initial password" not in form
    response = client.post("/admin/users/new", data=_form(partner), follow_redirects=True)
    assert "An invitation to choose a password has been queued" in response.get_data(as_text=True)
    created = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert created.role is Role.DP and created.organization is partner
    assert not created.has_usable_password


@pytest.mark.parametrize(
    ("role", "kind", "message"),
    [
        ("dp", OrgKind.GOVERNMENT, "must belong to a development partner"),
        ("ministry", OrgKind.BILATERAL, "must belong to a national institution"),
        ("ministry", OrgKind.UN_AGENCY, "must belong to a national institution"),
        ("cdc", OrgKind.INTERNATIONAL_NGO, "CDC staff must belong to a government institution"),
    ],
)
def test_role_that_does_not_fit_the_organization_is_refused(client, login_as, role, kind, message):
    login_as("cdc")
    org = factories.organization(kind)
    before = _user_count()
    response = client.post("/admin/users/new", data=_form(org, role=role))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'id="role-error"' in page  # the message sits beside the role field
    assert 'value="new.person@example.org"' in page  # what was typed is kept
    assert _user_count() == before


def test_duplicate_email_is_refused_beside_the_field(client, login_as):
    login_as("cdc")
    existing = factories.user(role="dp")
    response = client.post(
        "/admin/users/new", data=_form(existing.organization, email=existing.email.upper())
    )
    page = response.get_data(as_text=True)
    assert "An account with this email already exists." in page
    assert 'id="email-error"' in page


def test_cdc_deactivates_an_account(client, login_as):
    login_as("cdc")
    target = factories.user(role="ministry")
    data = _form(target.organization, email=target.email, name=target.name, role="ministry")
    data.pop("active")
    response = client.post(f"/admin/users/{target.id}", data=data)
    assert response.status_code == 302
    assert target.active is False


def test_cdc_cannot_deactivate_itself(client, login_as):
    me = login_as("cdc")
    data = _form(me.organization, email=me.email, name=me.name, role="cdc")
    data.pop("active")
    response = client.post(f"/admin/users/{me.id}", data=data)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert me.active is True


def test_account_list_searches_and_filters(client, login_as):
    login_as("cdc")
    factories.user(role="dp", name="Findable Person")
    factories.user(role="ministry", name="Other Person")
    page = client.get("/admin/users/?q=findable").get_data(as_text=True)
    assert "Findable Person" in page and "Other Person" not in page
    page = client.get("/admin/users/?role=ministry").get_data(as_text=True)
    assert "Other Person" in page and "Findable Person" not in page


@pytest.mark.parametrize("role", ["dp", "ministry"])
def test_only_cdc_manages_accounts(client, login_as, role):
    login_as(role)
    other = factories.user(role="dp")
    assert client.get("/admin/users/").status_code == 403
    assert client.get(f"/admin/users/{other.id}").status_code == 403
    response = client.post("/admin/users/new", data=_form(other.organization))
    assert response.status_code == 403
