"""The independent sum check: every IATI figure the import keeps, recomputed from the XML.

For each activity of the shared Cambodian file that the portal imports, this test reads the
XML itself with lxml (nothing of portal.iati) and sums, by transaction type, calendar year of
the transaction date and currency, Cambodia's part of each transaction; and, by year and
currency, its budgets and planned disbursements split by days. It then compares the sums,
rounded to the cent, with the `iati_amount` rows the import stored: the same keys, the same
amounts, for every imported activity.

Cambodia's part: a transaction that names recipient countries is Cambodia's whole when it
names Cambodia alone and not Cambodia's otherwise; one that names none is Cambodia's
recipient-country percentage of the activity (the whole when Cambodia is its only recipient).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from lxml import etree
from sqlalchemy import select

from portal.extensions import db
from portal.iati import services
from portal.iati.models import IatiAmount
from portal.iati.preview import REFUSED, SKIPPED, Decisions
from tests.iati.test_real_file import _periods

HUNDRED = Decimal(100)
IATI_1_TYPES = {"IF": "1", "C": "2", "D": "3", "E": "4", "IR": "5", "LR": "6", "R": "7"}
IATI_1_TYPES |= {"QP": "8", "QS": "9", "CG": "10"}
TRANSACTION_TYPES = {str(code) for code in range(1, 14)}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def _number(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _activity_share(activity) -> Decimal | None:
    countries = activity.findall("recipient-country")
    for country in countries:
        if country.get("code") == "KH":
            if len(countries) == 1 and not activity.findall("recipient-region"):
                return HUNDRED
            return Decimal(country.get("percentage"))
    return None


def _part(transaction, activity_share: Decimal | None) -> Decimal | None:
    named = {c.get("code") for c in transaction.findall("recipient-country")}
    if not named:
        return activity_share
    return HUNDRED if named == {"KH"} else None


def expected_amounts(activity) -> dict[tuple[str, int, str], Decimal]:
    """{(kind, year, currency): amount} of one activity, straight from its XML."""
    default = activity.get("default-currency")
    share = _activity_share(activity)
    sums: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    for transaction in activity.iterfind("transaction"):
        kind_element = transaction.find("transaction-type")
        kind = (kind_element.get("code") or "") if kind_element is not None else ""
        kind = IATI_1_TYPES.get(kind, kind)
        value = transaction.find("value")
        part = _part(transaction, share)
        if kind not in TRANSACTION_TYPES or value is None or part is None:
            continue
        amount = _number(value.text)
        dated = transaction.find("transaction-date")
        when = _day(dated.get("iso-date") if dated is not None else None)
        when = when or _day(value.get("value-date"))
        if amount is None or when is None:
            continue
        currency = value.get("currency") or default
        sums[(kind, when.year, currency)] += amount * part / HUNDRED
    if share is not None:
        for kind, tag in (("budget", "budget"), ("planned", "planned-disbursement")):
            for (year, currency), amount in _periods(activity, tag).items():
                sums[(kind, year, currency)] += amount * share / HUNDRED
    return {key: amount.quantize(Decimal("0.01"), ROUND_HALF_EVEN) for key, amount in sums.items()}


def _check(files: list[tuple[str, bytes]], ministry):
    """Import `files`; compare each imported activity's stored figures with its XML's sums."""
    activities = services.parse_files(files)
    plan = services.write(
        activities, user=None, decisions=Decisions(default_lead_id=ministry.id), batch=None
    )
    db.session.flush()
    by_identifier = {
        a.findtext("iati-identifier").strip(): a
        for _name, data in files
        for a in etree.fromstring(data).iter("iati-activity")
    }
    stored: dict[int, dict] = defaultdict(dict)
    for row in db.session.scalars(select(IatiAmount)):
        stored[row.project_id][(row.kind, row.year, row.currency)] = row.amount
    imported = [line for line in plan.lines if line.action not in (REFUSED, SKIPPED)]
    with_money = 0
    for line in imported:
        expected = expected_amounts(by_identifier[line.identifier])
        assert stored.get(line.project_id, {}) == expected, line.identifier
        with_money += bool(expected)
    return plan, imported, with_money


def test_every_imported_activity_keeps_the_sums_of_its_xml(app, real_file, rates, ministry):
    plan, imported, with_money = _check([("kh-activities-2021.xml", real_file)], ministry)
    assert len(imported) >= 83 and with_money >= 80
    assert not [line for line in plan.lines if line.action == SKIPPED], "all 96 name Cambodia"


def test_the_cambodian_activities_of_whole_world_files_keep_their_sums(
    app, shared_data, rates, ministry
):
    paths = sorted((shared_data / "iati" / "world").glob("*.xml"))
    _plan, imported, with_money = _check([(p.name, p.read_bytes()) for p in paths], ministry)
    assert len(imported) >= 3 and with_money == len(imported)
