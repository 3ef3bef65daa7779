"""What a report covers: its period, scope, language, sections and audience."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from flask_babel import lazy_gettext as _l

from portal.projects.queries import ProjectFilters

LANGUAGES = {"en": _l("English"), "km": _l("Khmer"), "both": _l("English and Khmer side by side")}

SCOPES = {
    "country": _l("Whole country"),
    "partner": _l("One development partner"),
    "sector": _l("One sector"),
    "ministry": _l("One lead ministry"),
    "province": _l("One province"),
}

PUBLIC, INTERNAL = "public", "internal"

# Who a report is built for: the public sees what a logged-out visitor sees on the portal's
# public pages (published projects, their money); the internal edition is as CDC sees the data.
AUDIENCES = {
    PUBLIC: _l("Public edition: published projects only"),
    INTERNAL: _l("Internal edition: for the government's and partners' use, not for publication"),
}

# In the order they appear in the report.
SECTIONS = {
    "summary": _l("Executive summary"),
    "key_figures": _l("Key figures"),
    "partners": _l("Funding by development partner"),
    "sectors": _l("Funding by sector"),
    "provinces": _l("Funding by province"),
    "assistance": _l("Type of assistance and modality"),
    "sources": _l("Funding by source"),
    "loans": _l("Loans and their concessionality"),
    "trend": _l("Trend over the years"),
    "alignment": _l("Alignment with the national strategy"),
    "reconciliation": _l("Reconciliation of figures"),
    "commitments": _l("Shared accountability commitments"),
    "pilots": _l("Pilots and lessons learned"),
    "coverage": _l("Coverage of the reporting round"),
    "predictability": _l("Predictability of aid"),
    "quality": _l("Annex: data quality"),
    "methodology": _l("Methodology"),
}

# Sections built from what only logged-in users see: workflow states and government figures
# with their threads (alignment, reconciliation), commitments, pilots and rounds (pages behind
# the login) and the per-project quality annex (an internal field). A public edition has none.
INTERNAL_SECTIONS = frozenset(
    {
        "alignment",
        "reconciliation",
        "commitments",
        "pilots",
        "coverage",
        "predictability",
        "quality",
    }
)
PUBLIC_SECTIONS = tuple(s for s in SECTIONS if s not in INTERNAL_SECTIONS)


@dataclass(frozen=True)
class ReportParams:
    """The parameters of one report; stored as JSON with every job and issued report."""

    year: int
    year_to: int | None = None
    scope: str = "country"
    scope_value: str = ""
    language: str = "en"
    sections: tuple[str, ...] = field(default_factory=lambda: tuple(SECTIONS))
    # The closed reporting round whose snapshot the report reads (its year); None: live data.
    round_year: int | None = None
    # Internal when not given: reports issued before audiences existed were built as CDC sees
    # the data, and their stored parameters say nothing. The builder's form asks explicitly.
    audience: str = INTERNAL

    def __post_init__(self) -> None:
        if self.year_to is not None and self.year_to < self.year:
            raise ValueError("the period ends before it starts")
        if self.scope not in SCOPES:
            raise ValueError(f"unknown scope {self.scope!r}")
        if self.scope != "country" and not self.scope_value:
            raise ValueError("a scope other than the whole country needs its value")
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}")
        unknown = set(self.sections) - set(SECTIONS)
        if unknown:
            raise ValueError(f"unknown sections {sorted(unknown)}")
        if self.round_year is not None and (self.year != self.round_year or self.is_range):
            raise ValueError("a report from a round covers the round's year alone")
        if self.audience not in AUDIENCES:
            raise ValueError(f"unknown audience {self.audience!r}")
        # Coverage is a round's: a report from live data has none to state.
        wanted = set(self.sections) - (set() if self.round_year else {"coverage"})
        if self.is_public:
            wanted -= INTERNAL_SECTIONS
        object.__setattr__(self, "sections", tuple(s for s in SECTIONS if s in wanted))

    @property
    def is_public(self) -> bool:
        return self.audience == PUBLIC

    @property
    def last_year(self) -> int:
        return self.year_to or self.year

    @property
    def is_range(self) -> bool:
        return self.last_year != self.year

    @property
    def locales(self) -> tuple[str, ...]:
        return ("en", "km") if self.language == "both" else (self.language,)

    def filters(self) -> ProjectFilters:
        """The project list's filters for this scope (the period is applied per figure)."""
        value = self.scope_value
        if self.scope == "partner":
            return ProjectFilters(partner=int(value))
        if self.scope == "ministry":
            return ProjectFilters(ministry=int(value))
        if self.scope == "sector":
            return ProjectFilters(sector=value)
        if self.scope == "province":
            return ProjectFilters(province=value)
        return ProjectFilters()

    def as_json(self) -> dict:
        data = asdict(self)
        data["sections"] = list(self.sections)
        return data

    @classmethod
    def from_json(cls, data: dict) -> ReportParams:
        return cls(**{**data, "sections": tuple(data.get("sections") or SECTIONS)})


def audience_of(stored: dict | None) -> str:
    """The audience of stored parameters; those stored before audiences existed are internal."""
    return (stored or {}).get("audience") or INTERNAL
