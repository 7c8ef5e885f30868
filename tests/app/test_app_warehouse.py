"""The warehouse's paperwork and carriers: labels, pick lists and packing slips only for orders that
can ship, with product names and the sender; a scanned number goes with the carrier it names."""

from __future__ import annotations

import re

import pytest
from app_pages import button, open_page, shown_text
from app_shop import NOW
from sqlalchemy import select, update
from test_app_users import pdf_texts

from core.carriers import carrier_of
from core.errors import InvalidInput, NotFound
from core.identity.access import Actor
from core.orders import workflow
from core.orders.tables import orders
from core.shipping import batch, labels, paperwork, warehouse
from core.shipping.senders import DEMO_ADDRESS
from core.store.db import transaction


def shipped(engine) -> dict[str, tuple[str, str]]:
    with engine.connect() as conn:
        query = select(orders.c.channel_order_no, orders.c.carrier, orders.c.tracking_no)
        return {
            no: (carrier, number) for no, carrier, number in conn.execute(query.where(orders.c.status == "shipped"))
        }


@pytest.fixture
def store(shop, sqlite_url, monkeypatch):
    """The filled store, named by the environment as the app finds it."""
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ORDERHUB_COOKIE_KEY", "a-test-cookie-key-that-is-long-enough")
    return shop


def test_labels_name_the_products_and_the_sender(shop, engine, monkeypatch):
    monkeypatch.setenv("ORDERHUB_SENDERS_FILE", "/nonexistent/senders.toml")
    monkeypatch.setenv("ORDERHUB_SENDER_PHONE", "0571-1234-5678")
    with engine.connect() as conn:
        label = warehouse.labels_for(conn, "warehouse", [shop["TB20261122003"]], now=NOW)[0]
    assert label.items == "Cat Litter 10L×2、Pet Food 2Kg×1"
    assert (label.sender.name, label.sender.phone, label.sender.address) == (
        "宠物之家旗舰店",
        "0571-1234-5678",
        DEMO_ADDRESS,
    )
    printed = "\n".join(pdf_texts(labels.render([label])))
    assert "Cat Litter 10L×2" in printed and "0571-1234-5678" in printed and "寄" in printed
    assert "CAT-LITTER-10L" not in printed


def test_a_shop_can_have_its_own_sender_from_the_senders_file(shop, engine, monkeypatch, tmp_path):
    senders_file = tmp_path / "senders.toml"
    senders_file.write_text(
        '[[sender]]\nshop = "京东宠物专营店"\nname = "京东仓"\nphone = "010-6666-0000"\n'
        'address = "北京市大兴区仓储路 1 号"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ORDERHUB_SENDERS_FILE", str(senders_file))
    with engine.connect() as conn:
        found = warehouse.labels_for(conn, "warehouse", [shop["TB20261120001"], shop["JD300000000005"]], now=NOW)
    assert [label.sender.name for label in found] == ["宠物之家旗舰店", "京东仓"]
    assert found[1].sender.address == "北京市大兴区仓储路 1 号"


@pytest.mark.parametrize("order_no", ["JD300000000004", "TB20261121002"])  # held for stock; unpaid
def test_no_label_pick_list_or_slip_for_an_order_that_cannot_ship(shop, engine, order_no):
    chosen = [shop["TB20261120001"], shop[order_no]]
    with engine.connect() as conn:
        for make in (warehouse.labels_for, warehouse.packing_slips):
            with pytest.raises(InvalidInput) as refused:
                make(conn, "warehouse", chosen)
            assert refused.value.key == "error.not_ready_to_ship" and order_no in str(refused.value)
        with pytest.raises(InvalidInput):
            warehouse.pick_list(conn, chosen)


def test_a_cancelled_or_shipped_order_gets_no_label(shop, engine):
    with transaction(engine) as conn:
        workflow.advance(conn, shop["TB20261120001"], "cancelled", "张仓管", now=NOW)
    batch.run(engine, Actor("张仓管", "warehouse"), "ship", [shop["JD300000000005"]], now=NOW)
    with engine.connect() as conn:
        for order_no in ("TB20261120001", "JD300000000005"):
            with pytest.raises(InvalidInput, match=order_no):
                warehouse.labels_for(conn, "warehouse", [shop[order_no]])


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        ("YT8800001234567", "YTO"),
        ("sf1234567890", "SF"),
        ("JT0001234567", "JT"),
        ("JDV000123", "JD"),
        ("7731234567", None),
    ],
)
def test_a_waybill_number_prefix_names_its_carrier_or_nothing(number, carrier):
    assert carrier_of(number) == carrier


def test_a_scanned_number_ships_under_the_carrier_it_names_and_others_under_the_batch_carrier(shop, engine):
    ids = [shop[no] for no in ("TB20261120001", "TB20261122003", "JD300000000005")]
    tracking = {ids[0]: "YT8800001234567", ids[1]: "75123456789012"}
    carriers = dict.fromkeys(ids, "ZTO")
    with engine.connect() as conn:
        printed = warehouse.labels_for(conn, "warehouse", ids, now=NOW, carriers=carriers, tracking=tracking)
    result = batch.run(engine, Actor("张仓管", "warehouse"), "ship", ids, tracking, now=NOW, carriers=carriers)
    assert not result.failed
    assert shipped(engine) == {
        "TB20261120001": ("YTO", "YT8800001234567"),  # 圆通's number, not the batch's 中通
        "TB20261122003": ("ZTO", "75123456789012"),  # digits alone: the batch carrier
        "JD300000000005": ("ZTO", f"ZTO{ids[2]:012d}"),  # nothing scanned: our own number for 中通
    }
    assert [(label.carrier, label.tracking_no) for label in printed] == [
        shipped(engine)[no] for no in ("TB20261120001", "TB20261122003", "JD300000000005")
    ]


def test_an_order_keeps_its_own_carrier_when_the_batch_names_none(shop, engine):
    with transaction(engine) as conn:
        conn.execute(update(orders).where(orders.c.id == shop["TB20261120001"]).values(carrier="JT"))
    batch.run(engine, Actor("张仓管", "warehouse"), "ship", [shop["TB20261120001"]], now=NOW)
    assert shipped(engine)["TB20261120001"] == ("JT", f"JT{shop['TB20261120001']:012d}")


def test_the_pick_list_groups_the_selected_orders_by_sku_with_names_and_orders(shop, engine):
    with engine.connect() as conn:
        picks = warehouse.pick_list(conn, [shop["TB20261120001"], shop["TB20261122003"]])
    assert [(p["sku"], p["name"], p["qty"], p["order_nos"]) for p in picks] == [
        ("CAT-LITTER-10L", "Cat Litter 10L", 2, ["TB20261122003"]),
        ("PET-FOOD-2KG", "Pet Food 2Kg", 3, ["TB20261120001", "TB20261122003"]),
    ]
    printed = pdf_texts(paperwork.pick_list_pdf(picks, NOW))
    assert "拣货单" in printed and "Pet Food 2Kg" in printed and "TB20261120001、TB20261122003" in printed
    assert "2 单 · 2 个 SKU · 5 件" in " ".join(printed)


def test_packing_slips_give_each_order_a_page_with_names_quantities_and_a_masked_phone(shop, engine):
    with engine.connect() as conn:
        slips = warehouse.packing_slips(conn, "warehouse", [shop["TB20261120001"], shop["TB20261122003"]])
    pdf = paperwork.packing_slips_pdf(slips, NOW)
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 2
    printed = "\n".join(pdf_texts(pdf))
    assert "装箱单 TB20261120001" in printed and "装箱单 TB20261122003" in printed
    assert "收件人 张伟 138****1234" in printed and "Cat Litter 10L" in printed and "共 3 件" in printed
    assert "13812341234" not in printed and "15000001111" not in printed


def tick(*rows: int, **cells: dict) -> dict:
    """The shipping editor's state with these rows ticked (and extra cells per row index)."""
    edited = {str(row): {"发货": True} for row in rows}
    for row, values in cells.items():
        edited.setdefault(row.removeprefix("row"), {}).update(values)
    return {"edited_rows": edited, "added_rows": [], "deleted_rows": []}


def test_the_page_ships_a_scanned_yt_number_under_yto_and_the_rest_under_the_batch_carrier(store, engine):
    at = open_page("pages/warehouse.py", "warehouse", ship_editor_0_1=tick(0, 2, row0={"运单号": "YT8800001234567"}))
    [carrier] = [box for box in at.selectbox if box.label == "本批快递"]
    carrier.set_value("ZTO").run()
    assert "已选 2 单" in shown_text(at)
    button(at, "出库发货").click().run()
    button(at, "确定").click().run()
    assert not at.exception and "已完成 2 个订单" in at.success[0].value
    assert shipped(engine) == {
        "TB20261120001": ("YTO", "YT8800001234567"),
        "JD300000000005": ("ZTO", f"ZTO{store['JD300000000005']:012d}"),
    }


def test_select_all_ticks_only_the_page_shown_and_filters_narrow_the_list(store, monkeypatch):
    monkeypatch.setattr(warehouse, "PAGE_SIZE", 2)
    at = open_page("pages/warehouse.py", "warehouse")
    assert "第 1/2 页 · 筛选出 3 单" in shown_text(at)
    [select_page] = [toggle for toggle in at.toggle if toggle.label == "全选本页（2 单）"]
    select_page.set_value(True).run()
    assert "已选 2 单" in shown_text(at)
    [province] = [box for box in at.selectbox if box.label == "省份"]
    province.set_value("浙江").run()
    assert list(at.dataframe[1].value["订单号"]) == ["TB20261122003"]
    assert "已选 0 单" in shown_text(at)  # the ticks of the other view do not carry over


def test_the_label_download_goes_away_when_the_selection_changes_or_the_orders_ship(store):
    at = open_page("pages/warehouse.py", "warehouse", ship_editor_0_0=tick(0, 1))
    button(at, "打印面单").click().run()
    assert [download.label for download in at.get("download_button")] == ["下载面单 PDF"]
    button(at, "打印拣货单").click().run()
    assert len(at.get("download_button")) == 2
    at.session_state["ship_editor_0_0"] = tick(0)
    at.run()
    assert not at.get("download_button")  # built for two orders, not for the one ticked now
    button(at, "打印面单").click().run()
    button(at, "出库发货").click().run()
    button(at, "确定").click().run()
    assert "已完成 1 个订单" in at.success[0].value and not at.get("download_button")


def test_printing_a_label_for_a_held_order_is_refused_with_the_reason(store):
    selected = {"selection": {"rows": list(range(5)), "columns": [], "cells": []}}
    at = open_page("pages/queue.py", "clerk", queue_table_0=selected)
    button(at, "打印面单").click().run()
    assert not at.exception and not at.get("download_button")
    assert "不能发货" in at.error[0].value and "JD300000000004" in at.error[0].value


def test_a_parcel_is_found_by_order_number_tracking_number_or_our_own_label_number(shop, engine):
    order_id = shop["TB20261122003"]
    with transaction(engine) as conn:
        conn.execute(update(orders).where(orders.c.id == shop["JD300000000005"]).values(tracking_no="YT123"))
    with engine.connect() as conn:
        assert warehouse.parcel_for(conn, " TB20261122003 ")[:2] == (order_id, "TB20261122003")
        assert warehouse.parcel_for(conn, f"ZTO{order_id:012d}")[0] == order_id
        assert warehouse.parcel_for(conn, "YT123")[1] == "JD300000000005"
        for code in ("JD300000000004", "NOPE"):  # held for stock; unknown
            with pytest.raises(NotFound):
                warehouse.parcel_for(conn, code)


def test_scanning_counts_the_order_items_and_refuses_a_stranger_or_one_too_many(shop, engine):
    with engine.connect() as conn:
        _, _, goods = warehouse.parcel_for(conn, "TB20261122003")  # CAT-LITTER-10L×2, PET-FOOD-2KG×1
    scanned = warehouse.scan_item(goods, {}, "pet-food-2kg")
    with pytest.raises(InvalidInput) as refused:
        warehouse.scan_item(goods, scanned, "PET-FOOD-2KG")
    assert refused.value.key == "error.scan_too_many"
    with pytest.raises(InvalidInput, match="DOG-LEASH-M"):
        warehouse.scan_item(goods, scanned, "DOG-LEASH-M")
    scanned = warehouse.scan_item(goods, scanned, "CAT-LITTER-10L")
    assert not warehouse.scan_complete(goods, scanned)
    scanned = warehouse.scan_item(goods, scanned, "CAT-LITTER-10L")
    assert scanned == {"PET-FOOD-2KG": 1, "CAT-LITTER-10L": 2} and warehouse.scan_complete(goods, scanned)


def test_the_page_scans_an_order_refuses_a_wrong_item_and_ships_when_all_are_scanned(store, engine):
    at = open_page("pages/warehouse.py", "warehouse")
    at.text_input(key="scan_order_code").input("TB20261120001").run()
    assert "还差 2 件未扫" in shown_text(at) and not [b for b in at.button if b.label == "出库发货"][1:]
    at.text_input(key="scan_item_code").input("CAT-LITTER-10L").run()
    assert "CAT-LITTER-10L 不属于这个订单" in at.error[0].value
    at.text_input(key="scan_item_code").input("PET-FOOD-2KG").run()
    at.text_input(key="scan_item_code").input("PET-FOOD-2KG").run()
    assert "TB20261120001 核对无误：2 件全部扫到" in shown_text(at)
    at.button(key="scan_ship").click().run()
    at.button(key="scan_yes").click().run()
    assert not at.exception and "已完成 1 个订单" in at.success[0].value
    assert set(shipped(engine)) == {"TB20261120001"}
    assert not [box for box in at.text_input if box.key == "scan_item_code"]  # the next scan starts afresh


def test_select_all_that_match_takes_every_page_of_the_filter_and_the_carrier_filter_appears(
    store, engine, monkeypatch
):
    with transaction(engine) as conn:
        conn.execute(update(orders).where(orders.c.id == store["JD300000000005"]).values(carrier="JT"))
    monkeypatch.setattr(warehouse, "PAGE_SIZE", 2)
    at = open_page("pages/warehouse.py", "warehouse")
    [every] = [toggle for toggle in at.toggle if toggle.label == "全选筛选结果（3 单，含其他页）"]
    every.set_value(True).run()
    assert "已选 3 单" in shown_text(at)
    [carrier] = [box for box in at.selectbox if box.label == "快递公司"]
    assert carrier.options == ["全部", "极兔速递"]
    carrier.set_value("JT").run()
    assert list(at.dataframe[1].value["订单号"]) == ["JD300000000005"] and "已选 0 单" in shown_text(at)
