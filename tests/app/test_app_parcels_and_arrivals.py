"""Merged parcels leave the warehouse together; the stock page shows what is on its way."""

from __future__ import annotations

from datetime import date

from core.identity.access import Actor
from core.intake.ingest import ingest
from core.model import SHIPPED
from core.restock import purchase_orders, purchasing, stock_levels, supplier_link
from core.shipping import batch, merge
from core.store.db import transaction
from tests.core.helpers import T0, add_skus, order, order_row


def test_shipping_one_order_of_a_merged_parcel_ships_the_whole_parcel_under_one_waybill(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10, "CAT-STRIP-30": 10})
    ingest(engine, [order("TB-A", ("PET-FOOD-2KG", 1)), order("TB-B", ("CAT-STRIP-30", 2), minute=3)])
    first, second = order_row(engine, "TB-A").id, order_row(engine, "TB-B").id
    with transaction(engine) as conn:
        merge.merge(conn, [first, second], Actor("客服-小美", "clerk"))
    result = batch.run(engine, Actor("仓库-小李", "warehouse"), "ship", [first, second])
    assert result.failed == []
    shipped = [order_row(engine, no) for no in ("TB-A", "TB-B")]
    assert {row.status for row in shipped} == {SHIPPED}
    assert shipped[0].tracking_no == shipped[1].tracking_no


def test_the_stock_page_rows_carry_the_quantity_arriving_and_its_date(engine):
    add_skus(engine, {"TOY-PUZZLE-FEEDER": 0, "CAT-STRIP-30": 5})
    with transaction(engine) as conn:
        purchasing.save_supplier(
            conn, "义乌乐宠玩具厂", "sales@leichong.example", 7, 10, 20, Actor("采购-小陈", "manager"), T0
        )
        _, link = purchase_orders.create_purchase_order(
            conn, "义乌乐宠玩具厂", Actor("采购-小陈", "manager"), T0, {"TOY-PUZZLE-FEEDER": 50}
        )
        supplier_link.respond(conn, link.rsplit("=", 1)[-1], {"TOY-PUZZLE-FEEDER": 50}, date(2026, 11, 18), now=T0)
    with engine.connect() as conn:
        rows = {row["sku"]: row for row in stock_levels.levels(conn, "warehouse")}
    assert rows["TOY-PUZZLE-FEEDER"]["arriving"] == 50
    assert rows["TOY-PUZZLE-FEEDER"]["expected_at"].date() == date(2026, 11, 18)
    assert (rows["CAT-STRIP-30"]["arriving"], rows["CAT-STRIP-30"]["expected_at"]) == (0, None)
