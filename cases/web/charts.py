"""Charts drawn on the server as SVG: no script, no library from elsewhere, readable without
colour (each series has a pattern-free label and a table beside it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import formats

WIDTH = 640
HEIGHT = 200
MARGIN_LEFT = 32
MARGIN_BOTTOM = 24
# One colour per series, distinguishable in greyscale too.
COLOURS = ("#1d4ed8", "#b45309", "#047857", "#7c3aed")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str]]
    series: list[tuple[str, str]]
    rows: list[tuple[str, list[int]]]
    maximum: int
    baseline: float


def monthly_bars(months: Sequence[Any], series: Sequence[tuple[str, str]]) -> Chart:
    """Grouped bars: for each month (with `.month` and `.counts` by series key), one bar per
    series. Also returns the same figures as table rows, for people who do not see the chart."""
    maximum = max([1, *(month.counts.get(key, 0) for month in months for key, _label in series)])
    plot_width = WIDTH - MARGIN_LEFT
    plot_height = HEIGHT - MARGIN_BOTTOM
    slot = plot_width / max(len(months), 1)
    bar_width = (slot * 0.8) / max(len(series), 1)
    bars = []
    labels = []
    rows = []
    for index, month in enumerate(months):
        name = formats.date_format(month.month, "Y-m")
        left = MARGIN_LEFT + index * slot + slot * 0.1
        labels.append((left + slot * 0.4, name))
        values = []
        for number, (key, label) in enumerate(series):
            value = month.counts.get(key, 0)
            values.append(value)
            height = plot_height * value / maximum
            bars.append(
                Bar(
                    x=round(left + number * bar_width, 1),
                    y=round(plot_height - height, 1),
                    width=round(bar_width - 1, 1),
                    height=round(height, 1),
                    colour=COLOURS[number % len(COLOURS)],
                    title=f"{name} · {label}: {value}",
                )
            )
        rows.append((name, values))
    named = [(label, COLOURS[number % len(COLOURS)]) for number, (_key, label) in enumerate(series)]
    return Chart(WIDTH, HEIGHT, bars, labels, named, rows, maximum, plot_height)
