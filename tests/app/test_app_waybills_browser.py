"""A parcel's life in a real browser: the warehouse scans an order, prints the carrier's label from the
shop's 快递100 account and ships it; the carrier's pushes reach OrderHub's callback, and the clerk
sees the order 已完成 with its tracking history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from app_shop import PASSWORD, fill
from test_app_users import pdf_texts

from connectors import tracking_callback
from core.store.db import make_engine, migrate
from tests import browser as chromium
from tests.browser import needs_chromium
from tests.connectors_api.servers.base import serving
from tests.waybills.aggregator_server import Aggregator
from tests.waybills.conftest import SECRET
from tests.waybills.shop import configure, seed_reason

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def parcel_world(tmp_path_factory) -> Iterator[tuple[str, Aggregator, object]]:
    """The app over a filled store whose Taobao shop has a waybill account on a local 快递100,
    and OrderHub's tracking callback (as the worker serves it) on the same store."""
    folder = tmp_path_factory.mktemp("waybills_browser")
    database = f"sqlite:///{folder / 'orderhub.db'}"
    engine = make_engine(database)
    migrate(engine)
    fill(engine)
    seed_reason(engine)
    callback = tracking_callback.serve(engine, 0, "127.0.0.1")
    aggregator = Aggregator()
    with pytest.MonkeyPatch.context() as patch, serving(aggregator) as url:
        hook = f"http://127.0.0.1:{callback.server_address[1]}{tracking_callback.PATH}"
        channels = configure(patch, folder, url, callback_url=hook, shop="宠物之家旗舰店")
        env = {"ORDERHUB_CHANNELS_FILE": str(channels), "TEST_KD100_SECRET": SECRET, "TEST_SF_PARTNER_KEY": "sf-pass"}
        try:
            with chromium.running_app(database, folder, **env) as app:
                yield app, aggregator, engine
        finally:
            callback.shutdown()
            engine.dispose()


def download(page, name: str) -> bytes:
    with page.expect_download() as started:
        page.get_by_role("button", name=name).click()
    return Path(started.value.path()).read_bytes()


def test_a_parcel_ships_on_the_carriers_label_and_its_signature_completes_the_order(browser, parcel_world):
    app, aggregator, _ = parcel_world
    page = chromium.log_in(browser, app, "warehouse", PASSWORD)
    page.goto(f"{app}/warehouse")
    page.get_by_role("heading", name="仓库作业").first.wait_for()
    page.get_by_label("扫描订单号或运单号").fill("TB20261120001")
    page.get_by_label("扫描订单号或运单号").press("Enter")
    for answer in ("TB20261120001 还差 1 件未扫。", "TB20261120001 核对无误：2 件全部扫到，可以发货。"):
        page.get_by_label("扫描商品条码（SKU）").fill("PET-FOOD-2KG")
        page.get_by_label("扫描商品条码（SKU）").press("Enter")
        page.get_by_text(answer).wait_for()
    scan_box = page.get_by_test_id("stExpander")
    scan_box.get_by_role("button", name="打印面单").click()
    printed = "\n".join(pdf_texts(download(page, "下载面单 PDF")))
    [number] = list(aggregator.parcels)
    assert number in printed and "粤-深圳-南山" in printed and "571W-755A-010" in printed and "演示" not in printed
    assert "萌宠天猫旗舰店 杭州仓  0571-88886666" in printed  # the sender the account gave the carrier
    scan_box.get_by_role("button", name="出库发货").click()
    page.get_by_role("button", name="确定").click()
    page.get_by_text("已完成 1 个订单：TB20261120001").wait_for()
    page.context.close()

    journey = [("1", "【深圳市】顺丰速运 已收取快件", 10), ("0", "快件已到达【深圳转运中心】", 18),
               ("5", "快件正在派送中", 29), ("3", "已签收，签收人：本人", 31)]  # fmt: skip
    for state, context, hour in journey:
        at = datetime(2026, 11, 26 + hour // 24, hour % 24, 0)
        assert aggregator.move(number, state, context, at).status_code == 200

    clerk = chromium.log_in(browser, app, "clerk", PASSWORD)
    clerk.goto(f"{app}/order?order=TB20261120001")
    clerk.get_by_role("heading", name="TB20261120001 · 已完成").wait_for()
    clerk.get_by_text("物流轨迹").wait_for()
    clerk.get_by_text("已签收，签收人：本人").first.wait_for(state="attached")
    clerk.context.close()
