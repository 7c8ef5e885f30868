"""Plotly figures for the reports page (the big screen and the map are SVG: ui.svg_charts)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.i18n import t

PALETTE = ["#3B82F6", "#F59E0B", "#10B981", "#EF4444", "#8B5CF6", "#06B6D4", "#EC4899", "#84CC16"]
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


def yuan(cents: float | int | None) -> str:
    """¥12,345 (whole yuan: a screen is read at a glance)."""
    return "—" if cents is None or pd.isna(cents) else f"¥{cents / 100:,.0f}"


def change(now: float, before: float) -> float | None:
    """Relative change, None when there is nothing to compare with."""
    return None if not before else (now - before) / before


def _style(fig: go.Figure, height: int) -> go.Figure:
    return fig.update_layout(
        template="plotly_white",
        height=height,
        colorway=PALETTE,
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        font={"family": FONT, "size": 14},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    )


def _days(fig: go.Figure, lang: str) -> go.Figure:
    """Date ticks and hovers in the page's language: 11月8日 rather than plotly's English "Nov 8 2026"."""
    return fig.update_xaxes(tickformat=t("analytics.day_tick", lang), hoverformat=t("analytics.day_hover", lang))


def channel_trend(trend: pd.DataFrame, lang: str, channel_names: dict[str, str], height: int = 360) -> go.Figure:
    """Orders per day stacked by channel."""
    fig = go.Figure()
    for channel, rows in trend.groupby("channel", sort=True):
        fig.add_bar(x=rows["day"], y=rows["orders"], name=channel_names.get(channel, channel))
    fig.update_layout(barmode="stack", yaxis_title=t("analytics.orders", lang))
    return _style(_days(fig, lang), height)


def paid_vs_shipped(totals: pd.DataFrame, lang: str, height: int = 320) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(
        x=totals["day"], y=totals["paid_orders"], name=t("analytics.paid_orders", lang), mode="lines+markers"
    )
    fig.add_scatter(
        x=totals["day"], y=totals["shipped_orders"], name=t("analytics.shipped_orders", lang), mode="lines+markers"
    )
    return _style(_days(fig, lang), height)


def week_over_week(totals: pd.DataFrame, lang: str, height: int = 320) -> go.Figure:
    """Orders per day as bars, the same weekday a week earlier as a dashed line."""
    fig = go.Figure()
    fig.add_bar(x=totals["day"], y=totals["orders"], name=t("analytics.this_week", lang), marker_color=PALETTE[0])
    fig.add_scatter(
        x=totals["day"],
        y=totals["orders_week_before"],
        name=t("analytics.week_before", lang),
        mode="lines",
        line={"dash": "dash", "width": 3, "color": PALETTE[1]},
    )
    fig.update_xaxes(dtick=86_400_000 if len(totals) <= 14 else None)
    return _style(_days(fig, lang), height)


def hour_heat(matrix: pd.DataFrame, lang: str, row_height: int = 22) -> go.Figure:
    """Orders by province (a row each, every one labelled) and hour of the day."""
    fig = go.Figure(
        go.Heatmap(
            z=matrix.values,
            x=[f"{h:02d}" for h in matrix.columns],
            y=list(matrix.index),
            colorscale="YlOrRd",
            colorbar={"title": {"text": t("analytics.orders", lang)}},
            hovertemplate="%{y} %{x}:00 — %{z}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", dtick=1)  # plotly would skip every other name to save room
    fig.update_layout(xaxis_title=t("analytics.hour", lang))
    return _style(fig, max(320, row_height * len(matrix) + 80))


def reasons_pie(reasons: pd.DataFrame, height: int = 360) -> go.Figure:
    """Returns by reason as a donut, the legend beside it (labels on small slices collide)."""
    pie = go.Pie(
        labels=reasons["reason"],
        values=reasons["returns"],
        hole=0.5,
        sort=False,
        textinfo="percent",
        textposition="inside",
        marker={"colors": PALETTE},
        insidetextorientation="horizontal",
    )
    fig = _style(go.Figure(pie), height)
    # A slice too thin for its percentage shows none (the legend lists every reason): none spills out.
    fig.update_layout(
        uniformtext={"minsize": 12, "mode": "hide"},
        legend={"orientation": "v", "x": 1.0, "xanchor": "left", "y": 0.5, "yanchor": "middle"},
    )
    return fig
