"""Setting a password by a link sent by email: a forgotten password, or an invitation.

A link carries a token signed with the portal's secret (itsdangerous): the account and a
fingerprint of its current password hash and address, with the time it was made. It is
refused when it was tampered with, when it is older than its purpose allows (one hour for a
forgotten password, seven days for an invitation to a new account), and once the password or
the address has changed (the fingerprint no longer matches): each link works once. Sending an
invitation again voids the earlier one.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal import throttle
from portal.accounts import services
from portal.accounts.models import User
from portal.api import tokens
from portal.audit.services import record
from portal.extensions import db
from portal.mail.services import path_for, queue_mail

RESET = "reset"
INVITE = "invite"
MAX_AGE = {RESET: 3600, INVITE: 7 * 24 * 3600}  # seconds a link of each purpose stays valid


class LinkRefused(Exception):
    """The link cannot set a password; the message says why and what to do."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"password-{purpose}")


def _fingerprint(user: User) -> str:
    # The address too: a link sent to an address that CDC has since corrected stops working.
    seen = f"{user.password_hash}\0{user.email}"
    return hashlib.sha256(seen.encode()).hexdigest()[:20]


def make_token(user: User, purpose: str = RESET) -> str:
    """Return a signed token that lets `user` set a password once."""
    return _serializer(purpose).dumps([user.id, _fingerprint(user)])


def user_for_token(token: str, purpose: str = RESET) -> User:
    """Return the account a token is for; refuses (LinkRefused) a bad, old or used one."""
    try:
        user_id, fingerprint = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except SignatureExpired as error:
        raise LinkRefused(_l("This link has expired. Ask for a new one.")) from error
    except (BadSignature, ValueError, TypeError) as error:
        raise LinkRefused(_l("This link is not valid. Ask for a new one.")) from error
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active:
        raise LinkRefused(_l("This link is not valid. Ask for a new one."))
    if fingerprint != _fingerprint(user):
        if purpose == INVITE:
            raise LinkRefused(_l("This invitation has already been used, or a newer one was sent."))
        raise LinkRefused(_l("This link has already been used. Ask for a new one."))
    return user


def request_reset(email: str, address: str | None) -> None:
    """Email a one-hour link to set a new password, if an active account has `email`.

    Says nothing either way (the page answers the same), and sends nothing beyond the limits.
    """
    if not throttle.may_send_link(email, address):
        record("password.reset_throttled", object_type="User", email=email.strip()[:254])
        return
    user = services.find_by_email(email)
    if user is None or not user.is_active:
        return
    link = path_for("passwords.set_password", token=make_token(user, RESET))
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        queue_mail(
            user,
            subject=gettext("Development Cooperation Portal: set a new password"),
            text=gettext(
                "Someone (we hope you) asked to set a new password for your account "
                "%(email)s. Open the link below within one hour to choose it. If you did not "
                "ask, ignore this message: your password stays as it is.",
                email=user.email,
            ),
            link_path=link,
        )
    record("password.reset_requested", user=user, obj=user)


def _locale(user: User) -> str:
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def send_reset_link(user: User, *, actor: User) -> None:
    """Email a one-hour link to set a new password, on CDC's request (CDC types no password)."""
    link = path_for("passwords.set_password", token=make_token(user, RESET))
    with force_locale(_locale(user)):
        queue_mail(
            user,
            subject=gettext("Development Cooperation Portal: set a new password"),
            text=gettext(
                "CDC sends you a link to set a new password for your account %(email)s. Open "
                "it within one hour to choose the password. Until then your password stays as "
                "it is.",
                email=user.email,
            ),
            link_path=link,
        )
    record("password.reset_sent", user=actor, obj=user)


def send_invitation(user: User, *, actor: User | None, again: bool = False) -> None:
    """Email a new account's owner a link to choose a password, valid seven days, once.

    Sending it `again` voids the earlier link. Refuses (ValueError) an account that already
    has a password.
    """
    if user.has_usable_password:
        raise ValueError("the account already has a password")
    if again:
        user.set_unusable_password()  # a new marker: the earlier link no longer matches
    link = path_for("passwords.accept_invitation", token=make_token(user, INVITE))
    with force_locale(_locale(user)):
        queue_mail(
            user,
            subject=gettext("Development Cooperation Portal: your new account"),
            text=gettext(
                "The Council for the Development of Cambodia has opened an account for you on "
                "the Development Cooperation Portal: %(email)s, %(role)s of %(organization)s. "
                "Open the link below within seven days to choose your password; the link works "
                "once. If you did not expect this message, ignore it.",
                email=user.email,
                role=user.role.label,
                organization=user.organization.display_name(_locale(user)),
            ),
            link_path=link,
        )
    record("user.invitation_resent" if again else "user.invited", user=actor, obj=user)
    db.session.flush()


def set_password(user: User, password: str, purpose: str = RESET) -> None:
    """Set the password chosen through a link; every session of the account ends."""
    user.set_password(password)
    tokens.revoke_all(user, reason="password_set_by_link")
    action = "user.invitation_accepted" if purpose == INVITE else "user.password_set_by_link"
    record(action, user=user, obj=user)
    db.session.flush()
