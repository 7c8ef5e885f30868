"""The warehouse's day in a real browser: pick list → scan to verify → label with product names → ship."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from test_app_browser import log_in, open_path, server, shot  # noqa: F401 (fixtures)
from test_app_users import pdf_texts

from core.orders.tables import orders
from tests.browser import needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


def download(page, name: str) -> bytes:
    with page.expect_download() as started:
        page.get_by_role("button", name=name).click()
    return Path(started.value.path()).read_bytes()


def test_the_warehouse_picks_scans_labels_and_ships_an_order(browser, server):  # noqa: F811
    page = log_in(browser, server, "warehouse")
    open_path(page, server, "warehouse", "仓库作业", "拣货单")
    page.get_by_text("全选本页（3 单）").click()
    page.get_by_text("已选 3 单").wait_for()
    page.get_by_role("button", name="打印拣货单").click()
    picked = "\n".join(pdf_texts(download(page, "下载拣货单 PDF")))
    assert "拣货单" in picked and "Pet Food 2Kg" in picked and "TB20261120001" in picked

    page.get_by_label("扫描订单号或运单号").fill("TB20261120001")
    page.get_by_label("扫描订单号或运单号").press("Enter")
    page.get_by_text("TB20261120001 还差 2 件未扫。").wait_for()
    scans = [
        ("CAT-LITTER-10L", "CAT-LITTER-10L 不属于这个订单：请不要装箱。"),  # refused aloud
        ("PET-FOOD-2KG", "TB20261120001 还差 1 件未扫。"),
        ("PET-FOOD-2KG", "TB20261120001 核对无误：2 件全部扫到，可以发货。"),
    ]
    for code, answer in scans:  # each scan waits for the page's answer, as a scanner user would
        page.get_by_label("扫描商品条码（SKU）").fill(code)
        page.get_by_label("扫描商品条码（SKU）").press("Enter")
        page.get_by_text(answer).wait_for()
    shot(page, "warehouse_scan_verified")

    scan_box = page.get_by_test_id("stExpander")
    scan_box.get_by_role("button", name="打印面单").click()
    printed = "\n".join(pdf_texts(download(page, "下载面单 PDF")))
    assert "Pet Food 2Kg×2" in printed and "张伟 138****1234" in printed.replace("  ", " ")
    scan_box.get_by_role("button", name="出库发货").click()
    page.get_by_role("button", name="确定").click()
    page.get_by_text("已完成 1 个订单：TB20261120001").wait_for()
    with server.engine.connect() as conn:
        status = conn.execute(select(orders.c.status).where(orders.c.channel_order_no == "TB20261120001")).scalar()
    assert status == "shipped"
    page.context.close()
