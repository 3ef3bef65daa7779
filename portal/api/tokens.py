"""Personal API tokens: create (shown once), list, revoke, and find the user of a token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.api.models import ApiToken, as_utc
from portal.audit.services import record
from portal.db import utcnow
from portal.extensions import db

TOKEN_PREFIX = "cdcp_"
PREFIX_SHOWN = 12
MAX_ACTIVE_TOKENS = 10
# How long a new token lasts, in days (the choices of the form); None never expires.
LIFETIMES = {"30": 30, "90": 90, "365": 365, "never": None}
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(ValueError):
    """The token cannot be created as asked; the message says why."""


@dataclass
class NewToken:
    """A token just created: `secret` is shown once and never stored."""

    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    """Return the stored form of a token (SHA-256, hex)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def active_tokens(user) -> list[ApiToken]:
    """The user's tokens that are not revoked, newest first (expired ones included)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def create_token(user, name: str, lifetime: str = "365") -> NewToken:
    """Create a personal token for `user`; refuse a blank name or too many active tokens."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_l("Give the token a name, such as the program that will use it."))
    if len(name) > 80:
        raise TokenError(_l("A token name has at most 80 characters."))
    if lifetime not in LIFETIMES:
        raise TokenError(_l("Choose how long the token lasts."))
    count = db.session.execute(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).scalar_one()  # a count without GROUP BY is always one row
    if count >= MAX_ACTIVE_TOKENS:
        raise TokenError(
            _l(
                "You already have %(count)s tokens: revoke one you no longer use first.",
                count=MAX_ACTIVE_TOKENS,
            )
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = LIFETIMES[lifetime]
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[:PREFIX_SHOWN],
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    db.session.add(token)
    db.session.flush()
    record("api_token.created", user=user, obj=token, name=name)
    return NewToken(token=token, secret=secret)


def revoke_token(user, token_id: int) -> ApiToken | None:
    """Revoke one of the user's own tokens; another user's token is not found (None)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record("api_token.revoked", user=user, obj=token, name=token.name)
    return token


def revoke_all(user, *, reason: str, actor=None) -> int:
    """Revoke every token of `user` (its password changed or it was closed); say how many."""
    now = utcnow()
    revoked = active_tokens(user)
    for token in revoked:
        token.revoked_at = now
    if revoked:
        db.session.flush()
        record(
            "api_token.revoked_all",
            user=actor or user,
            obj=user,
            count=len(revoked),
            reason=reason,
        )
    return len(revoked)


def check_password(user, password: str | None) -> None:
    """Refuse (TokenError) to go on unless `password` is the user's own: a token reads what
    its owner reads, so a borrowed open session alone must not be enough to make one."""
    if not password or not user.check_password(password):
        raise TokenError(_l("The current password is not correct."))


def token_for(secret: str | None, now: datetime | None = None) -> ApiToken | None:
    """Return the usable token whose secret this is, of an active user; else None."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    now = now or utcnow()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    return token


def mark_used(token: ApiToken, now: datetime | None = None) -> bool:
    """Note when the token was last used (to the minute); say whether anything changed."""
    now = now or utcnow()
    if token.last_used_at is not None and now - as_utc(token.last_used_at) < LAST_USED_PRECISION:
        return False
    token.last_used_at = now
    return True
