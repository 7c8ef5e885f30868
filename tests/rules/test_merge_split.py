"""Merge and split keep stock reservations, money and the audit trail exact."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from core.errors import IllegalTransition, InvalidInput
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.orders import store_checks
from core.orders.tables import order_events, order_lines, orders
from core.review.tables import order_exceptions
from core.shipping import merge
from core.stock import reservations as stock
from core.stock.tables import reservations
from core.store.db import transaction
from tests.rules.shop import NOW, id_of, on_both_engines, order, status_of, stock_shop


@pytest.fixture
def shop(any_store):
    stock_shop(any_store)
    return any_store


def totals(conn) -> tuple[int, int, int]:
    """Money on orders, value of all lines, units reserved: what merge and split must conserve."""
    paid = conn.execute(select(func.sum(orders.c.paid_cents))).scalar_one()
    lines = conn.execute(
        select(func.sum(order_lines.c.qty * order_lines.c.unit_price_cents - order_lines.c.discount_cents))
    ).scalar_one()
    reserved = conn.execute(select(func.sum(reservations.c.qty))).scalar_one()
    return paid, lines, reserved


@on_both_engines
def test_two_orders_of_one_buyer_merge_ship_under_one_tracking_number_and_keep_stock_exact(shop):
    ingest(shop, [order("3312300000001", ("PET-FOOD-2KG", 2, 9_900))], now=NOW)
    ingest(shop, [order("3312300000002", ("CAT-TOY-MOUSE", 3, 1_990))], now=NOW)
    assert status_of(shop, "3312300000002") == ("on_hold", "review")  # flagged as a merge candidate
    first, second = id_of(shop, "3312300000001"), id_of(shop, "3312300000002")
    with transaction(shop) as conn:
        before = totals(conn)
        assert merge.merge(conn, [second, first], Actor("clerk-li", "clerk"), NOW) == first
        assert totals(conn) == before and store_checks.invariant_violations(conn) == []
        assert merge.shipment_of(conn, second) == [first, second]
        assert conn.execute(select(order_exceptions.c.status)).scalars().all() == ["fixed"]
        merge.ship_shipment(conn, second, "仓库", now=NOW)
        shipped = conn.execute(select(orders.c.status, orders.c.tracking_no).where(orders.c.id.in_([first, second])))
        assert {tuple(row) for row in shipped} == {("shipped", f"SF{first:012d}")}
        assert store_checks.invariant_violations(conn) == []
        assert stock.available(conn, stock.sku_id(conn, "PET-FOOD-2KG")) == 98
        reasons = conn.execute(select(order_events.c.reason).where(order_events.c.order_id == second)).scalars().all()
    assert "merged into one shipment: 3312300000001, 3312300000002" in reasons


def test_orders_to_different_addresses_or_unpaid_orders_cannot_be_merged(shop):
    ingest(
        shop,
        [
            order("3312300000003", ("PET-FOOD-2KG", 1, 9_900)),
            order("3312300000004", ("PET-FOOD-2KG", 1, 9_900), address="福田区深南大道1号"),
            order("3312300000005", ("PET-FOOD-2KG", 1, 9_900), status="pending_payment", buyer="李四"),
            order("3312300000006", ("PET-FOOD-2KG", 1, 9_900), buyer="李四"),
        ],
        now=NOW,
    )
    with transaction(shop) as conn:
        with pytest.raises(InvalidInput, match="same shop, buyer and address"):
            merge.merge(
                conn, [id_of(shop, "3312300000003"), id_of(shop, "3312300000004")], Actor("clerk-li", "clerk"), NOW
            )
        with pytest.raises(IllegalTransition):
            merge.merge(
                conn, [id_of(shop, "3312300000005"), id_of(shop, "3312300000006")], Actor("clerk-li", "clerk"), NOW
            )
        with pytest.raises(InvalidInput, match="two different"):
            merge.merge(conn, [id_of(shop, "3312300000003")], Actor("clerk-li", "clerk"), NOW)


def test_unmerging_a_primary_dissolves_the_shipment(shop):
    ingest(shop, [order("3312300000007", ("PET-FOOD-2KG", 1, 9_900))], now=NOW)
    ingest(shop, [order("3312300000008", ("PET-FOOD-2KG", 1, 9_900))], now=NOW)
    ids = [id_of(shop, "3312300000007"), id_of(shop, "3312300000008")]
    with transaction(shop) as conn:
        merge.unmerge(conn, merge.merge(conn, ids, Actor("clerk-li", "clerk"), NOW), Actor("clerk-li", "clerk"), NOW)
        assert [merge.shipment_of(conn, i) for i in ids] == [[ids[0]], [ids[1]]]


@on_both_engines
def test_splitting_part_of_a_line_moves_its_reservation_and_conserves_money(shop):
    ingest(shop, [order("3312300000009", ("PET-FOOD-2KG", 5, 9_900, 301), ("CAT-TOY-MOUSE", 2, 1_990))], now=NOW)
    parent = id_of(shop, "3312300000009")
    with transaction(shop) as conn:
        before = totals(conn)
        child = merge.split(conn, parent, {"PET-FOOD-2KG": 2}, Actor("clerk-li", "clerk"), NOW)
        assert totals(conn) == before and store_checks.invariant_violations(conn) == []
        held = dict(
            conn.execute(
                select(reservations.c.order_id, reservations.c.qty).where(
                    reservations.c.sku_id == stock.sku_id(conn, "PET-FOOD-2KG")
                )
            ).all()
        )
        assert held == {parent: 3, child: 2}
        part = conn.execute(select(orders).where(orders.c.id == child)).one()
        assert (part.channel_order_no, part.status, part.paid_cents, part.buyer) == (
            "3312300000009-1",
            "paid",
            0,
            "张三",
        )
        assert merge.parts_of(conn, parent) == [child]
        discounts = conn.execute(
            select(order_lines.c.order_id, order_lines.c.discount_cents).where(
                order_lines.c.sku_id == stock.sku_id(conn, "PET-FOOD-2KG")
            )
        ).all()
        assert dict(discounts) == {parent: 181, child: 120}  # 301 pro rata: 2/5 moves, the remainder stays


def test_a_paid_order_short_of_one_sku_is_split_so_the_rest_ships_now(shop):
    ingest(shop, [order("3312300000010", ("PET-FOOD-2KG", 1, 9_900), ("DOG-LEASH-RED", 30, 3_900))], now=NOW)
    assert status_of(shop, "3312300000010") == ("on_hold", "insufficient_stock")
    with transaction(shop) as conn:
        child = merge.split(conn, id_of(shop, "3312300000010"), {"DOG-LEASH-RED": 30}, Actor("clerk-li", "clerk"), NOW)
        assert store_checks.invariant_violations(conn) == []
        child_no = conn.execute(select(orders.c.channel_order_no).where(orders.c.id == child)).scalar_one()
    assert status_of(shop, "3312300000010") == ("paid", None)
    assert status_of(shop, child_no) == ("on_hold", "insufficient_stock")


def test_a_split_must_leave_something_and_only_move_what_the_order_has(shop):
    ingest(shop, [order("3312300000011", ("PET-FOOD-2KG", 2, 9_900))], now=NOW)
    parent = id_of(shop, "3312300000011")
    with transaction(shop) as conn:
        for moving in ({"PET-FOOD-2KG": 2}, {"PET-FOOD-2KG": 3}, {"CAT-TOY-MOUSE": 1}, {"PET-FOOD-2KG": 0}):
            with pytest.raises(InvalidInput):
                merge.split(conn, parent, moving, Actor("clerk-li", "clerk"), NOW)


@on_both_engines
def test_cancelling_a_split_order_on_the_platform_cancels_its_parts_and_frees_their_stock(shop):
    placed = order("3312300000012", ("PET-FOOD-2KG", 3, 9_900), ("CAT-TOY-MOUSE", 2, 1_990))
    ingest(shop, [placed], now=NOW)
    with transaction(shop) as conn:
        merge.split(conn, id_of(shop, "3312300000012"), {"CAT-TOY-MOUSE": 2}, Actor("clerk-li", "clerk"), NOW)
    ingest(shop, [replace(placed, status="cancelled", platform_updated_at=NOW)], now=NOW)
    assert status_of(shop, "3312300000012")[0] == status_of(shop, "3312300000012-1")[0] == "cancelled"
    with shop.connect() as conn:
        assert store_checks.invariant_violations(conn) == []
        assert stock.available(conn, stock.sku_id(conn, "CAT-TOY-MOUSE")) == 50
