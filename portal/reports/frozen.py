"""A joint review report from a closed reporting round: every figure from its snapshot.

The report's time is the freeze; the money, the alignment counts, the disputed figures and the
quality annex come from the snapshot; the coverage states who reported. Commitments and pilots
are not part of a round: they are judged as they stand (the report says so). Nor are loan
terms: the round's loans are measured with the terms recorded today (portal.reports.loans).

A public edition counts the snapshot rows of the projects the public sees today (published):
a project withdrawn from the public pages since the freeze leaves the public report too.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC
from decimal import Decimal

from sqlalchemy import select

from portal.aggregates.services import Row, totals
from portal.alignment.workflow import DRAFT
from portal.extensions import db
from portal.organizations.models import Organization
from portal.organizations.services import by_ids
from portal.projects.models import Project
from portal.reports import common, lists, sources, summary
from portal.reports import loans as loan_section
from portal.reports.common import ReportData
from portal.reports.params import ReportParams
from portal.rounds import progress as progress_of_round
from portal.rounds import report as rounds
from portal.rounds.models import ReportingRound
from portal.security import project_visibility


def _visible(params: ReportParams, frozen: list[rounds.Frozen]) -> list[rounds.Frozen]:
    """The snapshot rows whose live project the report's reader may see (all for CDC)."""
    if not params.is_public:
        return frozen
    reader = common.reader_for(params)
    seen = set(db.session.scalars(select(Project.id).where(project_visibility(reader, Project))))
    return [row for row in frozen if row.project_id in seen]


def _public_trend(data: ReportData, frozen) -> list[Row]:
    """As `rounds.trend`, with every round's snapshot limited to what the public sees.

    (`rounds.trend` reads the earlier rounds' whole snapshots; it takes no filter.)
    """
    from portal.rounds.services import all_rounds

    round_ = _round_of(data)
    rows = []
    for other in sorted(all_rounds(), key=lambda r: r.year):
        if other.is_open or other.year > round_.year:
            continue
        snapshots = (
            frozen
            if other.id == round_.id
            else _visible(data.params, rounds.snapshot_of(other, data.params))
        )
        total: Counter = Counter()
        for snapshot in snapshots:
            total.update(rounds.measures(snapshot, other.year))
        if total["disbursed"] or total["planned"]:
            rows.append(
                Row(
                    other.year,
                    disbursed=rounds.to_money(total["disbursed"]),
                    planned=rounds.to_money(total["planned"]),
                )
            )
    for year in round_.plan_years:
        plans: Counter = Counter()
        for snapshot in frozen:
            plans.update(rounds.measures(snapshot, year))
        if plans["planned"]:
            rows.append(Row(year, planned=rounds.to_money(plans["planned"])))
    return rows


def _round_of(data: ReportData) -> ReportingRound:
    """The round a report from a snapshot reads (collect_frozen sets it first)."""
    if data.round is None:
        raise ValueError("a report from a round's snapshot needs its round")
    return data.round


def _money(data: ReportData, frozen) -> None:
    rows = rounds.money_rows(frozen, data.params.year)
    by_partner = rows["partner"]
    total = totals(by_partner)
    on_budget = next((r.disbursed for r in rows["on_budget"] if r.key), Decimal(0))
    data.key = {
        "disbursed": total.disbursed,
        "planned": total.planned,
        "commitment": total.commitment,
        "partners": sum(1 for r in by_partner if r.disbursed or r.planned),
        "on_budget_share": (round(100 * on_budget / total.disbursed) if total.disbursed else None),
        "on_budget": on_budget,
    }
    data.rows.update(rows)
    data.trend = (
        _public_trend(data, frozen)
        if data.params.is_public
        else rounds.trend(_round_of(data), data.params, frozen)
    )
    data.organizations.update(by_ids(r.key for r in by_partner))
    if "provinces" in data.params.sections:
        from portal.mapping import services as mapping

        provinces = mapping.province_rows()
        data.map_figures = mapping.figures_of(
            rows["province"], "disbursed", provinces, data.params.filters()
        )


def _alignment(data: ReportData, frozen) -> None:
    counts: dict[int | None, Counter] = defaultdict(Counter)
    for snapshot in frozen:
        if snapshot.workflow_state != DRAFT:
            counts[snapshot.lead_national_partner_id][snapshot.workflow_state] += 1
    common.alignment_rows(data, counts)


def _reconciliation(data: ReportData, frozen) -> None:
    year = data.params.year
    for snapshot in frozen:
        if snapshot.government_status != "disputed":
            continue
        partner_usd = rounds.to_money(rounds.measures(snapshot, year)["disbursed"])
        government = snapshot.government_usd
        data.disputes.append(
            {
                "project": rounds.FrozenProject(snapshot),
                "year": year,
                "partner_usd": partner_usd,
                "government_usd": government,
                "difference": government - partner_usd if government is not None else None,
                "comment": None,
            }
        )
    data.disputes = lists.disputes_by_money(data.disputes)


def _quality(data: ReportData, frozen) -> None:
    scores: dict[int, list[int]] = defaultdict(list)
    for snapshot in frozen:
        scores[snapshot.reporting_org_id].append(snapshot.quality_score)
    organizations = by_ids(scores)
    data.organizations.update(organizations)
    data.quality = sorted(
        (
            {
                "organization": organizations.get(org_id),
                "projects": len(values),
                "score": round(sum(values) / len(values)),
                "stale": 0,
            }
            for org_id, values in scores.items()
        ),
        key=lambda r: (r["score"], r["organization"].acronym if r["organization"] else ""),
    )


def collect_frozen(params: ReportParams, progress=None) -> ReportData:
    """The report's figures from the snapshot of the closed round `params.round_year`."""
    round_ = rounds.round_for(params)
    frozen_at = round_.closed_at
    if frozen_at is None:  # a closed round has its closing time
        raise ValueError(f"the round of {round_.year} has no closing time")
    if frozen_at.tzinfo is None:  # SQLite gives back the stored UTC time without its zone
        frozen_at = frozen_at.replace(tzinfo=UTC)
    data = ReportData(params=params, data_time=frozen_at)
    data.round = round_
    if params.scope in ("partner", "ministry"):
        data.scope_organization = db.session.get(Organization, int(params.scope_value))
    if progress:
        progress("snapshot", 0, 4)
    frozen = _visible(params, rounds.snapshot_of(round_, params))
    sections = set(params.sections)
    if sections & {"key_figures", "partners", "sectors", "provinces", "assistance", "trend"}:
        _money(data, frozen)
    if "summary" in sections:
        data.summary = summary.frozen(params, frozen, lambda rows: _visible(params, rows))
    if "sources" in sections:
        sources.collect(data)
    if "loans" in sections:
        loan_section.collect_frozen(data, frozen)
    if "alignment" in sections:
        _alignment(data, frozen)
    if "reconciliation" in sections:
        _reconciliation(data, frozen)
    if "quality" in sections:
        _quality(data, frozen)
    if progress:
        progress("coverage", 2, 4)
    if "coverage" in sections:
        data.coverage = progress_of_round.measure(round_)
    if "predictability" in sections:
        common.collect_predictability(data)
    if progress:
        progress("commitments", 3, 4)
    if "commitments" in sections:
        common.collect_commitments(data)
    if "pilots" in sections:
        common.collect_pilots(data)
    data.rates = rounds.rates(frozen)
    return data
