"""Demo results: about one demo project in five reports a result with plausible indicators
(baseline, yearly targets, and actual values for the years gone by), chosen by its sector.

Idempotent: a project that has results already is left alone.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.alignment.models import Alignment
from portal.extensions import db
from portal.projects.models import Project, ProjectSector
from portal.results.models import (
    IndicatorPeriod,
    IndicatorPriority,
    ProjectResult,
    ResultIndicator,
)

# sector prefix -> (result type, result title, [(indicator, measure, baseline, yearly step)])
TEMPLATES = {
    "12": (
        "2",
        "Better maternal and child health",
        [
            ("Share of births attended by skilled personnel", "2", "78", "3"),
            ("Health centres meeting the national quality standard", "1", "40", "15"),
        ],
    ),
    "11": (
        "2",
        "More children complete basic education",
        [
            ("Lower secondary completion rate", "2", "46", "2.5"),
            ("Teachers trained in the new curriculum", "1", "0", "350"),
        ],
    ),
    "21": (
        "1",
        "Rural roads rehabilitated and maintained",
        [("Kilometres of rural road rehabilitated", "1", "0", "85")],
    ),
    "14": (
        "1",
        "Safe water and sanitation for rural households",
        [
            ("Households with access to safe drinking water", "1", "0", "4200"),
            ("Share of villages declared open-defecation free", "2", "22", "6"),
        ],
    ),
    "31": (
        "2",
        "Higher incomes of smallholder farmers",
        [("Farmers adopting improved rice varieties", "1", "0", "2500")],
    ),
    "15": (
        "1",
        "Stronger public institutions",
        [
            ("Officials trained in public financial management", "1", "0", "120"),
            ("Quality of the district services (citizen scorecard)", "5", None, None),
        ],
    ),
}
FALLBACK = ("1", "Project outputs delivered", [("People trained", "1", "0", "300")])
LAST_YEAR = 2026


def _template(project: Project) -> tuple:
    codes = [s.sector_code for s in project.sectors]
    for code in codes:
        if code[:2] in TEMPLATES:
            return TEMPLATES[code[:2]]
    return FALLBACK


def _years(project: Project) -> range:
    start = (project.actual_start or project.planned_start or date(2022, 1, 1)).year
    end = (project.actual_end or project.planned_end or date(start + 4, 12, 31)).year
    return range(max(start, 2015), min(max(end, start), LAST_YEAR) + 1)


def _indicator(spec, years: range, rng: random.Random, today: date) -> ResultIndicator:
    title, measure, baseline, step = spec
    indicator = ResultIndicator(
        title=title, measure=measure, ascending=True, aggregation_status=measure != "5"
    )
    indicator.baseline_year = years.start - 1
    indicator.baseline_value = baseline
    periods = []
    if measure == "5":
        indicator.baseline_comment = "Citizens rate district services as fair (2 of 5)."
        for year in years:
            past = year < today.year
            periods.append(
                IndicatorPeriod(
                    period_start=date(year, 1, 1),
                    period_end=date(year, 12, 31),
                    target_comment="Services rated good by most respondents",
                    actual_comment=rng.choice(
                        ["Rated fair to good", "Rated good in most districts", "Survey delayed"]
                    )
                    if past
                    else None,
                )
            )
    else:
        value, increment = Decimal(baseline), Decimal(step)
        reached = value
        for year in years:
            value = min(value + increment, Decimal(100)) if measure == "2" else value + increment
            actual = None
            if year < today.year:
                factor = Decimal(str(round(rng.uniform(0.7, 1.1), 2)))
                reached = (
                    min(reached + increment * factor, Decimal(100))
                    if measure == "2"
                    else (reached + increment * factor)
                )
                actual = format(
                    reached.quantize(Decimal("0.1") if measure == "2" else 1).normalize(), "f"
                )
            periods.append(
                IndicatorPeriod(
                    period_start=date(year, 1, 1),
                    period_end=date(year, 12, 31),
                    target_value=format(value.normalize(), "f"),
                    actual_value=actual,
                )
            )
    indicator.periods = periods
    return indicator


def seed_results(today: date | None = None) -> int:
    """Give results to about a fifth of the demo projects that have none; return how many."""
    today = today or date.today()
    having = set(db.session.scalars(select(ProjectResult.project_id).distinct()))
    priorities = dict(
        db.session.execute(select(Alignment.project_id, Alignment.primary_priority_id)).all()
    )
    projects = db.session.scalars(
        select(Project)
        .where(Project.is_demo.is_(True), Project.id % 5 == 0)
        .where(Project.id.in_(select(ProjectSector.project_id)))
        .order_by(Project.id)
    )
    added = 0
    for project in projects:
        if project.id in having:
            continue
        rng = random.Random(project.id)
        result_type, title, specs = _template(project)
        years = _years(project)
        result = ProjectResult(project_id=project.id, result_type=result_type, title=title)
        for position, spec in enumerate(specs):
            indicator = _indicator(spec, years, rng, today)
            indicator.position = position
            if project.id in priorities:
                indicator.priorities = [IndicatorPriority(node_id=priorities[project.id])]
            result.indicators.append(indicator)
        db.session.add(result)
        added += 1
        if added % 500 == 0:
            db.session.flush()
    db.session.flush()
    return added
