"""The reports, big-screen and export pages, run headless with Streamlit's AppTest."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import analytics_factory as factory
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import clock
from core.analytics import analytics, kpis, screen
from core.analytics.reports import Filters

PAGES = Path(__file__).resolve().parents[2] / "pages"
REFUSAL = "抱歉，你的角色（仓库）不能使用此页面。"  # ui.auth.guard's, the same on every page


@pytest.fixture(scope="module")
def live_store(tmp_path_factory):
    """A store whose orders end now (the pages ask the clock), shared by the module's page runs."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'orderhub.db'}"
    engine = factory.store_ending_now(url, 1200)
    yield url, engine
    engine.dispose()


@pytest.fixture
def page(live_store, monkeypatch):
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", live_store[0])
    st.cache_resource.clear()
    analytics.forget_shared()

    def run(name: str, role: str | None, tab: str | None = None, **query: str) -> AppTest:
        app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60)
        if role:
            app.session_state["user"] = {"username": "chen", "name": "陈杰", "role": role, "language": "zh"}
        if tab:
            app.session_state["report_tab"] = tab  # the reports page computes only the open tab
        for key, value in query.items():
            app.query_params[key] = value
        return app.run()

    yield run
    analytics.forget_shared()


def svg_charts(app) -> list[str]:
    """The charts a page drew (as SVG, on the server)."""
    return [m.value for m in app.markdown if "<svg" in m.value]


def test_the_reports_page_shows_kpis_and_a_csv_download_for_every_chart(page):
    shown = {
        tab: page("reports", "manager", tab) for tab in ("订单趋势", "地区分布", "退货原因", "运营指标", "渠道利润")
    }
    assert not any(app.exception for app in shown.values())
    assert [m.label for app in shown.values() for m in app.metric] == [
        "成交额",
        "商品金额",
        "退款",
        "退款订单",
        "净销售额",
        "日均处理订单",
        "订单差错率",
        "人均日处理单量",
        "平均付款到出库时长",
        "准时发货率",
        "挂起过的订单",
    ]
    assert [len(app.get("download_button")) for app in shown.values()] == [3, 2, 1, 2, 2]
    assert [len(svg_charts(app)) for app in shown.values()] == [3, 2, 1, 0, 0]  # regions: the map and hours
    assert any("<title>台湾:" in m.value for m in shown["地区分布"].markdown)  # the map


def test_the_reports_page_computes_only_the_open_tab(page):
    app = page("reports", "manager")
    assert [m.label for m in app.metric][:1] == ["成交额"] and len(svg_charts(app)) == 3
    assert not app.dataframe  # the tables of the regions, KPI and profit tabs were not computed


def test_the_promotion_losses_name_their_shop_under_a_shop_header(page):
    app = page("reports", "manager", "渠道利润")
    losses = next(frame.value for frame in app.dataframe if "channel_order_no" in frame.value.columns)
    assert "shop_id" not in losses.columns
    assert set(losses["shop"]) <= {name for _, name, _ in factory.SHOPS} and len(losses)


def test_a_warehouse_user_is_refused_the_reports_page_and_core_hides_profit_from_it(page, live_store):
    app = page("reports", "warehouse", "渠道利润")
    assert not app.exception and REFUSAL in app.warning[0].value and not app.dataframe
    last_month = Filters(clock.now().date() - timedelta(days=29), clock.now().date())
    assert "profit_cents" not in kpis.profit_by_channel(analytics.Snapshot(live_store[1]), last_month, "warehouse")


def test_the_reports_page_says_so_when_the_range_has_no_orders(page):
    app = page("reports", "analyst")
    app.date_input(key="report_range").set_value((date(2020, 1, 1), date(2020, 1, 31))).run()
    assert not app.exception
    assert [info.value for info in app.info] == ["所选范围内没有订单，请调整日期、渠道或店铺。"]


def test_without_a_login_every_analytics_page_asks_to_sign_in(page):
    for name in ("reports", "big_screen", "export"):
        app = page(name, None)
        assert not app.exception
        assert [info.value for info in app.info] == ["请先登录后再打开此页面。"] and not app.warning


def test_the_big_screen_shows_the_shop_and_period_from_the_url(page, live_store):
    app = page("big_screen", "manager", shop="2", period="14")
    assert not app.exception
    html = "".join(m.value for m in app.markdown)
    want = screen.screen(analytics.Snapshot(live_store[1]), "manager", clock.now(), 14, (2,))
    assert "今日经营 · 旺财宠物京东自营店" in html and "近 14 天" in html
    assert f'<div class="tv-value">{want.today.iloc[0]["orders"]:,}</div>' in html
    assert html.count('<svg class="tv-chart"') == 4  # trend, map, return reasons, channels


def test_the_big_screen_is_refused_to_a_role_that_may_not_see_prices_and_core_hides_them(page, live_store):
    app = page("big_screen", "warehouse")
    assert not app.exception and REFUSAL in app.warning[0].value
    html = "".join(m.value for m in app.markdown)
    assert "今日订单" not in html and "¥" not in html
    tiles = screen.screen(analytics.Snapshot(live_store[1]), "warehouse", clock.now(), 7)
    assert "orders" in tiles.today.columns and "gmv_cents" not in tiles.today.columns


def test_the_export_page_offers_a_download_and_the_matching_command(page):
    app = page("export", "analyst")
    assert not app.exception
    assert len(app.get("download_button")) == 1
    assert "python cli.py export orders --format csv" in app.get("code")[0].proto.code_text


def test_the_export_page_refuses_roles_without_export_and_offers_every_dataset_to_others(page):
    refused = page("export", "warehouse")
    assert REFUSAL in refused.warning[0].value and not refused.get("download_button")
    app = page("export", "finance")
    for dataset in ("tickets", "stock", "lines"):
        app.radio[0].set_value(dataset).run()
        assert not app.exception and len(app.get("download_button")) == 1
        assert f"python cli.py export {dataset}" in app.get("code")[0].proto.code_text


def test_the_export_page_names_the_role_offers_xlsx_and_raw_and_shows_the_same_command(page):
    app = page("export", "finance")
    assert "财务" in app.caption[0].value and "finance" not in app.caption[0].value
    assert "Excel 工作簿（XLSX）" in app.radio[1].options
    app.radio[1].set_value("xlsx").run()
    assert not app.exception and len(app.get("download_button")) == 1
    command = app.get("code")[0].proto.code_text
    assert "--format xlsx --out orders_" in command
    assert command.endswith("--role finance")
    app.checkbox[0].check().run()
    assert app.get("code")[0].proto.code_text.endswith("--role finance --raw")
    english = AppTest.from_file(str(PAGES / "export.py"), default_timeout=60)
    english.session_state["user"] = {"username": "chen", "name": "Chen", "role": "finance", "language": "en"}
    english.session_state["lang"] = "en"
    english.run()
    assert "(Finance)" in english.caption[0].value
    assert english.get("code")[0].proto.code_text.endswith("--role finance --lang en")


def test_the_big_screen_speaks_english_when_the_url_asks(page):
    app = page("big_screen", "manager", lang="en")
    html = "".join(m.value for m in app.markdown)
    assert not app.exception
    assert "Orders today" in html and "vs yesterday, same time" in html and "今日订单" not in html
