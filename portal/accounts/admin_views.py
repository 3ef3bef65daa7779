"""CDC manages accounts: list, create (with an invitation), edit, deactivate, send links."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from portal import throttle
from portal.accounts import passwords, services
from portal.accounts.forms import UserForm
from portal.accounts.models import Role, User
from portal.audit.services import record
from portal.db import paginate
from portal.extensions import db
from portal.organizations.models import Organization
from portal.organizations.services import organization_choices
from portal.saving import save
from portal.security import cdc_required

bp = Blueprint("users", __name__, url_prefix="/admin/users")

SORTS = {
    "name": User.name,
    "email": User.email,
    "role": User.role,
    "last_login": User.last_login_at,
}


@bp.get("/")
@cdc_required
def index():
    """List accounts with search, role filter, sorting and pages (CDC only)."""
    query = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    sort = request.args.get("sort", "name")
    statement = select(User).join(User.organization)
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                db.func.lower(User.name).like(like),
                db.func.lower(User.email).like(like),
                db.func.lower(Organization.acronym).like(like),
            )
        )
    if role in {r.value for r in Role}:
        statement = statement.where(User.role == Role(role))
    column = SORTS.get(sort.lstrip("-"), User.name)
    statement = statement.order_by(column.desc() if sort.startswith("-") else column, User.id)
    page = paginate(db.session, statement, request.args.get("page", 1, type=int), 25)
    return render_template(
        "users/index.html", page=page, q=query, role=role, sort=sort, roles=list(Role)
    )


def _data(form: UserForm) -> services.AccountData:
    return services.AccountData(
        email=form.email.data,
        name=form.name.data,
        name_km=form.name_km.data,
        # The form offers only existing organizations: a missing one is a forged request.
        organization=db.get_or_404(Organization, form.organization_id.data),
        role=Role(form.role.data),
        locale=form.locale.data or None,
        active=form.active.data,
    )


def _prepare(form: UserForm) -> None:
    form.organization_id.choices = organization_choices()


def _create(form: UserForm) -> User:
    """A new account, invited at once when it is active."""
    user = services.create_user(_data(form), None, actor=current_user)
    if user.active:
        passwords.send_invitation(user, actor=current_user)
    return user


@bp.route("/new", methods=["GET", "POST"])
@cdc_required
def new():
    """Create an account and email its owner an invitation to choose a password (CDC only)."""
    form = UserForm()
    _prepare(form)
    status = 200
    if form.validate_on_submit():
        outcome = save(lambda: _create(form), refusals=(services.AccountError,))
        if (user := outcome.value) is not None:
            if user.active:
                message = _(
                    "The account for %(email)s has been created. An invitation to choose a "
                    "password has been queued for that address; it works once, within seven days.",
                    email=user.email,
                )
            else:
                message = _(
                    "The inactive account for %(email)s has been created. Send its invitation "
                    "once it is active.",
                    email=user.email,
                )
            flash(message, "success")
            return redirect(url_for("users.index"))
        if outcome.refusal is not None:
            form[outcome.refusal.field].errors.append(str(outcome.refusal))
        status = outcome.failed_status or 200
    return render_template("users/form.html", form=form, user=None), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@cdc_required
def edit(user_id: int):
    """Edit or deactivate an account (CDC only)."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    _prepare(form)
    if request.method == "GET":
        form.role.data = user.role.value
        form.locale.data = user.locale or ""
    status = 200
    if form.validate_on_submit():
        if user.id == current_user.id and not form.active.data:
            form.active.errors.append(_("You cannot deactivate your own account."))
        else:
            outcome = save(
                lambda: services.update_user(user, _data(form), actor=current_user),
                refusals=(services.AccountError,),
            )
            if outcome.saved:
                flash(_("The account has been saved."), "success")
                return redirect(url_for("users.index"))
            if outcome.refusal is not None:
                form[outcome.refusal.field].errors.append(str(outcome.refusal))
            status = outcome.failed_status or 200
    return render_template("users/form.html", form=form, user=user), status


def _queue_link(user: User, *, invitation: bool) -> None:
    if invitation:
        passwords.send_invitation(user, actor=current_user, again=True)
    else:
        passwords.send_reset_link(user, actor=current_user)


def _send_link(user_id: int, *, invitation: bool):
    """Queue an invitation or a reset link for an active account, then show the account."""
    user = db.get_or_404(User, user_id)
    if not user.active:
        flash(_("This account is deactivated: activate it first."), "warning")
    elif invitation and user.has_usable_password:
        flash(_("This account already has a password: send a password reset link."), "warning")
    elif not invitation and not user.has_usable_password:
        flash(_("This account has no password yet: send the invitation again."), "warning")
    else:
        # When the database fails, nothing is queued: the message says nothing was saved.
        if save(lambda: _queue_link(user, invitation=invitation)).saved:
            if invitation:
                message = _(
                    "The invitation has been sent again to %(email)s. The earlier link no "
                    "longer works.",
                    email=user.email,
                )
            else:
                message = _(
                    "A link to set a new password has been sent to %(email)s. It works once, "
                    "within one hour; the current password stays until then.",
                    email=user.email,
                )
            flash(message, "success")
    return redirect(url_for("users.edit", user_id=user_id))


@bp.post("/<int:user_id>/invitation")
@cdc_required
def send_invitation(user_id: int):
    """Send a new account's invitation again; the earlier link stops working (CDC only)."""
    return _send_link(user_id, invitation=True)


@bp.post("/<int:user_id>/password")
@cdc_required
def reset_password(user_id: int):
    """Email the account a link to set a new password; CDC types none (CDC only)."""
    return _send_link(user_id, invitation=False)


@bp.get("/throttles")
@cdc_required
def throttles():
    """Login throttles in force: who is slowed down or blocked, and for how long (CDC only)."""
    return render_template("users/throttles.html", rows=throttle.in_force())


@bp.post("/throttles/<int:throttle_id>/clear")
@cdc_required
def clear_throttle(throttle_id: int):
    """Forget one throttle's count, so that its account or address may try again now."""
    row = throttle.clear(throttle_id)
    if row is not None:
        record("throttle.cleared", user=current_user, obj=row, kind=row.kind, key=row.key[:254])
        db.session.commit()
        flash(_("The throttle on %(key)s has been cleared.", key=row.key), "success")
    return redirect(url_for("users.throttles"))
