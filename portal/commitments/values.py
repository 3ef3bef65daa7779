"""The actual value of each period of a commitment, and where it comes from.

For an indicator linked to a portal measure the value of a period is, in this order:
CDC's override (kept as typed, with its reason); else the value computed from the data when
the page is drawn; else the value the lead typed in its report (a period the data do not cover).
For any other indicator it is the value of the lead's report.

Computed on read, not stored: a project's change (on budget, a disbursement, a confirmation)
shows in the indicator on the next page, whichever of the many ways the project was changed
(form, IATI import, batch, round, merge), without each of them having to trigger a recompute.
The price is a handful of grouped queries per linked commitment per page, which stays small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.audit.services import record
from portal.commitments import measures, periods
from portal.commitments.models import Commitment, ProgressReport, ValueOverride
from portal.commitments.services import CommitmentInvalid, collector
from portal.db import utcnow
from portal.extensions import db

COMPUTED, OVERRIDDEN, REPORTED = "computed", "overridden", "reported"


@dataclass
class Actual:
    """The value of one period and its source."""

    period: str
    value: Decimal | None
    source: str
    figure: measures.Figure | None = None  # what the data give (also under an override)
    override: ValueOverride | None = None
    report: ProgressReport | None = None
    on: date | None = None  # the day it was computed


def public_reader() -> bool:
    """Whether the page is drawn for the public (computed over published projects only)."""
    return has_request_context() and not getattr(current_user, "is_authenticated", False)


def measure_of(commitment: Commitment) -> measures.Measure | None:
    """The measure the indicator is linked to, or None."""
    return measures.MEASURES.get(commitment.measure or "")


def scope_of(commitment: Commitment, published_only: bool) -> measures.Scope:
    """The projects the commitment's measure is computed over."""
    return measures.Scope(
        organization_id=commitment.measure_organization_id,
        sector=commitment.measure_sector or None,
        published_only=published_only,
    )


def actuals(
    commitment: Commitment, *, published_only: bool | None = None, today: date | None = None
) -> dict[str, Actual]:
    """Every period that has a value, by period code (computed over the published projects
    for the public, over all projects for everyone else, unless told)."""
    today = today or date.today()
    if published_only is None:
        published_only = public_reader()
    found: dict[str, Actual] = {
        r.period: Actual(r.period, r.actual_value, REPORTED, report=r) for r in commitment.reports
    }
    measure = measure_of(commitment)
    if measure is None:
        return found
    scope = scope_of(commitment, published_only)
    for point in commitment.points:
        period = periods.parse(point.period)
        if period.start > today:
            continue
        figure = measure.compute(scope, period, today)
        override = commitment.override_for(point.period)
        report = commitment.report_for(point.period)
        if override is not None:
            value, source = override.value, OVERRIDDEN
        elif figure.value is not None:
            value, source = figure.value, COMPUTED
        elif report is not None:
            value, source = report.actual_value, REPORTED
        else:
            value, source = None, COMPUTED
        found[point.period] = Actual(
            point.period, value, source, figure, override, report, on=today
        )
    return found


def with_value(found: dict[str, Actual]) -> dict[str, Actual]:
    """The periods that have a value."""
    return {k: a for k, a in found.items() if a.value is not None}


def latest(found: dict[str, Actual]) -> Actual | None:
    """The latest period with a value."""
    valued = sorted(with_value(found).values(), key=lambda a: periods.sort_key(a.period))
    return valued[-1] if valued else None


def check_override(commitment: Commitment, period: str, value: Decimal | None, reason: str) -> None:
    """Check an override; raise CommitmentInvalid (value, reason) when a rule refuses it."""
    errors, err = collector()
    if measure_of(commitment) is None:
        err("value", _l("This indicator is not computed by the portal: the lead reports it."))
    if commitment.planned_for(period) is None:
        err("value", _l("%(period)s is not a period of the trajectory.", period=period))
    if value is None:
        err("value", _l("Enter the value, in %(unit)s.", unit=commitment.unit))
    if not (reason or "").strip():
        err("reason", _l("Say why the computed value is overridden."))
    if errors:
        raise CommitmentInvalid(errors)


def set_override(
    commitment: Commitment, period: str, value: Decimal | None, reason: str, *, actor
) -> ValueOverride:
    """Replace the computed value of `period` by CDC's (views check CDC; a reason is required)."""
    check_override(commitment, period, value, reason)
    assert value is not None
    override = commitment.override_for(period)
    before = override.value if override is not None else None
    if override is None:
        override = ValueOverride(commitment=commitment, period=period, value=value, reason="")
        db.session.add(override)
    override.value = value
    override.reason = reason.strip()
    override.by_id = actor.id
    override.at = utcnow()
    db.session.flush()
    record(
        "commitment.value_overridden",
        user=actor,
        obj=commitment,
        period=period,
        value=str(value),
        before=str(before) if before is not None else None,
        reason=override.reason,
    )
    return override


def clear_override(commitment: Commitment, period: str, *, actor) -> bool:
    """Go back to the computed value of `period` (CDC); say whether there was an override."""
    override = commitment.override_for(period)
    if override is None:
        return False
    value, reason = override.value, override.reason
    commitment.overrides.remove(override)
    db.session.flush()
    record(
        "commitment.override_removed",
        user=actor,
        obj=commitment,
        period=period,
        value=str(value),
        reason=reason,
    )
    return True


def sector_of(commitment: Commitment):
    """The sector or sector category the measure is limited to, or None."""
    from portal.reference.models import Sector, SectorCategory

    code = commitment.measure_sector or ""
    model = SectorCategory if len(code) == 3 else Sector
    return db.session.get(model, code) if code else None
