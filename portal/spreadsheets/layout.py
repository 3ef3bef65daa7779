"""The shape of the project workbook: its sheets, their columns, and the lists of allowed codes.

One description serves both directions: the template is written from it and uploads are read
with it. Columns are found by their header, in English or Khmer (or by their key), so a
workbook made in either language reads the same, whatever order its columns are in.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.loans.rules import RATE_TYPES, REPAYMENT_PLANS, REPAYMENT_TYPES
from portal.money.services import active_currency_codes
from portal.organizations.models import NATIONAL_KINDS, Organization
from portal.projects import codes
from portal.projects.sources import MONEY_KIND, SOURCE_KIND
from portal.reference.models import District, Province, Sector
from portal.results.models import MEASURES, RESULT_TYPES

# Between a code and its label in a drop-down value: "2 — Implementation".
SEPARATOR = " — "


NATIONAL, PARTNERS = "national", "partners"  # the lists of organization acronyms
ORGANIZATIONS = "organizations"  # every organization's acronym (funding sources name either)
# The Projects sheet's budget codes cell and the version of the codes it was written with
# (portal.spreadsheets.budget reads both, not the project's own fields).
BUDGET_CODES = "budget_codes"
BUDGET_VERSION = "budget_version"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: how it is headed, what it holds, and which list it draws on."""

    key: str
    label: object  # a lazy string: the header, in the reader's language
    kind: (
        str  # text, long_text, integer, decimal, rate, date, choice, yes_no, organization, project
    )
    width: int = 16
    choices: str | None = None  # the name of a list in choice_lists()
    required: bool = False  # the sheet cannot be read without this column
    informational: bool = False  # written for the reader; ignored on upload


@dataclass(frozen=True)
class Sheet:
    key: str
    title: object
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


PROJECT_REF = Column(
    "project", _l("Project (portal ID or your reference)"), "project", 18, required=True
)
PROJECT_TITLE = Column("project_title", _l("Title"), "text", 40, informational=True)

PROJECTS = Sheet(
    "projects",
    _l("Projects"),
    (
        Column("id", _l("Portal ID"), "integer", 10, required=True),
        Column("reporting_org", _l("Reporting partner"), "organization", 14, "partners"),
        Column("partner_ref", _l("Partner's own reference"), "text", 18),
        Column("iati_identifier", _l("IATI identifier"), "text", 24),
        Column("title_en", _l("Title"), "text", 50),
        Column("title_km", _l("Title in Khmer"), "text", 40),
        Column("description", _l("Description"), "long_text", 50),
        Column("description_km", _l("Description in Khmer"), "long_text", 50),
        Column("objectives", _l("Objectives"), "long_text", 40),
        Column("lead_national_partner", _l("Lead national partner"), "organization", 16, NATIONAL),
        Column("external_lead_partner", _l("External lead partner"), "organization", 16, PARTNERS),
        Column("status", _l("Status"), "choice", 24, "status"),
        Column("planned_start", _l("Planned start"), "date", 13),
        Column("planned_end", _l("Planned end"), "date", 13),
        Column("actual_start", _l("Actual start"), "date", 13),
        Column("actual_end", _l("Actual end"), "date", 13),
        Column("type_of_assistance", _l("Type of assistance"), "choice", 24, "assistance"),
        Column("modality", _l("Modality"), "choice", 26, "modality"),
        Column("finance_type", _l("Finance type"), "choice", 28, "finance_type"),
        Column("aid_type", _l("Aid type"), "choice", 32, "aid_type"),
        Column("flow_type", _l("Flow type"), "choice", 22, "flow_type"),
        Column("on_budget", _l("On budget"), "yes_no", 10, "yes_no"),
        Column(BUDGET_CODES, _l("Budget codes"), "text", 28),
        Column(BUDGET_VERSION, _l("Budget codes version (do not change)"), "integer", 12),
        Column("on_treasury", _l("On treasury"), "yes_no", 10, "yes_no"),
        Column("nationwide", _l("Nationwide"), "yes_no", 10, "yes_no"),
        Column("commitment_amount", _l("Commitment"), "decimal", 16),
        Column("commitment_currency", _l("Currency"), "choice", 10, "currency"),
        Column("commitment_date", _l("Date of agreement"), "date", 13),
        Column("contact_name", _l("Contact person"), "text", 20),
        Column("contact_email", _l("Contact email"), "text", 24),
        Column("contact_phone", _l("Contact phone"), "text", 16),
        Column("version", _l("Version (do not change)"), "integer", 10),
    ),
)
FUNDING = Sheet(
    "funding",
    _l("Yearly funding"),
    (
        PROJECT_REF,
        PROJECT_TITLE,
        Column("year", _l("Year"), "integer", 8, required=True),
        Column("kind", _l("Kind"), "choice", 26, "kind", required=True),
        Column("amount", _l("Amount"), "decimal", 16, required=True),
        Column("currency", _l("Currency"), "choice", 10, "currency", required=True),
    ),
)
LOCATIONS = Sheet(
    "locations",
    _l("Locations"),
    (
        PROJECT_REF,
        PROJECT_TITLE,
        Column("province", _l("Province"), "choice", 26, "province", required=True),
        Column("district", _l("District (optional)"), "choice", 30, "district"),
        Column("percentage", _l("Share (%)"), "decimal", 10, required=True),
    ),
)
SECTORS = Sheet(
    "sectors",
    _l("Sectors"),
    (
        PROJECT_REF,
        PROJECT_TITLE,
        Column("sector", _l("Sector"), "choice", 50, "sector", required=True),
        Column("percentage", _l("Share (%)"), "decimal", 10, required=True),
    ),
)
# Funding by source: who brings money besides the reporting partner, and each source's money
# by year (the reporting partner's disbursements stay on the Yearly funding sheet).
SOURCE_COLUMNS = (
    Column("source_kind", _l("Source kind"), "choice", 24, "source_kind", required=True),
    Column("organization", _l("Organization"), "organization", 16, ORGANIZATIONS),
    Column("in_kind", _l("In kind"), "yes_no", 10, "yes_no"),
)
SOURCES = Sheet("sources", _l("Funding sources"), (PROJECT_REF, PROJECT_TITLE, *SOURCE_COLUMNS))
SOURCE_AMOUNTS = Sheet(
    "source_amounts",
    _l("Money by source"),
    (
        PROJECT_REF,
        PROJECT_TITLE,
        *SOURCE_COLUMNS,
        Column("year", _l("Year"), "integer", 8, required=True),
        Column("kind", _l("Kind"), "choice", 28, "money_kind", required=True),
        Column("amount", _l("Amount"), "decimal", 16, required=True),
        Column("currency", _l("Currency"), "choice", 10, "currency", required=True),
    ),
)
LOANS = Sheet(
    "loans",
    _l("Loan terms"),
    (
        PROJECT_REF,
        PROJECT_TITLE,
        Column("commitment_date", _l("Commitment date"), "date", 13),
        Column("currency", _l("Currency"), "choice", 10, "currency"),
        Column("rate_type", _l("Interest rate type"), "choice", 16, "rate_type"),
        Column("interest_rate", _l("Interest rate (percent a year)"), "rate", 12),
        Column("reference_rate", _l("Reference of a variable rate"), "text", 22),
        Column("maturity_years", _l("Maturity (years)"), "decimal", 10),
        Column("grace_years", _l("Grace period (years)"), "decimal", 10),
        Column("repayment_type", _l("Repayment type"), "choice", 26, "repayment_type"),
        Column("repayment_plan", _l("Repayment frequency"), "choice", 18, "repayment_plan"),
        Column("first_repayment", _l("First repayment"), "date", 13),
        Column("final_repayment", _l("Final repayment"), "date", 13),
        Column("commitment_fee", _l("Commitment fee (percent a year)"), "rate", 12),
        Column("service_fee", _l("Service fee (percent, once)"), "rate", 12),
        Column("version", _l("Version (do not change)"), "integer", 10),
    ),
)
INDICATOR_REF = Column(
    "indicator", _l("Indicator (portal ID or its title)"), "project", 18, required=True
)
INDICATORS = Sheet(
    "indicators",
    _l("Result indicators"),
    (
        PROJECT_REF,
        PROJECT_TITLE,
        Column("result", _l("Result"), "text", 34, required=True),
        Column("result_type", _l("Result type"), "choice", 14, "result_type"),
        Column("indicator_id", _l("Indicator ID"), "integer", 10),
        Column("indicator_title", _l("Indicator"), "text", 40, required=True),
        Column("measure", _l("Measure"), "choice", 16, "measure"),
        Column("ascending", _l("Higher is better"), "yes_no", 10, "yes_no"),
        Column("description", _l("Description"), "long_text", 30),
        Column("baseline_year", _l("Baseline year"), "integer", 10),
        Column("baseline_value", _l("Baseline value"), "text", 14),
        Column("baseline_comment", _l("Baseline comment"), "text", 24),
        Column("version", _l("Version (do not change)"), "integer", 10),
    ),
)
INDICATOR_VALUES = Sheet(
    "indicator_values",
    _l("Indicator values"),
    (
        PROJECT_REF,
        INDICATOR_REF,
        Column("indicator_name", _l("Indicator title"), "text", 30, informational=True),
        Column("period_start", _l("Period start"), "date", 13, required=True),
        Column("period_end", _l("Period end"), "date", 13, required=True),
        Column("target_value", _l("Target"), "text", 14),
        Column("target_comment", _l("Target comment"), "text", 24),
        Column("actual_value", _l("Actual"), "text", 14),
        Column("actual_comment", _l("Actual comment"), "text", 24),
    ),
)
SHEETS = (
    PROJECTS,
    FUNDING,
    LOCATIONS,
    SECTORS,
    SOURCES,
    SOURCE_AMOUNTS,
    LOANS,
    INDICATORS,
    INDICATOR_VALUES,
)
LISTS_TITLE = _l("Lists")
README_TITLE = _l("Read me")

# The ProjectData field each organization column fills.
ORGANIZATION_FIELDS = {
    "reporting_org": "reporting_org_id",
    "lead_national_partner": "lead_national_partner_id",
    "external_lead_partner": "external_lead_partner_id",
}
YES_NO = {"yes": _l("Yes"), "no": _l("No")}
# The heading of each list on the Lists sheet.
LIST_TITLES = {
    "status": _l("Status"),
    "assistance": _l("Type of assistance"),
    "modality": _l("Modality"),
    "finance_type": _l("Finance type"),
    "aid_type": _l("Aid type"),
    "flow_type": _l("Flow type"),
    "kind": _l("Kind"),
    "source_kind": _l("Source kind"),
    "money_kind": _l("Kind of money"),
    "rate_type": _l("Interest rate type"),
    "repayment_type": _l("Repayment type"),
    "repayment_plan": _l("Repayment frequency"),
    "result_type": _l("Result type"),
    "measure": _l("Measure"),
    "yes_no": _l("Yes or no"),
    "currency": _l("Currency"),
    NATIONAL: _l("National organizations"),
    PARTNERS: _l("Development partners"),
    ORGANIZATIONS: _l("Organizations"),
    "province": _l("Province"),
    "district": _l("District"),
    "sector": _l("Sector"),
}


def names_in_every_language(label, key: str) -> set[str]:
    """The texts a header (or sheet title) may have: its key and its label in each language."""
    names = {key.casefold(), str(label).casefold()}
    for locale in ("en", "km"):
        with force_locale(locale):
            names.add(str(label).casefold())
    return names


def _coded(table: dict) -> list[tuple[str, str]]:
    return [(code, f"{code}{SEPARATOR}{label}") for code, label in table.items()]


def choice_lists() -> dict[str, list[tuple[str, str]]]:
    """Every list of allowed values: name -> [(code, value shown in the drop-down)]."""
    organizations = list(
        db.session.scalars(
            select(Organization).where(Organization.active).order_by(Organization.acronym)
        )
    )
    sectors = db.session.scalars(select(Sector).where(~Sector.withdrawn).order_by(Sector.code))
    provinces = db.session.scalars(select(Province).order_by(Province.code))
    districts = db.session.scalars(select(District).order_by(District.code))
    return {
        "status": _coded(codes.ACTIVITY_STATUS),
        "assistance": _coded(codes.TYPE_OF_ASSISTANCE),
        "modality": _coded(codes.MODALITY),
        "finance_type": _coded(codes.FINANCE_TYPE),
        "aid_type": _coded(codes.AID_TYPE),
        "flow_type": _coded(codes.FLOW_TYPE),
        "kind": _coded(codes.FUNDING_KIND),
        "source_kind": _coded(SOURCE_KIND),
        "money_kind": _coded(MONEY_KIND),
        "rate_type": _coded(RATE_TYPES),
        "repayment_type": _coded(REPAYMENT_TYPES),
        "repayment_plan": _coded(REPAYMENT_PLANS),
        "result_type": _coded(RESULT_TYPES),
        "measure": _coded(MEASURES),
        "yes_no": [(code, str(label)) for code, label in YES_NO.items()],
        "currency": [(code, code) for code in active_currency_codes()],
        NATIONAL: [(o.acronym, o.acronym) for o in organizations if o.kind in NATIONAL_KINDS],
        PARTNERS: [(o.acronym, o.acronym) for o in organizations if o.kind not in NATIONAL_KINDS],
        ORGANIZATIONS: [(o.acronym, o.acronym) for o in organizations],
        "province": [(p.code, f"{p.code}{SEPARATOR}{p.name_en}") for p in provinces],
        "district": [(d.code, f"{d.code}{SEPARATOR}{d.name_en}") for d in districts],
        "sector": [(s.code, f"{s.code}{SEPARATOR}{s.name_en}") for s in sectors],
    }


def shown(lists: dict, name: str, code) -> str | None:
    """The drop-down value of `code` in list `name` (the code itself if it is not listed)."""
    if code is None or code == "":
        return None
    return dict(lists[name]).get(code, code)
