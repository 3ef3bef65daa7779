"""Plausible loan terms for the demo's loans, by lender (synthetic, like every demo figure).

ADB concessional: about 1 %, 25-32 years, 5-8 years' grace; World Bank IDA: a 0.75 % service
charge, 38 years, 6 years' grace; JICA: 0.01-0.7 %, 30-40 years, 10 years' grace; China:
about 2 %, 20 years, 5-7 years' grace; KfW and AFD: 0.5-2 %, 20-30 years, 5-10 years' grace;
KOICA (EDCF) and IFAD: highly concessional. Drawn from a stream of their own, so the rest of
the demo stays as it was; one loan in ten has no terms (the data-quality check finds them).
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

# lender -> (rates, maturities, graces, repayment types, repayment plans, variable reference)
PROFILES: dict[str, tuple] = {
    "ADB": (("1", "1", "1.5", "2"), (25, 32), (5, 8), ("1",), ("2",), None),
    "WB": (("0.75",), (38, 38), (6, 6), ("1",), ("2",), None),
    "JICA": (("0.01", "0.3", "0.55", "0.7"), (30, 40), (10, 10), ("1",), ("2",), None),
    "CHINA": (("2",), (20, 20), (5, 7), ("1", "2"), ("2",), None),
    "KFW": (("0.75", "1", "1.5", "2"), (20, 30), (5, 10), ("1", "2"), ("2",), "6-month EURIBOR"),
    "AFD": (("0.5", "1", "1.25", "2"), (20, 30), (5, 10), ("1",), ("2",), "6-month EURIBOR"),
    "KOICA": (("0.01", "0.05"), (40, 40), (15, 15), ("1",), ("2",), None),
    "IFAD": (("0.75",), (40, 40), (10, 10), ("1",), ("2",), None),
}


def _add_years(day: date, years: Decimal) -> date:
    months = int(years * 12)
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def demo_terms(
    acronym: str, seq: int, seed: int, commitment_date: date | None, currency: str
) -> dict | None:
    """The terms of demo loan `seq` of lender `acronym`, or None (no terms recorded)."""
    rng = random.Random(f"{seed}:loan:{seq}")
    if rng.random() < 0.1:
        return None
    rates, maturities, graces, types, plans, reference = PROFILES.get(acronym, PROFILES["ADB"])
    maturity = Decimal(rng.randint(*maturities))
    grace = Decimal(rng.randint(*graces))
    variable = reference is not None and rng.random() < 0.3
    rate = Decimal(rng.choice(rates))
    first = final = None
    if commitment_date is not None:
        first, final = _add_years(commitment_date, grace), _add_years(commitment_date, maturity)
    return {
        "commitment_date": commitment_date,
        "currency": currency,
        "rate_type": "variable" if variable else "fixed",
        "interest_rate": rate,
        "reference_rate": f"{reference} + 0.5" if variable else None,
        "maturity_years": maturity,
        "grace_years": grace,
        "repayment_type": rng.choice(types),
        "repayment_plan": rng.choice(plans),
        "first_repayment": first,
        "final_repayment": final,
        "commitment_fee": Decimal("0.1") if acronym == "JICA" else None,
        "service_fee": None,
        "updated_by_id": None,
        "version": 1,
    }
