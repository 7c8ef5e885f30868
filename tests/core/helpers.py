"""Builders for readable test data in the core tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from core.model import PAID, NormalisedOrder, OrderLine
from core.orders.tables import orders
from core.stock import reservations as stock
from core.stock.tables import reservations, skus
from core.store.db import transaction

T0 = datetime(2026, 11, 11, 0, 5)


def add_skus(engine: Engine, on_hand: dict[str, int]) -> dict[str, int]:
    """Create SKUs with the given stock (through the ledger); returns their ids."""
    with transaction(engine) as conn:
        conn.execute(insert(skus), [{"sku": code, "name": code, "updated_at": T0} for code in on_hand])
        ids = stock.sku_ids(conn, on_hand)
        for code, qty in on_hand.items():
            if qty:
                stock.receive(conn, ids[code], qty, "test", "initial count", T0)
    return ids


def order(no: str, *lines: tuple[str, int], status: str = PAID, minute: int = 0, **fields) -> NormalisedOrder:
    created = T0 + timedelta(minutes=minute)
    return NormalisedOrder(
        channel=fields.pop("channel", "taobao"),
        channel_order_no=no,
        shop=fields.pop("shop", "萌宠天猫旗舰店"),
        status=status,
        created_at=created,
        paid_at=created if status != "pending_payment" else None,
        buyer=fields.pop("buyer", "李娜"),
        phone=fields.pop("phone", "13812345678"),
        province=fields.pop("province", "广东"),
        city=fields.pop("city", "深圳市"),
        address=fields.pop("address", "广东省深圳市南山区科技园路1号"),
        goods_cents=8900,
        paid_cents=8900,
        lines=tuple(OrderLine(sku, qty, 8900) for sku, qty in lines),
        **fields,
    )


def order_row(engine: Engine, no: str):
    with engine.connect() as conn:
        return conn.execute(select(orders).where(orders.c.channel_order_no == no)).one()


def reserved_for(engine: Engine, no: str) -> dict[int, int]:
    with engine.connect() as conn:
        query = (
            select(reservations.c.sku_id, reservations.c.qty)
            .join(orders, orders.c.id == reservations.c.order_id)
            .where(orders.c.channel_order_no == no)
        )
        return dict(conn.execute(query).all())


def sku_state(engine: Engine, code: str):
    with engine.connect() as conn:
        return conn.execute(select(skus.c.on_hand, skus.c.reserved).where(skus.c.sku == code)).one()
