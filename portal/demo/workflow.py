"""Demo workflow history: states, transition logs, alignments and government figures.

Demo projects are generated in the "draft" state with no history. `seed_workflow` gives each
demo project that has no transition yet a plausible place in the workflow and the log that led
there, as the application itself would have recorded it:

- published projects end "validated" (submitted, sometimes returned and submitted again,
  confirmed by the lead ministry, validated by CDC at the moment they were published);
- unpublished projects are spread over draft, submitted (waiting up to 90 days, so some are
  overdue), returned (with the ministry's reasons), confirmed and reconfirm (a material field
  changed after confirmation).

Confirmed projects get the ministry's alignment with the current national strategy, the
snapshot of their material fields as confirmed, and often the government's yearly figures,
a few of them disputed with a short thread.

Everything is written with bulk Core inserts and ids assigned here, like the demo projects.
Each project's history is drawn from a random stream seeded by its id, so it is deterministic.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import overload

from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    Table,
    bindparam,
    exists,
    select,
    update,
)

from portal.accounts.models import Role, User
from portal.alignment.models import Alignment, FigureComment, GovernmentFigure, WorkflowTransition
from portal.alignment.workflow import (
    CONFIRMED,
    DRAFT,
    RECONFIRM,
    RETURNED,
    SUBMITTED,
    VALIDATED,
    material_snapshot,
)
from portal.demo import bulk
from portal.demo.organizations import DEMO_USERS
from portal.demo.projects import DEMO_SEED, THEMES
from portal.extensions import db
from portal.organizations.models import Organization
from portal.projects import quality
from portal.projects.models import Project, ProjectFunding, ProjectLocation, ProjectSector
from portal.strategy.models import NodeKind, StrategyFramework, StrategyNode

CENT = Decimal("0.01")
WORKFLOW_SALT = 7_919

# Unpublished demo projects: the share of each state (validated needs publication, so the
# remainder is confirmed: waiting for CDC).
UNPUBLISHED_STATES = (
    (DRAFT, 0.30),
    (SUBMITTED, 0.20),
    (RETURNED, 0.10),
    (CONFIRMED, 0.35),
    (RECONFIRM, 0.05),
)
RETURN_LOOP_SHARE = 0.15  # projects returned once before the state they are in now
FIGURES_SHARE = 0.65  # confirmed projects whose government figures are recorded
DISPUTED_SHARE, PENDING_SHARE = 0.08, 0.10  # of the yearly figures

# Which priority of the Pentagonal Strategy (by code) a theme serves first.
THEME_PRIORITY = {
    "water": "P4.1",
    "urban_water": "P4.4",
    "health": "P1.3",
    "mch": "P1.3",
    "malaria": "P1.3",
    "tb": "P1.3",
    "hiv": "P1.3",
    "health_finance": "P1.3",
    "nutrition": "P1.3",
    "rural_roads": "P4.1",
    "national_roads": "P2.1",
    "electricity": "P2.1",
    "teachers": "P1.1",
    "primary_ed": "P1.1",
    "early_ed": "P1.1",
    "tvet": "P1.2",
    "irrigation": "P4.5",
    "agri": "P2.5",
    "fisheries": "P4.3",
    "forestry": "P4.3",
    "decentralisation": "P4.1",
    "social_protection": "P1.4",
    "gender": "P1.5",
    "land": "P4.3",
    "mines": "P4.1",
    "disaster": "P4.5",
    "climate": "P4.2",
    "sme": "P3.2",
    "trade": "P3.4",
    "digital": "P5.1",
    "waste": "P4.4",
}

# Reasons a ministry gives when it returns a project, by theme ("any" for every project).
RETURN_REASONS = {
    "health": (
        "Please add the districts where the health centres are.",
        "Please list the referral hospitals that receive equipment under the project.",
    ),
    "education": (
        "Please give the provinces and districts of the schools the project supports.",
        "The number of teachers to be trained is missing from the description.",
    ),
    "roads": (
        "Please give the road sections (national road numbers and kilometre points).",
        "Please add the provinces crossed by the road; only one is listed.",
    ),
    "any": (
        "The yearly disbursements do not add up to the commitment; please check the amounts.",
        "Please give the date the financing agreement was signed.",
        "The project also finances {cross}; please add it as a second sector.",
        "The planned end date is before the last year with planned funding; please correct it.",
        "Please add a contact person in the implementing department of the ministry.",
        "Please explain the government counterpart contribution and its amount.",
    ),
}
THEME_FAMILY = {
    "health": "health",
    "mch": "health",
    "malaria": "health",
    "tb": "health",
    "hiv": "health",
    "health_finance": "health",
    "nutrition": "health",
    "teachers": "education",
    "primary_ed": "education",
    "early_ed": "education",
    "tvet": "education",
    "rural_roads": "roads",
    "national_roads": "roads",
}
CROSS_CUTTING_WORDS = ("gender equality", "climate change adaptation", "disaster preparedness")

DISPUTE_OPENINGS = (
    "The National Treasury recorded USD {recorded} received in {year}, not USD {partner}. "
    "Please check the {year} disbursement.",
    "Our records show USD {recorded} for {year}; the difference of USD {gap} is not in the "
    "Treasury account. Could you send the transfer dates?",
)
DISPUTE_ANSWERS = (
    "Part of the {year} amount was paid directly to the contractors and did not go through the "
    "Treasury; we will send the list of payments.",
    "Our {year} figure includes a transfer made at the end of December that may appear in "
    "{next_year} in your ledger. We are checking with our headquarters.",
    "We have re-checked: our figure includes technical assistance paid abroad. We will report "
    "it separately.",
)


@dataclass
class _Context:
    now: datetime
    framework_id: int
    priorities: list  # (id, code, name_en), in order
    priority_by_code: dict
    acronym_of: dict  # organization id -> acronym
    partner_user: dict  # organization id -> demo development partner user id
    ministry_user: dict  # organization id -> demo ministry user id
    cdc_user: int | None
    theme_titles: list  # (lowercase title, theme key), longest first
    seed: int


def _load_context(seed: int) -> _Context | None:
    framework_id = db.session.scalar(
        select(StrategyFramework.id)
        .where(StrategyFramework.is_current)
        .order_by(StrategyFramework.id)
    )
    if framework_id is None:
        return None
    priorities = list(
        db.session.execute(
            select(StrategyNode.id, StrategyNode.code, StrategyNode.name_en)
            .where(
                StrategyNode.framework_id == framework_id,
                StrategyNode.kind == NodeKind.PRIORITY,
            )
            .order_by(StrategyNode.code, StrategyNode.id)
        )
    )
    if not priorities:
        return None
    emails = [email for email, *_rest in DEMO_USERS]
    partner_user: dict[int, int] = {}
    ministry_user: dict[int, int] = {}
    cdc_user = None
    for user_id, org_id, role in db.session.execute(
        select(User.id, User.organization_id, User.role)
        .where(User.email.in_(emails))
        .order_by(User.id)
    ):
        if role == Role.DP:
            partner_user.setdefault(org_id, user_id)
        elif role == Role.MINISTRY:
            ministry_user.setdefault(org_id, user_id)
        elif role == Role.CDC and cdc_user is None:
            cdc_user = user_id
    return _Context(
        now=datetime.now(UTC).replace(microsecond=0),
        framework_id=framework_id,
        priorities=priorities,
        priority_by_code={row.code: row for row in priorities},
        acronym_of=dict(db.session.execute(select(Organization.id, Organization.acronym)).all()),
        partner_user=partner_user,
        ministry_user=ministry_user,
        cdc_user=cdc_user,
        theme_titles=sorted(
            ((theme.title.lower(), key) for key, theme in THEMES.items()),
            key=lambda item: -len(item[0]),
        ),
        seed=seed,
    )


@overload
def _aware(moment: datetime) -> datetime: ...
@overload
def _aware(moment: None) -> None: ...
@overload
def _aware(moment: datetime | None) -> datetime | None: ...
def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _days(value: float) -> timedelta:
    return timedelta(seconds=int(value * 86400))


def _theme_of(ctx: _Context, title: str) -> str | None:
    lowered = title.lower()
    for theme_title, key in ctx.theme_titles:
        if theme_title in lowered:
            return key
    return None


def _ministry_pace(ctx: _Context, lead_id: int) -> float:
    """The median number of days a ministry takes to review (its own, the same every run)."""
    acronym = ctx.acronym_of.get(lead_id, str(lead_id))
    return random.Random(f"{ctx.seed}:{acronym}").uniform(5, 25)


def _review_days(rng: random.Random, pace: float) -> float:
    """Days from a submission to the ministry's answer: 2 to 60, around the ministry's pace."""
    return min(60.0, max(2.0, rng.lognormvariate(math.log(pace), 0.6)))


def _state_of(rng: random.Random, published: bool) -> str:
    if published:
        return VALIDATED
    roll, total = rng.random(), 0.0
    for state, share in UNPUBLISHED_STATES:
        total += share
        if roll < total:
            return state
    return CONFIRMED


def _return_reason(rng: random.Random, theme: str | None) -> str:
    family = THEME_FAMILY.get(theme or "")
    pool = RETURN_REASONS["any"] + (RETURN_REASONS[family] * 2 if family else ())
    return rng.choice(pool).format(cross=rng.choice(CROSS_CUTTING_WORDS))


def _chain(rng: random.Random, state: str, pace: float, theme: str | None) -> list[tuple]:
    """The steps leading to `state`: (days after the first submission, from, to, role, why)."""
    steps: list[tuple] = []
    t = 0.0

    def add(source, target, role, comment=None):
        steps.append((t, source, target, role, comment))

    add(DRAFT, SUBMITTED, "partner")
    loops = 1 if rng.random() < RETURN_LOOP_SHARE else 0
    if state == RETURNED:
        loops += 1
    for index in range(loops):
        t += min(30.0, _review_days(rng, pace))
        add(SUBMITTED, RETURNED, "ministry", _return_reason(rng, theme))
        if state == RETURNED and index == loops - 1:
            return steps
        t += rng.uniform(1, 45)
        add(RETURNED, SUBMITTED, "partner")
    if state == SUBMITTED:
        return steps
    t += _review_days(rng, pace)
    add(SUBMITTED, CONFIRMED, "ministry")
    if state == VALIDATED:
        t += rng.uniform(0.5, 21)
        add(CONFIRMED, VALIDATED, "cdc")
    elif state == RECONFIRM:
        t += rng.uniform(20, 400)
        add(CONFIRMED, RECONFIRM, "partner")
    return steps


def _end_of_chain(rng: random.Random, ctx: _Context, state: str, published_at) -> datetime:
    """When the last step happened."""
    if state == VALIDATED:
        return published_at
    recent = {SUBMITTED: 90, RETURNED: 120, CONFIRMED: 180, RECONFIRM: 60}[state]
    return ctx.now - _days(max(0.05, recent * rng.random() ** 2))


def _as_project(row, acronym: str | None, sectors, locations, funding) -> SimpleNamespace:
    """What history.snapshot reads, from the rows as the database returns them."""
    return SimpleNamespace(
        **row._mapping,
        lead_national_partner=SimpleNamespace(acronym=acronym) if acronym else None,
        external_lead_partner=None,
        twg=None,
        sectors=sectors,
        locations=locations,
        funding=funding,
        participants=[],
        documents=[],
        is_published=row.published_at is not None,
    )


def _changed_before(rng: random.Random, project: SimpleNamespace) -> SimpleNamespace:
    """The project as the ministry confirmed it, before the partner changed a material field."""
    before = SimpleNamespace(**vars(project))
    if project.commitment_amount is not None and rng.random() < 0.7:
        factor = Decimal(str(rng.choice((0.8, 0.85, 0.9, 0.75))))
        before.commitment_amount = (project.commitment_amount * factor).quantize(CENT)
    else:  # the end was extended since
        before.planned_end = project.planned_end - timedelta(days=rng.choice((92, 183, 365)))
        if before.planned_end < project.planned_start:
            before.planned_end = project.planned_start
            before.planned_start = project.planned_start - timedelta(days=30)
    return before


def _figures(rng, ctx, project_id, funding, confirmed_at, ministry, partner, ids) -> tuple:
    """The government's yearly figures of a confirmed project, and any dispute threads."""
    figures, comments = [], []
    by_year: dict[int, Decimal] = {}
    for row in funding:
        if row.kind == "disbursement" and row.year <= confirmed_at.year:
            by_year[row.year] = by_year.get(row.year, Decimal(0)) + (row.amount_usd or 0)
    for year in sorted(by_year):
        partner_usd = by_year[year]
        roll = rng.random()
        at = min(ctx.now, confirmed_at + _days(rng.uniform(0, 3)))
        figure_id = ids["figure"]
        ids["figure"] += 1
        recorded: Decimal | None
        if roll < DISPUTED_SHARE and partner_usd > 0:
            factor = rng.uniform(0.55, 0.95) if rng.random() < 0.7 else rng.uniform(1.04, 1.2)
            recorded = (partner_usd * Decimal(str(round(factor, 4)))).quantize(CENT)
            if recorded == partner_usd:
                recorded = max(Decimal(0), partner_usd - Decimal(1))
            status = "disputed"
            values = {
                "recorded": f"{recorded:,.2f}",
                "partner": f"{partner_usd:,.2f}",
                "gap": f"{abs(partner_usd - recorded):,.2f}",
                "year": year,
                "next_year": year + 1,
            }
            thread = [(at, ministry, rng.choice(DISPUTE_OPENINGS).format(**values))]
            if rng.random() < 0.6:
                answered = min(ctx.now, at + _days(rng.uniform(0.5, 20)))
                thread.append((answered, partner, rng.choice(DISPUTE_ANSWERS).format(**values)))
            for when, user_id, text in thread:
                comments.append(
                    {
                        "id": ids["comment"],
                        "figure_id": figure_id,
                        "user_id": user_id,
                        "at": when,
                        "text": text,
                    }
                )
                ids["comment"] += 1
        elif roll < DISPUTED_SHARE + PENDING_SHARE:
            status = "pending"
            recorded = None if rng.random() < 0.5 else partner_usd
        else:
            status, recorded = "agreed", partner_usd
        figures.append(
            {
                "id": figure_id,
                "project_id": project_id,
                "year": year,
                "recorded_usd": recorded,
                "status": status,
                "updated_by_id": ministry,
                "updated_at": at,
            }
        )
    return figures, comments


def _rationale(rng: random.Random, theme: str | None, priority) -> str:
    if theme is not None:
        opening = f"The project {THEMES[theme].purpose}"
    else:
        opening = "The project supports the ministry's sector plan"
    link = rng.choice(
        (
            "which contributes directly to priority",
            "in line with priority",
            "which serves priority",
        )
    )
    return f"{opening}, {link} {priority.code} “{priority.name_en}”."


def _candidates():
    """The demo projects still in draft with nothing in their log."""
    logged = exists().where(WorkflowTransition.project_id == Project.id)
    return (Project.is_demo.is_(True), Project.workflow_state == DRAFT, ~logged)


def _children(model, columns, where) -> dict[int, list]:
    ids = select(Project.id).where(*where)
    grouped: dict[int, list] = {}
    for row in db.session.execute(
        select(model.project_id, *columns).where(model.project_id.in_(ids))
    ):
        grouped.setdefault(row.project_id, []).append(row)
    return grouped


def seed_workflow(*, seed: int = DEMO_SEED) -> int:
    """Give demo projects without history a workflow state and its log; return how many."""
    ctx = _load_context(seed)
    if ctx is None:  # no current strategy framework: nothing can be confirmed
        return 0
    where = _candidates()
    table = Project.__table__
    projects = list(db.session.execute(select(table).where(*where).order_by(table.c.id)))
    if not projects:
        return 0
    sectors = _children(ProjectSector, (ProjectSector.sector_code, ProjectSector.percentage), where)
    locations = _children(
        ProjectLocation,
        (
            ProjectLocation.province_code,
            ProjectLocation.district_code,
            ProjectLocation.commune_code,
            ProjectLocation.percentage,
        ),
        where,
    )
    funding = _children(
        ProjectFunding,
        (
            ProjectFunding.year,
            ProjectFunding.kind,
            ProjectFunding.amount,
            ProjectFunding.currency,
            ProjectFunding.amount_usd,
        ),
        where,
    )
    ids = {
        "transition": bulk.next_id(WorkflowTransition),
        "alignment": bulk.next_id(Alignment),
        "figure": bulk.next_id(GovernmentFigure),
        "comment": bulk.next_id(FigureComment),
    }
    transitions, alignments, figures, comments, updates = [], [], [], [], []
    for row in projects:
        rng = random.Random(seed * 1_000_003 + WORKFLOW_SALT * 1_000_000_007 + row.id)
        published_at = _aware(row.published_at)
        state = _state_of(rng, published_at is not None)
        if state == DRAFT:
            continue
        theme = _theme_of(ctx, row.title_en)
        pace = _ministry_pace(ctx, row.lead_national_partner_id)
        steps = _chain(rng, state, pace, theme)
        end = _end_of_chain(rng, ctx, state, published_at)
        start = end - _days(steps[-1][0])
        created_at, updated_at = _aware(row.created_at), _aware(row.updated_at)
        if created_at > start - timedelta(hours=2):  # registered before it was submitted
            created_at = start - _days(rng.uniform(0.1, 30))
        updated_at = max(updated_at, end, created_at)
        users = {
            "partner": ctx.partner_user.get(row.reporting_org_id),
            "ministry": ctx.ministry_user.get(row.lead_national_partner_id),
            "cdc": ctx.cdc_user,
        }
        confirmed_at = None
        waiting_since = None
        for offset, source, target, role, comment in steps:
            at = start + _days(offset)
            waited = None
            if target in (SUBMITTED, RECONFIRM):
                waiting_since = at
            elif target == CONFIRMED and waiting_since is not None:
                waited = (at - waiting_since).total_seconds() / 86400
            transitions.append(
                {
                    "id": ids["transition"],
                    "project_id": row.id,
                    "at": at,
                    "user_id": users[role],
                    "from_state": source,
                    "to_state": target,
                    "comment": comment,
                    "waited_days": waited,
                }
            )
            ids["transition"] += 1
            if target == CONFIRMED:
                confirmed_at = at
        snapshot = None
        if confirmed_at is not None:
            project = _as_project(
                row,
                ctx.acronym_of.get(row.lead_national_partner_id),
                sectors.get(row.id, []),
                locations.get(row.id, []),
                funding.get(row.id, []),
            )
            if state == RECONFIRM:
                project = _changed_before(rng, project)
            snapshot = material_snapshot(project)
            priority = None
            code = THEME_PRIORITY.get(theme or "")
            if code in ctx.priority_by_code and rng.random() < 0.9:
                priority = ctx.priority_by_code[code]
            else:
                priority = rng.choice(ctx.priorities)
            alignments.append(
                {
                    "id": ids["alignment"],
                    "project_id": row.id,
                    "framework_id": ctx.framework_id,
                    "primary_priority_id": priority.id,
                    "rationale": _rationale(rng, theme, priority),
                    "on_plan": rng.random() < 0.75,
                    "on_budget": row.on_budget if rng.random() < 0.9 else not row.on_budget,
                    "lead_role_accepted": True,
                    "confirmed_by_id": users["ministry"],
                    "confirmed_at": confirmed_at,
                }
            )
            ids["alignment"] += 1
            if rng.random() < FIGURES_SHARE:
                made, thread = _figures(
                    rng,
                    ctx,
                    row.id,
                    funding.get(row.id, []),
                    confirmed_at,
                    users["ministry"],
                    users["partner"],
                    ids,
                )
                figures += made
                comments += thread
        updates.append(
            {
                "b_id": row.id,
                "b_state": state,
                "b_changed": transitions[-1]["at"],
                "b_snapshot": snapshot,
                "b_created": created_at,
                "b_updated": updated_at,
                "b_version": (row.version or 1) + len(steps),
                # The stored score counts the ministry's confirmation (scored as a draft).
                "b_score": row.quality_score
                + quality.confirmation_lost(DRAFT)
                - quality.confirmation_lost(state),
            }
        )
    for model, rows in (
        (WorkflowTransition, transitions),
        (Alignment, alignments),
        (GovernmentFigure, figures),
        (FigureComment, comments),
    ):
        _insert(model.__table__, rows)
    _update_projects(table, updates)
    written = [WorkflowTransition, Alignment, GovernmentFigure, FigureComment]
    bulk.sync_sequences(model.__tablename__ for model in written)
    if updates:
        bulk.analyze(model.__tablename__ for model in [Project, *written])
    return len(updates)


def _insert(table, rows: list[dict]) -> None:
    # No money moves in the workflow's tables: copied past the session (portal/demo/bulk.py).
    bulk.write(table, rows)


# The columns seed_workflow sets on each project, and the keys of its rows that hold them.
UPDATED = {
    "workflow_state": "b_state",
    "state_changed_at": "b_changed",
    "confirmed_snapshot": "b_snapshot",
    "created_at": "b_created",
    "updated_at": "b_updated",
    "version": "b_version",
    "quality_score": "b_score",
}


def _update_projects(table, updates: list[dict]) -> None:
    """Set each project's state, snapshot, times (keeping updated_at as given) and score."""
    if not updates:
        return
    snapshot = JSON(none_as_null=True)  # a project without one keeps NULL, not JSON's null
    if db.session.get_bind().dialect.name == "postgresql":
        # The rows copied into a temporary table and one UPDATE from it: tens of thousands of
        # single-row UPDATEs cost as much again in statements as in rows written.
        work = Table(
            "demo_workflow_update",
            MetaData(),
            Column("id", Integer, primary_key=True),
            *(
                Column(name, snapshot if name == "confirmed_snapshot" else table.c[name].type)
                for name in UPDATED
            ),
            prefixes=["TEMPORARY"],
            postgresql_on_commit="DROP",
        )
        work.create(db.session.connection())
        bulk.write(
            work,
            [
                {"id": row["b_id"], **{name: row[key] for name, key in UPDATED.items()}}
                for row in updates
            ],
        )
        db.session.execute(
            update(table)
            .where(table.c.id == work.c.id)
            .values({name: work.c[name] for name in UPDATED})
        )
        work.drop(db.session.connection())
        return
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            {
                name: bindparam(key, type_=snapshot)
                if name == "confirmed_snapshot"
                else bindparam(key)
                for name, key in UPDATED.items()
            }
        )
    )
    db.session.execute(statement, updates)
