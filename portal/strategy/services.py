"""Keep the national strategy framework, and seed the Pentagonal Strategy Phase I."""

from __future__ import annotations

from typing import TypedDict

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal.audit.services import record
from portal.extensions import db
from portal.strategy.models import NodeKind, StrategyFramework, StrategyNode


class StrategyError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class FrameworkSpec(TypedDict):
    """A framework to seed: its pillars as (code, English name, Khmer name, sides in English)."""

    code: str
    name_en: str
    name_km: str
    start_year: int
    end_year: int
    pillars: list[tuple[str, str, str, list[str]]]


# The Pentagonal Strategy Phase I (2023-2028): five pentagons (pillars), each with five sides
# (priorities). Seeded as a starting point; CDC edits the wording and adds the next framework.
PENTAGONAL_STRATEGY: FrameworkSpec = {
    "code": "PS-I",
    "name_en": "Pentagonal Strategy – Phase I (2023-2028)",
    "name_km": "យុទ្ធសាស្ត្របញ្ចកោណ ដំណាក់កាលទី១ (២០២៣-២០២៨)",
    "start_year": 2023,
    "end_year": 2028,
    "pillars": [
        (
            "P1",
            "Human capital development",
            "ការអភិវឌ្ឍធនធានមនុស្ស",
            [
                "Improving the quality of education, science and technology",
                "Training of technical skills",
                "Improving healthcare services and promoting nutrition",
                "Strengthening the social protection system",
                "Promoting gender equality and social inclusion",
            ],
        ),
        (
            "P2",
            "Economic diversification and competitiveness enhancement",
            "ការធ្វើពិពិធកម្មសេដ្ឋកិច្ច និងការពង្រឹងភាពប្រកួតប្រជែង",
            [
                "Improving logistics and enhancing transport, energy and digital connectivity",
                "Developing key and new sources of economic growth",
                "Readiness for the digital economy and society",
                "Promoting the development of the financial sector",
                "Modernising the agriculture sector",
            ],
        ),
        (
            "P3",
            "Development of the private sector and employment",
            "ការអភិវឌ្ឍវិស័យឯកជន និងការងារ",
            [
                "Developing the labour market",
                "Promoting small and medium enterprises and entrepreneurship",
                "Strengthening public-private partnerships",
                "Enhancing competitiveness and the investment climate",
                "Promoting the formalisation of the informal economy",
            ],
        ),
        (
            "P4",
            "Resilient, sustainable and inclusive development",
            "ការអភិវឌ្ឍប្រកបដោយភាពធន់ ចីរភាព និងបរិយាប័ន្ន",
            [
                "Promoting inclusive rural development",
                "Ensuring environmental sustainability and readiness for climate change",
                "Sustainable management of natural and cultural resources",
                "Strengthening urban management",
                "Ensuring sustainable water resources and disaster risk management",
            ],
        ),
        (
            "P5",
            "Development of the digital economy and society",
            "ការអភិវឌ្ឍសេដ្ឋកិច្ច និងសង្គមឌីជីថល",
            [
                "Developing digital government and digital citizens",
                "Developing digital infrastructure",
                "Promoting digital business and innovation",
                "Building trust and security in the digital space",
                "Developing digital skills",
            ],
        ),
    ],
}


def seed_pentagonal_strategy() -> bool:
    """Create the Pentagonal Strategy Phase I if no framework with its code exists."""
    spec = PENTAGONAL_STRATEGY
    if db.session.scalar(select(StrategyFramework).where(StrategyFramework.code == spec["code"])):
        return False
    any_current = db.session.scalar(
        select(StrategyFramework.id).where(StrategyFramework.is_current)
    )
    framework = StrategyFramework(
        code=spec["code"],
        name_en=spec["name_en"],
        name_km=spec["name_km"],
        start_year=spec["start_year"],
        end_year=spec["end_year"],
        is_current=any_current is None,
    )
    db.session.add(framework)
    for p_index, (code, name_en, name_km, sides) in enumerate(spec["pillars"], start=1):
        pillar = StrategyNode(
            framework=framework,
            kind=NodeKind.PILLAR,
            code=code,
            name_en=name_en,
            name_km=name_km,
            position=p_index,
        )
        db.session.add(pillar)
        for s_index, side in enumerate(sides, start=1):
            db.session.add(
                StrategyNode(
                    framework=framework,
                    parent=pillar,
                    kind=NodeKind.PRIORITY,
                    code=f"{code}.{s_index}",
                    name_en=side,
                    position=s_index,
                )
            )
    db.session.flush()
    return True


def create_framework(
    *,
    code: str,
    name_en: str,
    name_km: str | None,
    start_year: int,
    end_year: int,
    is_current: bool,
    actor=None,
) -> StrategyFramework:
    """Add a framework; refuse a taken code or years out of order."""
    if end_year < start_year:
        raise StrategyError(str(_l("The end year is before the start year.")), "end_year")
    if db.session.scalar(select(StrategyFramework).where(StrategyFramework.code == code)):
        raise StrategyError(str(_l("Another framework uses this code.")), "code")
    framework = StrategyFramework(
        code=code,
        name_en=name_en,
        name_km=name_km or None,
        start_year=start_year,
        end_year=end_year,
    )
    db.session.add(framework)
    db.session.flush()
    if is_current:
        make_current(framework, actor=actor)
    record("strategy.framework_created", user=actor, obj=framework)
    return framework


def make_current(framework: StrategyFramework, *, actor=None) -> None:
    """Mark `framework` as the one new alignments use; the others stop being current."""
    db.session.execute(
        update(StrategyFramework)
        .where(StrategyFramework.id != framework.id)
        .values(is_current=False)
    )
    framework.is_current = True
    record("strategy.framework_current", user=actor, obj=framework)
    db.session.flush()


def add_node(
    framework: StrategyFramework,
    *,
    parent: StrategyNode | None,
    code: str,
    name_en: str,
    name_km: str | None,
    description: str | None = None,
    actor=None,
) -> StrategyNode:
    """Add a pillar (no parent) or a priority (under a pillar); refuse a taken code."""
    if parent is not None and (parent.framework_id != framework.id or parent.parent_id):
        raise StrategyError(
            str(_l("A priority must sit under a pillar of the same framework.")), "parent_id"
        )
    taken = db.session.scalar(
        select(StrategyNode).where(
            StrategyNode.framework_id == framework.id, StrategyNode.code == code
        )
    )
    if taken:
        raise StrategyError(str(_l("Another entry of this framework uses this code.")), "code")
    siblings = (StrategyNode.parent_id == parent.id) if parent else StrategyNode.parent_id.is_(None)
    last = db.session.scalar(
        select(func.max(StrategyNode.position)).where(
            StrategyNode.framework_id == framework.id, siblings
        )
    )
    position = (last or 0) + 1
    node = StrategyNode(
        framework=framework,
        parent=parent,
        code=code,
        name_en=name_en,
        name_km=name_km or None,
        description=description or None,
        kind=NodeKind.PRIORITY if parent else NodeKind.PILLAR,
        position=position,
    )
    db.session.add(node)
    db.session.flush()
    record("strategy.node_added", user=actor, obj=node)
    return node


def update_node(
    node: StrategyNode,
    *,
    code: str,
    name_en: str,
    name_km: str | None,
    description: str | None,
    actor=None,
) -> None:
    """Rename an entry; refuse a code another entry of the framework has."""
    taken = db.session.scalar(
        select(StrategyNode).where(
            StrategyNode.framework_id == node.framework_id,
            StrategyNode.code == code,
            StrategyNode.id != node.id,
        )
    )
    if taken:
        raise StrategyError(str(_l("Another entry of this framework uses this code.")), "code")
    node.code, node.name_en = code, name_en
    node.name_km, node.description = name_km or None, description or None
    record("strategy.node_updated", user=actor, obj=node)
    db.session.flush()
