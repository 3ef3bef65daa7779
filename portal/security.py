"""Who may see and change what: the one place every view and the API asks.

Rules are small functions of (user, object). Views load the object, then call one of these
right away; nothing else in the code decides access.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urljoin, urlsplit

from flask import abort, request
from flask_login import current_user, login_required

from portal.accounts.models import Role, User


def has_role(user, *roles: Role) -> bool:
    """Say whether `user` is logged in with one of `roles`."""
    return bool(user and user.is_authenticated and user.role in roles)


def roles_required(*roles: Role):
    """Decorate a view: log in first, then refuse (403) users without one of `roles`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


cdc_required = roles_required(Role.CDC)


def can_manage_accounts(user) -> bool:
    """CDC staff create, edit and deactivate accounts."""
    return has_role(user, Role.CDC)


def can_edit_reference_data(user) -> bool:
    """CDC staff keep organizations, rates, sectors, TWGs and the strategy framework."""
    return has_role(user, Role.CDC)


def can_edit_user(actor, target: User) -> bool:
    """CDC edits any account; nobody else edits accounts (own password aside)."""
    return has_role(actor, Role.CDC) and target is not None


def is_safe_redirect(target: str | None) -> bool:
    """Say whether `target` stays on this site (no scheme change, no other host)."""
    if not target or target.startswith(("//", "\\")) or "\\" in target:
        return False
    host_url = urlsplit(request.host_url)
    redirect_url = urlsplit(urljoin(request.host_url, target))
    return redirect_url.scheme in {"http", "https"} and redirect_url.netloc == host_url.netloc
