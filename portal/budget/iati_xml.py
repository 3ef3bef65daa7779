"""A project's budget codes read back from IATI 2.03 `country-budget-items` (the export writes
them: portal/iati/export.py).

The codes are the national chart of accounts' programmes and sub-programmes, so they are
published with BudgetIdentifierVocabulary 2 ("Country Chart of Accounts"), each as a
`budget-item` with its percentage and its name as description (English, and Khmer where the
tree has it). On import, the items of vocabulary 2 become the project's codes when every code
is in the tree, in force and of the project's lead ministry, their shares add up to 100, and
the importer may change budget codes (CDC or the lead ministry; the command line runs as CDC).
Otherwise the project keeps its codes and the items stay on the IATI record (its extras) with
a flag saying why, for a person to judge: never refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from portal.budget import services
from portal.budget.queries import lines_of
from portal.extensions import db
from portal.iati.models import IatiRecord
from portal.projects.models import Project
from portal.security import can_edit_budget_codes

COUNTRY_CHART_OF_ACCOUNTS = "2"  # IATI BudgetIdentifierVocabulary
FLAG = "budget_items_flag"


def _shares(items: list[dict]) -> list[services.BudgetShare] | None:
    """The national items as shares (a lone item without percentage is the whole); None when
    a percentage is not a number."""
    national = [i for i in items if i.get("vocabulary") == COUNTRY_CHART_OF_ACCOUNTS]
    shares = []
    for item in national:
        text = item.get("percentage")
        try:
            percentage = Decimal(text) if text else (Decimal(100) if len(national) == 1 else None)
        except InvalidOperation:
            return None
        shares.append(services.BudgetShare(item.get("code") or "", percentage))
    return shares


def _flag(project_id: int, message: str) -> None:
    record = db.session.scalar(select(IatiRecord).where(IatiRecord.project_id == project_id))
    if record is None:
        return
    record.extras = {**(record.extras or {}), FLAG: message}


def write_from_iati(written: Iterable[tuple[int, dict]], *, actor) -> list[tuple[int, str]]:
    """Give each written activity's national budget items to its project, or flag them.

    Returns (project id, why) for the items kept on the record instead of applied.
    """
    flagged = []
    for project_id, activity in written:
        items = (activity.get("extras") or {}).get("budget_items") or []
        shares = _shares(items)
        if shares == []:
            continue
        project = db.session.get(Project, project_id)
        if project is None:
            continue
        why = None
        if shares is None:
            why = _("A budget item's percentage is not a number.")
        elif actor is not None and not can_edit_budget_codes(actor, project):
            why = _("Only CDC and the lead ministry change budget codes: the file's await them.")
        else:
            try:
                services.check_shares(project, shares)
            except services.BudgetInvalid as invalid:
                why = " ".join(invalid.errors.values())
        if why is not None:
            _flag(project_id, why)
            flagged.append((project_id, why))
            continue
        assert shares is not None
        current = [
            (line.node.code, line.percentage) for line in lines_of([project_id]).get(project_id, [])
        ]
        wanted = [(s.code, Decimal(s.percentage or 0)) for s in shares]
        if sorted(current) != sorted(wanted):
            services.set_budget_codes(project, shares, actor=actor)
    db.session.flush()  # the flags too: expiring the session would otherwise drop them
    return flagged
