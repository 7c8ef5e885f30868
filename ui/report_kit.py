"""Glue shared by the analytics pages: engine, shared snapshot, viewer's language, CSV download."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from core.analytics import reports
from core.analytics.analytics import Snapshot, shared_snapshot
from core.analytics.reports import Filters
from core.i18n import t
from core.spreadsheet import inert_frame
from ui import session


def engine() -> Engine:
    """The session's store (ui.session: one migrated engine per database URL and process)."""
    return session.engine()


def snapshot(max_age_seconds: float = 10.0) -> Snapshot:
    """The process-wide snapshot, refreshed in the background when older than max_age_seconds (one
    read for all sessions; the page does not wait for it, and shows its result on the next run)."""
    snap = shared_snapshot(engine())
    snap.refresh_behind(max_age_seconds)
    return snap


def per_refresh(function: Callable[..., pd.DataFrame], snap: Snapshot, *args: Any) -> pd.DataFrame:
    """function(snap, *args), computed once per snapshot refresh rather than on every rerun (a
    click on a tab or a filter reruns the whole page; the numbers only change with the snapshot)."""
    name = f"{function.__module__}.{function.__qualname__}"
    return _per_refresh(name, str(snap.engine.url), snap.refreshed_at, args, function, snap)


@st.cache_data(max_entries=500, show_spinner=False)
def _per_refresh(name: str, url: str, refreshed_at: float | None, args: tuple, _function, _snap) -> pd.DataFrame:
    return _function(_snap, *args)


def lang() -> str:
    return session.lang()


def chart(svg: str) -> None:
    """A chart drawn as SVG on the server (ui.report_charts): shown with the page, no script to load."""
    st.markdown(svg, unsafe_allow_html=True)


def csv_button(frame: pd.DataFrame, name: str, key: str) -> None:
    """Download what the chart shows, as CSV with a BOM so Excel reads the Chinese."""
    st.download_button(
        t("analytics.download_csv", lang()),
        inert_frame(frame).to_csv(index=False).encode("utf-8-sig"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )


def channel_names(snap: Snapshot) -> dict[str, str]:
    """Channel codes to display names (the translated name where the catalogue has one)."""
    names = {}
    for code, name in reports.channel_names(snap).items():
        label = t(f"channel.{code}", lang())
        names[code] = name if label == f"channel.{code}" else label
    return names


def shop_names(snap: Snapshot) -> dict[int, str]:
    return reports.shop_names(snap)


def filters(snap: Snapshot, today: date) -> Filters:
    """Date range, channel and shop pickers; returns the report filters."""
    names, shops = channel_names(snap), shop_names(snap)
    left, middle, right = st.columns([2, 3, 3])
    picked = left.date_input(
        t("analytics.date_range", lang()), (today - timedelta(days=29), today), max_value=today, key="report_range"
    )
    chosen_channels = _choose(middle, "analytics.channels", names, "report_channels")
    chosen_shops = _choose(right, "analytics.shops", shops, "report_shops")
    start, end = (picked[0], picked[-1]) if isinstance(picked, tuple | list) and picked else (today, today)
    return Filters(start, end, tuple(chosen_channels), tuple(chosen_shops))


def _choose(column: Any, label: str, options: dict, key: str) -> list:
    """A multiselect over options (code → name); nothing chosen means all."""
    return column.multiselect(
        t(label, lang()), list(options), format_func=options.get, placeholder=t("analytics.all", lang()), key=key
    )


def table(frame: pd.DataFrame, height: int | None = None, names: dict[str, dict] | None = None) -> None:
    """A report table for people: money in yuan, names for codes, translated headers (the CSV keeps raw data)."""
    shown = frame.copy()
    for column, labels in (names or {}).items():
        if column in shown.columns:
            shown[column] = shown[column].map(lambda code, labels=labels: labels.get(code, code))
            # A named id is a name now: shop_id shows under 店铺, not 店铺编号.
            shown = shown.rename(columns={column: column.removesuffix("_id")})
    config = {}
    for column in shown.columns:
        label = t(f"analytics.col_{column}", lang())
        label = column if label == f"analytics.col_{column}" else label
        if str(column).endswith("_cents"):
            shown[column] = shown[column] / 100
            config[column] = st.column_config.NumberColumn(label, format="¥%.2f")
        elif column in ("profit_margin", "share"):
            config[column] = st.column_config.NumberColumn(label, format="percent")
        else:
            config[column] = st.column_config.Column(label)
    st.dataframe(shown, hide_index=True, column_config=config, height=height or "auto")


KPIS = [
    ("orders_handled_per_day", "{:,.1f}"),
    ("error_rate", "{:.1%}"),
    ("orders_per_staff_day", "{:,.1f}"),
    ("avg_paid_to_shipped_hours", "{:,.1f} h"),
    ("on_time_rate", "{:.1%}"),
    ("held_orders", "{:,.0f}"),
]


def kpi_cells(row: pd.Series) -> None:
    """The six KPIs as metrics in two rows, each with its definition as help."""
    for cell, (name, pattern) in zip(st.columns(3) + st.columns(3), KPIS, strict=True):
        value = row[name]
        cell.metric(
            t(f"analytics.kpi_{name}", lang()),
            "—" if pd.isna(value) else pattern.format(value),
            help=t(f"analytics.kpi_{name}_help", lang()),
        )


FIGURES = ("paid_cents", "goods_cents", "refund_cents", "refund_orders", "net_cents")


def figure_cells(row: pd.Series) -> None:
    """The money figures of core.orders.figures the role may see, as metrics with their definitions."""
    shown = [name for name in FIGURES if name in row.index]
    for cell, name in zip(st.columns(len(shown)), shown, strict=True):
        value = row[name]
        cell.metric(
            t(f"analytics.figure_{name}", lang()),
            f"¥{value / 100:,.2f}" if name.endswith("_cents") else f"{value:,}",
            help=t(f"analytics.figure_{name}_help", lang()),
        )
