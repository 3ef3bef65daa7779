"""Data quality: a 0-100 score made of stated checks, and the findings that explain it.

Each check is worth a number of points (CHECKS, 100 in all). A project earns a check's points in
proportion to how far it meets it: the money of a project running six years with two past
years unreported earns two thirds of the disbursement check. Each finding says what the project
lacks and carries the points it costs, so the score is 100 less the points of its findings. The
checks that matter most to CDC (money by year, the ministry's confirmation, an update in the
last 12 months) weigh most; fields that almost every record has weigh little. The Data quality
page lists the checks with their points, the project page what the project earned on each.

The score is stored with the project whenever it is saved or moves in the workflow. Whether the
project was updated in the last 12 months is judged when the score is shown (time passes
without a save): `effective_score`, `current_score` and `stored_findings` take it off then.
`rescore` computes the stored scores again, after a change of these rules or when a new year
asks for the disbursements of the year just ended.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from portal.extensions import db
from portal.projects import codes
from portal.projects.models import Project
from portal.projects.sources import FundingSource

STALE_AFTER = timedelta(days=365)


@dataclass(frozen=True)
class Check:
    key: str
    points: int
    label: object  # what the project must have
    credit: object  # how a part of the points is earned
    heading: object  # its column in the partners' table (projects losing points on it)


CHECKS = (
    Check(
        "past_disbursements",
        24,
        _l("Actual disbursements reported for every past year of the project"),
        _l(
            "In proportion to the years from the start to last year that have an actual "
            "disbursement; none without a start and an end date. Asked of projects that have "
            "started, not of cancelled ones."
        ),
        _l("Past disbursements"),
    ),
    Check(
        "years_ahead",
        9,
        _l("Money for this year and every year to the end"),
        _l(
            "In proportion to the years from this year to the end that have a planned or actual "
            "amount; none without a start and an end date. Asked of projects in the pipeline or "
            "in implementation."
        ),
        _l("Years ahead"),
    ),
    Check(
        "updated",
        20,
        _l("Updated in the last 12 months"),
        _l("All or nothing, judged on the day the score is shown."),
        _l("Update"),
    ),
    Check(
        "confirmed",
        12,
        _l("Confirmed by the lead ministry, with its alignment to the national strategy"),
        _l(
            "Half while the project waits for the ministry (submitted, or to be confirmed again "
            "after a change); none for a draft or a returned project."
        ),
        _l("Confirmation"),
    ),
    Check(
        "documents",
        8,
        _l("At least one document (agreement, appraisal, report)"),
        _l("All or nothing."),
        _l("Documents"),
    ),
    Check(
        "sectors",
        6,
        _l("Sectors, with percentages adding up to 100"),
        _l("Half when the percentages do not add up to 100."),
        _l("Sectors"),
    ),
    Check(
        "locations",
        6,
        _l("Locations (or nationwide), with percentages adding up to 100"),
        _l("Half when the percentages do not add up to 100."),
        _l("Locations"),
    ),
    Check(
        "commitment",
        4,
        _l("Total commitment and date of agreement"),
        _l("Half for each."),
        _l("Commitment"),
    ),
    Check(
        "consistent",
        6,
        _l("Status, dates and money agree"),
        _l(
            "A third lost for each problem, up to all of them: a status that does not fit the "
            "dates, disbursements after the end, disbursements above the commitment, a year "
            "whose money adds up to less than zero, amounts waiting for an exchange rate, a "
            "loan without its terms (interest, maturity, grace period, repayment), commitments "
            "signed by year above the total commitment."
        ),
        _l("Consistency"),
    ),
    Check(
        "basics",
        5,
        _l("Other fields filled in"),
        _l("In proportion to the fields filled in: %(fields)s."),
        _l("Other fields"),
    ),
)
POINTS = {check.key: check.points for check in CHECKS}

# Labels of the fields a "missing" finding names, and the check each belongs to.
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
FIELD_CHECK = {
    "sectors": "sectors",
    "locations": "locations",
    "commitment": "commitment",
    "commitment_date": "commitment",
}
BASIC_FIELDS = tuple(field for field in MANDATORY if field not in FIELD_CHECK)

FINDING_TEXT = {
    "missing": _l("Missing: %(field)s"),
    "sector_sum": _l("Sector percentages add up to %(total)s%%, not 100%%."),
    "location_sum": _l("Location percentages add up to %(total)s%%, not 100%%."),
    "over_commitment": _l(
        "Disbursements (%(disbursed)s USD) exceed the commitment (%(committed)s USD)."
    ),
    "after_end": _l("Disbursements are recorded in %(year)s, after the project ended (%(end)s)."),
    "negative_year": _l(
        "The %(kind)s of %(year)s add up to less than zero (%(amount)s %(currency)s), as "
        "published: check the refund or reversal."
    ),
    "no_rate": _l(
        "Amounts in %(currency)s of %(year)s wait for an exchange rate: they count in USD once "
        "CDC adds it."
    ),
    "status_dates": _l("The status (%(status)s) does not fit the dates: %(reason)s"),
    "past_disbursements": _l("No actual disbursement reported for %(years)s."),
    "years_ahead": _l("No money planned for %(years)s."),
    "past_unknown": _l(
        "Without a start and an end date, the disbursements of past years cannot be checked."
    ),
    "ahead_unknown": _l(
        "Without a start and an end date, the money of the years ahead cannot be checked."
    ),
    "no_documents": _l("No document is attached."),
    "unconfirmed": _l("Not confirmed by the lead ministry: %(state)s."),
    "stale": _l("Not updated for more than 12 months (last update %(date)s)."),
    "loan_terms": _l(
        "A loan without its terms (interest rate, maturity, grace period and repayment type): "
        "its grant element cannot be computed."
    ),
    "sources_signed": _l(
        "The commitments signed by year (%(signed)s USD) add up to more than the total "
        "commitment (%(committed)s USD)."
    ),
}
FINDING_CHECK = {
    "sector_sum": "sectors",
    "location_sum": "locations",
    "over_commitment": "consistent",
    "after_end": "consistent",
    "negative_year": "consistent",
    "no_rate": "consistent",
    "status_dates": "consistent",
    "loan_terms": "consistent",
    "sources_signed": "consistent",
    "past_disbursements": "past_disbursements",
    "past_unknown": "past_disbursements",
    "years_ahead": "years_ahead",
    "ahead_unknown": "years_ahead",
    "no_documents": "documents",
    "unconfirmed": "confirmed",
    "stale": "updated",
}
# Findings on the project's standing rather than its record: added when the score is shown.
LIVE_FINDINGS = ("unconfirmed", "stale")

STATUS_REASONS = {
    "pipeline_started": _l("it has an actual start in the past"),
    "closed_without_end": _l("it has no actual end date"),
    "running_after_end": _l("its end date passed more than a year ago"),
    "not_started": _l("its start date is in the future"),
}

# Workflow states (portal.alignment.workflow) and what each leaves of the confirmation check.
CONFIRMED_STATES = ("confirmed", "validated")
WAITING_STATES = ("submitted", "reconfirm")
UNCONFIRMED_STATES = {
    "draft": _l("not submitted to it yet"),
    "returned": _l("returned to the partner"),
    "submitted": _l("waiting for the ministry"),
    "reconfirm": _l("to be confirmed again after a change"),
}

# Statuses whose projects have spent money, and those that still plan some.
STARTED = (codes.IMPLEMENTATION, codes.FINALISATION, codes.CLOSED, codes.SUSPENDED)
PLANNING = (codes.PIPELINE, codes.IMPLEMENTATION)


@dataclass(frozen=True)
class Finding:
    code: str
    params: dict
    points: int = 0  # what the finding costs the score

    @property
    def check(self) -> str:
        if self.code == "missing":
            return FIELD_CHECK.get(self.params["field"], "basics")
        return FINDING_CHECK[self.code]

    def text(self) -> str:
        """Say the finding in the interface language (labels are translated when shown)."""
        params = dict(self.params)
        if self.code == "missing":
            params["field"] = MANDATORY.get(params["field"], params["field"])
        elif self.code == "status_dates":
            params["status"] = codes.ACTIVITY_STATUS.get(params["status"], params["status"])
            params["reason"] = STATUS_REASONS.get(params["reason"], params["reason"])
        elif self.code == "negative_year":
            params["kind"] = codes.FUNDING_KIND.get(params["kind"], params["kind"])
        elif self.code == "unconfirmed":
            params["state"] = UNCONFIRMED_STATES.get(params["state"], params["state"])
        return str(FINDING_TEXT[self.code] % {k: str(v) for k, v in params.items()})

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "params": {k: str(v) for k, v in self.params.items()},
            "points": self.points,
        }

    @classmethod
    def from_json(cls, item: dict) -> Finding:
        return cls(item["code"], item["params"], item.get("points", 0))


def _part(points: int, missing: int, out_of: int) -> int:
    """`points` × missing / out_of, rounded half up: the points lost for a share missing."""
    return (2 * points * missing + out_of) // (2 * out_of) if out_of else 0


def _years_text(years: list[int]) -> str:
    """2019, 2020, 2021 and 2024 as "2019–2021, 2024"."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


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


def _field_findings(filled: dict[str, bool]) -> list[Finding]:
    """The missing fields, each with its share of its check's points."""
    findings = []
    missing_basics = [f for f in BASIC_FIELDS if not filled[f]]
    for index, field in enumerate(missing_basics):
        # The k-th missing field costs what k fields cost less what k - 1 did: they add up.
        cost = _part(POINTS["basics"], index + 1, len(BASIC_FIELDS)) - _part(
            POINTS["basics"], index, len(BASIC_FIELDS)
        )
        findings.append(Finding("missing", {"field": field}, cost))
    for field in ("commitment", "commitment_date"):
        if not filled[field]:
            findings.append(Finding("missing", {"field": field}, POINTS["commitment"] // 2))
    for field in ("sectors", "locations"):
        if not filled[field]:
            findings.append(Finding("missing", {"field": field}, POINTS[field]))
    return findings


def _share_findings(project) -> list[Finding]:
    findings = []
    for code, shares, check in (
        ("sector_sum", project.sectors, "sectors"),
        ("location_sum", project.locations, "locations"),
    ):
        if shares:
            total = sum((share.percentage for share in shares), Decimal(0))
            if abs(total - 100) > Decimal("0.01"):
                findings.append(Finding(code, {"total": f"{total:g}"}, POINTS[check] // 2))
    return findings


def _money_findings(project, today: date) -> list[Finding]:
    """The years without money: past years without a disbursement, years ahead without any."""
    start = project.actual_start or project.planned_start
    end = project.actual_end or project.planned_end
    asks_past = project.status in STARTED
    asks_ahead = project.status in PLANNING
    if start is None or end is None:
        unknown = []
        if asks_past:
            unknown.append(Finding("past_unknown", {}, POINTS["past_disbursements"]))
        if asks_ahead:
            unknown.append(Finding("ahead_unknown", {}, POINTS["years_ahead"]))
        return unknown
    disbursed = {f.year for f in project.funding if f.kind == "disbursement"}
    any_money = {f.year for f in project.funding}
    findings = []
    if asks_past:
        past = range(start.year, min(end.year, today.year - 1) + 1)
        missing = [year for year in past if year not in disbursed]
        if missing:
            lost = _part(POINTS["past_disbursements"], len(missing), len(past))
            findings.append(Finding("past_disbursements", {"years": _years_text(missing)}, lost))
    if asks_ahead:
        ahead = range(max(start.year, today.year), end.year + 1)
        missing = [year for year in ahead if year not in any_money]
        if missing:
            lost = _part(POINTS["years_ahead"], len(missing), len(ahead))
            findings.append(Finding("years_ahead", {"years": _years_text(missing)}, lost))
    return findings


def _consistency_findings(project, today: date) -> list[Finding]:
    cost = POINTS["consistent"] // 3
    findings = []
    disbursed = sum(
        (f.amount_usd or Decimal(0) for f in project.funding if f.kind == "disbursement"),
        Decimal(0),
    )
    if project.commitment_usd is not None and disbursed > project.commitment_usd:
        findings.append(
            Finding(
                "over_commitment",
                {"disbursed": f"{disbursed:,.2f}", "committed": f"{project.commitment_usd:,.2f}"},
                cost,
            )
        )
    end = project.actual_end or project.planned_end
    if end:
        late_years = sorted(
            {f.year for f in project.funding if f.kind == "disbursement" and f.year > end.year}
        )
        if late_years:
            findings.append(
                Finding("after_end", {"year": late_years[0], "end": end.isoformat()}, cost)
            )
    problem = _status_problem(project, today)
    if problem:
        findings.append(
            Finding("status_dates", {"status": project.status, "reason": problem}, cost)
        )
    for row in sorted(project.funding, key=lambda f: (f.year, f.kind, f.currency)):
        if row.amount < 0:
            kind = "disbursement" if row.kind == "disbursement" else "planned"
            findings.append(
                Finding(
                    "negative_year",
                    {
                        "kind": kind,
                        "year": row.year,
                        "amount": f"{row.amount:,.2f}",
                        "currency": row.currency,
                    },
                    cost,
                )
            )
    waiting = sorted({(f.currency, f.year) for f in project.funding if f.amount_usd is None})
    for currency, year in waiting:
        findings.append(Finding("no_rate", {"currency": currency, "year": year}, cost))
    if codes.is_loan(project.type_of_assistance, getattr(project, "finance_type", None)):
        terms = getattr(project, "loan_terms", None)
        if terms is None or not terms.is_complete:
            findings.append(Finding("loan_terms", {}, cost))
    signed = _signed_by_year(project)
    if (
        signed is not None
        and project.commitment_usd is not None
        and signed > project.commitment_usd
    ):
        findings.append(
            Finding(
                "sources_signed",
                {"signed": f"{signed:,.2f}", "committed": f"{project.commitment_usd:,.2f}"},
                cost,
            )
        )
    # The check's points are the most a record can lose on it, however many problems it has.
    left = POINTS["consistent"]
    capped = []
    for finding in findings:
        points = min(finding.points, left)
        left -= points
        capped.append(Finding(finding.code, finding.params, points))
    return capped


def _signed_by_year(project) -> Decimal | None:
    """The USD sum of the reporting partner's commitments signed by year, None without any.

    The project's total commitment is the reporting partner's (co-financiers' and the
    government's money comes on top of it, portal/projects/sources.py), so it is the partner's
    signed commitments that cannot add up to more than it. A project whose partner records
    none (every project before sources existed) is not asked.
    """
    rows = [
        row
        for source in getattr(project, "funding_sources", None) or []
        if source.kind == "reporting"
        for row in source.amounts
        if row.kind == "commitment" and row.amount_usd is not None
    ]
    return sum((row.amount_usd for row in rows), Decimal(0)) if rows else None


def confirmation_finding(state: str | None) -> Finding | None:
    """What the project's place in the workflow costs: nothing once the ministry confirmed."""
    state = state or "draft"
    if state in CONFIRMED_STATES:
        return None
    points = POINTS["confirmed"]
    return Finding(
        "unconfirmed", {"state": state}, points // 2 if state in WAITING_STATES else points
    )


def confirmation_lost(state: str | None) -> int:
    finding = confirmation_finding(state)
    return finding.points if finding else 0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def stale_finding(updated_at: datetime | None) -> Finding | None:
    if not is_stale(updated_at):
        return None
    assert updated_at is not None
    return Finding("stale", {"date": updated_at.date().isoformat()}, POINTS["updated"])


def assess(project, today: date | None = None, *, include_staleness: bool = True):
    """Return (score, findings) for `project` as of `today`.

    Without `include_staleness` the project is scored as just saved, as it is stored: the
    update check is met, and the findings on its standing (staleness, the ministry's
    confirmation, which change without a save) are left to `stored_findings`; the points of
    the confirmation count all the same. `project` may be a plain object with the same
    attributes (a batch being written, the demo).
    """
    today = today or date.today()
    filled = _filled(project)
    findings = [
        *_field_findings(filled),
        *_share_findings(project),
        *_money_findings(project, today),
        *_consistency_findings(project, today),
    ]
    if not getattr(project, "documents", None):
        findings.append(Finding("no_documents", {}, POINTS["documents"]))
    standing = [confirmation_finding(getattr(project, "workflow_state", None))]
    if include_staleness:
        standing.append(stale_finding(getattr(project, "updated_at", None)))
    live = [f for f in standing if f is not None]
    score = 100 - sum(f.points for f in findings) - sum(f.points for f in live)
    if include_staleness:
        findings += live
    return score, _in_check_order(findings)


def _in_check_order(findings: list[Finding]) -> list[Finding]:
    order = {check.key: index for index, check in enumerate(CHECKS)}
    return sorted(findings, key=lambda f: order[f.check])


def stored(project, today: date | None = None) -> dict:
    """The columns that keep the project's score and findings, as of `today`."""
    score, findings = assess(project, today, include_staleness=False)
    return {"quality_score": score, "quality_findings": [f.as_json() for f in findings]}


def store(project, today: date | None = None) -> None:
    """Set the stored score and findings of `project` (written with its next flush)."""
    for name, value in stored(project, today).items():
        setattr(project, name, value)


def rescore(project_ids: Iterable[int] | None = None, *, batch: int = 500) -> int:
    """Compute the stored score and findings of these projects (all when None) again.

    The projects keep their version and time of update: nothing of theirs changed but the rule
    or the date. Returns how many were scored.
    """
    if project_ids is None:
        ids = list(db.session.scalars(select(Project.id).order_by(Project.id)))
    else:
        ids = list(project_ids)
    statement = (
        update(Project.__table__)
        .where(Project.__table__.c.id == bindparam("b_id"))
        .values(
            updated_at=Project.__table__.c.updated_at,  # not an update of the project
            quality_score=bindparam("b_score"),
            quality_findings=bindparam(
                "b_findings", type_=Project.__table__.c.quality_findings.type
            ),
        )
    )
    today = date.today()
    for first in range(0, len(ids), batch):
        projects = db.session.scalars(
            select(Project)
            .where(Project.id.in_(ids[first : first + batch]))
            .options(
                selectinload(Project.sectors),
                selectinload(Project.locations),
                selectinload(Project.funding),
                selectinload(Project.documents),
                selectinload(Project.loan_terms),
                selectinload(Project.funding_sources).selectinload(FundingSource.amounts),
            )
        ).all()
        rows = []
        for project in projects:
            values = stored(project, today)
            rows.append(
                {
                    "b_id": project.id,
                    "b_score": values["quality_score"],
                    "b_findings": values["quality_findings"],
                }
            )
            for name, value in values.items():
                set_committed_value(project, name, value)
        if rows:
            db.session.execute(statement, rows)
    return len(ids)


def is_stale(updated_at: datetime | None) -> bool:
    if updated_at is None:
        return False
    return _aware(updated_at) < datetime.now(UTC) - STALE_AFTER


def effective_score(score: int | None, updated_at: datetime | None) -> int:
    """A project's score as every page counts it: the stored score (0 when none), less the
    points of the update check when it has not been updated for 12 months (staleness grows
    without a save)."""
    return max(0, (score or 0) - (POINTS["updated"] if is_stale(updated_at) else 0))


def stored_findings(project) -> list[Finding]:
    """The findings saved with the project, and those on its standing as of now."""
    findings = [
        Finding.from_json(item)
        for item in project.quality_findings or []
        if item["code"] not in LIVE_FINDINGS
    ]
    standing = [
        confirmation_finding(project.workflow_state),
        stale_finding(project.updated_at),
    ]
    return _in_check_order(findings + [f for f in standing if f is not None])


def current_score(project) -> int:
    """The saved score, less the points of the update check when the project has gone stale."""
    return effective_score(project.quality_score, project.updated_at)


def checks_missed(findings: list[dict] | None, updated_at: datetime | None, state) -> set[str]:
    """The checks a project loses points on, from its stored findings and its standing now."""
    missed = {
        Finding.from_json(item).check
        for item in findings or []
        if item["code"] not in LIVE_FINDINGS
    }
    if confirmation_finding(state) is not None:
        missed.add("confirmed")
    if is_stale(updated_at):
        missed.add("updated")
    return missed


def breakdown(findings: list[Finding]) -> list[tuple[Check, int]]:
    """Each check with the points the project earned on it (its points less its findings')."""
    lost: dict[str, int] = {}
    for finding in findings:
        lost[finding.check] = lost.get(finding.check, 0) + finding.points
    return [(check, max(0, check.points - lost.get(check.key, 0))) for check in CHECKS]


def rule_text(check: Check) -> str:
    """How a check's points are earned, in the interface language."""
    if check.key == "basics":
        names = ", ".join(str(MANDATORY[field]) for field in BASIC_FIELDS)
        return str(check.credit) % {"fields": names}
    return str(check.credit)
