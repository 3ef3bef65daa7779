"""Command line of accounts: `flask --app app portal create-user`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.cli import fail
from portal.extensions import db


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", default=None, help="Full name (defaults to the part before @).")
@click.option("--role", required=True, help="dp, ministry or cdc")
@click.option("--org", "org_acronym", required=True, help="Acronym of the organization")
@click.option("--password", default=None, help="For scripts; without it, the person is invited.")
@click.option(
    "--prompt", is_flag=True, help="Ask for the password here instead of sending an invitation."
)
def create_user_command(
    email: str,
    name: str | None,
    role: str,
    org_acronym: str,
    password: str | None,
    prompt: bool,
) -> None:
    """Create an account; refuses an unknown organization or role with exit status 1.

    Without --password (or --prompt), the person gets an invitation by email to choose it.
    """
    from portal.accounts.forms import password_problem
    from portal.accounts.models import Role
    from portal.accounts.passwords import send_invitation
    from portal.accounts.services import AccountData, AccountError, create_user
    from portal.organizations.services import by_acronym

    try:
        role_value = Role(role.strip().lower())
    except ValueError:
        fail(f"unknown role {role!r}; use one of: {', '.join(r.value for r in Role)}.")
    organization = by_acronym(org_acronym)
    if organization is None:
        fail(f"no organization has the acronym {org_acronym!r}.")
    if password is None and prompt:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if password is not None:
        problem = password_problem(password, email)
        if problem:
            fail(problem)
    try:
        user = create_user(
            AccountData(
                email=email,
                name=name or email.split("@")[0],
                organization=organization,
                role=role_value,
            ),
            password,
        )
    except AccountError as error:
        fail(str(error))
    if password is None:
        send_invitation(user, actor=None)
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}, {organization.acronym}).")
    if password is None:
        click.echo(
            f"An invitation to choose a password (valid seven days) is queued for {user.email}; "
            "the mail sender delivers it (portal mail send)."
        )
