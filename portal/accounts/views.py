"""Logging in and out, and changing one's own password."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal import throttle
from portal.accounts import services
from portal.accounts.forms import ChangePasswordForm, LoginForm
from portal.accounts.models import User
from portal.audit.services import record
from portal.extensions import db, login_manager
from portal.saving import save
from portal.security import is_safe_redirect

bp = Blueprint("accounts", __name__)
# The session cookie's entry naming its row in login_session (see services.start_session).
SESSION_KEY = "_sid"

login_manager.login_view = "accounts.login"
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """Load the user of a session, unless the password changed or the account was closed."""
    user_id, _sep, version = identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    if not services.session_is_open(user, session.get(SESSION_KEY)):
        return None  # logged out: this cookie is a leftover or a copy
    return user


@login_manager.unauthorized_handler
def unauthorized():
    from portal.errors import render_error, wants_json

    if wants_json():
        return render_error(401, _("Log in to continue."))
    flash(_("Please log in to see this page."), "info")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password; a wrong pair never says which part was wrong."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        wait = throttle.wait_seconds(form.email.data, request.remote_addr)
        if wait:
            record("login.throttled", object_type="User", email=form.email.data.strip()[:254])
            db.session.commit()
            flash(throttle.wait_message(wait), "danger")
            response = make_response(render_template("accounts/login.html", form=form), 429)
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.OrganizationClosed:
            db.session.commit()  # keep the audit entry
            flash(
                _(
                    "Your organization is no longer active in the portal, so its accounts "
                    "cannot log in. Ask CDC if this is a mistake."
                ),
                "danger",
            )
            return render_template("accounts/login.html", form=form)
        if user is None:
            throttle.count_failure(form.email.data, request.remote_addr)
            db.session.commit()  # keep the failed-login audit entry
            flash(
                _("The email or password is not correct, or the account is not active."), "danger"
            )
        else:
            locale = session.get("locale")
            session.clear()  # a fresh session at login: nothing carried over from before
            if locale:
                session["locale"] = locale
            login_user(user)
            lifetime = current_app.permanent_session_lifetime
            session[SESSION_KEY] = services.start_session(user, lifetime)
            db.session.commit()
            target = request.args.get("next")
            return redirect(target if is_safe_redirect(target) else url_for("home.index"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    """End the session."""
    if current_user.is_authenticated:
        record("logout", user=current_user, obj=current_user)
    services.end_session(session.get(SESSION_KEY))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("home.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; every other session of the account ends."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        outcome = save(
            lambda: services.change_password(
                current_user, form.current_password.data, form.new_password.data
            ),
            refusals=(services.AccountError,),
        )
        if outcome.saved:
            login_user(current_user._get_current_object())  # this session stays, re-keyed
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"))
        if outcome.refusal is not None:
            form[outcome.refusal.field].errors.append(str(outcome.refusal))
        status = outcome.failed_status or 200
    return render_template("accounts/change_password.html", form=form), status
