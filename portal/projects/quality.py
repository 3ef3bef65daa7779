"""Data quality: findings on a project and a 0-100 completeness score.

The score is the share of mandatory fields filled in (0-100), less 10 points for each
consistency finding (percentages, money against the commitment, dates, status, staleness),
never below 0. The definition is shown to users on the quality page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.projects import codes

STALE_AFTER = timedelta(days=365)
CONSISTENCY_PENALTY = 10

MANDATORY = {
    "title_en": _l("Title"),
    "description": _l("Description"),
    "lead_national_partner": _l("Lead national partner"),
    "status": _l("Status"),
    "planned_start": _l("Planned start"),
    "planned_end": _l("Planned end"),
    "sectors": _l("Sectors"),
    "locations": _l("Locations (or nationwide)"),
    "commitment": _l("Total commitment"),
    "commitment_date": _l("Date of agreement"),
    "type_of_assistance": _l("Type of assistance"),
    "modality": _l("Modality"),
    "twg": _l("Technical Working Group"),
    "contact": _l("Contact person"),
}

FINDING_TEXT = {
    "missing": _l("Missing: %(field)s"),
    "sector_sum": _l("Sector percentages add up to %(total)s%%, not 100%%."),
    "location_sum": _l("Location percentages add up to %(total)s%%, not 100%%."),
    "over_commitment": _l(
        "Disbursements (%(disbursed)s USD) exceed the commitment (%(committed)s USD)."
    ),
    "after_end": _l("Disbursements are recorded in %(year)s, after the project ended (%(end)s)."),
    "status_dates": _l("The status (%(status)s) does not fit the dates: %(reason)s"),
    "stale": _l("Not updated for more than 12 months (last update %(date)s)."),
}

STATUS_REASONS = {
    "pipeline_started": _l("it has an actual start in the past"),
    "closed_without_end": _l("it has no actual end date"),
    "running_after_end": _l("its end date passed more than a year ago"),
    "not_started": _l("its start date is in the future"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    params: dict

    def text(self) -> str:
        """Say the finding in the interface language (labels are translated when shown)."""
        params = dict(self.params)
        if self.code == "missing":
            params["field"] = MANDATORY.get(params["field"], params["field"])
        elif self.code == "status_dates":
            params["status"] = codes.ACTIVITY_STATUS.get(params["status"], params["status"])
            params["reason"] = STATUS_REASONS.get(params["reason"], params["reason"])
        return str(FINDING_TEXT[self.code] % {k: str(v) for k, v in params.items()})

    def as_json(self) -> dict:
        return {"code": self.code, "params": {k: str(v) for k, v in self.params.items()}}


def _filled(project) -> dict[str, bool]:
    return {
        "title_en": bool(project.title_en),
        "description": bool(project.description),
        "lead_national_partner": project.lead_national_partner_id is not None,
        "status": bool(project.status),
        "planned_start": project.planned_start is not None,
        "planned_end": project.planned_end is not None,
        "sectors": bool(project.sectors),
        "locations": bool(project.locations) or project.nationwide,
        "commitment": project.commitment_amount is not None,
        "commitment_date": project.commitment_date is not None,
        "type_of_assistance": bool(project.type_of_assistance),
        "modality": bool(project.modality),
        "twg": project.twg_id is not None,
        "contact": bool(project.contact_name or project.contact_email),
    }


def _status_problem(project, today: date) -> str | None:
    start = project.actual_start or project.planned_start
    end = project.actual_end or project.planned_end
    if project.status == codes.PIPELINE and project.actual_start and project.actual_start <= today:
        return "pipeline_started"
    if project.status in (codes.FINALISATION, codes.CLOSED) and project.actual_end is None:
        return "closed_without_end"
    if project.status == codes.IMPLEMENTATION:
        if end and end < today - timedelta(days=365):
            return "running_after_end"
        if start and start > today:
            return "not_started"
    return None


def assess(project, today: date | None = None, *, include_staleness: bool = True):
    """Return (score, findings) for `project` as of `today`."""
    today = today or date.today()
    findings: list[Finding] = []
    filled = _filled(project)
    for field, present in filled.items():
        if not present:
            findings.append(Finding("missing", {"field": field}))
    consistency = 0
    if project.sectors:
        total = sum((s.percentage for s in project.sectors), Decimal(0))
        if abs(total - 100) > Decimal("0.01"):
            findings.append(Finding("sector_sum", {"total": f"{total:g}"}))
            consistency += 1
    if project.locations:
        total = sum((loc.percentage for loc in project.locations), Decimal(0))
        if abs(total - 100) > Decimal("0.01"):
            findings.append(Finding("location_sum", {"total": f"{total:g}"}))
            consistency += 1
    disbursed = sum((f.amount_usd for f in project.funding if f.kind == "disbursement"), Decimal(0))
    if project.commitment_usd is not None and disbursed > project.commitment_usd:
        findings.append(
            Finding(
                "over_commitment",
                {"disbursed": f"{disbursed:,.2f}", "committed": f"{project.commitment_usd:,.2f}"},
            )
        )
        consistency += 1
    end = project.actual_end or project.planned_end
    if end:
        late_years = sorted(
            {f.year for f in project.funding if f.kind == "disbursement" and f.year > end.year}
        )
        if late_years:
            findings.append(Finding("after_end", {"year": late_years[0], "end": end.isoformat()}))
            consistency += 1
    problem = _status_problem(project, today)
    if problem:
        findings.append(Finding("status_dates", {"status": project.status, "reason": problem}))
        consistency += 1
    if include_staleness and project.updated_at is not None:
        updated = project.updated_at
        if updated.tzinfo is None:
            updated = updated.replace(tzinfo=UTC)
        if updated < datetime.now(UTC) - STALE_AFTER:
            findings.append(Finding("stale", {"date": updated.date().isoformat()}))
            consistency += 1
    completeness = round(100 * sum(filled.values()) / len(filled))
    score = max(0, completeness - CONSISTENCY_PENALTY * consistency)
    return score, findings


def is_stale(updated_at: datetime | None) -> bool:
    if updated_at is None:
        return False
    if updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=UTC)
    return updated_at < datetime.now(UTC) - STALE_AFTER


def effective_score(score: int | None, updated_at: datetime | None) -> int:
    """A project's score as every page counts it: the stored score (0 when none), less the
    penalty when it has not been updated for 12 months (staleness grows without a save)."""
    return max(0, (score or 0) - (CONSISTENCY_PENALTY if is_stale(updated_at) else 0))


def stored_findings(project) -> list[Finding]:
    """The findings saved with the project, plus staleness as of now."""
    findings = [Finding(item["code"], item["params"]) for item in project.quality_findings or []]
    if is_stale(project.updated_at):
        findings.append(Finding("stale", {"date": project.updated_at.date().isoformat()}))
    return findings


def current_score(project) -> int:
    """The saved score, less the staleness penalty when the project has gone stale."""
    penalty = CONSISTENCY_PENALTY if is_stale(project.updated_at) else 0
    return max(0, (project.quality_score or 0) - penalty)
