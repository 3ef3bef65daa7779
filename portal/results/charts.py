"""The trajectory of a numeric indicator: baseline, targets and actuals by period, as the
commitments' trajectory chart draws them (same geometry, same way to read it without colour).
"""

from __future__ import annotations

from decimal import Decimal

from portal.commitments.charts import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    Mark,
    TrajectoryChart,
    value_axis,
)
from portal.results.models import ResultIndicator
from portal.results.rules import number


def period_label(period) -> str:
    """A period as a reader names it: the year when it is one calendar year, else its dates."""
    start, end = period.period_start, period.period_end
    if (
        start
        and end
        and start.year == end.year
        and (start.month, start.day, end.month, end.day)
        == (
            1,
            1,
            12,
            31,
        )
    ):
        return str(start.year)
    return f"{start or '?'} – {end or '?'}"


def _short(label: str) -> str:
    """An axis label short enough to sit under its point (the table has the full one)."""
    return label if len(label) <= 7 else label[-10:-3]  # the end's year and month


def trajectory(indicator: ResultIndicator) -> TrajectoryChart | None:
    """The chart of a numeric indicator, or None when it has nothing numeric to draw."""
    if not indicator.is_numeric:
        return None
    baseline = number(indicator.baseline_value)
    periods = [p for p in indicator.periods if p.period_start and p.period_end]
    targets = [number(p.target_value) for p in periods]
    actuals = [number(p.actual_value) for p in periods]
    known = [v for v in (baseline, *targets, *actuals) if v is not None]
    if not known or not periods:
        return None
    labels = ([str(indicator.baseline_year or "")] if baseline is not None else []) + [
        period_label(p) for p in periods
    ]
    offset = 1 if baseline is not None else 0
    low, high = float(min(known)), float(max(known))
    pad = (high - low) * 0.05 or 1.0
    low, high, ticks = value_axis(low - pad if low - pad >= 0 or low < 0 else 0.0, high + pad)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(index: int) -> float:
        return LEFT + plot_w * index / max(1, len(labels) - 1)

    def y_of(value: Decimal) -> float:
        return TOP + plot_h * (1 - (float(value) - low) / (high - low))

    start = [Mark(x_of(0), y_of(baseline), labels[0], baseline)] if baseline is not None else []
    planned, actual = list(start), list(start)
    rows = []
    if baseline is not None:
        rows.append(
            {"period": labels[0], "planned": baseline, "actual": baseline, "baseline": True}
        )
    for index, (period, target, reached) in enumerate(
        zip(periods, targets, actuals, strict=True), start=offset
    ):
        label = labels[index]
        if target is not None:
            planned.append(Mark(x_of(index), y_of(target), label, target))
        if reached is not None:
            actual.append(Mark(x_of(index), y_of(reached), label, reached))
        rows.append(
            {
                "period": label,
                "planned": target,
                "actual": reached,
                "target_comment": period.target_comment,
                "actual_comment": period.actual_comment,
                "baseline": False,
            }
        )
    final = next((t for t in reversed(targets) if t is not None), baseline or known[-1])
    step = max(1, len(labels) // 6)
    return TrajectoryChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=HEIGHT - BOTTOM,
        x_labels=[(x_of(i), _short(label)) for i, label in enumerate(labels) if i % step == 0],
        y_ticks=[(y_of(Decimal(str(v))), f"{v:,.6g}") for v in ticks],
        planned=planned if len(planned) > len(start) else [],
        actual=actual if len(actual) > len(start) else [],
        target_y=y_of(final),
        target_label=format(final.normalize(), ",f"),
        rows=rows,
    )
