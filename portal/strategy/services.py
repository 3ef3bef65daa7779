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
    """A framework to seed: its pillars as (code, English name, Khmer name, sides as (en, km))."""

    code: str
    name_en: str
    name_km: str
    start_year: int
    end_year: int
    pillars: list[tuple[str, str, str, list[tuple[str, str]]]]


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
                (
                    "Improving the quality of education, science and technology",
                    "ការលើកកម្ពស់គុណភាពអប់រំ វិទ្យាសាស្ត្រ និងបច្ចេកវិទ្យា",
                ),
                ("Training of technical skills", "ការបណ្តុះបណ្តាលជំនាញបច្ចេកទេស"),
                (
                    "Improving healthcare services and promoting nutrition",
                    "ការលើកកម្ពស់សេវាថែទាំសុខភាព និងការលើកកម្ពស់អាហារូបត្ថម្ភ",
                ),
                ("Strengthening the social protection system", "ការពង្រឹងប្រព័ន្ធគាំពារសង្គម"),
                (
                    "Promoting gender equality and social inclusion",
                    "ការលើកកម្ពស់សមភាពយេនឌ័រ និងបរិយាប័ន្នសង្គម",
                ),
            ],
        ),
        (
            "P2",
            "Economic diversification and competitiveness enhancement",
            "ការធ្វើពិពិធកម្មសេដ្ឋកិច្ច និងការពង្រឹងភាពប្រកួតប្រជែង",
            [
                (
                    "Improving logistics and enhancing transport, energy and digital connectivity",
                    "ការកែលម្អភស្តុភារកម្ម និងការពង្រឹងការតភ្ជាប់ដឹកជញ្ជូន ថាមពល និងឌីជីថល",
                ),
                (
                    "Developing key and new sources of economic growth",
                    "ការអភិវឌ្ឍប្រភពកំណើនសេដ្ឋកិច្ចសំខាន់ៗ និងប្រភពថ្មី",
                ),
                (
                    "Readiness for the digital economy and society",
                    "ការត្រៀមខ្លួនសម្រាប់សេដ្ឋកិច្ច និងសង្គមឌីជីថល",
                ),
                (
                    "Promoting the development of the financial sector",
                    "ការលើកកម្ពស់ការអភិវឌ្ឍវិស័យហិរញ្ញវត្ថុ",
                ),
                ("Modernising the agriculture sector", "ការធ្វើទំនើបកម្មវិស័យកសិកម្ម"),
            ],
        ),
        (
            "P3",
            "Development of the private sector and employment",
            "ការអភិវឌ្ឍវិស័យឯកជន និងការងារ",
            [
                ("Developing the labour market", "ការអភិវឌ្ឍទីផ្សារការងារ"),
                (
                    "Promoting small and medium enterprises and entrepreneurship",
                    "ការលើកកម្ពស់សហគ្រាសធុនតូច និងមធ្យម និងសហគ្រិនភាព",
                ),
                ("Strengthening public-private partnerships", "ការពង្រឹងភាពជាដៃគូរវាងរដ្ឋ និងឯកជន"),
                (
                    "Enhancing competitiveness and the investment climate",
                    "ការពង្រឹងភាពប្រកួតប្រជែង និងបរិយាកាសវិនិយោគ",
                ),
                (
                    "Promoting the formalisation of the informal economy",
                    "ការលើកកម្ពស់ការធ្វើវិធិវត្តកម្មសេដ្ឋកិច្ចក្រៅប្រព័ន្ធ",
                ),
            ],
        ),
        (
            "P4",
            "Resilient, sustainable and inclusive development",
            "ការអភិវឌ្ឍប្រកបដោយភាពធន់ ចីរភាព និងបរិយាប័ន្ន",
            [
                (
                    "Promoting inclusive rural development",
                    "ការលើកកម្ពស់ការអភិវឌ្ឍជនបទប្រកបដោយបរិយាប័ន្ន",
                ),
                (
                    "Ensuring environmental sustainability and readiness for climate change",
                    "ការធានាចីរភាពបរិស្ថាន និងការត្រៀមខ្លួនឆ្លើយតបនឹងការប្រែប្រួលអាកាសធាតុ",
                ),
                (
                    "Sustainable management of natural and cultural resources",
                    "ការគ្រប់គ្រងធនធានធម្មជាតិ និងវប្បធម៌ប្រកបដោយចីរភាព",
                ),
                ("Strengthening urban management", "ការពង្រឹងការគ្រប់គ្រងទីក្រុង"),
                (
                    "Ensuring sustainable water resources and disaster risk management",
                    "ការធានាចីរភាពធនធានទឹក និងការគ្រប់គ្រងហានិភ័យគ្រោះមហន្តរាយ",
                ),
            ],
        ),
        (
            "P5",
            "Development of the digital economy and society",
            "ការអភិវឌ្ឍសេដ្ឋកិច្ច និងសង្គមឌីជីថល",
            [
                (
                    "Developing digital government and digital citizens",
                    "ការអភិវឌ្ឍរដ្ឋាភិបាលឌីជីថល និងពលរដ្ឋឌីជីថល",
                ),
                ("Developing digital infrastructure", "ការអភិវឌ្ឍហេដ្ឋារចនាសម្ព័ន្ធឌីជីថល"),
                (
                    "Promoting digital business and innovation",
                    "ការលើកកម្ពស់ធុរកិច្ចឌីជីថល និងនវានុវត្តន៍",
                ),
                (
                    "Building trust and security in the digital space",
                    "ការកសាងទំនុកចិត្ត និងសន្តិសុខក្នុងលំហឌីជីថល",
                ),
                ("Developing digital skills", "ការអភិវឌ្ឍជំនាញឌីជីថល"),
            ],
        ),
    ],
}


def seed_pentagonal_strategy() -> bool:
    """Create the Pentagonal Strategy Phase I if no framework with its code exists."""
    spec = PENTAGONAL_STRATEGY
    if db.session.scalar(select(StrategyFramework).where(StrategyFramework.code == spec["code"])):
        fill_khmer_names()
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
        for s_index, (side_en, side_km) in enumerate(sides, start=1):
            db.session.add(
                StrategyNode(
                    framework=framework,
                    parent=pillar,
                    kind=NodeKind.PRIORITY,
                    code=f"{code}.{s_index}",
                    name_en=side_en,
                    name_km=side_km,
                    position=s_index,
                )
            )
    db.session.flush()
    return True


def fill_khmer_names() -> int:
    """Give the seeded framework's pillars and priorities their Khmer names where none is set.

    A name CDC has written is kept; only empty ones are filled (databases seeded before the
    priorities had Khmer names). Returns how many names were filled.
    """
    spec = PENTAGONAL_STRATEGY
    names = {code: km for code, _en, km, _sides in spec["pillars"]}
    for code, _en, _km, sides in spec["pillars"]:
        names.update({f"{code}.{i}": km for i, (_side_en, km) in enumerate(sides, start=1)})
    nodes = db.session.scalars(
        select(StrategyNode)
        .join(StrategyFramework, StrategyNode.framework_id == StrategyFramework.id)
        .where(StrategyFramework.code == spec["code"], StrategyNode.name_km.is_(None))
    )
    filled = 0
    for node in nodes:
        if node.code in names:
            node.name_km = names[node.code]
            filled += 1
    db.session.flush()
    return filled


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
