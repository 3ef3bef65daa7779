"""Money: one conversion to US dollars, used everywhere, in exact decimals."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.money.models import Currency, ExchangeRate

CENT = Decimal("0.01")

# Sent after a rate is created or changed, so that stored USD values can follow it.
rate_changed = Namespace().signal("rate-changed")
USD = "USD"


class MissingExchangeRate(LookupError):
    """No rate for a currency in a year: the amount cannot be shown in USD."""

    def __init__(self, currency: str, year: int) -> None:
        super().__init__(currency, year)
        self.currency = currency
        self.year = year

    def __str__(self) -> str:
        return str(
            _l(
                "No exchange rate for %(currency)s in %(year)s: CDC must add it to the "
                "exchange-rate table before this amount can be converted to USD.",
                currency=self.currency,
                year=self.year,
            )
        )


RateTable = Mapping[tuple[str, int], Decimal]


def load_rates(currencies: set[str] | None = None) -> dict[tuple[str, int], Decimal]:
    """Return the rate table {(currency, year): units per USD}, optionally for some currencies."""
    statement = select(ExchangeRate.currency_code, ExchangeRate.year, ExchangeRate.units_per_usd)
    if currencies is not None:
        statement = statement.where(ExchangeRate.currency_code.in_(currencies))
    return {(code, year): rate for code, year, rate in db.session.execute(statement)}


def rate_for(currency: str, year: int, rates: RateTable | None = None) -> Decimal:
    """Return units of `currency` per USD in `year`; refuse with MissingExchangeRate."""
    currency = currency.upper()
    if currency == USD:
        return Decimal(1)
    if rates is None:
        rate = db.session.scalar(
            select(ExchangeRate.units_per_usd).where(
                ExchangeRate.currency_code == currency, ExchangeRate.year == year
            )
        )
    else:
        rate = rates.get((currency, year))
    if rate is None:
        raise MissingExchangeRate(currency, year)
    return Decimal(rate)


def to_usd(amount: Decimal, currency: str, year: int, rates: RateTable | None = None) -> Decimal:
    """Convert `amount` in `currency` to USD at `year`'s rate, rounded to the cent."""
    if not isinstance(amount, Decimal):
        raise TypeError("money must be a Decimal, never a float")
    rate = rate_for(currency, year, rates)
    return (amount / rate).quantize(CENT, rounding=ROUND_HALF_EVEN)


def active_currency_codes() -> list[str]:
    """Return the codes of currencies offered in forms, USD first."""
    codes = list(
        db.session.scalars(select(Currency.code).where(Currency.active).order_by(Currency.code))
    )
    if USD in codes:
        codes.remove(USD)
        codes.insert(0, USD)
    return codes


# Currencies offered in forms from the start; CDC can switch others on.
COMMON_CURRENCIES = (
    "USD",
    "KHR",
    "EUR",
    "JPY",
    "AUD",
    "GBP",
    "KRW",
    "CNY",
    "CAD",
    "NZD",
    "SEK",
    "CHF",
    "DKK",
    "NOK",
    "THB",
    "SGD",
    "INR",
)


def load_currencies() -> int:
    """Load the ISO 4217 currencies with English and Khmer names (from Babel's CLDR data)."""
    from babel.numbers import get_currency_name, list_currencies

    existing = {c.code: c for c in db.session.scalars(select(Currency))}
    added = 0
    for code in sorted(list_currencies()):
        if len(code) != 3 or not code.isalpha():
            continue
        name_en = get_currency_name(code, locale="en")
        name_km = get_currency_name(code, locale="km")
        currency = existing.get(code)
        if currency is None:
            db.session.add(
                Currency(
                    code=code, name_en=name_en, name_km=name_km, active=code in COMMON_CURRENCIES
                )
            )
            added += 1
        else:
            currency.name_en, currency.name_km = name_en, name_km
    db.session.flush()
    return added


class RateError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def set_rate(
    currency: str, year: int, units_per_usd: Decimal, *, source: str | None = None, actor=None
) -> ExchangeRate:
    """Create or change the rate of `currency` for `year`; refuse unknown currency or rate <= 0."""
    from portal.audit.services import record

    currency = currency.upper()
    if db.session.get(Currency, currency) is None:
        raise RateError(
            str(_l("%(code)s is not a known ISO 4217 currency.", code=currency)), "currency_code"
        )
    if currency == USD:
        raise RateError(
            str(_l("The US dollar is the reference currency; its rate is always 1.")),
            "currency_code",
        )
    if units_per_usd <= 0:
        raise RateError(str(_l("A rate must be greater than zero.")), "units_per_usd")
    rate = db.session.scalar(
        select(ExchangeRate).where(
            ExchangeRate.currency_code == currency, ExchangeRate.year == year
        )
    )
    old = None
    if rate is None:
        rate = ExchangeRate(currency_code=currency, year=year, units_per_usd=units_per_usd)
        db.session.add(rate)
    else:
        old = str(rate.units_per_usd)
        rate.units_per_usd = units_per_usd
    rate.source = source or rate.source
    rate.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(
        "exchange_rate.set",
        user=actor,
        obj=rate,
        currency=currency,
        year=year,
        old=old,
        new=str(units_per_usd),
    )
    rate_changed.send(None, currency=currency, year=year, units_per_usd=units_per_usd)
    return rate


def rate_years() -> list[int]:
    """Return the years that have at least one rate, newest first."""
    return list(
        db.session.scalars(select(ExchangeRate.year).distinct().order_by(ExchangeRate.year.desc()))
    )
