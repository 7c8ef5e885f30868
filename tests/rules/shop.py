"""Readable shop data for the rules area: a Taobao shop, pet-food SKUs in stock, order factories."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from core.identity.access import Actor
from core.intake.ingest import ingest
from core.model import PAID, SHIPPED, NormalisedOrder, OrderLine
from core.orders import workflow
from core.orders.tables import orders
from core.review import rules
from core.stock import reservations as stock
from core.stock.tables import skus
from core.store.db import transaction
from core.store.tables import channels

NOW = datetime(2026, 11, 26, 10, 0)
# Logic runs on SQLite; tests whose SQL differs by dialect (locks, grouping, windows) run on both.
on_both_engines = pytest.mark.parametrize("any_store", ["sqlite", "postgresql"], indirect=True)
SHOP = "萌宠旗舰店"
ADDRESS = {"province": "广东省", "city": "深圳市", "address": "南山区科技园南路88号3栋1201"}
CATALOGUE = {  # code: (unit cost in cents, stock on hand)
    "PET-FOOD-2KG": (4_000, 100),
    "CAT-TOY-MOUSE": (500, 50),
    "DOG-LEASH-RED": (1_500, 20),
}


def order(no: str, *lines: tuple, status: str = PAID, created_at: datetime | None = None, **fields) -> NormalisedOrder:
    """An order of (sku, qty, unit price in cents[, line discount]) lines, paid in full, by 张三 in 深圳."""
    goods = sum(line[1] * line[2] for line in lines)
    created = created_at or NOW - timedelta(minutes=30)
    values = {"buyer": "张三", "phone": "13800138000", **ADDRESS, "goods_cents": goods, "paid_cents": goods} | fields
    return NormalisedOrder(
        channel="taobao",
        channel_order_no=no,
        shop=SHOP,
        status=status,
        created_at=created,
        paid_at=created if status == PAID else None,
        lines=tuple(OrderLine(*line) for line in lines),
        **values,
    )


def stock_shop(engine, commission_bp: int = 500) -> None:
    """The channel with its commission, the catalogue with costs and stock, every review rule on."""
    with transaction(engine) as conn:
        conn.execute(insert(channels).values(code="taobao", name="淘宝", commission_bp=commission_bp))
        for code, (cost, on_hand) in CATALOGUE.items():
            conn.execute(insert(skus).values(sku=code, name=code, unit_cost_cents=cost, updated_at=NOW))
            stock.receive(conn, stock.sku_id(conn, code), on_hand, "test", "opening stock", NOW)
        rules.enable_all(conn, Actor("admin", "admin"), NOW)


def ship_history(engine, code: str, unit_price: int, count: int = 6) -> None:
    """Past shipped sales of a SKU at a price, so the rules know its usual price."""
    history = [
        order(f"H{code[:3]}{n:04d}", (code, 1, unit_price), buyer=f"老客{n}", created_at=NOW - timedelta(days=n + 1))
        for n in range(count)
    ]
    ingest(engine, history, now=NOW - timedelta(days=1))
    with transaction(engine) as conn:
        for past in history:
            workflow.advance(conn, workflow.order_id_by_no(conn, past.channel_order_no), SHIPPED, "仓库", now=NOW)


def status_of(engine, no: str) -> tuple[str, str | None]:
    with engine.connect() as conn:
        row = conn.execute(select(orders.c.status, orders.c.hold_reason).where(orders.c.channel_order_no == no)).one()
    return row.status, row.hold_reason


def id_of(engine, no: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(orders.c.id).where(orders.c.channel_order_no == no)).scalar_one()


SUPPLIER = "汪汪宠物食品厂"
