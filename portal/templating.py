"""What every template can use: the language, names in it, money and navigation."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache

from babel import Locale, numbers
from babel.numbers import NumberPattern, parse_pattern
from flask import Flask, request, url_for
from flask_babel import get_locale, get_translations, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from portal.i18n import current_locale, localize_digits
from portal.roles import Role

MILLION = Decimal(1_000_000)

# (endpoint, label, roles allowed; None = every logged-in user, "all" = the public too)
NAVIGATION = [
    ("home.index", _l("Home"), None),
    ("dashboard.index", _l("Dashboard"), "all"),
    ("projects.index", _l("Projects"), "all"),
    ("mapping.map", _l("Map"), "all"),
    ("alignment.inbox", _l("Waiting for you"), {Role.MINISTRY}),
    ("dashboard.portfolio", _l("Our portfolio"), {Role.MINISTRY}),
    ("alignment.pipeline", _l("Pipeline"), {Role.CDC}),
    ("rounds.index", _l("Reporting round"), None),
    ("commitments.dashboard", _l("Commitments"), None),
    ("pilots.index", _l("Pilots"), None),
    ("reports.index", _l("Reports"), "all"),
    ("analysis.index", _l("Analysis"), "all"),
    ("projects.quality_summary", _l("Data quality"), None),
    ("users.index", _l("Accounts"), {Role.CDC}),
    ("organizations.index", _l("Organizations"), {Role.CDC}),
    ("reference.index", _l("Reference data"), {Role.CDC}),
    ("mail.outbox", _l("Outbox"), {Role.CDC}),
]


def local_name(obj, locale: str | None = None) -> str:
    """Return the Khmer name of `obj` in the Khmer interface when it has one, else English."""
    if obj is None:
        return ""
    locale = locale or current_locale()
    if hasattr(obj, "display_name"):
        return obj.display_name(locale)
    return getattr(obj, "name_en", str(obj))


@lru_cache(maxsize=16)
def _pattern(format: str) -> NumberPattern:
    return parse_pattern(format)


# "#,##0" with a fixed number of decimals ("#,##0.00"): Python's own formatting writes these
# as babel does (the same rounding, half to even, the same grouping by three), ten times faster.
_FIXED = re.compile(r"#,##0(?:\.(0+))?")


@lru_cache(maxsize=64)
def _fixed(format: str, locale: str) -> tuple[str, dict[int, str]] | None:
    """(Python format spec, symbols to put for "," and ".") of a fixed-decimals pattern in
    `locale`; None for any other pattern (babel formats those)."""
    found = _FIXED.fullmatch(format)
    if found is None:
        return None
    symbols = Locale.parse(locale).number_symbols["latn"]
    if symbols["minusSign"] != "-":
        return None
    swap = {ord(","): symbols["group"], ord("."): symbols["decimal"]}
    return f",.{len(found.group(1) or '')}f", {k: v for k, v in swap.items() if chr(k) != v}


def format_decimal(value, format: str) -> str:
    """flask_babel's format_decimal in the interface language, with the pattern parsed once
    (a dashboard formats some three hundred figures)."""
    locale = get_locale()
    if locale is None:  # outside a request or a forced locale: babel's default
        return numbers.format_decimal(value, format=format)
    fixed = _fixed(format, str(locale))
    if fixed is not None and isinstance(value, (Decimal, int)):
        spec, swap = fixed
        text = f"{Decimal(value):{spec}}"
        return text.translate(swap) if swap else text
    return _pattern(format).apply(value, locale)


def money(value: Decimal | None, currency: str | None = None) -> str:
    """Format an amount with two decimals in the interface language."""
    if value is None:
        return ""
    text = format_decimal(value, format="#,##0.00")
    return localize_digits(f"{text} {currency}" if currency else text)


def millions(value: Decimal | int | None) -> Markup:
    """A summary figure as people read it: "343.4 M" from a million up, else whole units.

    The exact amount stays in the element's title (and in every table and export).
    """
    if value is None:
        return Markup("")
    amount = Decimal(value)
    if abs(amount) >= MILLION:
        shown = gettext("%(amount)s M", amount=format_decimal(amount / MILLION, format="#,##0.0"))
    else:
        shown = format_decimal(amount, format="#,##0")
    exact = money(amount)
    return Markup('<span class="figure" title="{}">{}</span>').format(exact, localize_digits(shown))


def quantity(value: int | None) -> str:
    """A number of things (projects, loans, rows) grouped as in the interface language:
    "18,728", in Khmer with Khmer digits when CDC chose them. (Named apart from Jinja's own
    `count`, which is the length of a sequence.)"""
    if value is None:
        return ""
    return localize_digits(format_decimal(value, format="#,##0"))


def counted(singular: str, plural: str, number: int) -> str:
    """`ngettext` for a number of things in Python (a flash message, a map's label): the plural
    chosen by `number`, and "%(num)s" written as `quantity` writes it ("1,204 projects").
    Flask-Babel's own writes the bare integer and takes no other `num`."""
    return get_translations().ungettext(singular, plural, number) % {"num": quantity(number)}


def format_value(value: Decimal | None) -> str:
    """An indicator value in the interface language, without needless decimals."""
    if value is None:
        return "—"
    return localize_digits(format_decimal(value, format="#,##0.####"))


def rate(value: Decimal | None) -> str:
    """Format an exchange rate with as many decimals as it has (up to 8)."""
    if value is None:
        return ""
    return localize_digits(format_decimal(value, format="#,##0.########"))


# Logged-in entries the public sees too once CDC has made one of their records public: each
# feature registers its own question (endpoint -> "is anything of mine public?").
PUBLIC_WHEN: dict[str, Callable[[], bool]] = {}


def show_publicly_when(endpoint: str, question: Callable[[], bool]) -> None:
    """Show the menu entry `endpoint` to the public whenever `question()` says yes."""
    PUBLIC_WHEN[endpoint] = question


def _public_ones() -> dict[str, bool]:
    """The logged-in entries the public sees too, asked of the features that registered them."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return {endpoint: bool(question()) for endpoint, question in PUBLIC_WHEN.items()}
    except SQLAlchemyError:  # the page saying the database is down is drawn without it
        return {}


def navigation_for(user) -> list[tuple[str, str]]:
    """Return the (url, label) pairs of the menu this user may open.

    The public's menu has Commitments and Pilots only when at least one of them is public.
    """
    if not user.is_authenticated:
        shown = _public_ones()
        return [
            (url_for(endpoint), label)
            for endpoint, label, roles in NAVIGATION
            if roles == "all" or shown.get(endpoint, False)
        ]
    return [
        (url_for(endpoint), label)
        for endpoint, label, roles in NAVIGATION
        if roles in (None, "all") or user.role in roles
    ]


def _with_local_digits(babel_filter):
    """A Flask-Babel date filter that also follows the Khmer digits setting."""

    def localized(*args, **kwargs):
        return localize_digits(babel_filter(*args, **kwargs))

    return localized


def init_templating(app: Flask) -> None:
    for name in ("datetimeformat", "dateformat", "timeformat"):
        if name in app.jinja_env.filters:
            app.jinja_env.filters[name] = _with_local_digits(app.jinja_env.filters[name])
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["millions"] = millions
    app.jinja_env.filters["quantity"] = quantity
    app.jinja_env.filters["format_decimal_rate"] = rate
    app.jinja_env.globals["local_name"] = local_name

    @app.context_processor
    def inject_common():
        return {
            "locale": current_locale(),
            "navigation": navigation_for(current_user),
            "languages": [("en", "English"), ("km", "ខ្មែរ")],
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
