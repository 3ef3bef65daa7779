"""CDC manages accounts: list, create, edit, deactivate, set a new password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from portal.accounts import services
from portal.accounts.forms import NewUserForm, ResetPasswordForm, UserForm
from portal.accounts.models import Role, User
from portal.db import paginate
from portal.errors import SaveFailed, keeping_input
from portal.extensions import db
from portal.organizations.models import Organization
from portal.organizations.services import organization_choices
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
        organization=db.session.get(Organization, form.organization_id.data),
        role=Role(form.role.data),
        locale=form.locale.data or None,
        active=form.active.data,
    )


def _prepare(form: UserForm) -> None:
    form.organization_id.choices = organization_choices()


@bp.route("/new", methods=["GET", "POST"])
@cdc_required
def new():
    """Create an account (CDC only)."""
    form = NewUserForm()
    _prepare(form)
    status = 200
    if form.validate_on_submit():
        try:
            with keeping_input():  # the database or the disk failing: SaveFailed, input kept
                user = services.create_user(_data(form), form.password.data, actor=current_user)
                db.session.commit()
        except services.AccountError as error:
            form[error.field].errors.append(str(error))
        except SaveFailed as failed:
            status = failed.status
        else:
            flash(_("The account for %(email)s has been created.", email=user.email), "success")
            return redirect(url_for("users.index"))
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
            try:
                with keeping_input():  # the database or the disk failing: SaveFailed, input kept
                    services.update_user(user, _data(form), actor=current_user)
                    db.session.commit()
            except services.AccountError as error:
                form[error.field].errors.append(str(error))
            except SaveFailed as failed:
                status = failed.status
            else:
                flash(_("The account has been saved."), "success")
                return redirect(url_for("users.index"))
    reset_form = ResetPasswordForm(email=user.email)
    return render_template("users/form.html", form=form, user=user, reset_form=reset_form), status


@bp.post("/<int:user_id>/password")
@cdc_required
def reset_password(user_id: int):
    """Set a new password for an account (CDC only); the user's sessions end."""
    user = db.get_or_404(User, user_id)
    reset_form = ResetPasswordForm()
    reset_form.email.data = user.email
    status = 400
    if reset_form.validate_on_submit():
        try:
            with keeping_input():  # the database or the disk failing: SaveFailed, input kept
                services.reset_password(user, reset_form.password.data, actor=current_user)
                db.session.commit()
        except SaveFailed as failed:
            status = failed.status
        else:
            flash(_("A new password has been set for %(email)s.", email=user.email), "success")
            return redirect(url_for("users.edit", user_id=user.id))
    form = UserForm(obj=user)
    _prepare(form)
    form.role.data = user.role.value
    return render_template("users/form.html", form=form, user=user, reset_form=reset_form), status
