"""The code lists of commitments: principles, ratings, computed statuses, party roles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The five principles of the RGC's partnership policy (see the domain notes).
PRINCIPLES = {
    "common_vision": _l("Common vision and shared objectives"),
    "shared_accountability": _l("Agreed governance and shared accountability"),
    "harmonized_management": _l("Harmonized strategic management"),
    "learning": _l("Learning and adaptation"),
    "trust": _l("Building and maintaining trust"),
}

ACHIEVED = "achieved"
ON_TRACK = "on_track"
SOME_RISK = "some_risk"
OFF_TRACK = "off_track"
OVERDUE = "overdue"
NOT_REPORTED = "not_reported"

# What the lead says of its own progress.
RATINGS = {
    ON_TRACK: _l("On track"),
    SOME_RISK: _l("Some risk"),
    OFF_TRACK: _l("Off track"),
    ACHIEVED: _l("Achieved"),
}

# What the portal computes from the trajectory (the ratings, and two more).
STATUSES = {
    ACHIEVED: _l("Achieved"),
    ON_TRACK: _l("On track"),
    SOME_RISK: _l("Some risk"),
    OFF_TRACK: _l("Off track"),
    OVERDUE: _l("Overdue"),
    NOT_REPORTED: _l("Not reported yet"),
}

# A symbol for each status, so that it reads without colour.
STATUS_SYMBOLS = {
    ACHIEVED: "★",
    ON_TRACK: "●",
    SOME_RISK: "▲",
    OFF_TRACK: "✖",
    OVERDUE: "◷",  # a clock face: in the common fonts (the hourglass is not)
    NOT_REPORTED: "○",
}

PERIOD_KINDS = {
    "quarter": _l("Quarter"),
    "semester": _l("Semester"),
}

CO_RESPONSIBLE = "co_responsible"
SUPPORTING = "supporting"
PARTY_ROLES = {
    CO_RESPONSIBLE: _l("Co-responsible institution"),
    SUPPORTING: _l("Supporting development partner"),
}

JOINT = "joint"
DISPUTED = "disputed"
AWAITING = "awaiting"
SELF_ONLY = "self_only"
AGREEMENT = {
    JOINT: _l("Joint: every party agrees"),
    DISPUTED: _l("Disputed by a party"),
    AWAITING: _l("Waiting for the other parties"),
    SELF_ONLY: _l("Self-assessment (no other party)"),
}


def choices(codes: dict, blank: str | None = None) -> list[tuple[str, str]]:
    """(code, label) pairs for a select, with an optional first blank choice."""
    pairs = [(code, str(label)) for code, label in codes.items()]
    return [("", blank), *pairs] if blank is not None else pairs
