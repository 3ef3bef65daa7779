"""Forgotten passwords and invitations: a link by email, then a password chosen with it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal.accounts import passwords
from portal.accounts.forms import ForgotPasswordForm, SetPasswordForm
from portal.extensions import db

bp = Blueprint("passwords", __name__, url_prefix="/password")


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a link to set a new password; the answer never says whether the address exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        passwords.request_reset(form.email.data, request.remote_addr)
        db.session.commit()
        flash(
            _(
                "If an account has this address, a link to set a new password is on its way. "
                "It works once, within one hour."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/set/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Choose a password with a link sent by email (refused: 400 with why, nothing changed)."""
    return _choose_password(token, passwords.RESET)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Choose the first password of a new account with its invitation (refused: 400, why)."""
    return _choose_password(token, passwords.INVITE)


def _choose_password(token: str, purpose: str):
    invitation = purpose == passwords.INVITE
    try:
        user = passwords.user_for_token(token, purpose)
    except passwords.LinkRefused as refused:
        page = render_template(
            "accounts/link_refused.html", reason=str(refused), invitation=invitation
        )
        return page, 400
    form = SetPasswordForm()
    form.email.data = user.email  # the strength rules compare the password with it
    if form.validate_on_submit():
        passwords.set_password(user, form.new_password.data, purpose)
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        flash(_("Your password is set. Log in with it."), "success")
        return redirect(url_for("accounts.login"))
    status = 400 if request.method == "POST" else 200
    page = render_template(
        "accounts/set_password.html", form=form, user=user, invitation=invitation
    )
    return page, status
