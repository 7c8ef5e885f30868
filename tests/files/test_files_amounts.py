"""What a file says about money and place lands and is reported: the paid amount of a file with
no goods column, order totals and refunds (raised by a later file), and orders abroad."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.files import import_file
from core import regions
from core.analytics import reports
from core.analytics.analytics import Snapshot
from core.analytics.reports import Filters
from core.intake.ingest import ingest
from core.model import NormalisedOrder
from core.orders.tables import orders
from tests.files.files_helpers import export

ROOT = Path(__file__).resolve().parents[2]
EVER = Filters(date(2000, 1, 1), date(2100, 1, 1))
HEADER = "订单编号,订单状态,订单创建时间,订单付款时间,买家实际支付金额,收货人姓名,收货地址"
# A Taobao order report as a shop exports it without the goods column, and without its items file.
NO_GOODS = [
    "3028689418086201,买家已付款，等待卖家发货,2026-03-10 10:00:00,2026-03-10 10:05:00,100.00,张三,深圳市南山区1号",
    "3028689418086202,卖家已发货，等待买家确认,2026-03-10 11:00:00,2026-03-10 11:01:00,59.00,李四,杭州市西湖区2号",
    "3028689418086203,等待买家付款,2026-03-10 12:00:00,,20.00,王五,北京市朝阳区建国路3号",
]
WITH_REFUND = "订单编号,订单状态,订单创建时间,订单付款时间,买家实际支付金额,总金额,退款金额,收货地址"


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8-sig")
    return path


def refund_file(path: Path, refund: str) -> Path:
    times = "2026-03-11 09:00:00,2026-03-11 09:02:00"
    row = f"3028689418086301,交易成功,{times},100.00,108.00,{refund},上海市浦东新区世纪大道4号"
    return write(path, WITH_REFUND, [row])


@pytest.fixture
def cli(store, sqlite_url):
    def run(*args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "ORDERHUB_DATABASE_URL": sqlite_url}
        result = subprocess.run(
            [sys.executable, "cli.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return result

    return run


def test_report_json_gives_the_paid_amount_of_orders_whose_file_had_no_goods_column(cli, tmp_path):
    cli("import", "--channel", "taobao", str(write(tmp_path / "orders.csv", HEADER, NO_GOODS)))
    report = json.loads(cli("report", "--json").stdout)
    assert (report["paid_orders"], report["paid_cents"], report["gmv_cents"]) == (2, 15900, 15900)
    assert report["goods_cents"] == 0  # the file said nothing of goods; the pending order is no sale
    assert (report["refund_cents"], report["refund_orders"], report["net_cents"]) == (0, 0, 15900)


def test_a_refund_column_is_stored_and_a_later_file_with_a_bigger_refund_raises_it(cli, tmp_path, store):
    cli("import", "--channel", "taobao", str(refund_file(tmp_path / "first.csv", "30.00")))
    report = json.loads(cli("report", "--json").stdout)
    assert (report["paid_cents"], report["refund_cents"], report["refund_orders"], report["net_cents"]) == (
        10000,
        3000,
        1,
        7000,
    )
    again = json.loads(
        cli("import", "--channel", "taobao", str(refund_file(tmp_path / "later.csv", "50.00")), "--json").stdout
    )
    assert (again["new"], again["updated"]) == (0, 1)
    report = json.loads(cli("report", "--json").stdout)
    assert (report["refund_cents"], report["net_cents"]) == (5000, 5000)
    with store.connect() as conn:
        row = conn.execute(select(orders.c.order_total_cents, orders.c.refund_cents, orders.c.status)).one()
    assert tuple(row) == (10800, 5000, "completed")


def test_a_refund_raised_by_a_later_file_lands_the_same_on_sqlite_and_postgresql(any_store, tmp_path):
    import_file(any_store, "taobao", refund_file(tmp_path / "first.csv", ""))
    later = import_file(any_store, "taobao", refund_file(tmp_path / "later.csv", "12.50"))
    assert (later.new, later.updated) == (0, 1)
    with any_store.connect() as conn:
        assert conn.execute(select(orders.c.refund_cents, orders.c.order_total_cents)).one() == (1250, 10800)
    import_file(any_store, "taobao", tmp_path / "first.csv")  # the older file again: a refund never shrinks
    with any_store.connect() as conn:
        assert conn.execute(select(orders.c.refund_cents)).scalar_one() == 1250


def test_an_order_abroad_keeps_its_country_region_and_address_and_reports_under_overseas(any_store):
    import_file(any_store, "shopify", export("shopify.csv"))
    with any_store.connect() as conn:
        places = {
            row.channel_order_no: row
            for row in conn.execute(
                select(orders.c.channel_order_no, orders.c.country, orders.c.province, orders.c.city, orders.c.address)
            )
        }
    assert [(r.province, r.city) for r in places.values() if r.country == "CA"] == [("ON", "Toronto")]
    snap = Snapshot(any_store)
    try:
        got = reports.provinces(snap, EVER, "admin").set_index("province")
    finally:
        snap.close()
    assert got.loc["海外", "orders"] == 1 and not got.loc["海外", "on_map"]
    assert "ON" not in got.index


def test_an_address_abroad_is_kept_as_written_and_never_placed_in_a_chinese_province(any_store):
    vancouver = NormalisedOrder(
        "shopify",
        "5678901234999",
        "Vancouver shop",
        "paid",
        datetime(2026, 3, 10, 10, 0),
        address="广州路 12号, Vancouver",
        country=regions.normalise_country("Canada"),
    )
    ingest(any_store, [vancouver])
    with any_store.connect() as conn:
        row = conn.execute(select(orders.c.country, orders.c.province, orders.c.city, orders.c.address)).one()
    assert tuple(row) == ("Canada", "", "", "广州路 12号, Vancouver")
    assert regions.locate([vancouver.address])[vancouver.address][0] == "广东"  # what China's lookup would say
