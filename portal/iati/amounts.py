"""IATI money into calendar years, currency by currency, and Cambodia's share of it.

The rules (the real-file test recomputes them from the XML on its own):
- a transaction counts in the calendar year of its transaction date (the value date, which
  publishers often set to the day they generate the file, only when the transaction date is
  missing), in the currency of its value (else the activity's default currency);
- Cambodia's money only (portal.iati.recipients decides the shares): a transaction that names
  recipient countries counts whole when it names Cambodia alone and not at all when it names
  others; one that names none counts at Cambodia's share of the activity, when the activity
  names Cambodia (else it is left out); budgets and planned disbursements count at the share
  the activity gives them, or are left out when it gives none;
- a budget or planned disbursement whose period spans several calendar years is split between
  them in proportion to the days of the period in each year (to the cent, the last year taking
  the remainder); a revised one (type 2) replaces the original ones (type 1) of the same year;
- every sum of a kind, year and currency is of Cambodia's parts, exactly, then rounded to the
  cent, half to even (so an activity's percentage applies to the sum, not transaction by
  transaction);
- the portal's actual disbursement of a year is disbursements plus expenditures (IATI types 3
  and 4, as d-portal counts spending); its planned disbursement of a year comes from the planned
  disbursements, or from the budgets when the activity has no planned disbursement; its total
  commitment is the sum of the outgoing commitments (type 2);
- a transaction or planned disbursement whose provider-org is another organization than the
  reporting one (the mapping decides which: portal.iati.mapping) is that organization's money, a
  funding source of the project beside the reporting partner: incoming funds and disbursements
  (types 1 and 3) are its disbursements, incoming and outgoing commitments (11 and 2) its
  commitments, expenditure (4) its expenditure, planned disbursements its planned ones, each by
  calendar year and currency as above; it never counts as the reporting partner's. The IATI
  figures kept with the import are the file's, whoever provides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.iati import codes
from portal.iati.recipients import HUNDRED, Share, TransactionParts
from portal.projects.services import YearAmount

CENT = Decimal("0.01")
ZERO = Decimal(0)

Key = tuple[str, int, str]  # (kind, year, currency)
# A funding source besides the reporting partner: (kind, organization id or None, in kind).
SourceKey = tuple[str, int | None, bool]
# The transaction types whose provider brings money to the project, as the portal's kinds.
PROVIDED = {
    "1": "disbursement",
    "3": "disbursement",
    "11": "commitment",
    "2": "commitment",
    "4": "expenditure",
}
INCOMING = ("1", "11")  # funds and commitments coming in to the activity


@dataclass
class Figures:
    """What the money of one activity becomes."""

    amounts: dict[Key, Decimal] = field(default_factory=dict)
    funding: list[YearAmount] = field(default_factory=list)
    commitment: tuple[Decimal, str, date | None] | None = None
    has_money: bool = False
    # The money of the other sources the file names, in the order they first appear.
    sources: dict[SourceKey, list[YearAmount]] = field(default_factory=dict)


def parse_date(text: str | None) -> date | None:
    """The date of an ISO date (or date-time) text; None when it is not one."""
    try:
        return date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def parse_amount(text: str | None) -> Decimal | None:
    """The amount of an xsd:decimal text; None when it is empty or not a number."""
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def cents(amount: Decimal) -> Decimal:
    """An exact amount rounded to the cent, half to even."""
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def _by_year(item) -> tuple:
    (kind, year, currency), _amount = item
    return (year, kind, currency)


def split_period(amount: Decimal, start: date, end: date | None) -> list[tuple[int, Decimal]]:
    """Split an amount over the calendar years of a period by days, to the cent."""
    if end is None or end.year <= start.year or end < start:
        return [(start.year, amount)]
    total_days = (end - start).days + 1
    parts, given = [], ZERO
    for year in range(start.year, end.year + 1):
        first = max(start, date(year, 1, 1))
        last = min(end, date(year, 12, 31))
        if year == end.year:
            parts.append((year, amount - given))
        else:
            part = (amount * ((last - first).days + 1) / total_days).quantize(
                CENT, rounding=ROUND_HALF_EVEN
            )
            parts.append((year, part))
            given += part
    return parts


class MoneyReader:
    """Reads the money of one activity, noting what it leaves out and why."""

    def __init__(
        self,
        activity: dict,
        share: Share,
        currencies: set[str],
        issues,
        source_of: Callable[[dict | None, bool], SourceKey | None] | None = None,
    ) -> None:
        self.activity = activity
        # Whose money a provider-org names: None for the reporting partner's (the default).
        # (`outgoing`: the activity's own spending, not funds coming in).
        self.source_of = source_of or (lambda _provider, _outgoing: None)
        self.share = share
        self.currencies = currencies
        self.issues = issues
        self.parts = TransactionParts(share)
        self.valued_apart: list[tuple[object, date, date]] = []  # (line, date, value date)

    def figures(self) -> Figures:
        # Cambodia's part of each amount, exact: rounded once, when summed.
        # Everything the file says (the IATI figures), the reporting partner's part of it, and
        # the other sources' money {source: {(portal kind, year, currency): amount}}.
        exact: dict[Key, Decimal] = defaultdict(Decimal)
        own: dict[Key, Decimal] = defaultdict(Decimal)
        others: dict[SourceKey, dict[Key, Decimal]] = {}
        commitment_dates: dict[str, date] = {}
        for transaction in self.activity["transactions"]:
            self._transaction(transaction, exact, own, others, commitment_dates)
        self.parts.say(self.issues)
        self._say_valued_in_another_year()
        share = self.share.periods
        if share is not None:
            for kind, items in ((codes.BUDGET, "budgets"), (codes.PLANNED, "planned")):
                by_source: dict[SourceKey | None, list[dict]] = defaultdict(list)
                for item in self.activity[items]:
                    source = (
                        self.source_of(item.get("provider"), True)
                        if kind == codes.PLANNED
                        else None
                    )
                    by_source[source].append(item)
                for source, group in by_source.items():
                    for (year, currency), amount in self._periods(group).items():
                        part = amount if share == HUNDRED else amount * share / HUNDRED
                        exact[(kind, year, currency)] += part
                        if source is None:
                            own[(kind, year, currency)] += part
                        else:
                            money = others.setdefault(source, defaultdict(Decimal))
                            money[("planned", year, currency)] += part
        figures = Figures(has_money=bool(exact))
        figures.amounts = {key: cents(amount) for key, amount in sorted(exact.items())}
        figures.funding = self._funding(own)
        figures.commitment = self._commitment(own, commitment_dates)
        figures.sources = {
            source: [
                YearAmount(year, kind, cents(amount), currency)
                for (kind, year, currency), amount in sorted(money.items(), key=_by_year)
                if cents(amount) != 0
            ]
            for source, money in others.items()
        }
        return figures

    def _currency(self, currency: str | None, line) -> str | None:
        if not currency:
            self.issues.error(
                _l(
                    "A value (line %(line)s) has no currency, and the activity no default "
                    "currency.",
                    line=line,
                )
            )
            return None
        if currency not in self.currencies:
            self.issues.error(_l("%(code)s is not a known currency code.", code=currency))
            return None
        return currency

    def _transaction(self, transaction: dict, exact, own, others, commitment_dates) -> None:
        line = transaction["line"]
        kind = codes.LEGACY_TRANSACTION_TYPES.get(transaction["type"] or "", transaction["type"])
        if not kind:
            self.issues.warning(
                _l("A transaction (line %(line)s) has no type: it is left out.", line=line)
            )
            return
        if kind not in codes.TRANSACTION_TYPES:
            self.issues.warning(
                _l(
                    "Transaction type %(code)s (line %(line)s) is not an IATI code: left out.",
                    code=kind,
                    line=line,
                )
            )
            return
        weight = self.parts.of(transaction["countries"])
        if weight is None:
            return
        amount = parse_amount(transaction["value"])
        when = self._date(transaction)
        if amount is None or when is None:
            self.issues.warning(
                _l(
                    "A transaction (line %(line)s) has no amount or no date: it is left out.",
                    line=line,
                )
            )
            return
        currency = self._currency(transaction["currency"], line)
        if currency is None:
            return
        part = amount if weight == HUNDRED else amount * weight / HUNDRED
        exact[(kind, when.year, currency)] += part
        source = (
            self.source_of(transaction.get("provider"), kind not in INCOMING)
            if kind in PROVIDED
            else None
        )
        if source is not None:
            money = others.setdefault(source, defaultdict(Decimal))
            money[(PROVIDED[kind], when.year, currency)] += part
            return
        own[(kind, when.year, currency)] += part
        if kind == codes.COMMITMENT:
            earliest = commitment_dates.get(currency)
            commitment_dates[currency] = min(earliest, when) if earliest else when

    def _say_valued_in_another_year(self) -> None:
        if not self.valued_apart:
            return
        line, when, valued = self.valued_apart[0]
        self.issues.warning(
            ngettext(
                "%(num)d transaction has a value date in another year than its transaction "
                "date (line %(line)s: %(date)s, valued %(value_date)s): it counts in the year "
                "of its transaction date.",
                "%(num)d transactions have a value date in another year than their transaction "
                "date (line %(line)s: %(date)s, valued %(value_date)s, and others): they count "
                "in the year of their transaction date.",
                len(self.valued_apart),
                line=line,
                date=when.isoformat(),
                value_date=valued.isoformat(),
            )
        )

    def _date(self, transaction: dict) -> date | None:
        """The transaction date; the value date only stands in when it is missing."""
        when = parse_date(transaction["date"])
        valued_text = transaction["value_date"] or ""
        if when is not None:
            if valued_text[:4] != transaction["date"][:4]:
                valued = parse_date(valued_text)
                if valued is not None and valued.year != when.year:
                    self.valued_apart.append((transaction["line"], when, valued))
        else:
            when = parse_date(valued_text)
            if when is not None:
                self.issues.warning(
                    _l(
                        "A transaction (line %(line)s) has no valid transaction date: it is "
                        "dated by its value date, %(date)s.",
                        line=transaction["line"],
                        date=when.isoformat(),
                    )
                )
        return when

    def _periods(self, items: list[dict]) -> dict[tuple[int, str], Decimal]:
        """Budgets or planned disbursements by (year, currency); revised ones win their year."""
        by_type: dict[str, dict[tuple[int, str], Decimal]] = defaultdict(
            lambda: defaultdict(Decimal)
        )
        for item in items:
            amount = parse_amount(item["value"])
            start = parse_date(item["start"])
            if amount is None or start is None:
                self.issues.warning(
                    _l("A budget or planned disbursement has no amount or no period: left out.")
                )
                continue
            currency = self._currency(item["currency"], self.activity["line"])
            if currency is None:
                continue
            kind = "2" if item["type"] == "2" else "1"
            end = parse_date(item["end"])
            if end is not None and end < start:
                self.issues.warning(
                    _l(
                        "A period ends (%(end)s) before it starts (%(start)s): its amount counts "
                        "in the year it starts.",
                        end=end,
                        start=start,
                    )
                )
            for year, part in split_period(amount, start, end):
                by_type[kind][(year, currency)] += part
        revised_years = {year for year, _currency in by_type["2"]}
        result = dict(by_type["2"])
        for (year, currency), amount in by_type["1"].items():
            if year not in revised_years:
                result[(year, currency)] = amount
        return result

    def _funding(self, exact: dict[Key, Decimal]) -> list[YearAmount]:
        spent: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        for (kind, year, currency), amount in exact.items():
            if kind in codes.SPENT:
                spent[(year, currency)] += amount
        planned_kind = codes.PLANNED if any(k[0] == codes.PLANNED for k in exact) else codes.BUDGET
        planned = {(y, c): a for (k, y, c), a in exact.items() if k == planned_kind}
        rows = []
        for portal_kind, totals in (("disbursement", spent), ("planned", planned)):
            for (year, currency), amount in sorted(totals.items()):
                value = cents(amount)
                if value < 0:
                    # Kept as published (a refund, a reversal, a de-obligation); data quality
                    # flags the year for a person to look at.
                    rows.append(YearAmount(year, portal_kind, value, currency))
                    self.issues.warning(
                        _l(
                            "The %(kind)s of %(year)s in %(currency)s add up to a negative "
                            "amount (%(amount)s): kept as published, and flagged in data "
                            "quality.",
                            kind=_l("disbursements and expenditures")
                            if portal_kind == "disbursement"
                            else _l("planned disbursements"),
                            year=year,
                            currency=currency,
                            amount=f"{value:,.2f}",
                        )
                    )
                elif value > 0:
                    rows.append(YearAmount(year, portal_kind, value, currency))
        return rows

    def _commitment(self, exact, commitment_dates) -> tuple | None:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for (kind, _year, currency), amount in exact.items():
            if kind == codes.COMMITMENT:
                totals[currency] += amount
        if not totals:
            return None
        default = self.activity["default_currency"]
        currency = default if default in totals else sorted(totals)[0]
        if len(totals) > 1:
            self.issues.warning(
                _l(
                    "Commitments are in several currencies (%(currencies)s); the portal "
                    "records one total commitment: the one in %(currency)s. The others are kept "
                    "with the IATI figures.",
                    currencies=", ".join(sorted(totals)),
                    currency=currency,
                )
            )
        amount = cents(totals[currency])
        if amount <= 0:
            self.issues.warning(
                _l("The commitments add up to zero or less: no total commitment is recorded.")
            )
            return None
        return amount, currency, commitment_dates.get(currency)
