"""A joint review report from a closed reporting round: every figure from its snapshot.

The report's time is the freeze; the money, the alignment counts, the disputed figures and the
quality annex come from the snapshot; the coverage states who reported. Commitments and pilots
are not part of a round: they are judged as they stand (the report says so).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC
from decimal import Decimal

from portal.aggregates.services import totals
from portal.alignment.workflow import DRAFT
from portal.extensions import db
from portal.organizations.models import Organization
from portal.organizations.services import by_ids
from portal.reports import content
from portal.reports.content import ReportData
from portal.reports.params import ReportParams
from portal.rounds import progress as progress_of_round
from portal.rounds import report as rounds


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
    data.trend = rounds.trend(data.round, data.params, frozen)
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
    content.alignment_rows(data, counts)


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
    data.disputes.sort(key=lambda d: d["project"].title_en)


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
    if frozen_at.tzinfo is None:  # SQLite gives back the stored UTC time without its zone
        frozen_at = frozen_at.replace(tzinfo=UTC)
    data = ReportData(params=params, data_time=frozen_at)
    data.round = round_
    if params.scope in ("partner", "ministry"):
        data.scope_organization = db.session.get(Organization, int(params.scope_value))
    if progress:
        progress("snapshot", 0, 4)
    frozen = rounds.snapshot_of(round_, params)
    sections = set(params.sections)
    if sections & {"key_figures", "partners", "sectors", "provinces", "assistance", "trend"}:
        _money(data, frozen)
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
        content.collect_predictability(data)
    if progress:
        progress("commitments", 3, 4)
    if "commitments" in sections:
        content.collect_commitments(data)
    if "pilots" in sections:
        content.collect_pilots(data)
    data.rates = rounds.rates(frozen)
    return data
