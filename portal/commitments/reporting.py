"""Progress reports with evidence, the parties' assessments of them, and bottlenecks.

Services flush and never commit; the view commits once (and discards stored files if the
commit fails). Errors are keyed by form field name, like the commitment services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.accounts.models import Role
from portal.audit.services import record
from portal.commitments import codes, periods, uploads, values
from portal.commitments.models import (
    Bottleneck,
    Commitment,
    EvidenceFile,
    ProgressReport,
    RatingAssessment,
)
from portal.commitments.services import CommitmentInvalid, collector
from portal.db import utcnow
from portal.extensions import db


@dataclass
class ReportData:
    period: str
    actual_value: Decimal | None
    narrative: str
    self_rating: str


def _by_cdc(actor, organization_id: int | None) -> bool:
    """CDC acting for another organization (it is recorded as such)."""
    return getattr(actor, "role", None) is Role.CDC and actor.organization_id != organization_id


def _period_list(commitment: Commitment) -> str:
    return ", ".join(p.period for p in commitment.points)


def from_data(commitment: Commitment, period: str) -> Decimal | None:
    """The value the portal has for `period` of a computed indicator (computed or CDC's), or
    None: the report then records it, and the lead types no value."""
    if values.measure_of(commitment) is None:
        return None
    found = values.actuals(commitment, published_only=False).get(period)
    if found is None or found.source == values.REPORTED:
        return None
    return found.value


def check_report(
    commitment: Commitment,
    data: ReportData,
    files: list[uploads.Upload],
    today: date | None = None,
) -> list[uploads.CheckedFile]:
    """Check a report and its files; return the accepted files or raise CommitmentInvalid."""
    today = today or date.today()
    errors, err = collector()
    period = (data.period or "").strip().upper()
    if not period:
        err("period", _l("Choose the period the report covers."))
    elif commitment.planned_for(period) is None:
        err(
            "period",
            _l(
                "%(period)s is not a period of this commitment's trajectory. Report for one "
                "of: %(periods)s.",
                period=period,
                periods=_period_list(commitment),
            ),
        )
    elif commitment.report_for(period) is not None:
        err("period", _l("A report for %(period)s already exists.", period=period))
    elif periods.parse(period).start > today:
        err("period", _l("%(period)s has not started yet.", period=period))
    if data.actual_value is None and (not period or from_data(commitment, period) is None):
        err("actual_value", _l("Enter the actual value, in %(unit)s.", unit=commitment.unit))
    if not (data.narrative or "").strip():
        err("narrative", _l("Say in a few sentences what happened in the period."))
    if data.self_rating not in codes.RATINGS:
        err("self_rating", _l("Rate the progress: on track, some risk, off track or achieved."))
    checked, problems = [], []
    files = [f for f in files if f.filename or f.data]
    if len(files) > uploads.MAX_FILES:
        problems.append(str(_l("Attach at most %(n)s files.", n=uploads.MAX_FILES)))
    for upload in files:
        try:
            checked.append(uploads.check(upload))
        except ValueError as refused:
            problems.append(str(refused))
    if problems:
        err("evidence", " ".join(problems))
    if errors:
        raise CommitmentInvalid(errors)
    return checked


def submit_report(
    commitment: Commitment, data: ReportData, files: list[uploads.Upload], *, actor
) -> ProgressReport:
    """Record the lead's report for a period, with its evidence (the lead's users or CDC)."""
    checked = check_report(commitment, data, files)
    period = data.period.strip().upper()
    measured = from_data(commitment, period)
    report = ProgressReport(
        commitment=commitment,
        period=period,
        # A computed indicator's report keeps the value the portal had when the lead rated it.
        actual_value=measured if measured is not None else data.actual_value,
        narrative=data.narrative.strip(),
        self_rating=data.self_rating,
        reported_by_id=actor.id,
        on_behalf_of_id=commitment.lead_institution_id,
        by_cdc=_by_cdc(actor, commitment.lead_institution_id),
    )
    db.session.add(report)
    db.session.flush()  # a clash on the period shows here, before any file is written
    stored: list[str] = []
    try:
        for item in checked:
            stored.append(uploads.store(item))
            report.evidence.append(
                EvidenceFile(
                    original_name=item.original_name,
                    stored_name=stored[-1],
                    content_type=item.content_type,
                    size_bytes=item.size,
                    sha256=item.sha256,
                    uploaded_by_id=actor.id,
                )
            )
        db.session.flush()
        record(
            "commitment.reported",
            user=actor,
            obj=commitment,
            period=report.period,
            on_behalf_of=commitment.lead_institution.acronym if report.by_cdc else None,
        )
    except Exception:
        uploads.discard(stored)  # the report is not saved (a full disk?): keep none of its files
        raise
    return report


def assess(
    report: ProgressReport, *, organization_id: int | None, agrees: bool | None, comment: str, actor
) -> RatingAssessment:
    """Record a party's agreement or disagreement with a self-rating (its users or CDC)."""
    errors, err = collector()
    commitment = report.commitment
    allowed = {o.id for o in commitment.assessing_organizations}
    if organization_id not in allowed:
        err("organization_id", _l("Choose the party whose view this is."))
    if agrees is None:
        err("agrees", _l("Say whether you agree or disagree with the rating."))
    elif not agrees and not (comment or "").strip():
        err("comment", _l("Say why you disagree, so the lead can answer."))
    if errors:
        raise CommitmentInvalid(errors)
    assessment = RatingAssessment(
        report=report,
        organization_id=organization_id,
        user_id=actor.id,
        agrees=agrees,
        comment=(comment or "").strip() or None,
        by_cdc=_by_cdc(actor, organization_id),
        at=utcnow(),
    )
    db.session.add(assessment)
    db.session.flush()
    record(
        "commitment.assessed",
        user=actor,
        obj=commitment,
        period=report.period,
        agrees=agrees,
        organization_id=organization_id,
    )
    return assessment


@dataclass
class BottleneckData:
    title: str
    owner_id: int | None
    action: str
    due_date: date | None


def add_bottleneck(commitment: Commitment, data: BottleneckData, *, actor) -> Bottleneck:
    """Name an obstacle, its owner (a party), the action and its due date."""
    errors, err = collector()
    if not (data.title or "").strip():
        err("title", _l("Name the bottleneck."))
    if data.owner_id not in commitment.party_ids:
        err("owner_id", _l("Choose the party that owns the bottleneck."))
    if not (data.action or "").strip():
        err("action", _l("Say what will be done about it."))
    if data.due_date is None:
        err("due_date", _l("Give the date the action is due."))
    if errors:
        raise CommitmentInvalid(errors)
    bottleneck = Bottleneck(
        commitment=commitment,
        title=data.title.strip()[:255],
        owner_id=data.owner_id,
        action=data.action.strip(),
        due_date=data.due_date,
        created_by_id=actor.id,
    )
    db.session.add(bottleneck)
    db.session.flush()
    record("commitment.bottleneck_added", user=actor, obj=commitment, bottleneck=bottleneck.id)
    return bottleneck


def resolve_bottleneck(bottleneck: Bottleneck, resolution: str, *, actor) -> None:
    """Close an open bottleneck, saying how it was resolved."""
    if not bottleneck.is_open:
        raise CommitmentInvalid({"resolution": str(_l("This bottleneck is already resolved."))})
    if not (resolution or "").strip():
        raise CommitmentInvalid({"resolution": str(_l("Say how the bottleneck was resolved."))})
    bottleneck.resolved_at = utcnow()
    bottleneck.resolved_by_id = actor.id
    bottleneck.resolution = resolution.strip()
    db.session.flush()
    record(
        "commitment.bottleneck_resolved",
        user=actor,
        obj=bottleneck.commitment,
        bottleneck=bottleneck.id,
    )
