"""The command line: clear messages and exit status 1, with nothing written, on bad input."""

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.organizations.models import OrgKind
from tests import factories


def _users():
    return db.session.scalar(select(func.count()).select_from(User))


def test_create_user_with_password(app):
    org = factories.organization(OrgKind.GOVERNMENT, acronym="MOHX")
    result = app.test_cli_runner().invoke(
        args=[
            "portal",
            "create-user",
            "--email",
            "focal@moh.example",
            "--password",
            "long enough secret",
            "--role",
            "ministry",
            "--org",
            "mohx",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "focal@moh.example"))
    assert user.organization is org and user.check_password("long enough secret")


def test_create_user_prompts_for_the_password_when_asked(app):
    factories.organization(OrgKind.BILATERAL, acronym="JICAX")
    result = app.test_cli_runner().invoke(
        args=[
            "portal",
            "create-user",
            "--email",
            "p@jica.example",
            "--role",
            "dp",
            "--org",
            "JICAX",
            "--prompt",
        ],
        input="long enough secret\nlong enough secret\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created p@jica.example" in result.output and "invitation" not in result.output
    user = db.session.scalar(select(User).where(User.email == "p@jica.example"))
    assert user.check_password("long enough secret")


def test_create_user_without_a_password_sends_an_invitation(app):
    factories.organization(OrgKind.BILATERAL, acronym="KOICAI")
    result = app.test_cli_runner().invoke(
        args=["portal", "create-user", "--email", "i@koica.example", "--role", "dp"]
        + ["--org", "KOICAI"],
        input="",  # nothing is asked
    )
    assert result.exit_code == 0, result.output
    assert "invitation to choose a password" in result.output
    user = db.session.scalar(select(User).where(User.email == "i@koica.example"))
    assert not user.has_usable_password and not user.check_password("")


def test_unknown_organization_exits_1_and_writes_nothing(app):
    before = _users()
    result = app.test_cli_runner().invoke(
        args=[
            "portal",
            "create-user",
            "--email",
            "x@example.org",
            "--password",
            "long enough secret",
            "--role",
            "dp",
            "--org",
            "NOPE",
        ]
    )
    assert result.exit_code == 1
    assert "no organization has the acronym 'NOPE'" in result.output
    assert _users() == before


def test_unknown_role_exits_1(app):
    factories.organization(OrgKind.BILATERAL, acronym="KOICAX")
    result = app.test_cli_runner().invoke(
        args=[
            "portal",
            "create-user",
            "--email",
            "x@example.org",
            "--password",
            "long enough secret",
            "--role",
            "admin",
            "--org",
            "KOICAX",
        ]
    )
    assert result.exit_code == 1
    assert "unknown role 'admin'" in result.output


def test_role_that_does_not_fit_exits_1(app):
    factories.organization(OrgKind.BILATERAL, acronym="AFDX")
    before = _users()
    result = app.test_cli_runner().invoke(
        args=[
            "portal",
            "create-user",
            "--email",
            "x@example.org",
            "--password",
            "long enough secret",
            "--role",
            "ministry",
            "--org",
            "AFDX",
        ]
    )
    assert result.exit_code == 1
    assert "national institution" in result.output
    assert _users() == before


def test_unknown_currency_exits_1(app):
    result = app.test_cli_runner().invoke(
        args=["portal", "set-rate", "--currency", "XYZ", "--year", "2024", "--units-per-usd", "3"]
    )
    assert result.exit_code == 1
    assert "XYZ is not a known ISO 4217 currency." in result.output


def test_demo_twice_duplicates_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["portal", "demo", "--projects", "0"])
    assert first.exit_code == 0, first.output
    users = _users()
    second = runner.invoke(args=["portal", "demo", "--projects", "0"])
    assert second.exit_code == 0
    assert _users() == users
    assert "users +0" in second.output and "organizations +0" in second.output
