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
from portal.db import Base
from portal.demo import bulk
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


def _template(codes: list[str]) -> tuple:
    """The template of the first of a project's sectors (largest share first) that has one."""
    for code in codes:
        if code[:2] in TEMPLATES:
            return TEMPLATES[code[:2]]
    return FALLBACK


def _years(project) -> range:
    start = (project.actual_start or project.planned_start or date(2022, 1, 1)).year
    end = (project.actual_end or project.planned_end or date(start + 4, 12, 31)).year
    return range(max(start, 2015), min(max(end, start), LAST_YEAR) + 1)


def _indicator(spec, years: range, rng: random.Random, today: date) -> tuple[dict, list[dict]]:
    """An indicator's row and its periods' rows (without ids)."""
    title, measure, baseline, step = spec
    indicator = {
        "title": title,
        "measure": measure,
        "ascending": True,
        "aggregation_status": measure != "5",
        "baseline_year": years.start - 1,
        "baseline_value": baseline,
        "baseline_comment": None,
    }
    periods = []
    if measure == "5":
        indicator["baseline_comment"] = "Citizens rate district services as fair (2 of 5)."
        for year in years:
            past = year < today.year
            periods.append(
                _period(
                    year,
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
                _period(year, target_value=format(value.normalize(), "f"), actual_value=actual)
            )
    return indicator, periods


def _period(year: int, **values) -> dict:
    return {
        "period_start": date(year, 1, 1),
        "period_end": date(year, 12, 31),
        "target_value": None,
        "target_comment": None,
        "actual_value": None,
        "actual_comment": None,
        **values,
    }


def seed_results(today: date | None = None) -> int:
    """Give results to about a fifth of the demo projects that have none; return how many."""
    today = today or date.today()
    having = set(db.session.scalars(select(ProjectResult.project_id).distinct()))
    priorities = dict(
        db.session.execute(select(Alignment.project_id, Alignment.primary_priority_id)).all()
    )
    chosen = (Project.is_demo.is_(True), Project.id % 5 == 0)
    # Each project's sector codes, read at once (not one query, and one flush, per project).
    codes: dict[int, list[str]] = {}
    for project_id, code in db.session.execute(
        select(ProjectSector.project_id, ProjectSector.sector_code)
        .join(Project, Project.id == ProjectSector.project_id)
        .where(*chosen)
        .order_by(ProjectSector.project_id, ProjectSector.percentage.desc(), ProjectSector.id)
    ):
        codes.setdefault(project_id, []).append(code)
    projects = db.session.execute(
        select(
            Project.id,
            Project.actual_start,
            Project.planned_start,
            Project.actual_end,
            Project.planned_end,
        )
        .where(*chosen)
        .order_by(Project.id)
    ).all()
    models = (ProjectResult, ResultIndicator, IndicatorPeriod, IndicatorPriority)
    ids = {model: bulk.next_id(model) for model in models}
    rows: dict[type[Base], list[dict]] = {model: [] for model in models}

    def add(model, row: dict) -> int:
        row["id"] = ids[model]
        ids[model] += 1
        rows[model].append(row)
        return row["id"]

    added = 0
    for project in projects:
        if project.id in having or project.id not in codes:
            continue
        rng = random.Random(project.id)
        result_type, title, specs = _template(codes[project.id])
        years = _years(project)
        result_id = add(
            ProjectResult, {"project_id": project.id, "result_type": result_type, "title": title}
        )
        for position, spec in enumerate(specs):
            indicator, periods = _indicator(spec, years, rng, today)
            indicator_id = add(
                ResultIndicator, {**indicator, "result_id": result_id, "position": position}
            )
            for period in periods:
                add(IndicatorPeriod, {**period, "indicator_id": indicator_id})
            if project.id in priorities:
                add(
                    IndicatorPriority,
                    {"indicator_id": indicator_id, "node_id": priorities[project.id]},
                )
        added += 1
    # Written in bulk with the ids assigned here (portal/demo/bulk.py): no money moves.
    for model, values in rows.items():
        bulk.write(model.__table__, values)
    bulk.sync_sequences(model.__tablename__ for model in models)
    return added
