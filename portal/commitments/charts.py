"""The geometry of the dashboard's SVG charts, computed here so templates only draw.

Every chart is readable without colour: lines differ by dash and marker shape, bars by
pattern, and every mark carries its value as text; each chart has its data table beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from portal.commitments import values as period_values

WIDTH, HEIGHT = 520, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 70, 16, 40


@dataclass
class Mark:
    x: float
    y: float
    label: str
    value: Decimal


@dataclass
class TrajectoryChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    planned: list[Mark]
    actual: list[Mark]
    target_y: float
    target_label: str
    rows: list[dict] = field(default_factory=list)

    def path(self, marks: list[Mark]) -> str:
        """The SVG path joining `marks` in order."""
        return " ".join(f"{'M' if i == 0 else 'L'}{m.x:.1f},{m.y:.1f}" for i, m in enumerate(marks))


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _nice_step(span: float, count: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about `count` intervals."""
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def value_axis(low: float, high: float) -> tuple[float, float, list[float]]:
    """Round the range outwards to whole steps; return (low, high, ticks)."""
    step = _nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    ticks = [low + step * i for i in range(round((high - low) / step) + 1)]
    return low, high, ticks


def trajectory(commitment, actuals: dict | None = None) -> TrajectoryChart | None:
    """Planned against actual, from the baseline to the last planned period.

    `actuals` are the periods' values (values.actuals: reported, computed or overridden);
    by default they are read for the reader of the page.
    """
    points = commitment.points
    if not points:
        return None
    if actuals is None:
        actuals = period_values.actuals(commitment)
    found = {k: a for k, a in actuals.items() if a.value is not None}
    baseline = commitment.baseline_value
    labels = [str(commitment.baseline_year)] + [p.period for p in points]
    values = [baseline, commitment.target_value, *(p.planned_value for p in points)]
    values += [a.value for a in found.values()]
    low, high = float(min(values)), float(max(values))
    pad = (high - low) * 0.05 or 1.0
    low, high, ticks = value_axis(low - pad if low - pad >= 0 or low < 0 else 0.0, high + pad)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x_of(index: int) -> float:
        return LEFT + (plot_w * index / max(1, len(labels) - 1))

    def y_of(value: Decimal) -> float:
        return TOP + plot_h * (1 - (float(value) - low) / (high - low))

    planned = [Mark(x_of(0), y_of(baseline), labels[0], baseline)]
    actual = [Mark(x_of(0), y_of(baseline), labels[0], baseline)]
    rows = [{"period": labels[0], "planned": baseline, "actual": baseline, "baseline": True}]
    for index, point in enumerate(points, start=1):
        planned.append(
            Mark(x_of(index), y_of(point.planned_value), point.period, point.planned_value)
        )
        measured = found.get(point.period)
        if measured is not None and measured.value is not None:
            actual.append(Mark(x_of(index), y_of(measured.value), point.period, measured.value))
        rows.append(
            {
                "period": point.period,
                "planned": point.planned_value,
                "actual": measured.value if measured else None,
                "source": measured.source if measured else None,
                "baseline": False,
            }
        )
    step = max(1, len(labels) // 8)  # keep the axis legible with many periods
    return TrajectoryChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=HEIGHT - BOTTOM,
        x_labels=[(x_of(i), label) for i, label in enumerate(labels) if i % step == 0],
        y_ticks=[(y_of(Decimal(str(v))), f"{v:,.6g}") for v in ticks],
        planned=planned,
        actual=actual if len(actual) > 1 else [],
        target_y=y_of(commitment.target_value),
        target_label=_text(commitment.target_value),
        rows=rows,
    )


@dataclass
class Bar:
    code: str
    count: int
    y: float
    width: float


def status_bars(counts: dict[str, int], bar_height: int = 22, gap: int = 8) -> dict:
    """Horizontal bars, one per status, each with its own pattern and its count as text."""
    largest = max(counts.values(), default=0) or 1
    label_w, plot_w = 150, 260
    bars = [
        Bar(code, count, 8 + i * (bar_height + gap), plot_w * count / largest)
        for i, (code, count) in enumerate(counts.items())
    ]
    return {
        "bars": bars,
        "bar_height": bar_height,
        "label_width": label_w,
        "width": label_w + plot_w + 50,
        "height": 16 + len(bars) * (bar_height + gap),
    }
