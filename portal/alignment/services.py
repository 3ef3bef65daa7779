"""The ministry's alignment and its view of the figures; the threads on disputed figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.alignment import notify
from portal.alignment.models import (
    Alignment,
    AlignmentPriority,
    FigureComment,
    GovernmentFigure,
)
from portal.audit.services import record
from portal.db import utcnow
from portal.extensions import db
from portal.money.services import USD, MissingExchangeRate, load_rates, rate_changed, to_usd
from portal.projects.models import Project
from portal.settings import get_setting, set_setting
from portal.strategy.models import NodeKind, StrategyFramework, StrategyNode

SERVICE_STANDARD_DAYS = "service_standard_days"
DEFAULT_SERVICE_STANDARD = 30


class AlignmentInvalid(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class AlignmentData:
    primary_priority_id: int | None
    other_priority_ids: list[int]
    rationale: str
    on_plan: bool
    on_budget: bool
    lead_role_accepted: bool


@dataclass
class FigureData:
    """A year's figure as the reviewer typed it: in USD or in one of the project's currencies."""

    year: int
    amount: Decimal | None
    status: str
    comment: str = ""
    currency: str = USD


def current_framework() -> StrategyFramework | None:
    return db.session.scalar(select(StrategyFramework).where(StrategyFramework.is_current))


def save_alignment(project: Project, data: AlignmentData, *, actor) -> Alignment:
    """Record how the project serves the current national strategy; refuse gaps (400)."""
    errors: dict[str, str] = {}
    framework = current_framework()
    primary = (
        db.session.get(StrategyNode, data.primary_priority_id) if data.primary_priority_id else None
    )
    if framework is None:
        errors["primary_priority_id"] = str(
            _l("CDC has not marked a strategy framework as current.")
        )
    elif (
        primary is None or primary.framework_id != framework.id or primary.kind != NodeKind.PRIORITY
    ):
        errors["primary_priority_id"] = str(_l("Choose the one priority the project serves first."))
    others = [db.session.get(StrategyNode, node_id) for node_id in data.other_priority_ids]
    if any(
        node is None or framework is None or node.framework_id != framework.id for node in others
    ):
        errors["other_priority_ids"] = str(_l("Choose priorities of the current framework."))
    if not data.rationale.strip():
        errors["rationale"] = str(
            _l("Say in a sentence or two how the project serves this priority.")
        )
    if not data.lead_role_accepted:
        errors["lead_role_accepted"] = str(
            _l("Confirming means your institution accepts being the lead national partner.")
        )
    if errors:
        raise AlignmentInvalid(errors)
    if framework is None or primary is None:
        raise AssertionError("the checks above refuse an alignment without these")
    alignment = db.session.scalar(select(Alignment).where(Alignment.project_id == project.id))
    if alignment is None:
        alignment = Alignment(project_id=project.id)
        db.session.add(alignment)
    alignment.framework_id = framework.id
    alignment.primary_priority_id = primary.id
    alignment.other_priorities = [
        AlignmentPriority(node_id=node.id)
        for node in others
        if node is not None and node.id != primary.id  # none is None: refused above
    ]
    alignment.rationale = data.rationale.strip()
    alignment.on_plan, alignment.on_budget = data.on_plan, data.on_budget
    alignment.lead_role_accepted = True
    alignment.confirmed_by_id, alignment.confirmed_at = getattr(actor, "id", None), utcnow()
    db.session.flush()
    record("alignment.saved", user=actor, obj=project)
    return alignment


def alignment_of(project_id: int) -> Alignment | None:
    return db.session.scalar(select(Alignment).where(Alignment.project_id == project_id))


def partner_figures(project: Project) -> dict[int, Decimal]:
    """What the partner reported as disbursed, in USD, per year."""
    years: dict[int, Decimal] = {}
    for row in project.funding:
        if row.kind == "disbursement":
            years[row.year] = years.get(row.year, Decimal(0)) + (row.amount_usd or 0)
    return years


def project_currencies(project: Project) -> list[str]:
    """The currencies the project's money is kept in besides USD (the reviewer may type in them)."""
    codes = {row.currency for row in project.funding} | {project.commitment_currency or USD}
    codes.discard(USD)
    return sorted(codes)


def _partner_original(project: Project) -> dict[int, list[tuple[str, Decimal]]]:
    """What the partner reported as disbursed per year in each currency other than USD."""
    years: dict[int, dict[str, Decimal]] = {}
    for row in project.funding:
        if row.kind == "disbursement" and row.currency != USD:
            by_currency = years.setdefault(row.year, {})
            by_currency[row.currency] = by_currency.get(row.currency, Decimal(0)) + row.amount
    return {year: sorted(amounts.items()) for year, amounts in years.items()}


def figures_table(project: Project) -> list[dict]:
    """Per year: partner-reported and government-recorded USD, the difference, the status.

    Each row also carries the partner's figure in its own currency, what the reviewer typed (an
    amount and its currency, when not USD) and the year's rates of the project's currencies.
    """
    reported = partner_figures(project)
    original = _partner_original(project)
    currencies = project_currencies(project)
    rates = load_rates(set(currencies))  # one query for every year's row
    recorded = {
        f.year: f
        for f in db.session.scalars(
            select(GovernmentFigure).where(GovernmentFigure.project_id == project.id)
        )
    }
    rows = []
    for year in sorted(set(reported) | set(recorded)):
        figure = recorded.get(year)
        partner = reported.get(year, Decimal(0))
        government = figure.recorded_usd if figure else None
        rows.append(
            {
                "year": year,
                "partner_usd": partner,
                "government_usd": government,
                "difference": None if government is None else government - partner,
                "status": figure.status if figure else "pending",
                "figure": figure,
                "partner_original": original.get(year, []),
                "amount": (figure.recorded_amount if figure.recorded_currency else government)
                if figure
                else None,
                "currency": (figure.recorded_currency if figure else None) or USD,
                "rates": [
                    (code, rates[(code, year)]) for code in currencies if (code, year) in rates
                ],
            }
        )
    return rows


def save_figures(project: Project, figures: list[FigureData], *, actor) -> None:
    """Record the government's amounts and each year's status; a dispute needs a comment."""
    errors = {}
    allowed = {USD, *project_currencies(project)}
    rates = load_rates(allowed)
    in_usd: list[Decimal | None] = []
    for index, figure in enumerate(figures):
        if figure.status not in ("pending", "agreed", "disputed"):
            errors[f"figures-{index}-status"] = str(_l("Choose agreed, disputed or pending."))
        usd = None
        if figure.currency not in allowed:
            errors[f"figures-{index}-currency"] = str(
                _l("Type the amount in USD or in one of the project's currencies.")
            )
        elif figure.amount is not None and figure.amount < 0:
            errors[f"figures-{index}-amount"] = str(_l("An amount cannot be negative."))
        elif figure.amount is not None:
            try:
                usd = to_usd(figure.amount, figure.currency, figure.year, rates)
            except MissingExchangeRate as missing:
                errors[f"figures-{index}-amount"] = str(missing)
        in_usd.append(usd)
        existing = db.session.scalar(
            select(GovernmentFigure).where(
                GovernmentFigure.project_id == project.id, GovernmentFigure.year == figure.year
            )
        )
        had_thread = existing is not None and existing.comments
        if figure.status == "disputed" and not figure.comment.strip() and not had_thread:
            errors[f"figures-{index}-comment"] = str(
                _l("Say what is disputed: the partner answers in the thread.")
            )
    if errors:
        raise AlignmentInvalid(errors)
    for figure, usd in zip(figures, in_usd, strict=True):
        row = db.session.scalar(
            select(GovernmentFigure).where(
                GovernmentFigure.project_id == project.id, GovernmentFigure.year == figure.year
            )
        )
        if row is None:
            row = GovernmentFigure(project_id=project.id, year=figure.year)
            db.session.add(row)
        row.recorded_usd, row.status = usd, figure.status
        typed_in_other = figure.amount is not None and figure.currency != USD
        row.recorded_amount = figure.amount if typed_in_other else None
        row.recorded_currency = figure.currency if typed_in_other else None
        row.updated_by_id = getattr(actor, "id", None)
        db.session.flush()
        if figure.comment.strip():
            add_comment(row, project, figure.comment, actor=actor)
    db.session.flush()


def add_comment(figure: GovernmentFigure, project: Project, text: str, *, actor) -> FigureComment:
    """Write in the thread of a figure and tell the other side."""
    comment = FigureComment(
        figure_id=figure.id, user_id=getattr(actor, "id", None), text=text.strip()
    )
    db.session.add(comment)
    db.session.flush()
    other_side = notify.recipients(
        project,
        "returned"
        if getattr(actor, "role", None) and actor.role.value == "ministry"
        else "submitted",
    )
    notify.send(
        other_side,
        kind="figure_comment",
        project=project,
        actor=actor,
        comment=f"{figure.year}: {text.strip()[:200]}",
    )
    return comment


def service_standard_days() -> int:
    """How many days a ministry has to confirm (CDC sets it; 30 by default)."""
    value = get_setting(SERVICE_STANDARD_DAYS)
    return int(value) if value is not None else DEFAULT_SERVICE_STANDARD


def set_service_standard(days: int, *, actor) -> None:
    set_setting(SERVICE_STANDARD_DAYS, str(days))
    record("setting.service_standard", user=actor, days=days)
    db.session.flush()


@rate_changed.connect
def _reconvert_figures(sender, currency: str, year: int, units_per_usd: Decimal, **extra) -> None:
    """A government figure typed in another currency follows a new or corrected rate."""
    rates = {(currency, year): Decimal(units_per_usd)}
    for figure in db.session.scalars(
        select(GovernmentFigure).where(
            GovernmentFigure.recorded_currency == currency, GovernmentFigure.year == year
        )
    ):
        if figure.recorded_amount is not None:
            figure.recorded_usd = to_usd(figure.recorded_amount, currency, year, rates)
    db.session.flush()
