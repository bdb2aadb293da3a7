"""Geometry for the progress dashboard's charts, drawn as server-side SVG.

Pure functions: numbers and labels in, positions out; templates/includes/chart_*.html
draw them. Coordinates are returned as strings so that a template's number
localisation (a decimal comma in French) can never reach the SVG. In a
right-to-left language the x axis is mirrored here, so time runs from right to
left as the reader expects.
"""

from __future__ import annotations

import calendar as calendar_module
import datetime
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

# Every chart is drawn in this coordinate system and scaled to the page's width.
WIDTH = 320
HEAT_LEVELS = 4


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: str
    y: str
    width: str
    height: str
    show_label: bool
    # The axis label: the first one starts at its bar's reading-start edge and the
    # last one ends at its bar's reading-end edge, so neither leaves the chart.
    # text-anchor is logical (start is the right in a right-to-left page).
    label_x: str
    label_anchor: str


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    baseline: str
    axis_start: str
    axis_end: str
    label_y: str
    # The largest value, written beside a guide line at its height.
    top: int
    top_y: str
    top_x: str

    @property
    def total(self) -> int:
        return sum(bar.value for bar in self.bars)


def bar_chart(
    values: Sequence[tuple[str, int]], *, rtl: bool, labels_at: Collection[int] | None = None, height: int = 160
) -> BarChart:
    """Vertical bars, one per (label, value), the first at the reading start,
    with an axis label under the bars numbered in `labels_at` (all by default)."""
    gutter, margin = 30, 6  # the gutter holds the largest value's label
    top_pad, bottom_pad = 18, 22
    plot_width = WIDTH - gutter - margin
    plot_start = margin if rtl else gutter
    baseline = height - bottom_pad
    plot_height = baseline - top_pad
    top = max((value for _label, value in values), default=0)
    slot = plot_width / max(1, len(values))
    bar_width = slot * 0.72
    bars = []
    last = len(values) - 1
    for index, (label, value) in enumerate(values):
        position = last - index if rtl else index
        x = plot_start + position * slot + (slot - bar_width) / 2
        bar_height = plot_height * value / top if top else 0
        start_edge, end_edge = (x + bar_width, x) if rtl else (x, x + bar_width)
        if index == 0 and last > 0:
            label_x, anchor = start_edge, "start"
        elif index == last and last > 0:
            label_x, anchor = end_edge, "end"
        else:
            label_x, anchor = x + bar_width / 2, "middle"
        bars.append(
            Bar(
                label=label,
                value=value,
                x=_n(x),
                y=_n(baseline - bar_height),
                width=_n(bar_width),
                height=_n(bar_height),
                show_label=labels_at is None or index in labels_at,
                label_x=_n(label_x),
                label_anchor=anchor,
            )
        )
    return BarChart(
        bars=bars,
        width=WIDTH,
        height=height,
        baseline=_n(baseline),
        axis_start=_n(plot_start),
        axis_end=_n(plot_start + plot_width),
        label_y=_n(baseline + 15),
        top=top,
        top_y=_n(top_pad),
        top_x=_n(WIDTH - gutter / 2 if rtl else gutter / 2),
    )


@dataclass(frozen=True)
class Row:
    label: str
    value: int
    x: str
    y: str
    width: str
    height: str
    label_x: str
    value_x: str
    text_y: str


@dataclass(frozen=True)
class RowChart:
    rows: list[Row]
    width: int
    height: int
    axis_x: str


def row_chart(values: Sequence[tuple[str, int]], *, rtl: bool) -> RowChart:
    """Horizontal bars, one row per (label, value): the label at the reading
    start, the bar growing towards the reading end, its number just past it."""
    label_width, value_width, row_height, bar_height = 110, 40, 24, 16
    plot_width = WIDTH - label_width - value_width
    top = max((value for _label, value in values), default=0)
    rows = []
    for index, (label, value) in enumerate(values):
        length = plot_width * value / top if top else 0
        y = index * row_height + (row_height - bar_height) / 2
        if rtl:
            origin = WIDTH - label_width
            x, label_x, value_x = origin - length, WIDTH - 2, origin - length - 4
        else:
            x, label_x, value_x = label_width, 2, label_width + length + 4
        rows.append(
            Row(
                label=label,
                value=value,
                x=_n(x),
                y=_n(y),
                width=_n(length),
                height=_n(bar_height),
                label_x=_n(label_x),
                value_x=_n(value_x),
                text_y=_n(y + bar_height - 4),
            )
        )
    return RowChart(
        rows=rows,
        width=WIDTH,
        height=row_height * len(values),
        axis_x=_n(WIDTH - label_width if rtl else label_width),
    )


@dataclass(frozen=True)
class Cell:
    day: datetime.date
    count: int
    level: int
    x: str
    y: str


@dataclass(frozen=True)
class Month:
    first: datetime.date
    answers: int
    days: int
    label_x: str
    label_y: str
    cells: list[Cell]


@dataclass(frozen=True)
class Heatmap:
    months: list[Month]
    width: int
    height: int
    cell: int
    # Day-of-month numbers above the columns.
    columns: list[tuple[int, str]]
    column_y: str

    @property
    def total(self) -> int:
        return sum(month.answers for month in self.months)


def heat_level(count: int, busiest: int) -> int:
    """0 for a day without answers, else 1–4 by its share of the busiest day."""
    if count <= 0 or busiest <= 0:
        return 0
    return max(1, min(HEAT_LEVELS, math.ceil(HEAT_LEVELS * count / busiest)))


def heatmap(counts: Mapping[datetime.date, int], today: datetime.date, *, rtl: bool, months: int = 12) -> Heatmap:
    """A calendar grid: one row per month (the `months` ending with today's),
    one column per day of the month; days after today are left out."""
    cell, gap, gutter, header = 9, 2, 34, 14
    step = cell + gap
    firsts = []
    year, month = today.year, today.month
    for _ in range(months):
        firsts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()
    shown = [count for day, count in counts.items() if firsts[0] <= day <= today]
    busiest = max(shown, default=0)

    def column_x(day_of_month: int) -> float:
        column = 31 - day_of_month if rtl else day_of_month - 1
        return (0 if rtl else gutter) + column * step

    rows = []
    for row, first in enumerate(firsts):
        y = header + row * step
        length = calendar_module.monthrange(first.year, first.month)[1]
        cells = []
        for day_of_month in range(1, length + 1):
            day = first.replace(day=day_of_month)
            if day > today:
                break
            count = counts.get(day, 0)
            cells.append(
                Cell(day=day, count=count, level=heat_level(count, busiest), x=_n(column_x(day_of_month)), y=_n(y))
            )
        rows.append(
            Month(
                first=first,
                answers=sum(c.count for c in cells),
                days=sum(1 for c in cells if c.count),
                label_x=_n(31 * step + gutter / 2 if rtl else gutter / 2),
                label_y=_n(y + cell - 1),
                cells=cells,
            )
        )
    columns = [(day, _n(column_x(day) + cell / 2)) for day in (1, 10, 20, 31)]
    return Heatmap(
        months=rows,
        width=gutter + 31 * step,
        height=header + months * step,
        cell=cell,
        columns=columns,
        column_y=_n(header - 4),
    )
