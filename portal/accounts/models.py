"""User accounts and their roles."""

from __future__ import annotations

import contextlib
import functools
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, TimestampMixin, utcnow
from portal.organizations.models import GOVERNMENT_KINDS, NATIONAL_KINDS, Organization
from portal.roles import ROLE_LABELS, Role  # noqa: F401  (a user holds a role)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Starts the stored hash of an account whose owner has not chosen a password yet: never a
# valid argon2 hash, so nothing can match it.
UNUSABLE_PREFIX = "!"


def role_fits_organization(role: Role, organization: Organization) -> bool:
    """Say whether a user of `role` may belong to `organization`.

    A development partner focal point belongs to an external partner, a ministry focal point
    to a national institution, CDC staff to a government institution (CDC itself).
    """
    if role is Role.DP:
        return not organization.is_national
    if role is Role.MINISTRY:
        return organization.kind in NATIONAL_KINDS
    return organization.kind in GOVERNMENT_KINDS


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_km: Mapped[str | None] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="user_role",
            native_enum=False,
            length=16,
            values_callable=lambda roles: [r.value for r in roles],
        )
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    locale: Mapped[str | None] = mapped_column(String(8))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped whenever the password changes or the account is deactivated: it is part of the
    # session identity, so every other session of the user ends at that moment.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    organization: Mapped[Organization] = relationship(lazy="joined")

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)
        self.session_version = (self.session_version or 0) + 1

    def set_unusable_password(self) -> None:
        """Leave the account without a password until its owner chooses one (by invitation).

        The marker is random, so no password matches it and each one voids the links made
        against the previous hash.
        """
        self.password_hash = UNUSABLE_PREFIX + secrets.token_urlsafe(32)

    @property
    def has_usable_password(self) -> bool:
        return not (self.password_hash or UNUSABLE_PREFIX).startswith(UNUSABLE_PREFIX)

    def check_password(self, password: str) -> bool:
        if not self.has_usable_password:
            dummy_password_check()  # as slow as a wrong password, so the answer tells nothing
            return False
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        """Say whether the account may be used: it and its organization are both active."""
        return bool(self.active and self.organization.active)

    @property
    def is_cdc(self) -> bool:
        return self.role is Role.CDC

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginSession(Base):
    """A logged-in session, known by a random key that its signed cookie carries.

    Logging out deletes the row, so a copy of the cookie opens nothing afterwards.
    """

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def dummy_password_check() -> None:
    """Spend the time of one hash check, so an unknown email answers as slowly as a known one."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_dummy_hash(), "not-the-password")


# A hash made once with argon2-cffi's parameters (argon2id, m=65536, t=3, p=4), written here
# rather than computed at import: hashing costs every process most of a second at start-up.
# Checking it costs what checking a real password costs, because the parameters are the same.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$8QowxY3smREkaD5rQJ0d1A"
    "$6VgliaIfM6H6viazWHxedOTm82U1DUG4YRI3xNH/20Q"
)


@functools.cache
def _dummy_hash() -> str:
    """The stored hash, or (should a new argon2-cffi change its parameters) one made once now
    with the hasher's own, so that the dummy check keeps costing what a real check costs."""
    if _hasher.check_needs_rehash(DUMMY_HASH):
        return _hasher.hash("dummy-password-for-timing")
    return DUMMY_HASH
