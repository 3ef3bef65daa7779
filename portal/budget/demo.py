"""A small starter budget tree and demo mappings: demonstration data CDC replaces.

The codes and names are plausible, not the Ministry of Economy and Finance's official
programme classification; every node is marked `starter`, and the tree page says so.
"""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import insert, select

from portal.budget.models import BudgetNode, ProjectBudget, ProjectBudgetLine
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Organization
from portal.projects.models import Project, share_bounds

# (ministry acronym, chapter code, [(programme code suffix, English, Khmer, [sub-programmes])])
STARTER_TREE = [
    (
        "MOH",
        "MOH",
        [
            (
                "P1",
                "Health service delivery",
                "ការផ្ដល់សេវាសុខាភិបាល",
                [
                    ("01", "Primary health care", "ការថែទាំសុខភាពបឋម"),
                    ("02", "Hospital services", "សេវាមន្ទីរពេទ្យ"),
                    ("03", "Maternal and child health", "សុខភាពមាតា និងទារក"),
                ],
            ),
            (
                "P2",
                "Disease prevention and control",
                "ការបង្ការ និងទប់ស្កាត់ជំងឺ",
                [
                    ("01", "Communicable diseases", "ជំងឺឆ្លង"),
                    ("02", "Non-communicable diseases", "ជំងឺមិនឆ្លង"),
                ],
            ),
            ("P3", "Health system governance", "អភិបាលកិច្ចប្រព័ន្ធសុខាភិបាល", []),
        ],
    ),
    (
        "MOEYS",
        "MOEYS",
        [
            (
                "P1",
                "Early childhood and basic education",
                "ការអប់រំកុមារតូច និងការអប់រំមូលដ្ឋាន",
                [
                    ("01", "Early childhood education", "ការអប់រំកុមារតូច"),
                    ("02", "Primary education", "ការអប់រំបឋមសិក្សា"),
                ],
            ),
            (
                "P2",
                "Secondary and technical education",
                "ការអប់រំមធ្យមសិក្សា និងបច្ចេកទេស",
                [
                    ("01", "Lower secondary education", "ការអប់រំមធ្យមសិក្សាបឋមភូមិ"),
                    ("02", "Upper secondary education", "ការអប់រំមធ្យមសិក្សាទុតិយភូមិ"),
                ],
            ),
            ("P3", "Higher education", "ឧត្តមសិក្សា", []),
        ],
    ),
    (
        "MRD",
        "MRD",
        [
            (
                "P1",
                "Rural roads",
                "ផ្លូវជនបទ",
                [
                    ("01", "Rural road construction", "ការសាងសង់ផ្លូវជនបទ"),
                    ("02", "Rural road maintenance", "ការថែទាំផ្លូវជនបទ"),
                ],
            ),
            ("P2", "Rural water supply and sanitation", "ការផ្គត់ផ្គង់ទឹកស្អាត និងអនាម័យជនបទ", []),
        ],
    ),
    (
        "MAFF",
        "MAFF",
        [
            (
                "P1",
                "Agricultural productivity",
                "ផលិតភាពកសិកម្ម",
                [
                    ("01", "Crop production", "ផលិតកម្មដំណាំ"),
                    ("02", "Irrigation support", "ការគាំទ្រប្រព័ន្ធធារាសាស្ត្រ"),
                ],
            ),
            ("P2", "Fisheries and forestry", "ជលផល និងរុក្ខាប្រមាញ់", []),
        ],
    ),
    (
        "MPWT",
        "MPWT",
        [
            (
                "P1",
                "National roads and bridges",
                "ផ្លូវជាតិ និងស្ពាន",
                [
                    ("01", "Road construction", "ការសាងសង់ផ្លូវ"),
                    ("02", "Road maintenance", "ការថែទាំផ្លូវ"),
                ],
            ),
            ("P2", "Transport services", "សេវាដឹកជញ្ជូន", []),
        ],
    ),
]
# The share of each ministry's demo projects given budget codes.
MAPPED_SHARE = 0.45


def seed_starter_tree() -> int:
    """Add the starter tree's nodes that are missing (never changing one CDC edited)."""
    known = set(db.session.scalars(select(BudgetNode.code)))
    ministries = {
        org.acronym: org
        for org in db.session.scalars(
            select(Organization).where(Organization.acronym.in_([m for m, *_ in STARTER_TREE]))
        )
    }
    added = 0
    for acronym, chapter, programmes in STARTER_TREE:
        organization = ministries.get(acronym)
        if organization is None:
            continue
        root = db.session.scalar(select(BudgetNode).where(BudgetNode.code == chapter))
        if root is None:
            root = BudgetNode(
                code=chapter,
                level="ministry",
                organization_id=organization.id,
                name_en=organization.name_en,
                name_km=organization.name_km,
                starter=True,
            )
            db.session.add(root)
            added += 1
        for suffix, name_en, name_km, subs in programmes:
            code = f"{chapter}-{suffix}"
            programme = db.session.scalar(select(BudgetNode).where(BudgetNode.code == code))
            if programme is None and code not in known:
                programme = BudgetNode(
                    code=code,
                    level="programme",
                    parent=root,
                    organization_id=organization.id,
                    name_en=name_en,
                    name_km=name_km,
                    starter=True,
                )
                db.session.add(programme)
                added += 1
            if programme is None:
                continue
            for sub_suffix, sub_en, sub_km in subs:
                sub_code = f"{code}-{sub_suffix}"
                if sub_code in known:
                    continue
                db.session.add(
                    BudgetNode(
                        code=sub_code,
                        level="subprogramme",
                        parent=programme,
                        organization_id=organization.id,
                        name_en=sub_en,
                        name_km=sub_km,
                        starter=True,
                    )
                )
                added += 1
    db.session.flush()
    return added


def seed_demo_mappings() -> int:
    """Give a share of the demo projects of the starter ministries budget codes (once)."""
    nodes = list(
        db.session.scalars(
            select(BudgetNode).where(
                BudgetNode.level.in_(("programme", "subprogramme")), BudgetNode.retired.is_(False)
            )
        )
    )
    by_ministry: dict[int, list[BudgetNode]] = {}
    for node in nodes:
        by_ministry.setdefault(node.organization_id, []).append(node)
    mapped = set(db.session.scalars(select(ProjectBudget.project_id)))
    rows = db.session.execute(
        select(Project.id, Project.lead_national_partner_id)
        .where(Project.is_demo.is_(True), Project.lead_national_partner_id.in_(by_ministry))
        .order_by(Project.id)
    ).all()
    now = utcnow()
    headers, lines = [], []
    for project_id, lead_id in rows:
        rng = random.Random(f"budget-{project_id}")
        if project_id in mapped or rng.random() >= MAPPED_SHARE:
            continue
        offered = by_ministry.get(lead_id or 0, [])
        if not offered:
            continue
        choices = rng.sample(offered, k=min(len(offered), rng.choice((1, 1, 2))))
        percentages = [Decimal(100)] if len(choices) == 1 else [Decimal(60), Decimal(40)]
        headers.append({"project_id": project_id, "version": 1, "changed_at": now})
        for node, percentage, (low, high) in zip(
            choices, percentages, share_bounds(percentages), strict=True
        ):
            lines.append(
                {
                    "project_id": project_id,
                    "node_id": node.id,
                    "programme_id": node.programme_id,
                    "percentage": percentage,
                    "share_from": low,
                    "share_to": high,
                }
            )
    if headers:
        db.session.execute(insert(ProjectBudget), headers)
        db.session.execute(insert(ProjectBudgetLine), lines)
    return len(headers)


def seed_budget() -> int:
    """The starter tree and the demo mappings; return how many projects were mapped."""
    seed_starter_tree()
    return seed_demo_mappings()
