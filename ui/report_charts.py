"""The reports page's charts as plain SVG drawn by the server, like the big screen's (ui.svg_charts).

A chart library in the browser cost the page's first open about a second (plotly's 4.7 MB script
is fetched and run before the first chart shows); an SVG is part of the page itself. Every label is
in the page's language and every province is named; hovering a bar, point or cell shows its figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from html import escape

import pandas as pd
from plotly.colors import sample_colorscale

from core.i18n import t
from ui.charts import FONT, PALETTE
from ui.svg_charts import _nice_top, _width_of

WIDTH = 1000
TEXT, MUTED, GRID = "#0F172A", "#64748B", "#E5E7EB"
SIZE = 13
# The heatmap's colours, from none to the busiest cell, in 100 steps (sampled once).
HEAT = sample_colorscale("YlOrRd", [step / 100 for step in range(101)])


def _svg(height: float, body: str, label: str) -> str:
    return (
        f'<svg class="report-chart" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" '
        f'style="font-family:{FONT};font-size:{SIZE}px;display:block;max-width:{WIDTH * 1.4:.0f}px">{body}</svg>'
    )


def _text(x: float, y: float, text: str, fill: str = MUTED, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" fill="{fill}" text-anchor="{anchor}">{escape(text)}</text>'


def _tip(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _legend(names: Sequence[str], y: float, left: float, dashed: Sequence[bool] = ()) -> tuple[str, float]:
    """Coloured keys in a row, wrapping onto more rows; returns the SVG and the height it takes."""
    parts, x, row = [], left, SIZE * 1.6
    for i, name in enumerate(names):
        room = SIZE * 2 + _width_of(name, SIZE)
        if x + room > WIDTH and x > left:
            x, y = left, y + row
        colour = PALETTE[i % len(PALETTE)]
        if i < len(dashed) and dashed[i]:
            key = f'<line x1="{x:.1f}" x2="{x + SIZE:.1f}" y1="{y - SIZE * 0.35:.1f}" y2="{y - SIZE * 0.35:.1f}" '
            parts.append(key + f'stroke="{colour}" stroke-width="3" stroke-dasharray="4 3"/>')
        else:
            parts.append(f'<rect x="{x:.1f}" y="{y - SIZE * 0.8:.1f}" width="{SIZE}" height="{SIZE * 0.8:.1f}" ')
            parts[-1] += f'fill="{colour}"/>'
        parts.append(_text(x + SIZE * 1.4, y, name, TEXT))
        x += room + SIZE
    return "".join(parts), y + row * 0.6


def day_chart(
    days: Sequence[date],
    lang: str,
    label: str,
    bars: Sequence[tuple[str, Sequence[float]]] = (),
    lines: Sequence[tuple[str, Sequence[float], bool]] = (),
    height: int = 340,
) -> str:
    """Days along the bottom (as many labels as fit, the last always), stacked bars and lines over
    them (a line's True draws it dashed), a legend on top and the order count up the side."""
    names = [name for name, _ in bars] + [name for name, _, _ in lines]
    dashed = [False] * len(bars) + [dash for _, _, dash in lines]
    legend, top_pad = _legend(names, SIZE * 1.2, SIZE * 4, dashed)
    top_pad += SIZE
    stacked = [sum(_number(v[i]) for _, v in bars) for i in range(len(days))]
    peak = max([*stacked, *(_number(v) for _, values, _ in lines for v in values)], default=0)
    top = _nice_top(peak * 1.05)
    left, bottom = SIZE * 4, SIZE * 2.2
    plot_w, plot_h = WIDTH - left - 8, height - bottom - top_pad
    slot = plot_w / max(len(days), 1)

    def y(value: float) -> float:
        return top_pad + plot_h * (1 - value / top)

    parts = [legend, _axis(top, left, y)]
    stamp = t("analytics.day_hover", lang)
    for i, day in enumerate(days):
        base = 0.0
        for j, (name, values) in enumerate(bars):
            value = _number(values[i])
            if value:
                x, h = left + i * slot + slot * 0.12, y(base) - y(base + value)
                tip = _tip(f"{day.strftime(stamp)} {name}: {value:,.0f}")
                colour = PALETTE[j % len(PALETTE)]
                parts.append(
                    f'<rect class="bar" x="{x:.1f}" y="{y(base + value):.1f}" width="{slot * 0.76:.1f}" '
                    f'height="{h:.1f}" fill="{colour}">{tip}</rect>'
                )
            base += value
    for j, (name, values, dash) in enumerate(lines, start=len(bars)):
        parts.append(_line(days, values, name, left, slot, y, PALETTE[j % len(PALETTE)], dash, stamp))
    parts.append(_day_labels(days, lang, left, slot, height - SIZE * 0.6))
    return _svg(height, "".join(parts), label)


def _number(value: object) -> float:
    return 0.0 if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _axis(top: float, left: float, y) -> str:
    parts = []
    for i in range(5):
        value = top * i / 4
        parts.append(f'<line x1="{left}" x2="{WIDTH - 8}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y(value) + SIZE * 0.35, f"{value:,.0f}", anchor="end"))
    return "".join(parts)


def _line(days, values, name, left, slot, y, colour, dashed, stamp) -> str:
    points = [(left + (i + 0.5) * slot, v, day) for i, (day, v) in enumerate(zip(days, values, strict=True))]
    points = [(x, y(v), day, v) for x, v, day in points if not math.isnan(_nan(v))]
    if not points:
        return ""
    style = ' stroke-dasharray="8 6"' if dashed else ""
    path = " ".join(f"{x:.1f},{py:.1f}" for x, py, _, _ in points)
    dots = []
    for x, py, day, value in points if not dashed else ():
        tip = _tip(f"{day.strftime(stamp)} {name}: {value:,.0f}")
        dots.append(f'<circle cx="{x:.1f}" cy="{py:.1f}" r="3.5" fill="{colour}">{tip}</circle>')
    return f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{style}/>' + "".join(dots)


def _nan(value: object) -> float:
    return math.nan if value is None else float(value)


def _day_labels(days: Sequence[date], lang: str, left: float, slot: float, baseline: float) -> str:
    tick = t("analytics.day_tick", lang)
    widest = max((_width_of(day.strftime(tick), SIZE) for day in days), default=0)
    every = max(1, math.ceil((widest + SIZE) / slot)) if days else 1
    return "".join(
        _text(left + (i + 0.5) * slot, baseline, day.strftime(tick), anchor="middle")
        for i, day in enumerate(days)
        if (len(days) - 1 - i) % every == 0
    )


def channel_trend(trend: pd.DataFrame, lang: str, channel_names: dict[str, str]) -> str:
    """Orders per day stacked by channel."""
    grid = trend.pivot_table(index="day", columns="channel", values="orders", aggfunc="sum", fill_value=0)
    bars = [(channel_names.get(code, code), grid[code].tolist()) for code in sorted(grid.columns)]
    return day_chart(list(grid.index), lang, t("analytics.orders_by_channel", lang), bars=bars, height=360)


def week_over_week(totals: pd.DataFrame, lang: str) -> str:
    """Orders per day as bars, the same weekday a week earlier as a dashed line."""
    return day_chart(
        list(totals["day"]),
        lang,
        t("analytics.week_over_week", lang),
        bars=[(t("analytics.this_week", lang), totals["orders"].tolist())],
        lines=[(t("analytics.week_before", lang), totals["orders_week_before"].tolist(), True)],
    )


def paid_vs_shipped(totals: pd.DataFrame, lang: str) -> str:
    return day_chart(
        list(totals["day"]),
        lang,
        t("analytics.paid_vs_shipped", lang),
        lines=[
            (t("analytics.paid_orders", lang), totals["paid_orders"].tolist(), False),
            (t("analytics.shipped_orders", lang), totals["shipped_orders"].tolist(), False),
        ],
    )


def hour_heat(matrix: pd.DataFrame, lang: str, row: int = 20) -> str:
    """Orders by province (a row each, every one named) and hour of the day, with a colour key."""
    names = [str(name) for name in matrix.index]
    left = max((_width_of(name, SIZE) for name in names), default=0) + SIZE
    key_w = SIZE * 6
    cell = (WIDTH - left - key_w) / 24
    height = row * len(names) + SIZE * 4
    top = max(int(matrix.values.max()) if matrix.size else 0, 1)
    parts = []
    for r, (name, counts) in enumerate(zip(names, matrix.values.tolist(), strict=True)):
        y = r * row
        parts.append(_text(left - SIZE * 0.5, y + row * 0.5 + SIZE * 0.35, name, TEXT, "end"))
        for hour, count in enumerate(counts):
            colour = HEAT[round(100 * count / top)]
            tip = _tip(f"{name} {hour:02d}:00 — {count:,}")
            parts.append(
                f'<rect x="{left + hour * cell:.1f}" y="{y:.1f}" width="{cell - 1:.1f}" height="{row - 1}" '
                f'fill="{colour}">{tip}</rect>'
            )
    base = row * len(names)
    parts += [_text(left + (h + 0.5) * cell, base + SIZE * 1.3, f"{h:02d}", anchor="middle") for h in range(24)]
    parts.append(_text(left + 12 * cell, base + SIZE * 3, t("analytics.hour", lang), TEXT, "middle"))
    parts.append(_key(WIDTH - key_w + SIZE, min(base, 300), top, lang))
    return _svg(height, "".join(parts), t("analytics.province_hours", lang))


def _key(x: float, height: float, top: int, lang: str) -> str:
    """A vertical colour bar from 0 (bottom) to the busiest cell, titled with what it counts."""
    stops = "".join(f'<stop offset="{1 - o / 100:.2f}" stop-color="{HEAT[o]}"/>' for o in (100, 50, 0))
    bar_top = SIZE * 1.6
    return (
        f'<defs><linearGradient id="heat-key" x1="0" y1="0" x2="0" y2="1">{stops}</linearGradient></defs>'
        + _text(x, SIZE, t("analytics.orders", lang))
        + f'<rect x="{x:.1f}" y="{bar_top:.1f}" width="{SIZE}" height="{height - bar_top:.1f}" fill="url(#heat-key)"/>'
        + _text(x + SIZE * 1.4, bar_top + SIZE * 0.8, f"{top:,}")
        + _text(x + SIZE * 1.4, height, "0")
    )
