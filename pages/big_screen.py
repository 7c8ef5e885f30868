"""Morning big screen: six tiles for a 1920×1080 TV, refreshing itself every minute (?shop=…&period=7)."""

import os

import streamlit as st

from core import clock
from core.analytics import screen
from core.i18n import t
from ui import auth, charts, svg_charts
from ui import report_kit as kit
from ui import screen_kit as tv

# A minute between refreshes; tests shorten it to watch a new order arrive.
REFRESH_SECONDS = int(os.environ.get("ORDERHUB_SCREEN_REFRESH_SECONDS", "60"))

st.set_page_config(page_title="OrderHub", layout="wide", initial_sidebar_state="collapsed")
user = auth.guard("pages/big_screen.py")
tv.style()
lang = st.query_params.get("lang") or kit.lang()
role = user["role"]
period = int(p) if (p := st.query_params.get("period", "7")).isdigit() and int(p) in screen.PERIODS else 7


@st.fragment(run_every=REFRESH_SECONDS)
def board() -> None:
    snap = kit.snapshot(max_age_seconds=REFRESH_SECONDS / 2)
    shops = kit.shop_names(snap)
    wanted = st.query_params.get("shop", "")
    shop_ids = tuple(i for i, name in shops.items() if wanted in (str(i), name))
    now = clock.now()
    data = screen.screen(snap, role, now, period, shop_ids, lang)
    scope = shops[shop_ids[0]] if shop_ids else t("analytics.all_shops", lang)
    st.markdown(
        tv.board(
            f"{t('analytics.screen_title', lang)} · {scope}",
            t("analytics.screen_updated", lang, period=period, time=f"{now:%m-%d %H:%M}"),
            cards(data),
            [trend_tile(data), map_tile(data)],
            [reasons_tile(data), channels_tile(data), late_tile(data)],
        ),
        unsafe_allow_html=True,
    )


def cards(data: screen.Screen) -> list[str]:
    today, backlog = data.today.iloc[0], data.backlog.iloc[0]
    vs_yesterday = t("analytics.vs_yesterday", lang)
    shown = [
        tv.card(
            t("analytics.today_orders", lang),
            f"{today['orders']:,}",
            tv.versus(today["orders"], today["orders_yesterday"], vs_yesterday),
        )
    ]
    if "gmv_cents" in today:
        shown.append(
            tv.card(
                t("analytics.today_gmv", lang),
                charts.yuan(today["gmv_cents"]),
                tv.versus(today["gmv_cents"], today["gmv_cents_yesterday"], vs_yesterday),
            )
        )
    return shown + [
        tv.card(
            t("analytics.held_orders", lang),
            f"{backlog['held_orders']:,}",
            t("analytics.held_note", lang),
            alert=backlog["held_orders"] > 0,
        ),
        tv.card(
            t("analytics.late_orders", lang),
            f"{backlog['late_orders']:,}",
            t("analytics.late_note", lang, waiting=f"{backlog['awaiting_shipment']:,}"),
            alert=backlog["late_orders"] > 0,
        ),
    ]


def trend_tile(data: screen.Screen) -> str:
    title = t("analytics.screen_trend", lang, period=period)
    trend = data.trend
    days = [f"{day:%m-%d}" for day in trend["day"]]
    chart = svg_charts.day_bars(
        days, trend["orders"].tolist(), trend["orders_week_before"].tolist(), tv.TREND, 18, title
    )
    return tv.tile(title, chart)


def map_tile(data: screen.Screen) -> str:
    off_map = data.provinces[~data.provinces["on_map"]]  # 海外 and 未知
    extra = " · ".join(f"{r.province} {r.orders:,}" for r in off_map.itertuples())
    title = t("analytics.screen_map", lang) + (f"  ({extra})" if extra else "")
    counts = dict(zip(data.provinces["province"], data.provinces["orders"], strict=True))
    return tv.tile(title, svg_charts.china(counts, tv.MAP, True, 16, title))


def reasons_tile(data: screen.Screen) -> str:
    title = t("analytics.screen_returns", lang)
    reasons = data.return_reasons
    if reasons.empty:
        return tv.tile(title, tv.note(t("analytics.no_returns", lang)))
    return tv.tile(
        title, svg_charts.donut(reasons["reason"].tolist(), reasons["returns"].tolist(), tv.THIRD, 18, title)
    )


def channels_tile(data: screen.Screen) -> str:
    title = t("analytics.screen_channels", lang, period=period)
    rows = data.channels.sort_values("orders", ascending=False)
    chart = svg_charts.side_bars(rows["channel_name"].tolist(), rows["orders"].tolist(), tv.THIRD, 20, title)
    return tv.tile(title, chart)


def late_tile(data: screen.Screen) -> str:
    return tv.tile(t("analytics.screen_late", lang), tv.late_table(data.late, lang))


board()
