"""Each channel's export imports its good orders and quarantines its bad rows by row number."""

from __future__ import annotations

from datetime import datetime

import pytest

from connectors.files import import_file
from tests.files.files_helpers import export, rejects, stored


@pytest.mark.parametrize("encoding", ["gbk", "utf8bom"])
def test_a_generic_csv_lands_its_good_orders_and_names_each_bad_row(store, encoding):
    name = f"generic.{encoding}.csv"
    summary = import_file(store, "generic", export(name))
    assert rejects(summary) == [
        (name, 5, "bad_date"),
        (name, 8, "negative_qty"),
        (name, 12, "missing_sku"),
        (name, 13, "bad_qty"),
    ]
    assert summary.errors[1].params == {"value": "-1"}
    assert (summary.rows, summary.new, summary.held, summary.rejected_orders) == (12, 5, 2, 4)
    assert summary.created_skus == ["NO-SUCH-SKU"]
    got = stored(store)
    assert set(got) == {"2026010500001", "2026010500002", "2026010500004", "2026010500006", "2026010500007"}
    # An unknown SKU is created with no stock, so its order waits for stock instead of being refused.
    assert got["2026010500004"]["status"] == "on_hold"
    assert got["2026010500004"]["lines"] == {"NO-SUCH-SKU": (1, 5990), "PET-FOOD-2KG": (1, 5990)}
    assert got["2026010500006"]["lines"] == {"DOG-LEASH-L": (2, 3900)}  # two rows of one SKU: one line
    first = got["2026010500001"]
    # ¥1,234.50 / ￥1,234.50 and a full-width １ arrive exact; ="…" protection is gone.
    assert first["lines"] == {"PET-FOOD-2KG": (2, 5990), "CAT-TOY-BALL": (1, 123450)}
    assert (first["goods_cents"], first["paid_cents"], first["shipping_fee_cents"]) == (135430, 135730, 800)
    assert (first["province"], first["city"], first["status"]) == ("广东", "深圳市", "paid")
    second = got["2026010500002"]
    assert (second["status"], second["created_at"]) == ("pending_payment", datetime(2026, 1, 5, 11, 0))
    assert (second["province"], second["city"]) == ("浙江", "杭州市")  # found in the address
    assert got["2026010500007"]["status"] == "on_hold"  # three litter bags, one in stock


def test_an_xlsx_export_reads_excel_numbers_dates_and_serial_dates(store):
    summary = import_file(store, "generic", export("generic.xlsx"))
    assert rejects(summary) == [("generic.xlsx", 5, "negative_qty")]  # row 3 is blank and still counted
    got = stored(store)
    assert got["2026010600001"]["created_at"] == datetime(2026, 1, 6, 9, 30)
    assert got["2026010600001"]["lines"] == {"PET-FOOD-2KG": (2, 5990)}
    assert got["2026010600001"]["phone"] == "13800138000"
    assert got["2026010600002"]["created_at"] == datetime(2026, 1, 6, 12, 0)  # serial 46028.5


@pytest.mark.parametrize("encoding", ["gbk", "utf8bom"])
def test_the_taobao_orders_and_items_files_import_together(store, encoding):
    orders_file, items_file = f"taobao_orders.{encoding}.csv", "taobao_items.utf8bom.csv"
    summary = import_file(store, "taobao", export(orders_file), items=export(items_file))
    assert rejects(summary) == [
        (orders_file, 5, "bad_date"),
        (orders_file, 6, "order_rejected"),
        (orders_file, 7, "order_no_scientific"),
        (orders_file, 8, "unknown_status"),
        (items_file, 6, "order_rejected"),
        (items_file, 7, "order_rejected"),
        (items_file, 8, "not_in_orders_file"),
        (items_file, 10, "bad_qty"),
    ]
    assert summary.errors[1].params == {"row": 10, "file": items_file}  # its item row is the bad one
    got = stored(store)
    assert set(got) == {"3028689418086124", "3028689418086125", "3028689418086126"}
    paid = got["3028689418086124"]
    # The second item names its SKU only in 外部系统编号.
    assert paid["lines"] == {"PET-FOOD-2KG": (2, 5990), "CAT-TOY-BALL": (1, 990)}
    assert (paid["shop"], paid["buyer"], paid["phone"], paid["province"]) == (
        "毛孩子旗舰店",
        "张伟",
        "13800138000",
        "广东",
    )
    assert (paid["goods_cents"], paid["paid_cents"], paid["buyer_remark"]) == (12970, 12970, "请尽快发货")
    done = got["3028689418086126"]
    assert (done["status"], done["tracking_no"], done["carrier"]) == ("completed", "SF1234567890", "顺丰速运")
    assert got["3028689418086125"]["status"] == "pending_payment"


def test_the_taobao_orders_file_alone_imports_orders_and_the_items_file_adds_their_lines(store):
    alone = import_file(store, "taobao", export("taobao_orders.gbk.csv"))
    assert [(e.row, e.code) for e in alone.errors] == [
        (5, "bad_date"),
        (7, "order_no_scientific"),
        (8, "unknown_status"),
    ]
    assert alone.new == 4
    assert all("lines" not in order for order in stored(store).values())
    assert stored(store)["3028689418086128"]["status"] == "cancelled"
    pair = import_file(store, "taobao", export("taobao_orders.gbk.csv"), items=export("taobao_items.utf8bom.csv"))
    assert (pair.new, pair.updated, pair.unchanged) == (0, 3, 0)
    assert stored(store)["3028689418086124"]["lines"] == {"PET-FOOD-2KG": (2, 5990), "CAT-TOY-BALL": (1, 990)}


@pytest.mark.parametrize("encoding", ["gbk", "utf8bom"])
def test_a_jd_export_takes_the_province_from_the_address(store, encoding):
    name = f"jd.{encoding}.csv"
    summary = import_file(store, "jd", export(name))
    assert rejects(summary) == [(name, 5, "zero_qty"), (name, 6, "missing_sku")]
    assert summary.created_skus == ["PET-BED-L"]
    got = stored(store)
    assert got["230512345678"]["lines"] == {"PET-FOOD-2KG": (1, 5990), "CAT-TOY-BALL": (5, 980)}
    assert (got["230512345678"]["province"], got["230512345678"]["city"]) == ("广东", "深圳市")
    assert (got["230512345679"]["province"], got["230512345679"]["status"]) == ("上海", "shipped")
    assert got["230512345679"]["lines"] == {"DOG-LEASH-L": (2, 3900)}  # quantity ２
    held = got["230512345682"]
    assert (held["status"], held["paid_cents"], held["shipping_fee_cents"]) == ("on_hold", 14100, 600)


@pytest.mark.parametrize("encoding", ["gbk", "utf8bom"])
def test_a_pinduoduo_export_prices_lines_from_their_totals(store, encoding):
    name = f"pdd.{encoding}.csv"
    summary = import_file(store, "pdd", export(name))
    assert rejects(summary) == [(name, 6, "bad_amount"), (name, 7, "bad_date"), (name, 8, "negative_qty")]
    got = stored(store)
    first = got["260105-018447563211101"]
    assert (first["goods_cents"], first["paid_cents"]) == (11980, 11180)
    assert (first["seller_coupon_cents"], first["platform_discount_cents"]) == (500, 300)
    assert got["260105-018447563211103"]["lines"] == {"CAT-TOY-BALL": (3, 333)}  # 10.00 / 3, half-up
    assert got["260105-018447563211102"]["status"] == "shipped"  # 已发货，待签收
    refunded = got["260105-018447563211104"]
    assert (refunded["status"], refunded["province"], refunded["city"]) == ("cancelled", "浙江", "杭州市")


def test_a_shopify_export_groups_line_items_under_the_order_id(store):
    summary = import_file(store, "shopify", export("shopify.csv"))
    assert [(e.row, e.code) for e in summary.errors] == [
        (6, "missing_sku"),
        (7, "order_rejected"),
        (8, "unknown_status"),
        (9, "bad_qty"),
    ]
    assert summary.errors[2].params == {"column": "Financial Status", "value": "on_layaway"}
    got = stored(store)
    assert set(got) == {"5678901234567", "5678901234568", "5678901234569"}
    first = got["5678901234567"]
    assert first["lines"] == {"PET-FOOD-2KG": (2, 5990), "CAT-TOY-BALL": (1, 990)}
    assert first["created_at"] == datetime(2026, 1, 5, 23, 37, 33)  # 10:37:33 -0500 in Shanghai time
    assert (first["paid_cents"], first["seller_coupon_cents"], first["province"]) == (13270, 500, "广东")
    assert first["buyer_remark"] == "请放门口\n谢谢"  # a note spanning two lines inside quotes
    assert (got["5678901234568"]["status"], got["5678901234568"]["province"]) == ("shipped", "ON")
    assert (got["5678901234569"]["status"], got["5678901234569"]["province"]) == ("cancelled", "浙江")
