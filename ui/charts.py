"""Plotly figures for the reports page and the big screen (one look, a light and a dark theme)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from core import china_map
from core.i18n import t

PALETTE = ["#3B82F6", "#F59E0B", "#10B981", "#EF4444", "#8B5CF6", "#06B6D4", "#EC4899", "#84CC16"]
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
MAP_LIGHT = [[0, "#BFDBFE"], [0.5, "#3B82F6"], [1, "#1E3A8A"]]
MAP_DARK = [[0, "#1E3A8A"], [0.5, "#3B82F6"], [1, "#DBEAFE"]]
NO_ORDERS = {True: "#1E293B", False: "#F1F5F9"}  # provinces without orders, apart from the scale


def yuan(cents: float | int | None) -> str:
    """¥12,345 (whole yuan: a screen is read at a glance)."""
    return "—" if cents is None or pd.isna(cents) else f"¥{cents / 100:,.0f}"


def change(now: float, before: float) -> float | None:
    """Relative change, None when there is nothing to compare with."""
    return None if not before else (now - before) / before


def _style(fig: go.Figure, dark: bool, height: int, font_size: int = 14) -> go.Figure:
    fig.update_layout(
        template="plotly_dark" if dark else "plotly_white",
        height=height,
        colorway=PALETTE,
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        font={"family": FONT, "size": font_size},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "font": {"size": font_size}},
    )
    fig.update_xaxes(tickfont={"size": font_size})
    fig.update_yaxes(tickfont={"size": font_size})
    return fig


def channel_trend(trend: pd.DataFrame, lang: str, channel_names: dict[str, str], height: int = 360) -> go.Figure:
    """Orders per day stacked by channel."""
    fig = go.Figure()
    for channel, rows in trend.groupby("channel", sort=True):
        fig.add_bar(x=rows["day"], y=rows["orders"], name=channel_names.get(channel, channel))
    fig.update_layout(barmode="stack", yaxis_title=t("analytics.orders", lang))
    return _style(fig, False, height)


def paid_vs_shipped(totals: pd.DataFrame, lang: str, height: int = 320) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(
        x=totals["day"], y=totals["paid_orders"], name=t("analytics.paid_orders", lang), mode="lines+markers"
    )
    fig.add_scatter(
        x=totals["day"], y=totals["shipped_orders"], name=t("analytics.shipped_orders", lang), mode="lines+markers"
    )
    return _style(fig, False, height)


def week_over_week(totals: pd.DataFrame, lang: str, dark: bool = False, height: int = 320, font: int = 14) -> go.Figure:
    """Orders per day as bars, the same weekday a week earlier as a dashed line."""
    fig = go.Figure()
    fig.add_bar(
        x=totals["day"],
        y=totals["orders"],
        name=t("analytics.this_week", lang),
        marker_color=PALETTE[0],
        text=totals["orders"] if dark else None,
        textposition="outside",
        textfont={"size": font},
    )
    fig.add_scatter(
        x=totals["day"],
        y=totals["orders_week_before"],
        name=t("analytics.week_before", lang),
        mode="lines",
        line={"dash": "dash", "width": 3, "color": PALETTE[1]},
    )
    fig.update_xaxes(tickformat="%m-%d", dtick=86_400_000 if len(totals) <= 14 else None)
    # Headroom above the tallest bar, so its number printed on top is not cut off.
    top = max(totals["orders"].max(), totals["orders_week_before"].max(), 1) * 1.18
    fig.update_layout(showlegend=not dark, yaxis={"gridcolor": "#1E293B" if dark else "#E5E7EB", "range": [0, top]})
    return _style(fig, dark, height, font)


def province_map(provinces: pd.DataFrame, lang: str, dark: bool = False, height: int = 460) -> go.Figure:
    """Mainland provinces shaded by orders, drawn from the shipped GeoJSON as filled shapes.

    Plotly's geo traces fetch a world topojson from a CDN before drawing anything, which a
    machine without internet (and many shop-floor TVs) cannot reach; plain filled polygons on
    an equal-aspect plane need nothing but our own file. 港澳台 and 未知 are listed beside it.
    """
    counts = provinces.set_index("province")["orders"].to_dict()
    top = max(counts.values(), default=0) or 1
    scale = MAP_DARK if dark else MAP_LIGHT
    fig = go.Figure()
    for feature in china_map.geojson()["features"]:
        name, orders = feature["id"], counts.get(feature["id"], 0)
        lon, lat = _outline(feature["geometry"])
        fig.add_scatter(
            x=lon,
            y=lat,
            fill="toself",
            mode="lines",
            name=name,
            showlegend=False,
            fillcolor=sample_colorscale(scale, orders / top)[0] if orders else NO_ORDERS[dark],
            line={"color": "#0B1220" if dark else "#FFFFFF", "width": 0.8},
            hoveron="fills",
            hoverinfo="text",
            text=f"{name}: {orders:,}",
        )
    fig.add_scatter(
        x=[None],
        y=[None],
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker={
            "colorscale": scale,
            "cmin": 0,
            "cmax": top,
            "color": [0],
            "showscale": True,
            "colorbar": {"thickness": 14, "len": 0.8, "title": {"text": t("analytics.orders", lang)}},
        },
    )
    # Equirectangular with the x/y ratio of China's mid latitude, so shapes are not squashed.
    fig.update_xaxes(visible=False, range=[73, 136])
    fig.update_yaxes(visible=False, range=[17, 54], scaleanchor="x", scaleratio=1.25)
    return _style(fig, dark, height)


def _outline(geometry: dict) -> tuple[list, list]:
    """All rings of a (Multi)Polygon as one path, rings separated by None (one trace per province)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    lon: list = []
    lat: list = []
    for polygon in polygons:
        for ring in polygon[:1]:  # outer rings; the holes are other provinces' land or sea
            lon += [point[0] for point in ring] + [None]
            lat += [point[1] for point in ring] + [None]
    return lon, lat


def hour_heat(matrix: pd.DataFrame, lang: str, height: int = 520) -> go.Figure:
    fig = go.Figure(
        go.Heatmap(
            z=matrix.values,
            x=[f"{h:02d}" for h in matrix.columns],
            y=list(matrix.index),
            colorscale="YlOrRd",
            hovertemplate="%{y} %{x}:00 — %{z}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(xaxis_title=t("analytics.hour", lang))
    return _style(fig, False, height)


def reasons_pie(reasons: pd.DataFrame, dark: bool = False, height: int = 360, font: int = 14) -> go.Figure:
    """Returns by reason as a donut, the legend beside it (labels on small slices collide)."""
    pie = go.Pie(
        labels=reasons["reason"],
        values=reasons["returns"],
        hole=0.5,
        sort=False,
        textinfo="percent",
        textfont={"size": font},
        marker={"colors": PALETTE},
        insidetextorientation="horizontal",
    )
    fig = _style(go.Figure(pie), dark, height, font)
    fig.update_layout(legend={"orientation": "v", "x": 1.0, "xanchor": "left", "y": 0.5, "yanchor": "middle"})
    return fig


def channel_split(channels: pd.DataFrame, dark: bool = False, height: int = 320, font: int = 14) -> go.Figure:
    """Orders per channel as horizontal bars, biggest on top."""
    rows = channels.sort_values("orders")
    fig = go.Figure(
        go.Bar(
            x=rows["orders"],
            y=rows["channel_name"],
            orientation="h",
            text=rows["orders"],
            textposition="auto",
            textfont={"size": font},
            marker_color=PALETTE[: len(rows)][::-1],
        )
    )
    fig.update_xaxes(visible=False)
    return _style(fig, dark, height, font)
