"""The grant element of a loan, by the OECD DAC method, in Decimal arithmetic.

The grant element is the face value of a loan less the present value of the payments the
borrower makes (interest and principal), discounted at a stated rate, as a share of the face
value. The formulas are the OECD DAC's ("Grant element formula and examples", the annex to the
DAC's reporting directives): the loan is taken as disbursed at once on the commitment date,

- M is the maturity (years from commitment to the last repayment),
- G the grace period (years from commitment to the first repayment of principal),
- A the number of repayments a year, I the yearly discount rate, R the yearly interest rate,
- INT = G - 1/A (the interval to the first repayment less one repayment interval),
- DR = M - INT, NR = A * DR repayments, D = (1 + I)^(1/A) - 1 the discount rate per period,
- C1 = (1 + I)^INT and C2 = (1 + I)^DR.

Equal principal: GE = 1 - ZG - ZM - ZX with ZG = R (1 - 1/C1) / (A D) (interest during the
grace period), ZM = (1/NR) (1/C1) (1 - 1/C2) / D (principal) and ZX = (R / (A NR)) (1/C1)
(1/C2 - 1 + D NR) / D^2 (interest on the declining balance).

Annuity: GE = 1 - ZG - ZX with ZX = (R/A) ZM' (1/C1) (1 - 1/C2) / D, where
ZM' = 1 / ((1 + R/A)^NR - 1) + 1.

Lump sum (principal and simple interest paid at maturity): GE = 1 - (1 + R M) / (1 + I)^M.

`schedule_grant_element` discounts each payment of an explicit schedule instead; the tests
check that both agree. Rates are percentages (Decimal("0.75") is 0.75 %); no float is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

# IATI 2.03 LoanRepaymentType and LoanRepaymentPeriod codes.
EQUAL_PRINCIPAL, ANNUITY, LUMP_SUM, OTHER_TYPE = "1", "2", "3", "5"
PERIODS_A_YEAR = {"1": 1, "2": 2, "4": 4, "12": 12}
# Without a stated frequency (or "other", 99), the DAC's usual semi-annual repayments.
DEFAULT_PERIODS = 2

ONE = Decimal(1)
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Terms:
    """What the grant element needs of a loan: percentages a year and years."""

    interest_rate: Decimal  # % a year (for a variable rate: the all-in rate at commitment)
    maturity_years: Decimal
    grace_years: Decimal
    repayment_type: str = EQUAL_PRINCIPAL
    repayment_plan: str | None = "2"


def periods_a_year(plan: str | None) -> int:
    """Repayments a year for an IATI repayment-plan code (2 when unknown or "other")."""
    return PERIODS_A_YEAR.get(plan or "", DEFAULT_PERIODS)


def grant_element(terms: Terms, discount_rate: Decimal) -> Decimal | None:
    """The grant element in percent (not rounded), or None when the terms cannot give one.

    None for a repayment type of "other" (only its schedule would tell), a maturity of zero or
    a grace period longer than the maturity.
    """
    maturity, grace = terms.maturity_years, terms.grace_years
    if maturity <= 0 or grace < 0 or grace > maturity:
        return None
    with localcontext() as context:
        context.prec = 40
        rate = terms.interest_rate / HUNDRED
        discount = discount_rate / HUNDRED
        if terms.repayment_type == LUMP_SUM:
            value = ONE - (ONE + rate * maturity) / (ONE + discount) ** maturity
            return value * HUNDRED
        if terms.repayment_type not in (EQUAL_PRINCIPAL, ANNUITY):
            return None
        a = Decimal(periods_a_year(terms.repayment_plan))
        interval = max(grace - ONE / a, Decimal(0))
        duration = maturity - interval
        repayments = a * duration
        per_period = (ONE + discount) ** (ONE / a) - ONE
        c1 = (ONE + discount) ** interval
        c2 = (ONE + discount) ** duration
        if discount == 0:
            # Nothing is discounted: the grant element is what the borrower pays less than
            # the face value, i.e. minus the interest (the schedule's sum).
            return _undiscounted(terms)
        zg = rate * (ONE - ONE / c1) / (a * per_period)
        if terms.repayment_type == EQUAL_PRINCIPAL:
            zm = (ONE / repayments) * (ONE / c1) * ((ONE - ONE / c2) / per_period)
            zx = (
                (rate / (a * repayments))
                * (ONE / c1)
                * ((ONE / c2) - ONE + per_period * repayments)
                / (per_period * per_period)
            )
            value = ONE - zg - zm - zx
        else:
            if rate == 0:
                factor = ONE / repayments  # the limit of the annuity factor at a zero rate
                zx = factor * (ONE / c1) * ((ONE - ONE / c2) / per_period)
            else:
                zm_annuity = ONE / ((ONE + rate / a) ** repayments - ONE) + ONE
                zx = (rate / a) * zm_annuity * (ONE / c1) * ((ONE - ONE / c2) / per_period)
            value = ONE - zg - zx
        return value * HUNDRED


def _undiscounted(terms: Terms) -> Decimal:
    payments = schedule(terms)
    return (ONE - sum((amount for _time, amount in payments), Decimal(0))) * HUNDRED


def schedule(terms: Terms) -> list[tuple[Decimal, Decimal]]:
    """Each payment of a loan of 1 as (years after commitment, amount): interest and principal.

    Interest is paid every period from the start on the balance outstanding; the first
    repayment of principal falls on the grace period, the last on the maturity (as the DAC's
    formulas take them). Whole numbers of repayments only (the tests' cases).
    """
    with localcontext() as context:
        context.prec = 40
        rate = terms.interest_rate / HUNDRED
        if terms.repayment_type == LUMP_SUM:
            return [(terms.maturity_years, ONE + rate * terms.maturity_years)]
        a = Decimal(periods_a_year(terms.repayment_plan))
        step = ONE / a
        interval = max(terms.grace_years - step, Decimal(0))
        count = int((a * (terms.maturity_years - interval)).to_integral_value(ROUND_HALF_UP))
        first_repayment_period = int((a * interval).to_integral_value(ROUND_HALF_UP)) + 1
        period_rate = rate / a
        if terms.repayment_type == ANNUITY and period_rate != 0:
            instalment = period_rate / (ONE - (ONE + period_rate) ** -count)
        else:
            instalment = ONE / count
        payments = []
        balance = ONE
        for period in range(1, first_repayment_period + count):
            interest = balance * period_rate
            principal = Decimal(0)
            if period >= first_repayment_period:
                if terms.repayment_type == ANNUITY:
                    principal = instalment - interest
                else:
                    principal = ONE / count
            payments.append((step * period, interest + principal))
            balance -= principal
        return payments


def schedule_grant_element(terms: Terms, discount_rate: Decimal) -> Decimal:
    """The grant element in percent by discounting each payment of `schedule` (yearly rate)."""
    with localcontext() as context:
        context.prec = 40
        discount = ONE + discount_rate / HUNDRED
        present = sum(
            (amount / discount**time for time, amount in schedule(terms)),
            Decimal(0),
        )
        return (ONE - present) * HUNDRED


def rounded(value: Decimal | None, places: str = "0.01") -> Decimal | None:
    """A grant element for people: two decimals, half up."""
    return None if value is None else value.quantize(Decimal(places), ROUND_HALF_UP)
