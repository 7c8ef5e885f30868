"""Plotly figures for the reports page and the big screen (one look, a light and a dark theme)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core import china_map
from core.i18n import t

PALETTE = ["#3B82F6", "#F59E0B", "#10B981", "#EF4444", "#8B5CF6", "#06B6D4", "#EC4899", "#84CC16"]
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


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
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    )
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
    fig.update_xaxes(tickformat="%m-%d")
    return _style(fig, dark, height, font)


def province_map(provinces: pd.DataFrame, lang: str, dark: bool = False, height: int = 460) -> go.Figure:
    """Mainland provinces shaded by orders (港澳台 and 未知 are listed beside the map, not drawn)."""
    on_map = provinces[provinces["on_map"]]
    fig = go.Figure(
        go.Choropleth(
            geojson=china_map.geojson(),
            featureidkey="id",
            locations=on_map["province"],
            z=on_map["orders"],
            colorscale="Blues" if not dark else [[0, "#1e293b"], [0.5, "#2563eb"], [1, "#93c5fd"]],
            marker_line_color="#64748b" if dark else "#ffffff",
            marker_line_width=0.6,
            colorbar={"title": {"text": t("analytics.orders", lang)}, "thickness": 12},
            hovertemplate="%{location}: %{z}<extra></extra>",
        )
    )
    fig.update_geos(fitbounds="geojson", visible=False, projection_type="mercator", bgcolor="rgba(0,0,0,0)")
    return _style(fig, dark, height)


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
    fig = go.Figure(
        go.Pie(
            labels=reasons["reason"],
            values=reasons["returns"],
            hole=0.55,
            sort=False,
            textinfo="percent",
            textfont={"size": font},
            marker={"colors": PALETTE},
        )
    )
    return _style(fig, dark, height, font)


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
