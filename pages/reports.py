"""Reports: order trend, provinces, return reasons, KPIs and channel profit, each downloadable as CSV.

Only the open tab is computed (the first one first), and each figure once per snapshot refresh.
"""

import streamlit as st

from core import clock
from core.analytics import kpis, reports
from core.i18n import t
from ui import auth, report_charts, svg_charts
from ui import report_kit as kit
from ui.report_kit import per_refresh

user = auth.guard("pages/reports.py")
lang, role = kit.lang(), user["role"]
st.title(t("analytics.reports_title", lang))
snap = kit.snapshot()
now = clock.now()
f = kit.filters(snap, now.date())

totals = per_refresh(reports.daily_totals, snap, f, role)
if totals["orders"].sum() == 0 and totals["shipped_orders"].sum() == 0:
    st.info(t("analytics.no_orders", lang))
    st.stop()

trend_tab, region_tab, returns_tab, kpi_tab, profit_tab = st.tabs(
    [t(f"analytics.tab_{name}", lang) for name in ("trend", "regions", "returns", "kpis", "profit")],
    key="report_tab",
    on_change="rerun",
)

if trend_tab.open:
    with trend_tab:
        money = per_refresh(reports.totals, snap, f, role)
        kit.figure_cells(money.iloc[0])
        kit.csv_button(money, "sales_and_refunds", "dl_figures")
        trend = per_refresh(reports.daily_trend, snap, f, role)
        st.subheader(t("analytics.orders_by_channel", lang))
        kit.chart(report_charts.channel_trend(trend, lang, kit.channel_names(snap)))
        kit.csv_button(trend, "order_trend_by_channel", "dl_trend")
        st.subheader(t("analytics.week_over_week", lang))
        kit.chart(report_charts.week_over_week(totals, lang))
        st.subheader(t("analytics.paid_vs_shipped", lang))
        kit.chart(report_charts.paid_vs_shipped(totals, lang))
        kit.csv_button(totals, "order_trend_daily", "dl_totals")

if region_tab.open:
    with region_tab:
        by_province = per_refresh(reports.provinces, snap, f, role)
        map_column, list_column = st.columns([3, 1])
        counts = dict(zip(by_province["province"], by_province["orders"], strict=True))
        map_svg = svg_charts.china(counts, (720, 460), False, 14, t("analytics.tab_regions", lang))
        map_column.markdown(map_svg, unsafe_allow_html=True)
        with list_column:
            kit.table(by_province.drop(columns=["on_map"]), height=460)
        kit.csv_button(by_province, "orders_by_province", "dl_provinces")
        st.subheader(t("analytics.province_hours", lang))
        matrix = per_refresh(reports.province_hours, snap, f, role)
        kit.chart(report_charts.hour_heat(matrix, lang))
        kit.csv_button(matrix.reset_index(), "orders_by_province_and_hour", "dl_hours")

if returns_tab.open:
    with returns_tab:
        reasons = per_refresh(reports.return_reasons, snap, f, role, lang)
        if reasons.empty:
            st.info(t("analytics.no_returns", lang))
        else:
            title = t("analytics.tab_returns", lang)
            kit.chart(
                svg_charts.donut(
                    reasons["reason"].tolist(), reasons["returns"].tolist(), (900, 300), 15, title, dark=False
                )
            )
            kit.csv_button(reasons, "return_reasons", "dl_reasons")

if kpi_tab.open:
    with kpi_tab:
        row = kpis.kpis(snap, f, role, now).iloc[0]
        kit.kpi_cells(row)
        kit.csv_button(row.to_frame().T, "kpis", "dl_kpis")
        st.subheader(t("analytics.staff", lang))
        staff = per_refresh(kpis.staff_throughput, snap, f, role)
        kit.table(staff)
        kit.csv_button(staff, "staff_throughput", "dl_staff")

if profit_tab.open:
    with profit_tab:
        profit = per_refresh(kpis.profit_by_channel, snap, f, role)
        if "profit_cents" not in profit.columns:
            st.info(t("analytics.profit_hidden", lang))
        else:
            kit.table(profit, names={"channel": kit.channel_names(snap)})
            kit.csv_button(profit, "profit_by_channel", "dl_profit")
            st.subheader(t("analytics.promotion_losses", lang))
            losses = per_refresh(kpis.promotion_losses, snap, f, role)
            kit.table(losses, names={"channel": kit.channel_names(snap), "shop_id": kit.shop_names(snap)})
            kit.csv_button(losses, "promotion_losses", "dl_losses")
