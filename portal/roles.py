"""The three roles a person holds in the portal, shared by the permissions, the menu and
the accounts feature (which stores a role on each user)."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Role(enum.StrEnum):
    DP = "dp"
    MINISTRY = "ministry"
    CDC = "cdc"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.DP: _l("Development partner focal point"),
    Role.MINISTRY: _l("Ministry focal point"),
    Role.CDC: _l("CDC staff"),
}
