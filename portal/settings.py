"""The settings CDC controls from the portal (service standard, Khmer digits), one value a key.

The features that own a setting name its key and read or write it here; this module knows
nothing of what the values mean. Writes join the caller's transaction (the caller flushes,
records the change in the audit log and commits).
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base
from portal.extensions import db


class Setting(Base):
    """A setting CDC controls from the portal (e.g. the service standard in days)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


def get_setting(key: str) -> str | None:
    """The stored value of `key`, or None when CDC never set it."""
    setting = db.session.get(Setting, key)
    return None if setting is None else setting.value


def set_setting(key: str, value: str) -> None:
    """Store `value` under `key` in the session (added when new); the caller flushes."""
    setting = db.session.get(Setting, key)
    if setting is None:
        db.session.add(Setting(key=key, value=value))
    else:
        setting.value = value
