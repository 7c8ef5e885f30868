"""The reports' charts: every province labelled, dates and axes in the page's language."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd

from core import regions
from ui import report_charts, svg_charts


def _totals(days: int) -> pd.DataFrame:
    start = date(2026, 11, 1)
    return pd.DataFrame(
        {
            "day": [start + timedelta(days=i) for i in range(days)],
            "orders": range(days),
            "orders_week_before": range(days),
            "paid_orders": range(days),
            "shipped_orders": range(days),
        }
    )


def test_the_province_hour_heatmap_labels_every_province():
    names = [p.short for p in regions.provinces()]
    matrix = pd.DataFrame([[1] * 24] * len(names), index=names, columns=range(24))
    svg = report_charts.hour_heat(matrix, "zh")
    assert re.findall(r'text-anchor="end">([^<]*)<', svg) == names  # one label per row, in order
    assert svg.count("<title>") == 24 * len(names) and ">下单时段<" in svg
    assert "<title>台湾 21:00 — 1</title>" in svg  # every cell says what it holds


def test_date_axes_speak_the_page_language():
    totals = _totals(40)
    trend = totals.assign(channel="taobao")
    for lang, tick, hover in (("zh", ">12月10日<", "2026年11月8日"), ("en", ">Dec 10<", "Nov 8, 2026")):
        charts = [
            report_charts.week_over_week(totals, lang),
            report_charts.paid_vs_shipped(totals, lang),
            report_charts.channel_trend(trend, lang, {"taobao": "淘宝/天猫"}),
        ]
        assert all(tick in svg and hover in svg for svg in charts)  # the last day is always labelled
    zh = report_charts.channel_trend(trend, "zh", {"taobao": "淘宝/天猫"})
    assert ">淘宝/天猫<" in zh and "Nov" not in zh and "<title>2026年11月8日 淘宝/天猫: 7</title>" in zh


def test_a_crowded_day_axis_labels_only_as_many_days_as_fit():
    svg = report_charts.week_over_week(_totals(90), "zh")
    shown = re.findall(r'text-anchor="middle">(\d+月\d+日)<', svg)
    assert 8 <= len(shown) < 90 and shown[-1] == "1月29日"  # the last day among them


def test_the_big_screen_charts_print_only_what_fits():
    days = [f"11-{d:02d}" for d in range(1, 31)]
    crowded = svg_charts.day_bars(days, [250] * 30, [240.0] * 30, (1076, 332), 18, "30 天")
    roomy = svg_charts.day_bars(days[:7], [250] * 7, [float("nan")] * 7, (1076, 332), 18, "7 天")
    assert crowded.count('class="bar"') == 30 and ">250<" not in crowded  # no room for a number on each bar
    assert 3 <= crowded.count(">11-") <= 12 and ">11-30<" in crowded  # some days, the last one among them
    assert roomy.count(">250<") == 7 and roomy.count(">11-") == 7
    pie = svg_charts.donut(["七天无理由退货，买家不想要了", "破损"], [98, 2], (578, 274), 18, "退货原因")
    assert ">2%<" not in pie and "98%</text>" in pie  # the thin slice's share is in the legend only
    assert "… 98%</text>" in pie and "破损 2%</text>" in pie  # a long name is shortened, its share kept


def test_the_order_axis_counts_in_round_whole_numbers_even_for_an_empty_store():
    for most, ticks in ((0, "0 1 2 3 4"), (27, "0 8 16 24 32"), (294, "0 80 160 240 320")):
        svg = svg_charts.day_bars(["11-01", "11-02"], [most, 0], [0.0, 0.0], (1076, 332), 18, "7 天")
        assert " ".join(re.findall(r'text-anchor="end">([^<]*)<', svg)) == ticks
