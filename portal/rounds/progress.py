"""How far a round has come: per partner, per lead ministry and for the whole country.

An open round is read from the live projects; a closed one from its snapshot, so that the
coverage a joint review states never changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Integer, case, cast, func, select, type_coerce

from portal.alignment.queries import figures_of_year
from portal.db import Money
from portal.extensions import db
from portal.organizations.models import Organization
from portal.organizations.services import by_ids
from portal.projects.models import Project
from portal.rounds.models import (
    ReportingRound,
    RoundEvent,
    RoundReturn,
    RoundSnapshotFunding,
    RoundSnapshotProject,
)
from portal.rounds.services import actual_of_year, concerned, updated

ZERO = Decimal(0)


@dataclass
class PartnerProgress:
    organization: Organization
    projects: int = 0
    updated: int = 0
    money: Decimal = ZERO
    money_updated: Decimal = ZERO
    submitted_at: datetime | None = None
    grace_until: date | None = None
    days_late: int = 0
    reminders: int = 0
    last_reminder: datetime | None = None

    @property
    def share_updated(self) -> int | None:
        return round(100 * self.updated / self.projects) if self.projects else None

    @property
    def share_money(self) -> int | None:
        return round(100 * self.money_updated / self.money) if self.money else None

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def complete(self) -> bool:
        return self.submitted and self.updated >= self.projects


@dataclass
class MinistryProgress:
    organization: Organization | None
    projects: int = 0
    confirmed: int = 0
    disputed: int = 0
    actual: Decimal = ZERO
    actual_confirmed: Decimal = ZERO

    @property
    def share_confirmed(self) -> int | None:
        return round(100 * self.confirmed / self.projects) if self.projects else None

    @property
    def share_money_confirmed(self) -> int | None:
        return round(100 * self.actual_confirmed / self.actual) if self.actual else None


@dataclass
class Progress:
    round: ReportingRound
    partners: list[PartnerProgress] = field(default_factory=list)
    ministries: list[MinistryProgress] = field(default_factory=list)

    def _sum(self, name: str, rows=None):
        return sum((getattr(row, name) for row in (rows or self.partners)), 0)

    @property
    def projects(self) -> int:
        return self._sum("projects")

    @property
    def updated(self) -> int:
        return self._sum("updated")

    @property
    def share_updated(self) -> int | None:
        return round(100 * self.updated / self.projects) if self.projects else None

    @property
    def share_money(self) -> int | None:
        money = self._sum("money")
        return round(100 * self._sum("money_updated") / money) if money else None

    @property
    def submitted(self) -> int:
        return sum(1 for p in self.partners if p.submitted)

    @property
    def share_submitted(self) -> int | None:
        return round(100 * self.submitted / len(self.partners)) if self.partners else None

    @property
    def late(self) -> list[PartnerProgress]:
        return [p for p in self.partners if p.days_late > 0 and not p.submitted]

    @property
    def share_money_confirmed(self) -> int | None:
        actual = self._sum("actual", self.ministries)
        confirmed = self._sum("actual_confirmed", self.ministries)
        return round(100 * confirmed / actual) if actual else None


def _partner_rows(round_: ReportingRound, organization_id: int | None = None):
    """(partner id, projects, updated, money, money updated) for each partner (or one)."""
    is_updated: ColumnElement[int]
    if round_.is_open:
        is_updated = case((updated(round_), 1), else_=0)
        money = func.coalesce(Project.commitment_usd, 0)
        statement = (
            select(
                Project.reporting_org_id,
                func.count(),
                func.sum(is_updated),
                type_coerce(func.sum(money), Money),
                type_coerce(func.sum(is_updated * money), Money),
            )
            .where(concerned(round_))
            .group_by(Project.reporting_org_id)
        )
        if organization_id is not None:
            statement = statement.where(Project.reporting_org_id == organization_id)
    else:
        snapshot = RoundSnapshotProject
        is_updated = cast(snapshot.updated_in_round, Integer)
        money = func.coalesce(snapshot.commitment_usd, 0)
        statement = (
            select(
                snapshot.reporting_org_id,
                func.count(),
                func.sum(is_updated),
                type_coerce(func.sum(money), Money),
                type_coerce(func.sum(case((snapshot.updated_in_round, money), else_=0)), Money),
            )
            .where(snapshot.round_id == round_.id)
            .group_by(snapshot.reporting_org_id)
        )
        if organization_id is not None:
            statement = statement.where(snapshot.reporting_org_id == organization_id)
    return db.session.execute(statement).all()


def _ministry_rows(round_: ReportingRound, organization_id: int | None = None):
    """(ministry id, projects, confirmed, disputed, actual USD, actual USD confirmed)."""
    if round_.is_open:
        actual = actual_of_year(round_.year)
        figures = figures_of_year(round_.year)
        figure = figures.c
        statement = (
            select(
                Project.lead_national_partner_id,
                func.count(),
                func.sum(case((figure.status == "agreed", 1), else_=0)),
                func.sum(case((figure.status == "disputed", 1), else_=0)),
                type_coerce(func.sum(func.coalesce(actual.c.usd, 0)), Money),
                type_coerce(
                    func.sum(case((figure.status == "agreed", func.coalesce(actual.c.usd, 0)))),
                    Money,
                ),
            )
            .outerjoin(actual, actual.c.project_id == Project.id)
            .outerjoin(figures, figure.project_id == Project.id)
            .where(concerned(round_))
            .group_by(Project.lead_national_partner_id)
        )
        if organization_id is not None:
            statement = statement.where(Project.lead_national_partner_id == organization_id)
    else:
        snapshot = RoundSnapshotProject
        actual = (
            select(
                RoundSnapshotFunding.snapshot_id,
                func.sum(RoundSnapshotFunding.amount_usd).label("usd"),
            )
            .where(RoundSnapshotFunding.kind == "disbursement")
            .group_by(RoundSnapshotFunding.snapshot_id)
            .subquery()
        )
        agreed = snapshot.government_status == "agreed"
        statement = (
            select(
                snapshot.lead_national_partner_id,
                func.count(),
                func.sum(case((agreed, 1), else_=0)),
                func.sum(case((snapshot.government_status == "disputed", 1), else_=0)),
                type_coerce(func.sum(func.coalesce(actual.c.usd, 0)), Money),
                type_coerce(func.sum(case((agreed, func.coalesce(actual.c.usd, 0)))), Money),
            )
            .outerjoin(actual, actual.c.snapshot_id == snapshot.id)
            .where(snapshot.round_id == round_.id)
            .group_by(snapshot.lead_national_partner_id)
        )
        if organization_id is not None:
            statement = statement.where(snapshot.lead_national_partner_id == organization_id)
    return db.session.execute(statement).all()


def measure(
    round_: ReportingRound,
    today: date | None = None,
    *,
    partner_id: int | None = None,
    ministry_id: int | None = None,
) -> Progress:
    """The round's progress by partner (most behind first) and by lead ministry.

    With `partner_id` or `ministry_id`, only that organization's line is worked out.
    """
    today = today or date.today()
    partner_rows = [] if ministry_id is not None else _partner_rows(round_, partner_id)
    ministry_rows = [] if partner_id is not None else _ministry_rows(round_, ministry_id)
    organizations = by_ids([r[0] for r in partner_rows] + [r[0] for r in ministry_rows])
    returns = {
        r.organization_id: r
        for r in db.session.scalars(select(RoundReturn).where(RoundReturn.round_id == round_.id))
    }
    reminders = {
        org_id: (count, last)
        for org_id, count, last in db.session.execute(
            select(RoundEvent.organization_id, func.count(), func.max(RoundEvent.at))
            .where(RoundEvent.round_id == round_.id, RoundEvent.kind == "reminder")
            .group_by(RoundEvent.organization_id)
        )
    }
    result = Progress(round_)
    end = today if round_.is_open else (round_.closed_at.date() if round_.closed_at else today)
    for org_id, projects, n_updated, money, money_updated in partner_rows:
        organization = organizations.get(org_id)
        if organization is None or organization.is_national:
            continue
        entry = returns.get(org_id)
        submitted_at = entry.submitted_at if entry else None
        until = submitted_at.date() if submitted_at else end
        count, last = reminders.get(org_id, (0, None))
        result.partners.append(
            PartnerProgress(
                organization=organization,
                projects=projects,
                updated=int(n_updated or 0),
                money=money or ZERO,
                money_updated=money_updated or ZERO,
                submitted_at=submitted_at,
                grace_until=entry.grace_until if entry else None,
                days_late=max(0, (until - round_.deadline).days),
                reminders=count,
                last_reminder=last,
            )
        )
    result.partners.sort(key=lambda p: (p.submitted, p.share_updated or 0, p.organization.acronym))
    for org_id, projects, confirmed, disputed, actual, actual_confirmed in ministry_rows:
        result.ministries.append(
            MinistryProgress(
                organization=organizations.get(org_id),
                projects=projects,
                confirmed=int(confirmed or 0),
                disputed=int(disputed or 0),
                actual=actual or ZERO,
                actual_confirmed=actual_confirmed or ZERO,
            )
        )
    result.ministries.sort(
        key=lambda m: (m.share_confirmed or 0, m.organization.acronym if m.organization else "~")
    )
    return result


def of_partner(round_: ReportingRound, organization_id: int) -> PartnerProgress | None:
    """One partner's progress in the round (its checklist's and home page's line)."""
    found = measure(round_, partner_id=organization_id).partners
    return found[0] if found else None


def of_ministry(round_: ReportingRound, organization_id: int) -> MinistryProgress | None:
    """One lead ministry's confirmations in the round (its home page's line)."""
    found = measure(round_, ministry_id=organization_id).ministries
    return found[0] if found else None


def home_line(user) -> dict | None:
    """What a partner's or ministry's home page says of the current round, if one is open."""
    from portal.accounts.models import Role
    from portal.rounds.services import current_open

    round_ = current_open()
    if round_ is None or user.role is Role.CDC:
        return None
    if user.role is Role.DP:
        return {"round": round_, "partner": of_partner(round_, user.organization_id)}
    return {"round": round_, "ministry": of_ministry(round_, user.organization_id)}
