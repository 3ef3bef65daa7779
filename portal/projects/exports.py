"""What the project pages and downloads show: export rows, yearly tables, quality summaries."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from itertools import islice

from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.models import Role
from portal.budget.cells import codes_text
from portal.budget.queries import on_budget_by_project
from portal.exports import csv_response, xlsx_response  # noqa: F401  (re-exported for views)
from portal.extensions import db
from portal.projects import codes, quality
from portal.projects.models import Project
from portal.security import can_see_internal_fields

INTERNAL_COLUMNS = 4  # contact person, contact email, quality score, last updated
CHUNK = 500  # projects whose budget codes are read at once


def project_rows(projects, *, reader):
    """Return (header, rows) of a project list download, as `reader` may see each row.

    The columns are the same for every reader; a project's contacts, quality score and last
    update are blank in the rows of projects whose internal fields `reader` may not see. On
    budget is derived as the pages and the API give it (budget codes, else as typed).
    """
    header = [
        _("ID"),
        _("IATI identifier"),
        _("Title"),
        _("Title in Khmer"),
        _("Reporting partner"),
        _("Lead national partner"),
        _("Status"),
        _("Start year"),
        _("End year"),
        _("Type of assistance"),
        _("On budget"),
        _("Budget codes"),
        _("Commitment"),
        _("Currency"),
        _("Commitment (USD)"),
        _("Disbursed (USD)"),
        _("Planned (USD)"),
        _("Published"),
        _("Contact person"),
        _("Contact email"),
        _("Quality score"),
        _("Last updated"),
    ]

    def chunks():
        iterator = iter(projects)
        while chunk := list(islice(iterator, CHUNK)):
            budget = on_budget_by_project(chunk)
            yield from ((p, *budget[p.id]) for p in chunk)

    def rows():
        for p, on_budget, budget_lines in chunks():
            row = [
                p.id,
                p.iati_identifier,
                p.title_en,
                p.title_km,
                p.reporting_org.acronym,
                p.lead_national_partner.acronym if p.lead_national_partner else None,
                str(codes.ACTIVITY_STATUS.get(p.status, p.status)),
                p.start_year,
                p.end_year,
                str(codes.TYPE_OF_ASSISTANCE.get(p.type_of_assistance, ""))
                if p.type_of_assistance
                else None,
                on_budget,
                codes_text(budget_lines) or None,
                p.commitment_amount,
                p.commitment_currency,
                p.commitment_usd,
                p.disbursed_usd,
                p.planned_usd,
                p.is_published,
            ]
            if can_see_internal_fields(reader, p):
                row += [p.contact_name, p.contact_email, quality.current_score(p), p.updated_at]
            else:
                row += [None] * INTERNAL_COLUMNS
            yield row

    return header, rows()


def yearly_table(project: Project) -> dict:
    """Per year: actual and planned rows as entered, with USD; and the largest yearly USD."""
    years: dict[int, dict] = defaultdict(
        lambda: {
            "disbursement": [],
            "planned": [],
            "disbursement_usd": Decimal(0),
            "planned_usd": Decimal(0),
        }
    )
    for row in project.funding:
        years[row.year][row.kind].append(row)
        years[row.year][f"{row.kind}_usd"] += row.amount_usd or 0  # None: waits for a rate
    largest = max(
        (max(v["disbursement_usd"], v["planned_usd"]) for v in years.values()), default=Decimal(0)
    )
    return {"years": dict(sorted(years.items())), "largest": largest}


def quality_by_partner(user) -> list[dict]:
    """Summarise stored quality per reporting partner, best average first: the average score
    and, for each check, how many projects lose points on it (`missed`).

    A partner sees its own organization; a ministry the partners of the projects it leads;
    CDC every partner.
    """
    statement = select(
        Project.reporting_org_id,
        Project.quality_score,
        Project.updated_at,
        Project.quality_findings,
        Project.workflow_state,
    )
    if user.role is Role.DP:
        statement = statement.where(Project.reporting_org_id == user.organization_id)
    elif user.role is Role.MINISTRY:
        statement = statement.where(Project.lead_national_partner_id == user.organization_id)
    summary: dict[int, dict] = {}
    for partner_id, score, updated_at, findings, state in db.session.execute(statement):
        entry = summary.setdefault(
            partner_id,
            {
                "partner_id": partner_id,
                "projects": 0,
                "score_total": 0,
                "stale": 0,
                "missed": Counter(),
            },
        )
        stale = quality.is_stale(updated_at)
        entry["projects"] += 1
        entry["score_total"] += quality.effective_score(score, updated_at)
        entry["stale"] += int(stale)
        entry["missed"].update(quality.checks_missed(findings, updated_at, state))
    rows = []
    for entry in summary.values():
        entry["average"] = round(entry["score_total"] / entry["projects"])
        rows.append(entry)
    rows.sort(key=lambda e: (-e["average"], e["partner_id"]))
    return rows
