"""Stock as people see it: levels with low-stock flags, audited adjustments, and counted-stock imports."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
from charset_normalizer import from_bytes
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from core import clock
from core.errors import InvalidInput
from core.identity import access
from core.identity.access import Actor
from core.orders import stock_resume, workflow
from core.orders.tables import orders
from core.restock import catalog, purchase_orders
from core.stock import reservations as stock
from core.stock.tables import stock_movements
from core.store.db import transaction

# Stock-count files as sellers' ERPs and spreadsheets name the columns; core.restock.catalog takes it from there.
COUNT_COLUMNS = {
    "sku": ("sku", "SKU", "商家编码", "货号"),
    "on_hand": ("on_hand", "counted", "qty", "数量", "盘点数量", "实盘数量"),
}


def levels(conn: Connection, role: str, search: str = "", low_only: bool = False) -> list[dict]:
    """Every SKU with on hand / reserved / available and its low-stock flag, as the role may see it."""
    text = search.strip().lower()
    arriving = _arriving(conn)
    rows = [
        row | dict(zip(("arriving", "expected_at"), arriving.get(row["sku"], (0, None))))
        for row in catalog.stock_levels(conn)
        if (not text or text in row["sku"].lower() or text in row["name"].lower()) and (row["low"] or not low_only)
    ]
    return access.mask_rows(role, rows)


def _arriving(conn: Connection) -> dict[str, tuple[int, object]]:
    """Per SKU: units still to come on open purchase orders, and the earliest expected date."""
    totals: dict[str, tuple[int, object]] = {}
    for due in purchase_orders.expected_arrivals(conn):
        qty, first = totals.get(due["sku"], (0, None))
        dates = [d for d in (first, due["expected_at"]) if d is not None]
        totals[due["sku"]] = (qty + due["qty"], min(dates) if dates else None)
    return totals


def movements(conn: Connection, sku_code: str, limit: int = 50) -> list[dict]:
    """The latest ledger rows of a SKU, newest first (who changed what, and why)."""
    query = (
        select(
            stock_movements.c.at,
            stock_movements.c.kind,
            stock_movements.c.delta,
            stock_movements.c.reason,
            stock_movements.c.actor,
        )
        .where(stock_movements.c.sku_id == stock.sku_id(conn, sku_code))
        .order_by(stock_movements.c.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def adjust(
    engine: Engine, actor: Actor, sku_code: str, delta: int, reason: str, now: datetime | None = None
) -> list[str]:
    """A counted correction, audited in the ledger; held orders are retried when stock grows.
    Returns the numbers of the orders it resumed."""
    access.authorize(actor, "adjust_stock")
    with transaction(engine) as conn:
        sku = stock.sku_id(conn, sku_code)
        with stock_resume.resuming_held(conn, [sku] if delta > 0 else [], now) as resumed:
            stock.adjust(conn, sku, delta, reason, actor, now or clock.now())
        return order_numbers(conn, resumed)


def receive(
    engine: Engine, actor: Actor, sku_code: str, qty: int, reason: str = "", now: datetime | None = None
) -> list[str]:
    """Goods in outside a purchase order, through the ledger; held orders are retried oldest first.
    Returns the numbers of the orders it resumed."""
    access.authorize(actor, "adjust_stock")
    with transaction(engine) as conn:
        sku = stock.sku_id(conn, sku_code)
        with workflow.resuming_held(conn, [sku], now) as resumed:
            stock.receive(conn, sku, qty, actor, reason, now or clock.now())
        return order_numbers(conn, resumed)


def release_fitting(engine: Engine, actor: Actor, now: datetime | None = None) -> list[str]:
    """放行所有库存已够的订单: every order held for stock that the stock now covers, resumed at once
    and audited under the actor. Returns their numbers."""
    access.authorize(actor, "change_status")
    with transaction(engine) as conn:
        return order_numbers(conn, stock_resume.release_fitting_held(conn, actor, now))


def order_numbers(conn: Connection, order_ids: list[int]) -> list[str]:
    """The orders' numbers, oldest first, to say which orders a change moved."""
    if not order_ids:
        return []
    query = select(orders.c.channel_order_no).where(orders.c.id.in_(order_ids))
    return list(conn.execute(query.order_by(orders.c.created_at, orders.c.id)).scalars())


def read_counts(content: bytes) -> list[dict[str, str]]:
    """A stock-count CSV or XLSX (any common encoding, Chinese headers accepted) as rows of text."""
    try:
        if content[:2] == b"PK":
            frame = pd.read_excel(io.BytesIO(content), dtype=str)
        else:
            best = from_bytes(content).best()
            frame = pd.read_csv(io.StringIO(str(best) if best else content.decode("utf-8")), dtype=str)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(key="error.stock_file_unreadable", params={"detail": exc}) from exc
    frame = frame.rename(columns={name: key for key, names in COUNT_COLUMNS.items() for name in names})
    if set(COUNT_COLUMNS) - set(frame.columns):
        raise InvalidInput(key="error.stock_file_columns")
    return frame.fillna("").to_dict("records")


def import_counts(engine: Engine, actor: Actor, rows: list[dict[str, str]], source: str) -> catalog.StockImportSummary:
    """Set on hand to the counted figures through the ledger (core.restock.catalog checks who may)."""
    return catalog.import_stock(engine, rows, actor, source)
