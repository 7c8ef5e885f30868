"""The warehouse page ships on the carrier's numbers and names a refusal in Chinese; the order page
shows the parcel's tracking history, phones masked for the warehouse."""

from __future__ import annotations

from datetime import datetime

import pytest

from connectors import waybill_service
from core.identity.access import Actor
from tests.app.app_pages import button, open_page, shown_text
from tests.app.app_shop import fill
from tests.core.helpers import order_row
from tests.waybills.shop import configure

SHOP = "宠物之家旗舰店"  # the app shop's Taobao store; its JD store has no waybill account


@pytest.fixture
def store(engine, sqlite_url, aggregator, tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ORDERHUB_COOKIE_KEY", "a-test-cookie-key-that-is-long-enough")
    configure(monkeypatch, tmp_path, aggregator[1], shop=SHOP, print_type="IMAGE")
    return fill(engine)


def ship_on_page(*rows: int):
    ticked = {str(row): {"发货": True} for row in rows}
    at = open_page("pages/warehouse.py", "warehouse", ship_editor_0_0={"edited_rows": ticked, "added_rows": [],
                                                                         "deleted_rows": []})  # fmt: skip
    button(at, "出库发货").click().run()
    return button(at, "确定").click().run()


def test_the_page_ships_on_the_aggregators_number_where_the_shop_has_an_account(store, engine, aggregator):
    server, _ = aggregator
    at = ship_on_page(0, 2)  # TB20261120001 (account) and JD300000000005 (none)
    assert not at.exception and "已完成 2 个订单" in at.success[0].value
    assert order_row(engine, "TB20261120001").tracking_no in server.parcels
    assert order_row(engine, "JD300000000005").tracking_no == f"SF{store['JD300000000005']:012d}"


def test_a_refused_waybill_is_named_with_the_aggregators_reason_and_the_order_stays(store, engine, aggregator):
    server, _ = aggregator
    server.balances["SF-MONTHLY-001"] = 0
    at = ship_on_page(0)
    assert (
        not at.exception
        and "TB20261120001: 快递100未出单：电子面单余额不足，请联系网点充值（30003）" in at.error[0].value
    )
    assert order_row(engine, "TB20261120001").status == "paid"


def test_the_order_page_shows_the_tracking_history_with_phones_masked(store, engine, aggregator):
    server, _ = aggregator
    order_id = store["TB20261120001"]
    waybill_service.ship_batch(engine, Actor("仓库小王", "warehouse"), [order_id])
    number = order_row(engine, "TB20261120001").tracking_no
    server.move(number, "1", "【深圳市】快递员李师傅（13612345678）已揽收", datetime(2026, 11, 26, 15, 0))
    waybill_service.poll_tracking(engine, every_minutes=0)
    text = shown_text(open_page("pages/order.py", "warehouse", query={"order": "TB20261120001"}))
    assert "物流轨迹" in text and "大头笔: 粤-深圳-南山" in text and "已揽收" in text
    assert "136****5678" in text and "13612345678" not in text
    assert f"[快递公司面单图片](https://example.invalid/label/{number}.png)" in text  # printType IMAGE
