"""Forms for logging in, changing a password and managing accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from portal.accounts.models import ROLE_LABELS, Role
from portal.forms import TextField

MIN_PASSWORD_LENGTH = 10
_COMMON_PASSWORDS = frozenset(
    {
        "password123",
        "1234567890",
        "qwertyuiop",
        "password1234",
        "cambodia123",
        "administrator",
        "letmein1234",
        "welcome1234",
        "passw0rd123",
        "iloveyou123",
    }
)


def password_problem(password: str, email: str = "") -> str | None:
    """Return why `password` is too weak, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return str(_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    if password.lower() in _COMMON_PASSWORDS or len(set(password)) < 4:
        return str(_l("This password is too easy to guess."))
    if email and password.lower() == email.lower():
        return str(_l("The password must not be your email address."))
    return None


class StrongPassword:
    def __call__(self, form, field) -> None:
        email = form.email.data if hasattr(form, "email") and form.email.data else ""
        problem = password_problem(field.data or "", email)
        if problem:
            raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=200), StrongPassword()]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )


class SetPasswordForm(FlaskForm):
    email = HiddenField()  # the account's, set by the view (not taken from the form)
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=200), StrongPassword()]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(ROLE_LABELS[role])) for role in Role]


class UserForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    name = TextField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    name_km = TextField(_l("Name in Khmer"), validators=[Optional(), Length(max=120)])
    organization_id = SelectField(_l("Organization"), coerce=int, validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    locale = SelectField(
        _l("Preferred language"),
        choices=[("", _l("As the browser asks")), ("en", "English"), ("km", "ខ្មែរ")],
        validators=[Optional()],
    )
    active = BooleanField(_l("Active"), default=True)
