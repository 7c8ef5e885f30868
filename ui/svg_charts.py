"""Charts drawn as plain SVG for the big screen and the map: they scale with the screen they are on.

An SVG with a viewBox keeps its proportions and its text sizes relative to the drawing at any size,
so one board drawn for 1920×1080 fills a 4K TV exactly and stays readable across a room; a chart
library sized in pixels would not. Nothing here is fetched at run time (the map is our own file).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from html import escape

from plotly.colors import sample_colorscale

from core.analytics import china_map
from ui.charts import FONT, PALETTE

THEMES = {
    True: {
        "text": "#F1F5F9",
        "muted": "#94A3B8",
        "grid": "#1E293B",
        "empty": "#1E293B",
        "edge": "#0B1220",
        "halo": "#111A2E",
    },
    False: {
        "text": "#0F172A",
        "muted": "#64748B",
        "grid": "#E5E7EB",
        "empty": "#F1F5F9",
        "edge": "#FFFFFF",
        "halo": "#FFFFFF",
    },
}
MAP_SCALE = {
    True: [[0, "#1E3A8A"], [0.5, "#3B82F6"], [1, "#DBEAFE"]],
    False: [[0, "#BFDBFE"], [0.5, "#3B82F6"], [1, "#1E3A8A"]],
}


def _svg(width: int, height: int, body: str, font: int, label: str) -> str:
    return (
        f'<svg class="tv-chart" viewBox="0 0 {width} {height}" width="100%" height="100%" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" '
        f'style="font-family:{FONT};font-size:{font}px;display:block">{body}</svg>'
    )


def _text(x: float, y: float, text: str, fill: str, anchor: str = "start", size: int | None = None, bold=False) -> str:
    extra = (f' font-size="{size}"' if size else "") + (' font-weight="700"' if bold else "")
    return f'<text x="{x:.1f}" y="{y:.1f}" fill="{fill}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _rect(x: float, y: float, width: float, height: float, fill: str, bar: bool = False) -> str:
    css = ' class="bar" rx="3"' if bar else ""
    return f'<rect{css} x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}"/>'


def _nice_top(value: float) -> int:
    """An axis maximum at or above value whose quarters are round whole numbers (320 for 294)."""
    quarter = max(value, 1) / 4
    power = 10 ** math.floor(math.log10(quarter)) if quarter >= 1 else 1
    steps = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
    return 4 * next(int(step * power) for step in steps if step * power >= quarter and step * power % 1 == 0)


def _width_of(text: str, font: int) -> float:
    """Rough drawn width: a CJK character is about one em, a Latin one about half."""
    return sum(font if ord(ch) > 0x2E80 else font * 0.58 for ch in text)


def _fit(text: str, font: int, room: float) -> str:
    while text and _width_of(text, font) > room:
        text = text[:-2] + "…" if len(text) > 2 else ""
    return text


def day_bars(
    days: Sequence[str],
    orders: Sequence[int],
    week_before: Sequence[float],
    size: tuple[int, int],
    font: int,
    label: str,
) -> str:
    """Orders per day as bars (their number on top while there is room), a week earlier as a dashed
    line, and as many day labels as fit without touching."""
    width, height = size
    theme = THEMES[True]
    left, bottom, top_pad = font * 3, font * 1.8, font * 1.4
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    before = [(i, v) for i, v in enumerate(week_before) if v is not None and not math.isnan(v)]
    top = _nice_top(max([*orders, *(v for _, v in before)], default=0) * 1.05)
    slot = plot_w / max(len(days), 1)

    def y(value: float) -> float:
        return top_pad + plot_h * (1 - value / top)

    parts = []
    for i in range(5):
        value = top * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{theme["grid"]}"/>'
        )
        parts.append(_text(left - 8, y(value) + font * 0.35, f"{value:,.0f}", theme["muted"], "end"))
    numbers = slot >= _width_of(f"{max(orders, default=0):,}", font) + 4
    every = math.ceil((_width_of("00-00", font) + font) / slot)
    labels = []  # drawn last, over the dashed line, each on a halo of the tile's colour
    for i, (day, count) in enumerate(zip(days, orders, strict=True)):
        x = left + i * slot
        parts.append(_rect(x + slot * 0.12, y(count), slot * 0.76, top_pad + plot_h - y(count), PALETTE[0], bar=True))
        if numbers:
            labels.append(_text(x + slot / 2, y(count) - 6, f"{count:,}", theme["text"], "middle"))
        if (len(days) - 1 - i) % every == 0:  # the last day always labelled
            parts.append(_text(x + slot / 2, height - font * 0.4, day, theme["muted"], "middle"))
    points = " ".join(f"{left + (i + 0.5) * slot:.1f},{y(v):.1f}" for i, v in before)
    if points:
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{PALETTE[1]}" stroke-width="3" stroke-dasharray="9 7"/>'
        )
    halo = f'<g stroke="{theme["halo"]}" stroke-width="5" paint-order="stroke">{"".join(labels)}</g>'
    return _svg(width, height, "".join(parts) + halo, font, label)


def donut(
    labels: Sequence[str], values: Sequence[int], size: tuple[int, int], font: int, label: str, dark: bool = True
) -> str:
    """Shares as a donut with the legend beside it; a slice's percentage is printed inside it only
    when the slice is wide enough to hold it, so no label ever lands on another or on the legend.
    Dark for the big screen; light for the reports page."""
    width, height = size
    theme = THEMES[dark]
    radius = height / 2 - 6
    cx, cy, inner = radius + 6, height / 2, radius * 0.55
    total = sum(values) or 1
    parts, start = [], -math.pi / 2
    for i, value in enumerate(values):
        sweep = 2 * math.pi * value / total
        colour = PALETTE[i % len(PALETTE)]
        if value == total:
            ring = f'cx="{cx}" cy="{cy}" r="{(radius + inner) / 2}" stroke-width="{radius - inner}"'
            parts.append(f'<circle {ring} fill="none" stroke="{colour}"/>')
        else:
            parts.append(f'<path d="{_slice(cx, cy, radius, inner, start, sweep)}" fill="{colour}"/>')
        share = value / total
        if sweep * (radius + inner) / 2 >= _width_of("00%", font) + 4:
            mid, ring = start + sweep / 2, (radius + inner) / 2
            parts.append(
                _text(
                    cx + ring * math.cos(mid),
                    cy + ring * math.sin(mid) + font * 0.35,
                    f"{share:.0%}",
                    "#FFFFFF",
                    "middle",
                )
            )
        start += sweep
    legend_x, row = cx + radius + font * 1.5, font * 1.55
    shown = min(len(labels), int(height // row))
    first = cy - row * shown / 2
    for i, name in enumerate(labels[:shown]):
        top = first + i * row
        parts.append(_rect(legend_x, top + row * 0.2, font * 0.7, font * 0.7, PALETTE[i % len(PALETTE)]))
        percent = f" {values[i] / total:.0%}"  # kept whole: a long name is shortened instead
        text = _fit(name, font, width - legend_x - font * 1.2 - _width_of(percent, font)) + percent
        parts.append(_text(legend_x + font * 1.1, top + row * 0.2 + font * 0.7, text, theme["text"]))
    return _svg(width, height, "".join(parts), font, label)


def _slice(cx: float, cy: float, outer: float, inner: float, start: float, sweep: float) -> str:
    end, large = start + sweep, 1 if sweep > math.pi else 0
    p = lambda r, a: f"{cx + r * math.cos(a):.1f},{cy + r * math.sin(a):.1f}"  # noqa: E731
    return (
        f"M{p(outer, start)} A{outer:.1f},{outer:.1f} 0 {large} 1 {p(outer, end)} "
        f"L{p(inner, end)} A{inner:.1f},{inner:.1f} 0 {large} 0 {p(inner, start)} Z"
    )


def side_bars(labels: Sequence[str], values: Sequence[int], size: tuple[int, int], font: int, label: str) -> str:
    """Horizontal bars, biggest on top, each with its name before it and its number at its end."""
    width, height = size
    theme = THEMES[True]
    label_w = min(max((_width_of(name, font) for name in labels), default=0) + font * 0.6, width * 0.35)
    number_w = _width_of(f"{max(values, default=0):,}", font) + font * 0.6
    top = max(values, default=0) or 1
    slot = height / max(len(labels), 3)
    parts = []
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        y = i * slot
        bar = (width - label_w - number_w) * value / top
        parts.append(
            _text(
                label_w - font * 0.4,
                y + slot / 2 + font * 0.35,
                _fit(name, font, label_w - font * 0.4),
                theme["text"],
                "end",
            )
        )
        parts.append(_rect(label_w, y + slot * 0.15, bar, slot * 0.7, PALETTE[i % len(PALETTE)], bar=True))
        parts.append(
            _text(label_w + bar + font * 0.3, y + slot / 2 + font * 0.35, f"{value:,}", theme["text"], bold=True)
        )
    return _svg(width, height, "".join(parts), font, label)


# The map: an equirectangular projection at China's middle latitude, the South China Sea islands
# and the maritime boundary line in an inset at the bottom right, as China's official maps draw them.
MAIN = (73.0, 136.0, 17.5, 54.0)  # lon, lon, lat, lat
INSET = (105.5, 123.5, 3.0, 24.5)
ASPECT = math.cos(math.radians(36))


@cache
def _shapes(width: int, height: int) -> tuple[tuple[tuple[str, str, str], ...], str, tuple[float, ...]]:
    """Each province's path in the main map and in the inset (projected once per size), the
    maritime line's path, and the inset's frame (x, y, w, h). The inset sits in the main map's
    bottom-right corner, the open sea east of 台湾, and the whole is centred in the space."""
    lon0, lon1, lat0, lat1 = MAIN
    scale = min(width / ((lon1 - lon0) * ASPECT), height / (lat1 - lat0))
    left = (width - (lon1 - lon0) * ASPECT * scale) / 2
    main = lambda lon, lat: (left + (lon - lon0) * ASPECT * scale, (lat1 - lat) * scale)  # noqa: E731
    ilon0, ilon1, ilat0, ilat1 = INSET
    iscale = scale * 0.55
    frame = ((ilon1 - ilon0) * ASPECT * iscale, (ilat1 - ilat0) * iscale)
    ix, iy = left + (lon1 - lon0) * ASPECT * scale - frame[0] - 1, (lat1 - lat0) * scale - frame[1] - 1
    inset = lambda lon, lat: (ix + (lon - ilon0) * ASPECT * iscale, iy + (ilat1 - lat) * iscale)  # noqa: E731
    shapes = []
    for feature in china_map.provinces():
        rings = [polygon[0] for polygon in feature["geometry"]["coordinates"]]
        mainland = [ring for ring in rings if max(lat for _, lat in ring) >= china_map.ISLANDS_NORTH]
        near = [ring for ring in rings if _touches(ring, INSET)]
        shapes.append((feature["id"], _path(mainland, main), _path(near, inset)))
    line = " ".join(_path([part], inset, closed=False) for part in china_map.maritime_line())
    return tuple(shapes), line, (ix, iy, *frame)


def _touches(ring: list, box: tuple[float, float, float, float]) -> bool:
    return any(box[0] <= lon <= box[1] and box[2] <= lat <= box[3] for lon, lat in ring)


def _path(rings: list, project, closed: bool = True) -> str:
    end = "Z" if closed else ""
    return " ".join("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in (project(*p) for p in ring)) + end for ring in rings)


def china(counts: dict[str, int], size: tuple[int, int], dark: bool, font: int, label: str) -> str:
    """The 34 provinces shaded by orders (hover shows each one's count), with a colour key."""
    width, height = size
    theme, scale = THEMES[dark], MAP_SCALE[dark]
    key_w = font * 4
    shapes, line, (ix, iy, iw, ih) = _shapes(width - key_w, height)
    top = max(counts.values(), default=0) or 1
    parts, islands = [], []
    for name, main_path, inset_path in shapes:
        orders = counts.get(name, 0)
        fill = sample_colorscale(scale, orders / top)[0] if orders else theme["empty"]
        tip = f"<title>{escape(name)}: {orders:,}</title>"
        parts.append(f'<path d="{main_path}" fill="{fill}" stroke="{theme["edge"]}" stroke-width="0.8">{tip}</path>')
        if inset_path:
            islands.append(f'<path d="{inset_path}" fill="{fill}" stroke="{theme["muted"]}" stroke-width="0.4"/>')
    parts.append(
        f'<rect x="{ix:.1f}" y="{iy:.1f}" width="{iw:.1f}" height="{ih:.1f}" fill="none" stroke="{theme["muted"]}"/>'
    )
    parts.append(
        f'<clipPath id="inset-clip"><rect x="{ix:.1f}" y="{iy:.1f}" width="{iw:.1f}" height="{ih:.1f}"/></clipPath>'
    )
    parts.append(f'<g clip-path="url(#inset-clip)">{"".join(islands)}')
    parts.append(f'<path d="{line}" fill="none" stroke="{theme["muted"]}" stroke-width="1.6"/></g>')
    parts.append(_key(width - key_w + font * 0.5, height, top, scale, theme, font))
    return _svg(width, height, "".join(parts), font, label)


def _key(x: float, height: float, top: int, scale: list, theme: dict, font: int) -> str:
    """A vertical colour bar from 0 to the busiest province's orders."""
    stops = "".join(f'<stop offset="{o}" stop-color="{c}"/>' for o, c in ((1 - o, c) for o, c in scale[::-1]))
    bar_top, bar_h = font, height * 0.6
    return (
        f'<defs><linearGradient id="map-key" x1="0" y1="0" x2="0" y2="1">{stops}</linearGradient></defs>'
        f'<rect x="{x:.1f}" y="{bar_top}" width="{font * 0.7}" height="{bar_h:.1f}" fill="url(#map-key)"/>'
        + _text(x + font, bar_top + font * 0.7, f"{top:,}", theme["muted"])
        + _text(x + font, bar_top + bar_h, "0", theme["muted"])
    )
