"""The big screen's look: a dark board drawn for a 1920×1080 TV in units of the screen it is on.

Every size is a multiple of --u, one 1080th of the screen's height (or one 1920th of its width on a
narrower screen), and the charts are SVG (ui.svg_charts): the board fills a full-HD TV, a 4K TV
and a laptop alike, with nothing to scroll and nothing drawn over anything else.
"""

from __future__ import annotations

from html import escape

import pandas as pd
import streamlit as st

from core.i18n import t
from ui.charts import change

BACKGROUND, CARD, TEXT, MUTED = "#0B1220", "#111A2E", "#F1F5F9", "#94A3B8"
UP, DOWN = "#34D399", "#F87171"
# Chart drawings, in design pixels (a tile's inside on the 1920×1080 board): rows split 3:2 and in thirds.
TREND, MAP, THIRD = (1076, 332), (706, 332), (578, 274)

CSS = f"""
<style>
  :root {{--u: min(calc(100vh / 1080), calc(100vw / 1920));}}
  header[data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"], footer {{display: none;}}
  .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{background: {BACKGROUND}; color: {TEXT};}}
  .block-container, [data-testid="stMainBlockContainer"] {{
      padding: calc(16 * var(--u)) calc(28 * var(--u)) 0; max-width: 100%;}}
  /* The styles and the login cookie's invisible frame take no room (a flex gap each, otherwise). */
  [data-testid="stElementContainer"]:has(style, iframe[height="0"]) {{position: absolute; height: 0; overflow: hidden;}}
  .tv-board {{display: flex; flex-direction: column; gap: calc(16 * var(--u)); color: {TEXT};}}
  .tv-row {{display: grid; gap: calc(16 * var(--u)); min-height: 0;}}
  .tv-title {{display: flex; justify-content: space-between; align-items: baseline; height: calc(54 * var(--u));}}
  .tv-title .name {{font-size: calc(40 * var(--u)); font-weight: 800;}}
  .tv-title .when {{font-size: calc(26 * var(--u)); color: {MUTED};}}
  .tv-cards {{grid-auto-flow: column; grid-auto-columns: 1fr; height: calc(166 * var(--u));}}
  .tv-two {{grid-template-columns: 3fr 2fr; height: calc(412 * var(--u));}}
  .tv-three {{grid-template-columns: 1fr 1fr 1fr; height: calc(352 * var(--u));}}
  .tv-card, .tv-tile {{background: {CARD}; border: 1px solid #1E293B; border-radius: calc(14 * var(--u));
      padding: calc(12 * var(--u)) calc(16 * var(--u)); min-width: 0; overflow: hidden;}}
  .tv-tile {{display: flex; flex-direction: column;}}
  .tv-card {{padding-left: calc(24 * var(--u));}}
  .tv-label {{font-size: calc(26 * var(--u)); color: {MUTED};}}
  .tv-value {{font-size: calc(60 * var(--u)); font-weight: 800; line-height: 1.15; font-variant-numeric: tabular-nums;}}
  .tv-note {{font-size: calc(22 * var(--u)); color: {MUTED};}}
  .tv-up {{color: {UP}; font-weight: 700;}} .tv-down {{color: {DOWN}; font-weight: 700;}}
  .tv-alert {{color: #FBBF24;}}
  .tv-tile-title {{font-size: calc(26 * var(--u)); font-weight: 700; height: calc(40 * var(--u));
      white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}}
  .tv-body {{flex: 1; min-height: 0;}}
  .tv-late {{width: 100%; border-collapse: collapse; table-layout: fixed; font-size: calc(21 * var(--u));
      color: {TEXT};}}
  .tv-late, .tv-late tr, .tv-late td, .tv-late th {{border: none !important; background: transparent !important;}}
  .tv-late td, .tv-late th {{padding: calc(7 * var(--u)) calc(8 * var(--u));
      border-bottom: 1px solid #1E293B !important; text-align: left;
      white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}}
  .tv-late th {{color: {MUTED}; font-weight: 500;}}
  .tv-late th:first-child {{width: 48%;}}
  .tv-late td.hours, .tv-late th.hours {{text-align: right; width: 18%;}}
  .tv-late td.hours {{color: {DOWN}; font-weight: 700;}}
</style>
"""


def style() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


def board(title: str, note: str, cards: list[str], two: list[str], three: list[str]) -> str:
    """The whole screen as one block: title line, the number cards, then two rows of tiles."""
    return (
        f'<div class="tv-board"><div class="tv-title"><span class="name">{escape(title)}</span>'
        f'<span class="when">{escape(note)}</span></div>'
        f'<div class="tv-row tv-cards">{"".join(cards)}</div>'
        f'<div class="tv-row tv-two">{"".join(two)}</div><div class="tv-row tv-three">{"".join(three)}</div></div>'
    )


def tile(title: str, body: str) -> str:
    """A tile: its title, and a body of trusted HTML (an SVG chart, the late-orders table)."""
    return (
        f'<div class="tv-tile"><div class="tv-tile-title">{escape(title)}</div><div class="tv-body">{body}</div></div>'
    )


def note(text: str) -> str:
    return f'<div class="tv-note">{escape(text)}</div>'


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
        return note(t("analytics.no_late_orders", lang))
    head = "".join(f"<th>{escape(t(f'analytics.col_{c}', lang))}</th>" for c in ("channel_order_no", "shop"))
    rows = "".join(
        f"<tr><td>{escape(str(r.channel_order_no))}</td><td>{escape(str(r.shop))}</td>"
        f'<td class="hours">{int(r.hours_waiting)} h</td></tr>'
        for r in late.itertuples(index=False)
    )
    return (
        f'<table class="tv-late"><tr>{head}<th class="hours">'
        f"{escape(t('analytics.col_hours_waiting', lang))}</th></tr>{rows}</table>"
    )
