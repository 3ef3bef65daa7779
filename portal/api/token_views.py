"""Personal API tokens on the user's account page: create (shown once) and revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from portal import throttle
from portal.api import tokens
from portal.extensions import db

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")

LIFETIME_LABELS = {
    "30": _l("30 days"),
    "90": _l("90 days"),
    "365": _l("One year"),
    "never": _l("No expiry"),
}


class NewTokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("Say what will use it, such as “nightly export to our database”."),
    )
    lifetime = SelectField(
        _l("Expires after"),
        choices=[(key, label) for key, label in LIFETIME_LABELS.items()],
        default="365",
    )
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )


@bp.app_context_processor
def _account_tokens() -> dict:
    """Let the account page list the user's tokens and offer the form."""

    def api_tokens_section():
        if not current_user.is_authenticated:
            return None
        return {"tokens": tokens.active_tokens(current_user), "form": NewTokenForm()}

    return {"api_tokens_section": api_tokens_section}


@bp.post("/")
@login_required
def create():
    """Create a personal token and show it once; only its hash is kept.

    Refused without the user's password typed again, like any other change of credentials.
    """
    form = NewTokenForm()
    if form.validate_on_submit():
        # Wrong passwords here count with the login's: an open session cannot be used to
        # guess the password either.
        wait = throttle.wait_seconds(current_user.email, request.remote_addr)
        try:
            if wait:
                raise tokens.TokenError(throttle.wait_message(wait))
            try:
                tokens.check_password(current_user, form.password.data)
            except tokens.TokenError:
                throttle.count_failure(current_user.email, request.remote_addr)
                db.session.commit()  # the count stays, whatever this request does next
                raise
            new = tokens.create_token(current_user, form.name.data, form.lifetime.data)
        except tokens.TokenError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            # The page holds the token itself: no cache may keep it.
            return render_template("api/token_created.html", new=new), {"Cache-Control": "no-store"}
    for message in [*form.name.errors, *form.lifetime.errors, *form.password.errors]:
        flash(str(message), "danger")
    return redirect(url_for("accounts.change_password") + "#api-tokens")


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of one's own tokens: programs using it are refused from now on."""
    token = tokens.revoke_token(current_user, token_id)
    if token is None:
        flash(_("There is no such token on your account."), "danger")
    else:
        db.session.commit()
        flash(_("The token “%(name)s” has been revoked.", name=token.name), "success")
    return redirect(url_for("accounts.change_password") + "#api-tokens")
