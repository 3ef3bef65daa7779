"""Commitment use cases: check and save a commitment with its parties and trajectory.

Services flush and never commit; the view commits once. Errors are keyed by form field name
(rows as 'trajectory-0-period'), so views place each message beside its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit.services import record
from portal.commitments import codes, periods
from portal.commitments.measures import MEASURES
from portal.commitments.models import Commitment, CommitmentParty, TrajectoryPoint
from portal.extensions import db
from portal.organizations.models import Organization
from portal.reference.models import Sector, SectorCategory, TechnicalWorkingGroup


class CommitmentInvalid(ValueError):
    """The data breaks one or more rules; `errors` maps form field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class PartyData:
    organization_id: int | None
    role: str


@dataclass
class PlannedValue:
    period: str
    planned_value: Decimal | None


@dataclass
class CommitmentData:
    """What a commitment holds, from the form or the demo; checked by save_commitment."""

    title_en: str
    principle: str
    lead_institution_id: int | None
    indicator_definition: str
    unit: str
    baseline_value: Decimal | None
    baseline_year: int | None
    target_value: Decimal | None
    target_date: date | None
    period_kind: str = "semester"
    title_km: str | None = None
    twg_id: int | None = None
    parties: list[PartyData] = field(default_factory=list)
    trajectory: list[PlannedValue] = field(default_factory=list)
    public: bool | None = None  # None keeps what the commitment has (a new one is not public)
    # The portal measure the indicator is linked to (measures.MEASURES), and its scope.
    measure: str | None = None
    measure_organization_id: int | None = None
    measure_sector: str | None = None


def collector():
    """Return an empty error map and a function that adds the first message for a field."""
    errors: dict[str, str] = {}

    def err(name: str, message) -> None:
        errors.setdefault(name, str(message))

    return errors, err


def validate(data: CommitmentData, commitment: Commitment | None = None) -> None:
    """Check every rule of a commitment; raise CommitmentInvalid listing all that fail."""
    errors, err = collector()
    if not (data.title_en or "").strip():
        err("title_en", _l("Give the commitment a title."))
    if data.principle not in codes.PRINCIPLES:
        err("principle", _l("Choose the partnership principle the commitment serves."))
    lead = (
        db.session.get(Organization, data.lead_institution_id) if data.lead_institution_id else None
    )
    if lead is None:
        err("lead_institution_id", _l("Choose the accountable lead institution."))
    elif not lead.is_national:
        err(
            "lead_institution_id",
            _l(
                "%(org)s is not a national institution. The accountable lead is always national.",
                org=lead.acronym,
            ),
        )
    if data.twg_id is not None and db.session.get(TechnicalWorkingGroup, data.twg_id) is None:
        err("twg_id", _l("Choose a Technical Working Group from the list."))
    if not (data.indicator_definition or "").strip():
        err("indicator_definition", _l("Define the indicator: what is counted, and how."))
    if not (data.unit or "").strip():
        err("unit", _l("Give the unit (for example %, provinces, days)."))
    _validate_indicator(data, err)
    _validate_measure(data, err)
    _validate_parties(data, err)
    _validate_trajectory(data, commitment, err)
    if errors:
        raise CommitmentInvalid(errors)


def _validate_indicator(data: CommitmentData, err) -> None:
    if data.baseline_value is None:
        err("baseline_value", _l("Enter the baseline value."))
    if data.baseline_year is None or not (1990 <= data.baseline_year <= 2100):
        err("baseline_year", _l("Give the baseline year, between 1990 and 2100."))
    if data.target_value is None:
        err("target_value", _l("Enter the target value."))
    elif data.baseline_value is not None and data.target_value == data.baseline_value:
        err("target_value", _l("The target must differ from the baseline."))
    if data.target_date is None:
        err("target_date", _l("Give the date by which the target is to be reached."))
    elif data.baseline_year and data.target_date.year < data.baseline_year:
        err("target_date", _l("The target date is before the baseline year."))
    if data.period_kind not in codes.PERIOD_KINDS:
        err("period_kind", _l("Choose quarters or semesters."))


def _validate_measure(data: CommitmentData, err) -> None:
    if not data.measure:
        if data.measure_organization_id or data.measure_sector:
            err("measure", _l("Choose the measure the scope applies to, or clear the scope."))
        return
    measure = MEASURES.get(data.measure)
    if measure is None:
        err("measure", _l("Choose a measure from the list."))
        return
    if (data.unit or "").strip() != measure.unit:
        err("unit", _l("A computed indicator is in %(unit)s, as its measure.", unit=measure.unit))
    if data.measure_organization_id is not None and (
        db.session.get(Organization, data.measure_organization_id) is None
    ):
        err("measure_organization_id", _l("Choose an organization from the list."))
    code = (data.measure_sector or "").strip()
    if code and not (
        (len(code) == 3 and db.session.get(SectorCategory, code) is not None)
        or (len(code) == 5 and db.session.get(Sector, code) is not None)
    ):
        err(
            "measure_sector",
            _l("Give a DAC sector code (5 digits) or sector category (3 digits) the portal has."),
        )


def _validate_parties(data: CommitmentData, err) -> None:
    ids = {p.organization_id for p in data.parties if p.organization_id}
    found = {
        o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(ids)))
    }
    seen = set()
    for i, party in enumerate(data.parties):
        name = f"parties-{i}-organization_id"
        org = found.get(party.organization_id) if party.organization_id is not None else None
        if party.role not in codes.PARTY_ROLES:
            err(f"parties-{i}-role", _l("Choose a role."))
        if org is None:
            err(name, _l("Choose an organization."))
            continue
        if org.id == data.lead_institution_id:
            err(name, _l("%(org)s is already the lead institution.", org=org.acronym))
        elif org.id in seen:
            err(name, _l("This organization is listed twice."))
        elif party.role == codes.CO_RESPONSIBLE and not org.is_national:
            err(
                name,
                _l(
                    "%(org)s is a development partner: list it as a supporting partner.",
                    org=org.acronym,
                ),
            )
        elif party.role == codes.SUPPORTING and org.is_national:
            err(
                name,
                _l(
                    "%(org)s is a national institution: list it as co-responsible.",
                    org=org.acronym,
                ),
            )
        seen.add(org.id)


def _validate_trajectory(data: CommitmentData, commitment: Commitment | None, err) -> None:
    if not data.trajectory:
        err("trajectory", _l("Plan at least one value: a period and the value expected by then."))
        return
    kind = data.period_kind if data.period_kind in codes.PERIOD_KINDS else None
    low = high = None
    if data.baseline_value is not None and data.target_value is not None:
        low, high = sorted((data.baseline_value, data.target_value))
    seen = set()
    example = "2025-Q1" if kind == "quarter" else "2025-S1"
    for i, row in enumerate(data.trajectory):
        prefix = f"trajectory-{i}-"
        try:
            period = periods.parse(row.period, kind)
        except ValueError:
            err(
                prefix + "period",
                _l(
                    "Write the period as %(example)s, matching the reporting periods chosen.",
                    example=example,
                ),
            )
            period = None
        if period is not None:
            if period.code in seen:
                err(prefix + "period", _l("This period is listed twice."))
            seen.add(period.code)
            if data.baseline_year and period.year < data.baseline_year:
                err(prefix + "period", _l("This period is before the baseline year."))
            elif data.target_date and period.start > data.target_date:
                err(prefix + "period", _l("This period starts after the target date."))
        if row.planned_value is None:
            err(prefix + "planned_value", _l("Enter the value planned for this period."))
        elif low is not None and high is not None and not (low <= row.planned_value <= high):
            err(
                prefix + "planned_value",
                _l("A planned value lies between the baseline and the target."),
            )
    if commitment is not None:
        for report in commitment.reports:
            if report.period not in seen:
                err(
                    "trajectory",
                    _l(
                        "A progress report exists for %(period)s: keep that period in the "
                        "trajectory.",
                        period=report.period,
                    ),
                )


def _normalised_period(text: str, kind: str) -> str:
    return periods.parse(text, kind).code


def save_commitment(
    data: CommitmentData, *, actor, commitment: Commitment | None = None
) -> Commitment:
    """Create or update a commitment after checking every rule (CDC only, checked by views)."""
    validate(data, commitment)
    if (
        data.lead_institution_id is None
        or data.baseline_value is None
        or data.baseline_year is None
        or data.target_value is None
        or data.target_date is None
    ):
        raise AssertionError("validate() lets no commitment through without these values")
    creating = commitment is None
    linked_before = None if commitment is None else _link_of(commitment)
    if commitment is None:
        commitment = Commitment(created_by_id=getattr(actor, "id", None))
        db.session.add(commitment)
    else:
        commitment.parties.clear()
        commitment.trajectory.clear()
        db.session.flush()
    commitment.title_en = data.title_en.strip()
    commitment.title_km = (data.title_km or "").strip() or None
    commitment.principle = data.principle
    commitment.lead_institution_id = data.lead_institution_id
    commitment.twg_id = data.twg_id
    commitment.indicator_definition = data.indicator_definition.strip()
    commitment.unit = data.unit.strip()
    commitment.baseline_value = data.baseline_value
    commitment.baseline_year = data.baseline_year
    commitment.target_value = data.target_value
    commitment.target_date = data.target_date
    commitment.period_kind = data.period_kind
    commitment.measure = data.measure or None
    commitment.measure_organization_id = data.measure_organization_id if data.measure else None
    commitment.measure_sector = (
        (data.measure_sector or "").strip() or None if data.measure else None
    )
    commitment.updated_by_id = getattr(actor, "id", None)
    commitment.parties = [
        CommitmentParty(organization_id=p.organization_id, role=p.role) for p in data.parties
    ]
    commitment.trajectory = [
        TrajectoryPoint(
            period=_normalised_period(row.period, data.period_kind),
            planned_value=row.planned_value,
        )
        for row in data.trajectory
    ]
    db.session.flush()
    record("commitment.created" if creating else "commitment.updated", user=actor, obj=commitment)
    if _link_of(commitment) != linked_before and (commitment.measure or linked_before):
        measure, organization_id, sector = _link_of(commitment)
        record(
            "commitment.measure_linked",
            user=actor,
            obj=commitment,
            measure=measure,
            organization_id=organization_id,
            sector=sector,
        )
    if data.public is not None:
        set_public(commitment, data.public, actor=actor)
    return commitment


def _link_of(commitment: Commitment) -> tuple[str | None, int | None, str | None]:
    return commitment.measure, commitment.measure_organization_id, commitment.measure_sector


def set_public(commitment: Commitment, public: bool, *, actor) -> bool:
    """Show the commitment to the public, or stop showing it (CDC); say whether it changed."""
    if bool(commitment.public) == public:
        return False
    commitment.public = public
    db.session.flush()
    record(
        "commitment.made_public" if public else "commitment.made_internal",
        user=actor,
        obj=commitment,
    )
    return True
