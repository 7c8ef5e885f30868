"""Morning big screen: six tiles for a 1920×1080 TV, refreshing itself every minute (?shop=…&period=7)."""

import os

import streamlit as st

from core import clock, screen
from core.i18n import t
from ui import charts
from ui import report_kit as kit
from ui import screen_kit as tv

# A minute between refreshes; tests shorten it to watch a new order arrive.
REFRESH_SECONDS = int(os.environ.get("ORDERHUB_SCREEN_REFRESH_SECONDS", "60"))
CHART = {"displayModeBar": False, "staticPlot": True}
ROW_TWO, ROW_THREE = 412, 352  # tile heights in px: title bar + cards + both rows fill 1080

st.set_page_config(page_title="OrderHub", layout="wide", initial_sidebar_state="collapsed")
tv.style()
lang = st.query_params.get("lang") or kit.lang()
role = kit.role()
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
    tv.title(
        f"{t('analytics.screen_title', lang)} · {scope}",
        t("analytics.screen_updated", lang, period=period, time=f"{now:%m-%d %H:%M}"),
    )
    today, backlog = data.today.iloc[0], data.backlog.iloc[0]
    vs_yesterday = t("analytics.vs_yesterday", lang)
    cards = [
        tv.card(
            t("analytics.today_orders", lang),
            f"{today['orders']:,}",
            tv.versus(today["orders"], today["orders_yesterday"], vs_yesterday),
        )
    ]
    if "gmv_cents" in today:
        cards.append(
            tv.card(
                t("analytics.today_gmv", lang),
                charts.yuan(today["gmv_cents"]),
                tv.versus(today["gmv_cents"], today["gmv_cents_yesterday"], vs_yesterday),
            )
        )
    cards += [
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
    for column, html in zip(st.columns(len(cards)), cards, strict=True):
        column.markdown(html, unsafe_allow_html=True)

    trend_box, map_box = st.columns([3, 2])
    with trend_box.container(border=True, height=ROW_TWO, key="tv-tile-1"):
        tv.tile_title(t("analytics.screen_trend", lang, period=period))
        st.plotly_chart(
            charts.week_over_week(data.trend, lang, dark=True, height=ROW_TWO - 84, font=18), config=CHART, theme=None
        )
    with map_box.container(border=True, height=ROW_TWO, key="tv-tile-2"):
        off_map = data.provinces[~data.provinces["on_map"]]
        extra = " · ".join(f"{r.province} {r.orders:,}" for r in off_map.itertuples())
        tv.tile_title(t("analytics.screen_map", lang) + (f"  ({extra})" if extra else ""))
        st.plotly_chart(
            charts.province_map(data.provinces, lang, dark=True, height=ROW_TWO - 84), config=CHART, theme=None
        )

    reasons_box, channel_box, late_box = st.columns([1, 1, 1])
    with reasons_box.container(border=True, height=ROW_THREE, key="tv-tile-3"):
        tv.tile_title(t("analytics.screen_returns", lang))
        if data.return_reasons.empty:
            st.markdown(f'<div class="tv-note">{t("analytics.no_returns", lang)}</div>', unsafe_allow_html=True)
        else:
            st.plotly_chart(
                charts.reasons_pie(data.return_reasons, dark=True, height=ROW_THREE - 84, font=18),
                config=CHART,
                theme=None,
            )
    with channel_box.container(border=True, height=ROW_THREE, key="tv-tile-4"):
        tv.tile_title(t("analytics.screen_channels", lang, period=period))
        st.plotly_chart(
            charts.channel_split(data.channels, dark=True, height=ROW_THREE - 84, font=20), config=CHART, theme=None
        )
    with late_box.container(border=True, height=ROW_THREE, key="tv-tile-5"):
        tv.tile_title(t("analytics.screen_late", lang))
        st.markdown(tv.late_table(data.late, lang), unsafe_allow_html=True)


board()
