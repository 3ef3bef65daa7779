"""What the IATI pages read of other features' records about one project."""

from __future__ import annotations

from sqlalchemy import exists, select

from portal.budget.models import ProjectBudgetLine
from portal.extensions import db
from portal.loans.models import LoanTerms
from portal.results.models import ProjectResult


def own_records(project_id: int) -> set[str]:
    """Which of "results", "loan_terms" and "budget_codes" the project has in its own records."""
    checks = {
        "results": exists().where(ProjectResult.project_id == project_id),
        "loan_terms": exists().where(LoanTerms.project_id == project_id),
        "budget_codes": exists().where(ProjectBudgetLine.project_id == project_id),
    }
    found = db.session.execute(select(*checks.values())).one()
    return {name for name, present in zip(checks, found, strict=True) if present}
