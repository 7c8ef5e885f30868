"""What every chart shares: the palette, the font and how money reads (the charts are SVG:
ui.svg_charts for the big screen and the map, ui.report_charts for the reports page)."""

from __future__ import annotations

import pandas as pd

PALETTE = ["#3B82F6", "#F59E0B", "#10B981", "#EF4444", "#8B5CF6", "#06B6D4", "#EC4899", "#84CC16"]
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


def yuan(cents: float | int | None) -> str:
    """¥12,345 (whole yuan: a screen is read at a glance)."""
    return "—" if cents is None or pd.isna(cents) else f"¥{cents / 100:,.0f}"


def change(now: float, before: float) -> float | None:
    """Relative change, None when there is nothing to compare with."""
    return None if not before else (now - before) / before
