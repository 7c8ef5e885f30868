"""Every page for every role with AppTest: what each role sees, masked fields, refusals, actions."""

from __future__ import annotations

import pytest
from app_pages import ROOT, button, labels_of, open_page, shown_text
from app_shop import PHONES
from sqlalchemy import select, update
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

from core.i18n import t
from core.identity import users
from core.identity.access import ROLES, Actor
from core.orders import workflow
from core.orders.tables import order_events, orders
from core.review import review
from core.shipping import batch
from core.stock.tables import skus
from core.store.db import make_engine, transaction
from ui.navigation import PAGES, may_open

ALLOWED = [(page.path, role) for page in PAGES for role in ROLES if may_open(role, page)]
# Pages that guard themselves too (the router refuses every page; see the browser test for that).
GUARDED = [page for page in PAGES if f'auth.guard("{page.path}")' in (ROOT / page.path).read_text(encoding="utf-8")]
REFUSED = [(page.path, role) for page in GUARDED for role in ROLES if not may_open(role, page)]


@pytest.fixture
def store(shop, sqlite_url, monkeypatch):
    """The filled store, named by the environment as the app finds it."""
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ORDERHUB_COOKIE_KEY", "a-test-cookie-key-that-is-long-enough")
    return shop


def status_of(engine, order_no: str) -> str:
    with engine.connect() as conn:
        return conn.execute(select(orders.c.status).where(orders.c.channel_order_no == order_no)).scalar_one()


@pytest.mark.parametrize(("path", "role"), ALLOWED)
def test_every_page_renders_for_every_role_allowed_to_open_it(store, path, role):
    at = open_page(path, role)
    assert not at.exception and not at.error
    assert "不能使用此页面" not in shown_text(at)


@pytest.mark.parametrize(("path", "role"), REFUSED)
def test_every_page_politely_refuses_a_role_that_may_not_use_it(store, path, role):
    at = open_page(path, role)
    assert not at.exception
    assert "抱歉" in at.warning[0].value and "请联系管理员" in at.warning[0].value
    assert not at.dataframe and not at.button


def test_a_visitor_who_is_not_logged_in_is_asked_to_log_in(store):
    at = open_page("pages/queue.py", None)
    assert at.info[0].value == "请先登录后再打开此页面。" and not at.dataframe


def test_a_clerk_sees_whole_phones_amounts_and_every_batch_action_in_the_queue(store):
    at = open_page("pages/queue.py", "clerk")
    table = at.dataframe[0].value
    assert {"手机号", "实付"} <= set(table.columns) and "13812341234" in set(table["手机号"])
    assert {"确认付款", "出库发货", "恢复挂起", "取消订单", "打印面单"} <= set(labels_of(at))


def test_finance_sees_masked_phones_and_cannot_change_statuses_in_the_queue(store):
    at = open_page("pages/queue.py", "finance")
    text = shown_text(at)
    assert "138****1234" in text and not any(phone in text for phone in PHONES)
    assert not {"确认付款", "出库发货", "恢复挂起", "取消订单", "打印面单"} & set(labels_of(at))


def test_the_status_tabs_count_orders_and_filter_the_queue(store):
    at = open_page("pages/queue.py", "clerk")
    tabs = at.get("button_group")[0]
    assert "已支付 · 3" in [tabs.proto.options[i].content for i in range(len(tabs.proto.options))]
    at = open_page("pages/queue.py", "clerk", f_status="on_hold")
    assert list(at.dataframe[0].value["订单号"]) == ["JD300000000004"]
    assert "DOG-LEASH-M 需 1 可用 0" in at.dataframe[0].value["挂起原因/放行条件"][0]


def test_searching_the_queue_by_buyer_finds_their_orders(store):
    at = open_page("pages/queue.py", "clerk", f_search="陈静")
    assert list(at.dataframe[0].value["订单号"]) == ["JD300000000005"]
    at = open_page("pages/queue.py", "clerk", f_search="无此人")
    assert at.info[0].value == "没有符合条件的订单。"


def test_a_clerk_ships_a_selected_order_only_after_confirming(store, engine):
    selected = {"selection": {"rows": [4], "columns": [], "cells": []}}  # TB20261120001, the oldest
    at = open_page("pages/queue.py", "clerk", queue_table_0=selected)
    button(at, "出库发货").click().run()
    assert "确定对 1 个订单执行「出库发货」吗？" in at.warning[0].value
    assert status_of(engine, "TB20261120001") == "paid"
    button(at, "确定").click().run()
    assert not at.exception and "已完成 1 个订单：TB20261120001" in at.success[0].value
    assert status_of(engine, "TB20261120001") == "shipped"


def test_a_confirmed_action_keeps_its_outcome_when_a_rerun_cuts_in_while_it_runs(store, engine, monkeypatch):
    """The login cookie reader asks for a rerun after each page load; see ui.handover."""
    applied = batch.run

    def run_while_the_cookie_reader_reports(*args, **options):
        get_script_run_ctx().script_requests.request_rerun(RerunData())
        return applied(*args, **options)

    selected = {"selection": {"rows": [4], "columns": [], "cells": []}}  # TB20261120001, the oldest
    at = open_page("pages/queue.py", "clerk", queue_table_0=selected)
    button(at, "出库发货").click().run()
    monkeypatch.setattr(batch, "run", run_while_the_cookie_reader_reports)
    button(at, "确定").click().run()
    assert not at.exception and "已完成 1 个订单：TB20261120001" in at.success[0].value and not at.warning
    assert status_of(engine, "TB20261120001") == "shipped"


def test_not_now_leaves_the_selected_order_unchanged(store, engine):
    selected = {"selection": {"rows": [3], "columns": [], "cells": []}}  # TB20261121002, awaiting payment
    at = open_page("pages/queue.py", "clerk", queue_table_0=selected)
    button(at, "取消订单").click().run()
    button(at, "再想想").click().run()
    assert not at.warning and status_of(engine, "TB20261121002") == "pending_payment"


def test_a_confirmation_answered_after_the_clerk_was_deactivated_changes_nothing(store, engine):
    selected = {"selection": {"rows": [3], "columns": [], "cells": []}}  # TB20261121002, awaiting payment
    at = open_page("pages/queue.py", "clerk", queue_table_0=selected)
    button(at, "取消订单").click().run()
    users.set_active(engine, Actor("admin", "admin"), "clerk", False)  # meanwhile, the admin deactivates the clerk
    button(at, "确定").click().run()
    assert not at.success and status_of(engine, "TB20261121002") == "pending_payment"


def test_a_confirmation_answered_after_a_role_change_is_judged_by_the_new_role(store, engine):
    selected = {"selection": {"rows": [3], "columns": [], "cells": []}}
    at = open_page("pages/queue.py", "clerk", queue_table_0=selected)
    button(at, "取消订单").click().run()
    users.set_role(engine, Actor("admin", "admin"), "clerk", "warehouse")  # the warehouse may not cancel orders
    button(at, "确定").click().run()
    assert at.error[0].value == "你的角色无权执行此操作。" and not at.warning
    assert status_of(engine, "TB20261121002") == "pending_payment"


def test_an_action_the_order_cannot_take_is_explained_in_chinese(store):
    selected = {"selection": {"rows": [3], "columns": [], "cells": []}}
    at = open_page("pages/queue.py", "clerk", queue_table_0=selected)
    button(at, "出库发货").click().run()
    button(at, "确定").click().run()
    assert at.error[0].value == "TB20261121002: 订单当前为「待付款」，不能改为「已出库」。"


def test_the_order_page_shows_a_clerk_phone_and_prices_but_not_cost_or_profit(store):
    at = open_page("pages/order.py", "clerk")
    at.text_input[0].input("TB20261122003").run()
    text = shown_text(at)
    assert "15000001111" in text and "¥179.00" in text and "单价" in text
    assert "毛利" not in text and "成本单价" not in text


def test_the_order_page_shows_an_admin_the_profit(store):
    at = open_page("pages/order.py", "admin")
    at.text_input[0].input("TB20261122003").run()
    profits = at.table[0].value
    assert profits.iloc[-1].tolist() == ["毛利", "¥85.00"]  # 179.00 − 52.00 − 2 × 21.00


def test_the_order_page_shows_the_warehouse_no_phone_and_no_money(store):
    at = open_page("pages/order.py", "warehouse")
    at.text_input[0].input("TB20261122003").run()
    text = shown_text(at)
    assert "李娜" in text and "浙江省杭州市" in text
    assert "15000001111" not in text and "****" not in text and "¥" not in text and "单价" not in text
    assert "你的角色看不到金额。" in text


def test_an_unknown_order_number_is_a_friendly_sentence_not_a_traceback(store):
    at = open_page("pages/order.py", "clerk")
    at.text_input[0].input("TB404").run()
    assert not at.exception and at.error[0].value == "订单 TB404 不存在。"


def test_a_note_added_on_the_order_page_appears_in_its_timeline(store):
    at = open_page("pages/order.py", "service")
    at.text_input[0].input("JD300000000004").run()
    at.text_area[0].input("买家来电：急用，请优先发货")
    button(at, "添加备注").click().run()
    assert not at.exception
    assert any("买家来电：急用，请优先发货" in element.value for element in at.markdown)
    assert any("已支付 → 已挂起 — 库存不足" in element.value for element in at.markdown)


def test_finance_gets_no_status_buttons_on_the_order_page(store):
    at = open_page("pages/order.py", "finance")
    at.text_input[0].input("TB20261120001").run()
    assert labels_of(at) == []  # no actions, and no notes either


def test_the_warehouse_ships_ticked_orders_with_a_scanned_number(store, engine):
    edits = {
        "edited_rows": {"0": {"发货": True, "运单号": "YT8800001234567"}, "2": {"发货": True}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at = open_page("pages/warehouse.py", "warehouse", ship_editor_0_0=edits)
    assert "已选 2 单" in shown_text(at)
    button(at, "出库发货").click().run()
    button(at, "确定").click().run()
    assert not at.exception and "已完成 2 个订单" in at.success[0].value
    with engine.connect() as conn:
        shipped = dict(
            conn.execute(
                select(orders.c.channel_order_no, orders.c.tracking_no).where(orders.c.status == "shipped")
            ).all()
        )
    assert shipped == {"TB20261120001": "YT8800001234567", "JD300000000005": f"SF{store['JD300000000005']:012d}"}


def test_the_warehouse_page_shows_the_pick_list_and_no_phone_or_money(store):
    at = open_page("pages/warehouse.py", "warehouse")
    picks = at.dataframe[0].value
    assert dict(zip(picks["SKU"], picks["数量"], strict=True)) == {"CAT-LITTER-10L": 2, "PET-FOOD-2KG": 4}
    ship_table = at.dataframe[1].value  # the shipping editor
    assert list(ship_table["订单号"]) == ["TB20261120001", "TB20261122003", "JD300000000005"]
    assert "手机号" not in ship_table.columns
    text = shown_text(at)
    assert not any(phone in text for phone in PHONES) and "¥" not in text and "实付" not in text


def test_printing_labels_offers_one_pdf_to_download(store):
    selected = {"selection": {"rows": [0, 2], "columns": [], "cells": []}}
    at = open_page("pages/queue.py", "clerk", queue_table_0=selected)
    button(at, "打印面单").click().run()
    assert not at.exception and at.get("download_button")


def test_the_warehouse_restocks_with_a_reason_and_the_held_order_is_released(store, engine):
    at = open_page("pages/stock.py", "warehouse")
    adjust = [box for box in at.selectbox if box.label == "SKU"][-1]
    adjust.select("DOG-LEASH-M")
    at.number_input[0].set_value(5)
    [box for box in at.text_input if box.label == "原因"][0].input("供应商到货")
    button(at, "提交调整").click().run()
    assert (
        not at.exception and at.success[0].value == "DOG-LEASH-M 已调整 5。放行了 1 个缺货挂起的订单：JD300000000004。"
    )
    assert status_of(engine, "JD300000000004") == "paid"


def test_a_clerk_may_look_at_stock_but_not_change_it(store):
    at = open_page("pages/stock.py", "clerk")
    assert "你的角色只能查看库存。" in [element.value for element in at.info]
    assert "提交调整" not in labels_of(at)


def test_stock_cost_is_hidden_from_the_warehouse_and_shown_to_the_analyst(store):
    keeper = open_page("pages/stock.py", "warehouse").dataframe[0].value
    analyst = open_page("pages/stock.py", "analyst").dataframe[0].value
    assert "成本单价" not in keeper.columns and "成本单价" in analyst.columns
    assert dict(zip(keeper["SKU"], keeper["库存状态"], strict=True))["DOG-LEASH-M"] == "低库存"


def test_the_pages_speak_english_when_the_user_chose_it(store):
    at = open_page("pages/queue.py", "clerk", lang="en")
    assert at.title[0].value == "Order queue"
    assert "Paid" in set(at.dataframe[0].value["Status"])


def test_a_note_with_markdown_is_shown_as_typed_not_as_a_link_or_image(store):
    at = open_page("pages/order.py", "clerk")
    at.text_input[0].input("TB20261120001").run()
    at.text_area[0].input("![x](http://tracker.invalid/p.png) **急**")
    button(at, "添加备注").click().run()
    note = next(element.value for element in at.markdown if "tracker" in element.value)
    assert "\\!\\[x\\]\\(http\\://tracker\\.invalid/p\\.png\\) \\*\\*急\\*\\*" in note


def test_the_held_tab_offers_the_release_and_says_which_orders_moved(store, engine):
    with transaction(engine) as conn:  # the stock is there, but no receipt resumed the order
        conn.execute(update(skus).where(skus.c.sku == "DOG-LEASH-M").values(on_hand=1))
    at = open_page("pages/queue.py", "clerk")
    at.segmented_control(key="f_status").set_value("on_hold").run()
    at.button(key="release_fitting").click().run()
    assert not at.exception
    assert "已放行 1 个订单：JD300000000004" in [s.value for s in at.success]
    assert status_of(engine, "JD300000000004") == "paid"


def test_active_filters_stay_in_view_as_chips_and_one_click_clears_them(store):
    at = open_page("pages/queue.py", "clerk")
    at.text_input(key="f_sku").input("PET-FOOD-2KG").run()
    assert any(f"{t('col.sku')}：PET-FOOD-2KG" in m.value for m in at.markdown)
    clear = next(b for b in at.button if b.label == "清除筛选")
    clear.click().run()
    assert at.text_input(key="f_sku").value == ""
    assert not any(b.label == "清除筛选" for b in at.button)


def test_roles_without_batch_actions_get_no_tick_boxes(store):
    for role, ticks in (("finance", False), ("clerk", True)):
        at = open_page("pages/queue.py", role)
        grid = at.dataframe[0].proto
        assert bool(grid.selection_mode) == ticks, role


def test_held_orders_have_a_tab_per_kind_of_hold_with_counts(store, engine):
    with transaction(engine) as conn:
        workflow.hold(conn, store["TB20261120001"], "李客服")  # a hold by hand beside the one for stock
    at = open_page("pages/queue.py", "clerk")
    at.segmented_control(key="f_status").set_value("on_hold").run()
    tabs = at.segmented_control(key="f_hold_tab")
    assert list(tabs.options) == ["全部 · 2", "库存不足 · 1", "人工挂起 · 1"]
    tabs.set_value("manual").run()
    assert at.dataframe[0].value[t("col.channel_order_no")].tolist() == ["TB20261120001"]


def test_a_clerk_holds_an_order_to_check_its_address_and_the_reason_goes_to_its_timeline(store, engine):
    at = open_page("pages/order.py", "clerk", query={"order": "TB20261120001"})
    assert "打印面单" in labels_of(at)  # paid: ready to ship
    at.radio[0].set_value("address")
    at.text_input[1].input("买家说小区改名了，先别发")
    button(at, "挂起").click().run()
    assert not at.exception and not at.error
    assert [element.value for element in at.success] == ["订单 TB20261120001 已挂起：地址待核实"]
    with engine.connect() as conn:
        held = conn.execute(
            select(orders.c.status, orders.c.hold_reason).where(orders.c.channel_order_no == "TB20261120001")
        ).one()
    assert tuple(held) == ("on_hold", "address")
    assert any("买家说小区改名了，先别发" in element.value for element in at.markdown)
    assert "挂起订单" not in [element.label for element in at.expander]  # held already: nothing to hold
    assert "打印面单" not in labels_of(at)  # a held order gets no label


def test_only_roles_that_change_statuses_may_hold_an_order(store):
    for role in ("warehouse", "service"):
        at = open_page("pages/order.py", role, query={"order": "TB20261120001"})
        assert "挂起" not in labels_of(at) and not at.radio


def test_a_manager_releases_a_review_hold_saying_why_and_a_clerk_is_not_offered_it(demo_url, monkeypatch):
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", demo_url)
    monkeypatch.setenv("ORDERHUB_COOKIE_KEY", "a-test-cookie-key-that-is-long-enough")
    assert "跳过审核放行" not in labels_of(open_page("pages/exceptions.py", "clerk"))
    at = open_page("pages/exceptions.py", "manager")
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        first = review.open_exceptions(conn)[0]
    button(at, "跳过审核放行").click().run()
    assert [element.value for element in at.error] == [f"跳过审核放行订单 {first['channel_order_no']} 须写明原因。"]
    at.text_input(key="override_reason").input("老客户，电话确认过地址")
    button(at, "跳过审核放行").click().run()
    assert not at.error and at.success[0].value.startswith("已处理：")
    with engine.connect() as conn:
        hold_reason = conn.execute(select(orders.c.hold_reason).where(orders.c.id == first["id"])).scalar_one()
        why = conn.execute(
            select(order_events.c.actor, order_events.c.reason)
            .where(order_events.c.order_id == first["id"])
            .order_by(order_events.c.id.desc())
        ).first()
    engine.dispose()
    assert hold_reason != "review"
    assert why.actor == "manager" and "老客户，电话确认过地址" in why.reason
