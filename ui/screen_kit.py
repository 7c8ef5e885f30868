"""The big screen's look: dark TV styling without Streamlit chrome, number cards and a late-orders list."""

from __future__ import annotations

from html import escape

import pandas as pd
import streamlit as st

from core.i18n import t
from ui.charts import change

BACKGROUND, CARD, TEXT, MUTED = "#0B1220", "#111A2E", "#F1F5F9", "#94A3B8"
UP, DOWN = "#34D399", "#F87171"

CSS = f"""
<style>
  header[data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"], footer {{display: none;}}
  .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{background: {BACKGROUND}; color: {TEXT};}}
  .block-container, [data-testid="stMainBlockContainer"] {{padding: 18px 28px 0 28px; max-width: 100%;}}
  [class*="st-key-tv-tile"] {{background: {CARD}; border: 1px solid #1E293B !important; border-radius: 14px;}}
  .tv-title {{display: flex; justify-content: space-between; align-items: baseline; margin: 0 4px 6px 4px;}}
  .tv-title .name {{font-size: 40px; font-weight: 800; color: {TEXT};}}
  .tv-title .when {{font-size: 26px; color: {MUTED};}}
  .tv-card {{background: {CARD}; border: 1px solid #1E293B; border-radius: 14px; padding: 14px 24px;
      height: 178px; margin-bottom: 10px;}}
  .tv-label {{font-size: 26px; color: {MUTED}; margin-bottom: 2px;}}
  .tv-value {{font-size: 64px; font-weight: 800; line-height: 1.1; color: {TEXT};
      font-variant-numeric: tabular-nums;}}
  .tv-note {{font-size: 22px; color: {MUTED};}}
  .tv-up {{color: {UP}; font-weight: 700;}} .tv-down {{color: {DOWN}; font-weight: 700;}}
  .tv-alert {{color: #FBBF24;}}
  .tv-tile {{font-size: 26px; font-weight: 700; color: {TEXT}; margin: 2px 0 4px 2px;}}
  .tv-late {{width: 100%; border-collapse: collapse; font-size: 21px; color: {TEXT};}}
  .tv-late, .tv-late tr, .tv-late td, .tv-late th {{border: none !important; background: transparent !important;}}
  .tv-late td, .tv-late th {{padding: 7px 8px; border-bottom: 1px solid #1E293B !important; text-align: left;}}
  .tv-late th {{color: {MUTED}; font-weight: 500;}}
  .tv-late td.hours {{color: {DOWN}; font-weight: 700; text-align: right;}}
</style>
"""


def style() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


def title(text: str, note: str) -> None:
    st.markdown(
        f'<div class="tv-title"><span class="name">{escape(text)}</span><span class="when">{escape(note)}</span></div>',
        unsafe_allow_html=True,
    )


def tile_title(text: str) -> None:
    st.markdown(f'<div class="tv-tile">{escape(text)}</div>', unsafe_allow_html=True)


def card(label: str, value: str, note: str = "", alert: bool = False) -> str:
    value_class = "tv-value tv-alert" if alert else "tv-value"
    return (
        f'<div class="tv-card"><div class="tv-label">{escape(label)}</div>'
        f'<div class="{value_class}">{escape(value)}</div><div class="tv-note">{note}</div></div>'
    )


def versus(now: float, before: float, label: str) -> str:
    """'▲ 12.5% vs yesterday' in green, or red when down (HTML; numbers only, nothing from users)."""
    moved = change(now, before)
    if moved is None:
        return escape(label)
    arrow, css = ("▲", "tv-up") if moved >= 0 else ("▼", "tv-down")
    return f'<span class="{css}">{arrow} {abs(moved):.1%}</span> {escape(label)}'


def late_table(late: pd.DataFrame, lang: str) -> str:
    if late.empty:
        return f'<div class="tv-note">{escape(t("analytics.no_late_orders", lang))}</div>'
    head = "".join(f"<th>{escape(t(f'analytics.col_{c}', lang))}</th>" for c in ("channel_order_no", "shop"))
    rows = "".join(
        f"<tr><td>{escape(str(r.channel_order_no))}</td><td>{escape(str(r.shop))}</td>"
        f'<td class="hours">{int(r.hours_waiting)} h</td></tr>'
        for r in late.itertuples(index=False)
    )
    return (
        f'<table class="tv-late"><tr>{head}<th style="text-align:right">'
        f"{escape(t('analytics.col_hours_waiting', lang))}</th></tr>{rows}</table>"
    )
