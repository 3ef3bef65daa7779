"""Account use cases: authenticate, create, change, deactivate (flush, never commit)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from portal.accounts.models import (
    LoginSession,
    Role,
    User,
    dummy_password_check,
    role_fits_organization,
)
from portal.api import tokens
from portal.audit.services import record
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Organization


class OrganizationClosed(PermissionError):
    """The password was right, but the user's organization is deactivated."""


class AccountError(ValueError):
    """A change to an account was refused; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None; record the attempt.

    Refuses (OrganizationClosed) the right password of a deactivated organization's user:
    the password is checked first, so the answer costs the same time and tells a stranger
    nothing.
    """
    user = find_by_email(email)
    if user is None:
        dummy_password_check()
        record("login.failed", object_type="User", email=normalize_email(email)[:254])
        return None
    if not user.check_password(password):
        record("login.failed", obj=user, reason="password")
        return None
    if not user.active:
        record("login.failed", obj=user, reason="inactive")
        return None
    if not user.organization.active:
        record("login.failed", obj=user, reason="organization_inactive")
        raise OrganizationClosed
    user.last_login_at = utcnow()
    record("login", user=user, obj=user)
    return user


def start_session(user: User, lifetime: timedelta) -> str:
    """Open a server-side session for `user` and return its key (for the signed cookie).

    The user's sessions older than `lifetime` are gone from the cookie's side already, so
    their rows are deleted here.
    """
    db.session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.created_at < utcnow() - lifetime
        )
    )
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(key=key, user_id=user.id))
    db.session.flush()
    return key


def session_is_open(user: User, key: str | None) -> bool:
    """Say whether `key` is an open session of `user` (not logged out)."""
    if not key:
        return False
    found = db.session.scalar(
        select(LoginSession.id).where(LoginSession.key == key, LoginSession.user_id == user.id)
    )
    return found is not None


def end_session(key: str | None) -> None:
    """End the session of `key` on the server: its cookie, or any copy, opens nothing more."""
    if key:
        db.session.execute(delete(LoginSession).where(LoginSession.key == key))


def role_mismatch_message(role: Role, organization: Organization) -> str:
    if role is Role.DP:
        return str(
            _l(
                "A development partner focal point must belong to a development partner, "
                "not to a national institution."
            )
        )
    if role is Role.MINISTRY:
        return str(_l("A ministry focal point must belong to a national institution."))
    return str(_l("CDC staff must belong to a government institution."))


@dataclass
class AccountData:
    email: str
    name: str
    organization: Organization
    role: Role
    name_km: str | None = None
    locale: str | None = None
    active: bool = True


def _check(data: AccountData, existing: User | None = None) -> None:
    if not role_fits_organization(data.role, data.organization):
        raise AccountError(role_mismatch_message(data.role, data.organization), field="role")
    other = find_by_email(data.email)
    if other is not None and other is not existing:
        raise AccountError(str(_l("An account with this email already exists.")), field="email")


def create_user(data: AccountData, password: str | None, *, actor: User | None = None) -> User:
    """Create an account; refuse a role that does not fit the organization or a taken email.

    Without a password the account has none that works until its owner chooses one
    (`passwords.send_invitation`).
    """
    _check(data)
    user = User(
        email=normalize_email(data.email),
        name=data.name.strip(),
        name_km=(data.name_km or "").strip() or None,
        organization=data.organization,
        role=data.role,
        locale=data.locale or None,
        active=data.active,
        session_version=0,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(
        "user.created",
        user=actor,
        obj=user,
        role=user.role.value,
        organization=data.organization.acronym,
    )
    return user


def update_user(user: User, data: AccountData, *, actor: User) -> None:
    """Change an account's details; a role change and deactivation are audited."""
    _check(data, existing=user)
    old_role, was_active = user.role, user.active
    user.email = normalize_email(data.email)
    user.name = data.name.strip()
    user.name_km = (data.name_km or "").strip() or None
    user.organization = data.organization
    user.role = data.role
    user.locale = data.locale or None
    user.active = data.active
    if old_role is not data.role:
        record("user.role_changed", user=actor, obj=user, old=old_role.value, new=data.role.value)
    if was_active and not data.active:
        user.session_version += 1  # ends every open session of the account
        tokens.revoke_all(user, reason="deactivated", actor=actor)
        record("user.deactivated", user=actor, obj=user)
    elif not was_active and data.active:
        record("user.reactivated", user=actor, obj=user)
    record("user.updated", user=actor, obj=user)
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; other sessions end."""
    if not user.check_password(current):
        raise AccountError(str(_l("The current password is not correct.")), "current_password")
    user.set_password(new)
    tokens.revoke_all(user, reason="password_changed")
    record("user.password_changed", user=user, obj=user)
    db.session.flush()
