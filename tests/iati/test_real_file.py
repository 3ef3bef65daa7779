"""The 96 real activities: each imported or explained, amounts equal to the file's.

The expected amounts are computed here from the XML with the standard library's parser,
independently of portal.iati: per activity and currency, by the rules documented in
portal/iati/amounts.py (transaction date year, currency of the value else the default,
Cambodia's percentage of a multi-country activity, budgets split by days over calendar years).
test_sum_check.py checks every IATI figure the import keeps, with lxml.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: N817  (a trusted test file, read only here)
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.iati import services
from portal.iati.models import IatiAmount, IatiRecord
from portal.iati.preview import REFUSED, Decisions
from portal.projects.models import Project, ProjectFunding

CENT = Decimal("0.01")


def _share(activity) -> Decimal:
    countries = activity.findall("recipient-country")
    if len(countries) == 1 and not activity.findall("recipient-region"):
        return Decimal(100)
    for country in countries:
        if country.get("code") == "KH":
            return Decimal(country.get("percentage"))
    return Decimal(100)


def _cents(amount: Decimal, share: Decimal) -> Decimal:
    return (amount * share / 100).quantize(CENT, rounding=ROUND_HALF_EVEN)


def _transactions(activity) -> dict:
    """Exact sums by (transaction type, year, currency)."""
    default = activity.get("default-currency")
    sums = defaultdict(Decimal)
    for transaction in activity.findall("transaction"):
        kind = transaction.find("transaction-type")
        value = transaction.find("value")
        if kind is None or not (value.text or "").strip():
            continue
        # The transaction date is the date of the transaction (the value date only chooses
        # the exchange rate); every transaction of the file that counts has one.
        when = transaction.find("transaction-date").get("iso-date")
        currency = value.get("currency") or default
        sums[(kind.get("code"), int(when[:4]), currency)] += Decimal(value.text.strip())
    return sums


def _by_days(amount: Decimal, start: date, end: date) -> list[tuple[int, Decimal]]:
    if end < start or end.year == start.year:  # a period that ends before it starts: its start
        return [(start.year, amount)]
    days = (end - start).days + 1
    parts = []
    for year in range(start.year, end.year):
        first, last = max(start, date(year, 1, 1)), date(year, 12, 31)
        parts.append((year, (amount * ((last - first).days + 1) / days).quantize(CENT)))
    parts.append((end.year, amount - sum(p for _y, p in parts)))
    return parts


def _periods(activity, tag: str) -> dict:
    """Budgets or planned disbursements by (year, currency), revised ones replacing originals."""
    default = activity.get("default-currency")
    original, revised = defaultdict(Decimal), defaultdict(Decimal)
    for element in activity.findall(tag):
        value = element.find("value")
        start = date.fromisoformat(element.find("period-start").get("iso-date")[:10])
        end_element = element.find("period-end")
        end = (
            date.fromisoformat(end_element.get("iso-date")[:10])
            if end_element is not None
            else start
        )
        target = revised if element.get("type") == "2" else original
        for year, part in _by_days(Decimal(value.text.strip()), start, end):
            target[(year, value.get("currency") or default)] += part
    revised_years = {year for year, _c in revised}
    result = dict(revised)
    for (year, currency), amount in original.items():
        if year not in revised_years:
            result[(year, currency)] = amount
    return result


def expected_funding(activity) -> dict:
    """{(kind, year, currency): amount} the registry should hold for one activity."""
    share = _share(activity)
    sums = _transactions(activity)
    spent = defaultdict(Decimal)
    for (kind, year, currency), amount in sums.items():
        if kind in ("3", "4"):
            spent[(year, currency)] += amount
    planned = _periods(activity, "planned-disbursement") or _periods(activity, "budget")
    expected = {}
    for kind, totals in (("disbursement", spent), ("planned", planned)):
        for (year, currency), amount in totals.items():
            value = _cents(amount, share)
            if value:
                expected[(kind, year, currency)] = value
    return expected


def expected_commitment(activity):
    share = _share(activity)
    totals = defaultdict(Decimal)
    for (kind, _year, currency), amount in _transactions(activity).items():
        if kind == "2":
            totals[currency] += amount
    if len(totals) != 1:
        return None
    ((currency, amount),) = totals.items()
    return (_cents(amount, share), currency) if amount > 0 else None


def _import(real_file, ministry):
    activities = services.parse_files([("kh-activities-2021.xml", real_file)])
    plan = services.write(
        activities, user=None, decisions=Decisions(default_lead_id=ministry.id), batch=None
    )
    db.session.flush()
    return plan


def test_every_activity_is_imported_or_explained(app, real_file, rates, ministry):
    plan = _import(real_file, ministry)
    assert len(plan.lines) == 96
    refused = [line for line in plan.lines if line.action == REFUSED]
    imported = [line for line in plan.lines if line.action != REFUSED]
    assert all(line.errors for line in refused), "a refused activity says why"
    assert all(not line.errors and line.project_id is not None for line in imported)
    assert len(imported) >= 85, [(line.identifier, line.errors) for line in refused]
    stored = set(db.session.scalars(select(Project.iati_identifier)))
    assert {line.identifier for line in imported} <= stored
    assert not ({line.identifier for line in refused} & stored)
    # Each imported project records that its values came from IATI, and when.
    records = db.session.scalar(select(db.func.count()).select_from(IatiRecord))
    assert records == len(imported)
    sources = {db.session.get(Project, line.project_id).data_source for line in imported}
    assert sources == {"iati"}


def test_imported_amounts_equal_the_file_activity_by_activity(app, real_file, rates, ministry):
    plan = _import(real_file, ministry)
    root = ET.fromstring(real_file)
    by_identifier = {a.findtext("iati-identifier").strip(): a for a in root.iter("iati-activity")}
    checked = 0
    for line in plan.lines:
        if line.action == REFUSED:
            continue
        activity = by_identifier[line.identifier]
        rows = db.session.scalars(
            select(ProjectFunding).where(ProjectFunding.project_id == line.project_id)
        )
        stored = {(r.kind, r.year, r.currency): r.amount for r in rows}
        assert stored == expected_funding(activity), line.identifier
        commitment = expected_commitment(activity)
        project = db.session.get(Project, line.project_id)
        if commitment is not None:
            assert (project.commitment_amount, project.commitment_currency) == commitment
        share = _share(activity)
        figures = {
            (r.kind, r.year, r.currency): r.amount
            for r in db.session.scalars(
                select(IatiAmount).where(IatiAmount.project_id == project.id)
            )
        }
        for (kind, year, currency), amount in _transactions(activity).items():
            assert figures.get((kind, year, currency), Decimal(0)) == _cents(amount, share)
        checked += 1
    assert checked >= 85


def test_importing_the_same_file_again_changes_nothing(app, real_file, rates, ministry):
    _import(real_file, ministry)
    activities = services.parse_files([("kh-activities-2021.xml", real_file)])
    again = services.preview(
        activities, user=None, decisions=Decisions(default_lead_id=ministry.id)
    )
    assert again.counts["new"] == 0 and again.counts["update"] == 0
    assert again.counts["unchanged"] + again.counts["refused"] == 96


def test_without_a_default_lead_partner_such_activities_are_explained(app, real_file, rates):
    activities = services.parse_files([("kh-activities-2021.xml", real_file)])
    plan = services.preview(activities, user=None, decisions=Decisions())
    refused = [line for line in plan.lines if line.action == REFUSED]
    assert len(refused) > 80
    assert any("default lead national partner" in e for line in refused for e in line.errors)
