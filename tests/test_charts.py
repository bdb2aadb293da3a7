"""The dashboard's chart geometry: inside the drawing, mirrored for right-to-left."""

from __future__ import annotations

import datetime

import pytest

from quiz import charts


def test_bars_are_scaled_to_the_largest_value_and_stay_inside_the_chart():
    chart = charts.bar_chart([("a", 0), ("b", 5), ("c", 10)], rtl=False)
    heights = [float(bar.height) for bar in chart.bars]
    assert heights[0] == 0 and heights[1] == heights[2] / 2
    assert chart.top == 10
    for bar in chart.bars:
        assert float(bar.x) >= 0 and float(bar.x) + float(bar.width) <= chart.width
        assert float(bar.y) + float(bar.height) == pytest.approx(float(chart.baseline), abs=0.2)


def test_bars_run_from_the_right_in_a_right_to_left_language():
    values = [("first", 1), ("second", 2), ("third", 3)]
    ltr = charts.bar_chart(values, rtl=False)
    rtl = charts.bar_chart(values, rtl=True)
    assert [float(b.x) for b in ltr.bars] == sorted(float(b.x) for b in ltr.bars)
    assert [float(b.x) for b in rtl.bars] == sorted((float(b.x) for b in rtl.bars), reverse=True)
    # The first label starts at its bar's reading-start edge: the right edge in Arabic.
    first = rtl.bars[0]
    assert first.label_anchor == "start"
    assert float(first.label_x) == pytest.approx(float(first.x) + float(first.width), abs=0.2)
    assert float(rtl.top_x) > float(rtl.axis_end)  # the scale sits at the right too


def test_an_empty_chart_draws_no_bars_and_does_not_divide_by_zero():
    chart = charts.bar_chart([("a", 0), ("b", 0)], rtl=False)
    assert chart.top == 0 and all(bar.height == "0" for bar in chart.bars)
    assert charts.row_chart([("a", 0)], rtl=True).rows[0].width == "0"


def test_rows_grow_from_the_labels_towards_the_reading_end():
    ltr = charts.row_chart([("New", 10), ("Mature", 5)], rtl=False)
    rtl = charts.row_chart([("New", 10), ("Mature", 5)], rtl=True)
    assert float(ltr.rows[0].x) == float(ltr.axis_x) and float(ltr.rows[1].width) == float(ltr.rows[0].width) / 2
    assert float(rtl.rows[0].x) + float(rtl.rows[0].width) == pytest.approx(float(rtl.axis_x), abs=0.2)
    assert float(rtl.rows[0].label_x) > float(rtl.axis_x) > float(rtl.rows[0].value_x)


def test_the_heatmap_shows_twelve_months_up_to_today_with_levels_by_the_busiest_day():
    today = datetime.date(2026, 3, 10)
    counts = {datetime.date(2026, 3, 9): 8, datetime.date(2026, 3, 1): 1, datetime.date(2025, 1, 5): 50}
    heatmap = charts.heatmap(counts, today, rtl=False)
    assert [month.first for month in heatmap.months][0] == datetime.date(2025, 4, 1)
    assert heatmap.months[-1].first == datetime.date(2026, 3, 1)
    assert heatmap.months[-1].cells[-1].day == today  # nothing after today
    assert len(heatmap.months[-2].cells) == 28  # February 2026
    levels = {cell.day: cell.level for cell in heatmap.months[-1].cells}
    # The 50 answers of January 2025 are out of range and do not dim the rest.
    assert (levels[datetime.date(2026, 3, 9)], levels[datetime.date(2026, 3, 1)], levels[today]) == (4, 1, 0)
    assert (heatmap.total, heatmap.months[-1].days) == (9, 2)


def test_the_heatmap_mirrors_its_days_in_a_right_to_left_language():
    today = datetime.date(2026, 3, 10)
    ltr = charts.heatmap({}, today, rtl=False).months[0]
    rtl = charts.heatmap({}, today, rtl=True).months[0]
    assert float(ltr.cells[0].x) < float(ltr.cells[1].x)
    assert float(rtl.cells[0].x) > float(rtl.cells[1].x)
    assert float(rtl.label_x) > float(rtl.cells[0].x)
