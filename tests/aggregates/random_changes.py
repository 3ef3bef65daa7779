"""Random changes of the demo's projects, each through a different door (a form's service, the
ORM alone, bulk statements, a savepoint rolled back...): what a kept copy of the money (the
cells, the group sums) must follow. Shared by their tests."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from portal.budget.models import ProjectBudgetLine
from portal.extensions import db
from portal.projects import services
from portal.projects.models import Project, ProjectFunding
from portal.projects.sources import COFINANCIER, FundingSource, SourceFunding
from portal.spreadsheets.compare import data_from_project
from tests import factories

KINDS = 10


def project_ids() -> list[int]:
    return list(db.session.scalars(select(Project.id).order_by(Project.id)))


def change(step: int, rng, actor, ids: list[int]) -> int:
    """Make change number `step` (its kind: `step % KINDS`) to a project drawn from `ids`
    (which follows deletions and new projects), uncommitted; returns its kind."""
    project = db.session.get(Project, rng.choice(ids))
    change = step % KINDS
    if change == 0:  # a save through the service: new years, sectors and places
        data = replace(
            data_from_project(project),
            funding=[
                services.YearAmount(2021 + i, "disbursement", Decimal(rng.randint(1, 9000)), "USD")
                for i in range(rng.randint(1, 4))
            ],
            sectors=[
                services.SectorShare("12220", Decimal("40")),
                services.SectorShare("11110", Decimal("60")),
            ],
            nationwide=False,
            locations=[
                services.LocationShare("12", Decimal("33.33")),
                services.LocationShare("17", Decimal("66.67")),
            ],
        )
        services.save_project(data, actor=actor, project=project)
    elif change == 1:  # a yearly row changed through the ORM alone
        row = db.session.scalars(
            select(ProjectFunding).where(ProjectFunding.project_id == project.id)
        ).first()
        if row is not None and row.amount_usd is not None:
            row.amount_usd = row.amount_usd + Decimal("12.34")
    elif change == 2:  # a new exchange rate: a bulk update of every row in that currency
        factories.rate("EUR", rng.choice([2019, 2021, 2023]), f"0.{rng.randint(80, 99)}")
    elif change == 3:  # a project deleted
        db.session.delete(project)
        ids.remove(project.id)
    elif change == 4:  # published, or taken back, by the ORM
        project.published_at = None if project.published_at else datetime.now(UTC)
    elif change == 5:  # a bulk update of the partner (as an organizations' merge does)
        db.session.execute(
            update(Project)
            .where(Project.id == project.id)
            .values(reporting_org_id=factories.organization().id, status="3")
        )
    elif change == 6:  # a co-financier's signed commitment and disbursement, by the ORM
        source = FundingSource(
            project_id=project.id, kind=COFINANCIER, organization=factories.organization()
        )
        db.session.add(source)
        for kind in ("commitment", "disbursement"):
            source.amounts.append(
                SourceFunding(
                    year=2023,
                    kind=kind,
                    amount=Decimal("5000.00"),
                    currency="USD",
                    rate=Decimal(1),
                    amount_usd=Decimal("5000.00"),
                )
            )
    elif change == 7:  # budget codes taken away: the budget and on-budget groups move
        db.session.execute(
            delete(ProjectBudgetLine).where(ProjectBudgetLine.project_id == project.id)
        )
        project.on_budget = not project.on_budget
    elif change == 8:  # a change made in a savepoint that is rolled back
        with pytest.raises(RuntimeError), db.session.begin_nested():
            project.commitment_usd = (project.commitment_usd or Decimal(0)) + Decimal(5)
            project.modality = "changed"
            db.session.flush()
            raise RuntimeError("refused")
        project.type_of_assistance = "loan"  # and one that is kept, after it
    else:  # a new project
        ids.append(
            factories.project(
                commitment_amount=Decimal(rng.randint(1000, 99999)),
                commitment_date=date(2020 + step % 5, 3, 1),
                funding=[services.YearAmount(2024, "planned", Decimal("777.77"), "USD")],
            ).id
        )
    return change
