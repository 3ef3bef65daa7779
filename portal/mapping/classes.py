"""The map's classes: a few round-numbered ranges of values, each with its colour.

The interactive map, its table and the SVG for reports all take their colours from here, so
the three always agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from babel.numbers import format_compact_decimal, format_decimal
from flask_babel import gettext as _

# ColorBrewer YlGnBu (sequential, colour-blind safe, readable in greyscale print).
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
ZERO_COLOR = "#f0f0f0"
NO_DATA_COLOR = "#bdbdbd"
OUTLINE = "#4d4d4d"
MAX_CLASSES = len(PALETTE)
NO_DATA, ZERO = -2, -1


def nice_ceiling(value: Decimal) -> Decimal:
    """Round up to two significant digits (1,234,567 -> 1,300,000; 0.123 -> 0.13)."""
    if value <= 0:
        return Decimal(0)
    exponent = math.floor(math.log10(value)) - 1
    step = Decimal(10) ** exponent
    return ((value / step).to_integral_value(ROUND_CEILING) * step).normalize() + 0


def short_number(value: Decimal, locale: str = "en") -> str:
    """Write an amount briefly for a legend (1.2M, 350K, 12.5) in the interface language."""
    if abs(value) >= 1000:
        return format_compact_decimal(value, locale=locale, fraction_digits=1)
    return format_decimal(value, format="#,##0.##", locale=locale)


@dataclass(frozen=True)
class Classes:
    """Upper bounds of the classes (each class runs from the previous bound, exclusive)."""

    uppers: tuple[Decimal, ...]

    @property
    def colors(self) -> tuple[str, ...]:
        count = len(self.uppers)
        if count == 0:
            return ()
        if count == 1:
            return (PALETTE[2],)
        last = len(PALETTE) - 1
        return tuple(PALETTE[round(i * last / (count - 1))] for i in range(count))

    def index(self, value: Decimal | None) -> int:
        """Return the class of `value`: NO_DATA for None, ZERO for nothing, else 0..n-1."""
        if value is None:
            return NO_DATA
        if value <= 0 or not self.uppers:
            return ZERO
        for i, upper in enumerate(self.uppers):
            if value <= upper:
                return i
        return len(self.uppers) - 1

    def color(self, value: Decimal | None) -> str:
        """Return the fill colour of `value`."""
        found = self.index(value)
        if found == NO_DATA:
            return NO_DATA_COLOR
        if found == ZERO:
            return ZERO_COLOR
        return self.colors[found]

    def legend(self, locale: str = "en", *, no_data: bool = False) -> list[tuple[str, str]]:
        """Return (colour, label) for each class, the empty class and, if asked, 'no data'."""
        entries = [(ZERO_COLOR, _("No money"))]
        lower = None
        for upper, color in zip(self.uppers, self.colors, strict=True):
            if lower is None:
                label = _("up to %(upper)s", upper=short_number(upper, locale))
            else:
                label = _(
                    "%(lower)s to %(upper)s",
                    lower=short_number(lower, locale),
                    upper=short_number(upper, locale),
                )
            entries.append((color, label))
            lower = upper
        if no_data:
            entries.append((NO_DATA_COLOR, _("No population figure")))
        return entries


def classify(values, count: int = MAX_CLASSES) -> Classes:
    """Choose up to `count` classes with round bounds from the positive values (quantiles)."""
    positive = sorted(Decimal(v) for v in values if v is not None and v > 0)
    if not positive:
        return Classes(())
    distinct = len(set(positive))
    count = max(1, min(count, distinct))
    uppers: list[Decimal] = []
    for i in range(1, count):
        rank = math.ceil(i * len(positive) / count) - 1
        bound = nice_ceiling(positive[rank])
        if (not uppers or bound > uppers[-1]) and bound < positive[-1]:
            uppers.append(bound)
    top = nice_ceiling(positive[-1])
    if not uppers or top > uppers[-1]:
        uppers.append(top)
    return Classes(tuple(uppers))
