"""Which activities of a file are Cambodia's, and Cambodia's share of their money.

An activity is for Cambodia only when it names Cambodia (KH) as a recipient country, itself or
in one of its transactions. Publishers' whole files cover many countries, and some activities
name no country at all (global ones, regional ones, parents whose children name the
countries): those are not imported as Cambodian projects. They are counted and listed as not
for Cambodia, each with its reason, never dropped silently. A parent that does not name
Cambodia but whose child activities in the same batch do is represented by its children.

Cambodia's share (what portal.iati.amounts multiplies the money by):
- a transaction that names recipient countries is Cambodia's whole when it names Cambodia
  alone, and not Cambodia's when it names others (nor when it names several, Cambodia among
  them, without Cambodia's part);
- in an activity that names Cambodia among its recipient countries, the transactions that name
  none, the budgets and the planned disbursements count at Cambodia's percentage (the whole
  when Cambodia is its only recipient, with no region);
- in an activity that names Cambodia only in its transactions, the transactions that name no
  country are left out; its budgets and planned disbursements count whole when it names no
  recipient itself and every transaction names Cambodia alone, and are left out otherwise.
Whatever is left out is said, in a warning of the activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.iati.codes import CAMBODIA

PARENT, CHILD = "1", "2"  # IATI related-activity types
LISTED = 8  # codes or identifiers named in one reason
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Share:
    """Cambodia's percentage of an activity's money (None: not known, that money is left out).

    `activity` applies to transactions that name no recipient country, `periods` to budgets
    and planned disbursements.
    """

    activity: Decimal | None
    periods: Decimal | None


class TransactionParts:
    """Cambodia's part of each transaction of one activity, noting what is left out."""

    def __init__(self, share: Share) -> None:
        self.share = share
        self.elsewhere: set[str] = set()  # other countries named by left-out transactions
        self.left_out = {"elsewhere": 0, "unnamed": 0, "several": 0}

    def of(self, countries: list[str]) -> Decimal | None:
        """Cambodia's percentage of a transaction; None: none of it is known to be Cambodia's."""
        if not countries:
            if self.share.activity is None:
                self.left_out["unnamed"] += 1
            return self.share.activity
        if set(countries) == {CAMBODIA}:
            return HUNDRED
        if CAMBODIA in countries:
            self.left_out["several"] += 1
        else:
            self.left_out["elsewhere"] += 1
            self.elsewhere.update(countries)
        return None

    def say(self, issues) -> None:
        """Warn once for each kind of transaction left out."""
        counts = self.left_out
        if counts["elsewhere"]:
            issues.warning(
                ngettext(
                    "%(num)d transaction names another recipient country (%(countries)s): it "
                    "is not Cambodia's money and is left out.",
                    "%(num)d transactions name other recipient countries (%(countries)s): they "
                    "are not Cambodia's money and are left out.",
                    counts["elsewhere"],
                    countries=", ".join(sorted(self.elsewhere)),
                )
            )
        if counts["unnamed"]:
            issues.warning(
                ngettext(
                    "%(num)d transaction names no recipient country, and the activity names "
                    "Cambodia only in other transactions: it is left out.",
                    "%(num)d transactions name no recipient country, and the activity names "
                    "Cambodia only in other transactions: they are left out.",
                    counts["unnamed"],
                )
            )
        if counts["several"]:
            issues.warning(
                ngettext(
                    "%(num)d transaction names several recipient countries, Cambodia among "
                    "them, without Cambodia's part: it is left out.",
                    "%(num)d transactions name several recipient countries, Cambodia among "
                    "them, without Cambodia's part: they are left out.",
                    counts["several"],
                )
            )


def names_cambodia(activity: dict) -> bool:
    """The activity names Cambodia as recipient country, itself or in a transaction."""
    if any(country["code"] == CAMBODIA for country in activity["countries"]):
        return True
    return any(CAMBODIA in t["countries"] for t in activity["transactions"])


def _listed(values) -> str:
    values = sorted({value for value in values if value})
    shown = ", ".join(values[:LISTED])
    return f"{shown}, … (+{len(values) - LISTED})" if len(values) > LISTED else shown


def not_for_cambodia(activities: list[dict]) -> dict[int, object]:
    """Why each activity of a batch that is not Cambodia's is left out, by its position."""
    others = [position for position, a in enumerate(activities) if not names_cambodia(a)]
    if not others:
        return {}
    left_out = set(others)
    cambodian = {
        activity.get("identifier")
        for position, activity in enumerate(activities)
        if position not in left_out and activity.get("identifier")
    }
    children_of: dict[str, set[str]] = {}
    for position, activity in enumerate(activities):
        if position in left_out or not activity.get("identifier"):
            continue
        for related in activity.get("related") or []:
            if related["type"] == PARENT and related["ref"]:
                children_of.setdefault(related["ref"], set()).add(activity["identifier"])
    reasons = {}
    for position in others:
        activity = activities[position]
        children = set(children_of.get(activity.get("identifier") or "", ()))
        children |= {
            related["ref"]
            for related in activity.get("related") or []
            if related["type"] == CHILD and related["ref"] in cambodian
        }
        reasons[position] = _reason(activity, children)
    return reasons


def _reason(activity: dict, children: set[str]):
    if children:
        return _l(
            "A parent activity that does not name Cambodia as recipient: its child activities "
            "in this batch that do (%(children)s) represent it.",
            children=_listed(children),
        )
    countries = [country["code"] for country in activity["countries"]]
    if countries:
        return _l(
            "Its recipient countries are %(countries)s, not Cambodia.", countries=_listed(countries)
        )
    in_transactions = [code for t in activity["transactions"] for code in t["countries"]]
    if in_transactions:
        return _l(
            "It names no recipient country itself, and its transactions name %(countries)s, "
            "not Cambodia.",
            countries=_listed(in_transactions),
        )
    regions = [region["code"] for region in activity["regions"]]
    regions += [code for t in activity["transactions"] for code in t.get("regions") or []]
    if regions:
        return _l(
            "It names recipient regions (%(regions)s) but no country, and no transaction names "
            "Cambodia: a region's money is not Cambodia's unless the file says so.",
            regions=_listed(regions),
        )
    return _l("It names no recipient country or region, itself or in its transactions.")


def cambodia_share(activity: dict, issues) -> Share | None:
    """Cambodia's share of an activity; None (with an error) when it cannot be known."""
    countries = activity["countries"]
    cambodia = [c for c in countries if c["code"] == CAMBODIA]
    if cambodia:
        if len(countries) == 1 and not activity["regions"]:
            return Share(activity=HUNDRED, periods=HUNDRED)
        share = _percentage(cambodia[0]["percentage"])
        if share is None or not (0 < share <= HUNDRED):
            issues.error(
                _l(
                    "The activity has several recipients but gives no valid percentage for "
                    "Cambodia: its share cannot be known."
                )
            )
            return None
        issues.warning(
            _l(
                "Cambodia receives %(share)s%% of this multi-country activity: its amounts are "
                "counted at that share.",
                share=f"{share:g}",
            )
        )
        return Share(activity=share, periods=share)
    transactions = activity["transactions"]
    if not any(CAMBODIA in t["countries"] for t in transactions):
        issues.error(_l("The recipient is not Cambodia."))
        return None
    whole = (
        not countries
        and not activity["regions"]
        and all(set(t["countries"]) == {CAMBODIA} for t in transactions)
    )
    if whole:
        return Share(activity=None, periods=HUNDRED)
    issues.warning(
        _l(
            "Cambodia is named only in the activity's transactions: those that name it count, "
            "the others do not; its budgets and planned disbursements, which cover every "
            "recipient, are left out."
        )
    )
    return Share(activity=None, periods=None)


def recorded_share(share: Share) -> Decimal:
    """The share noted with an imported project (the whole when transactions decide)."""
    return share.activity if share.activity is not None else HUNDRED


def _percentage(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
