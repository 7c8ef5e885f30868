"""The store's invariants, checked after every copy and by the tests: stock's own (core.stock) and
the orders waiting for it, which must be exactly the orders held for stock."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from core.orders.status import HELD_FOR_STOCK
from core.orders.tables import order_lines, orders, stock_waits
from core.stock.reservations import stock_violations


def invariant_violations(conn: Connection) -> list[str]:
    """Every broken invariant, as sentences; empty when the store is consistent."""
    return stock_violations(conn) + _waits_drift(conn)


def _waits_drift(conn: Connection) -> list[str]:
    """stock_waits, kept by core.orders.status, must list exactly the lines of the orders held for
    stock, each with its order's created_at."""
    held_lines = (
        select(order_lines.c.sku_id, order_lines.c.order_id, orders.c.created_at)
        .join(orders, orders.c.id == order_lines.c.order_id)
        .where(*HELD_FOR_STOCK)
    )
    waits = select(stock_waits.c.sku_id, stock_waits.c.order_id, stock_waits.c.created_at)
    missing = conn.execute(held_lines.except_(waits).limit(5)).all()
    extra = conn.execute(waits.except_(held_lines).limit(5)).all()
    return [f"order {o} held for stock but not waiting for SKU id {sku} as of {at}" for sku, o, at in missing] + [
        f"order {o} listed as waiting for SKU id {sku} as of {at} but not held for it" for sku, o, at in extra
    ]
