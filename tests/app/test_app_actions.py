"""Actions checked in core: batch status changes, notes, stock adjustments and counts, order detail masks."""

from __future__ import annotations

import pytest
from app_shop import NOW, fill
from sqlalchemy import select

from core.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from core.identity.access import Actor
from core.orders import order_detail, store_checks
from core.orders.tables import orders
from core.restock import stock_levels
from core.shipping import batch
from core.stock import reservations as stock
from core.stock.tables import skus, stock_movements


def status_of(engine, order_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(select(orders.c.status).where(orders.c.id == order_id)).scalar_one()


@pytest.mark.parametrize("action", ["confirm_payment", "cancel", "resume"])
def test_finance_cannot_change_an_order_status_even_by_calling_core(shop, engine, action):
    order_id = shop["TB20261121002"]
    with pytest.raises(PermissionDenied):
        batch.run(engine, Actor("赵会计", "finance"), action, [order_id], now=NOW)
    assert status_of(engine, order_id) == "pending_payment"


def test_an_analyst_cannot_ship(shop, engine):
    with pytest.raises(PermissionDenied):
        batch.run(engine, Actor("刘分析", "analyst"), "ship", [shop["TB20261120001"]], now=NOW)
    assert status_of(engine, shop["TB20261120001"]) == "paid"


def test_a_batch_ships_what_it_can_and_names_each_order_it_could_not(shop, engine):
    result = batch.run(engine, Actor("张仓管", "warehouse"), "ship", list(shop.values()), now=NOW)
    assert sorted(result.done) == ["JD300000000005", "TB20261120001", "TB20261122003"]
    assert {order_no for order_no, _ in result.failed} == {"JD300000000004", "TB20261121002"}
    assert all(isinstance(error, IllegalTransition) for _, error in result.failed)
    assert status_of(engine, shop["TB20261120001"]) == "shipped"


def test_shipping_keeps_a_scanned_tracking_number_and_assigns_the_label_number_otherwise(shop, engine):
    scanned = {shop["TB20261120001"]: "YT8800001234567"}
    batch.run(engine, Actor("李客服", "clerk"), "ship", [shop["TB20261120001"], shop["TB20261122003"]], scanned, NOW)
    with engine.connect() as conn:
        numbers = dict(conn.execute(select(orders.c.channel_order_no, orders.c.tracking_no)).all())
    assert numbers["TB20261120001"] == "YT8800001234567"
    assert numbers["TB20261122003"] == f"SF{shop['TB20261122003']:012d}"


def test_confirming_payment_and_cancelling_go_through_the_workflow(shop, engine):
    batch.run(engine, Actor("李客服", "clerk"), "confirm_payment", [shop["TB20261121002"]], now=NOW)
    assert status_of(engine, shop["TB20261121002"]) == "paid"
    batch.run(engine, Actor("王经理", "manager"), "cancel", [shop["TB20261121002"]], now=NOW)
    assert status_of(engine, shop["TB20261121002"]) == "cancelled"


def test_an_unknown_batch_action_is_refused_with_a_sentence(shop, engine):
    with pytest.raises(InvalidInput, match="no batch action"):
        batch.run(engine, Actor("admin", "admin"), "delete", [shop["TB20261120001"]])


def test_resuming_a_held_order_without_stock_fails_and_leaves_it_held(shop, engine):
    result = batch.run(engine, Actor("李客服", "clerk"), "resume", [shop["JD300000000004"]], now=NOW)
    assert result.done == [] and "DOG-LEASH-M" in str(result.failed[0][1])
    assert status_of(engine, shop["JD300000000004"]) == "on_hold"


def test_restocking_releases_the_held_order_and_the_adjustment_is_audited(shop, engine):
    stock_levels.adjust(engine, Actor("张仓管", "warehouse"), "DOG-LEASH-M", 5, "到货补录", now=NOW)
    assert status_of(engine, shop["JD300000000004"]) == "paid"
    with engine.connect() as conn:
        ledger = conn.execute(
            select(stock_movements.c.kind, stock_movements.c.delta, stock_movements.c.actor)
            .order_by(stock_movements.c.id.desc())
            .limit(1)
        ).one()
        assert store_checks.invariant_violations(conn) == []
    assert tuple(ledger) == ("adjust", 5, "张仓管")


@pytest.mark.parametrize("role", ["clerk", "finance", "analyst", "service"])
def test_roles_without_the_stock_permission_cannot_adjust_stock(shop, engine, role):
    with pytest.raises(PermissionDenied):
        stock_levels.adjust(engine, Actor(role, role), "PET-FOOD-2KG", 5, "盘点")


def test_an_adjustment_needs_a_reason_and_cannot_go_below_reserved(shop, engine):
    with pytest.raises(InvalidInput, match="reason"):
        stock_levels.adjust(engine, Actor("张仓管", "warehouse"), "PET-FOOD-2KG", -1, " ")
    with pytest.raises(stock.InsufficientStock):
        stock_levels.adjust(engine, Actor("张仓管", "warehouse"), "PET-FOOD-2KG", -17, "破损")


def test_a_gbk_stock_count_with_chinese_headers_sets_on_hand_and_reports_bad_rows(shop, engine):
    csv = "商家编码,盘点数量\nPET-FOOD-2KG,25\nCAT-LITTER-10L,10\nBIRD-SEED-1KG,3\nDOG-LEASH-M,两个\n".encode("gbk")
    rows = stock_levels.read_counts(csv)
    result = stock_levels.import_counts(engine, Actor("张仓管", "warehouse"), rows, "11月盘点.csv")
    assert (result.created, result.adjusted, result.unchanged) == (1, 1, 1)
    assert [refused["row"] for refused in result.rejected] == [5]
    with engine.connect() as conn:
        on_hand = dict(conn.execute(select(skus.c.sku, skus.c.on_hand)).all())
        assert store_checks.invariant_violations(conn) == []
    assert on_hand["PET-FOOD-2KG"] == 25 and on_hand["BIRD-SEED-1KG"] == 3


def test_a_stock_count_is_refused_to_roles_without_the_stock_permission(shop, engine):
    with pytest.raises(PermissionDenied):
        stock_levels.import_counts(engine, Actor("李客服", "clerk"), [{"sku": "PET-FOOD-2KG", "on_hand": "0"}], "x.csv")


def test_a_count_file_without_the_needed_columns_is_refused_with_a_sentence():
    with pytest.raises(InvalidInput, match="SKU column"):
        stock_levels.read_counts("货品,数目\nA,1\n".encode())


def test_stock_levels_flag_low_stock_and_hide_cost_from_the_warehouse(shop, engine):
    with engine.connect() as conn:
        levels = stock_levels.levels(conn, "warehouse")
        low = stock_levels.levels(conn, "manager", low_only=True)
    assert {row["sku"]: row["available"] for row in levels} == {
        "CAT-LITTER-10L": 7,
        "DOG-LEASH-M": 0,
        "PET-FOOD-2KG": 16,
    }
    assert all("unit_cost_cents" not in row for row in levels)
    assert [row["sku"] for row in low] == ["DOG-LEASH-M"] and low[0]["unit_cost_cents"] == 1500


def test_order_detail_shows_profit_only_to_roles_that_see_cost(shop, engine):
    with engine.connect() as conn:
        admin = order_detail.detail(conn, "admin", shop["TB20261122003"])
        clerk = order_detail.detail(conn, "clerk", shop["TB20261122003"])
        keeper = order_detail.detail(conn, "warehouse", shop["TB20261122003"])
    # Paid 179.00; goods cost 52.00 + 2 × 21.00; no commission or shipping cost set.
    assert admin.amounts["profit_cents"] == 17900 - 5200 - 2 * 2100
    assert "profit_cents" not in clerk.amounts and clerk.amounts["paid_cents"] == 17900
    assert keeper.amounts == {} and "phone" not in keeper.header
    assert all("unit_price_cents" not in line for line in keeper.lines)
    assert [line["qty"] for line in keeper.lines] == [2, 1]


def test_the_timeline_merges_status_events_and_notes_in_time_order(shop, engine):
    later = NOW.replace(hour=11)
    order_detail.add_note(engine, Actor("陈售后", "service"), shop["JD300000000004"], "买家来电催发货", now=later)
    stock_levels.adjust(engine, Actor("张仓管", "warehouse"), "DOG-LEASH-M", 1, "到货", now=later.replace(hour=12))
    with engine.connect() as conn:
        timeline = order_detail.detail(conn, "clerk", shop["JD300000000004"]).timeline
    assert [(item["kind"], item.get("to_status")) for item in timeline] == [
        ("event", "paid"),
        ("event", "on_hold"),
        ("note", None),
        ("event", "paid"),
    ]
    assert timeline[2]["text"] == "买家来电催发货"


def test_a_phone_written_into_a_note_is_masked_in_the_timeline_of_roles_without_phones(shop, engine):
    order_detail.add_note(engine, Actor("陈售后", "service"), shop["JD300000000004"], "买家新号 13912345678", now=NOW)
    with engine.connect() as conn:
        order_id = shop["JD300000000004"]
        seen = {role: order_detail.detail(conn, role, order_id).timeline for role in ("clerk", "warehouse")}
    notes = {role: [item["text"] for item in timeline if item["kind"] == "note"] for role, timeline in seen.items()}
    assert notes == {"clerk": ["买家新号 13912345678"], "warehouse": ["买家新号 139****5678"]}


def test_notes_are_refused_for_roles_without_the_note_permission_and_when_empty(shop, engine):
    with pytest.raises(PermissionDenied):
        order_detail.add_note(engine, Actor("赵会计", "finance"), shop["TB20261120001"], "对账")
    with pytest.raises(InvalidInput):
        order_detail.add_note(engine, Actor("李客服", "clerk"), shop["TB20261120001"], "   ")


def test_an_unknown_order_number_is_a_not_found_sentence(shop, engine):
    with engine.connect() as conn, pytest.raises(NotFound, match="TB404 does not exist"):
        order_detail.find(conn, "TB404")


@pytest.mark.postgres
def test_batch_actions_and_detail_work_on_postgresql(pg_engine):
    ids = fill(pg_engine)
    result = batch.run(pg_engine, Actor("李客服", "clerk"), "ship", [ids["TB20261120001"]], now=NOW)
    with pg_engine.connect() as conn:
        found = order_detail.detail(conn, "finance", ids["TB20261120001"])
    assert result.done == ["TB20261120001"] and found.header["status"] == "shipped"
    assert found.header["phone"] == "138****1234" and found.amounts["profit_cents"] == 17800 - 2 * 5200
    assert [event["to_status"] for event in found.timeline] == ["paid", "shipped"]
