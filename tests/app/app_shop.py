"""A small, readable shop for the app's tests: two shops, three SKUs, orders in every state, one user per role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.identity import users
from core.identity.access import ROLES
from core.intake import ingest
from core.model import NormalisedOrder, OrderLine
from core.orders.tables import orders
from core.stock import reservations as stock
from core.store.db import transaction

NOW = datetime(2026, 11, 26, 9, 30)
PHONES = ("13812341234", "13955556666", "15000001111", "18622223333", "13700004444")
PASSWORD = "secret-pass-1"


def order(
    no: str,
    status: str,
    buyer: str,
    phone: str,
    lines: list[tuple[str, int, int]],
    day: int = 20,
    channel: str = "taobao",
    shop: str = "宠物之家旗舰店",
    province: str = "广东",
    city: str = "深圳",
) -> NormalisedOrder:
    goods = sum(qty * price for _, qty, price in lines)
    return NormalisedOrder(
        channel=channel,
        channel_order_no=no,
        shop=shop,
        status=status,
        created_at=datetime(2026, 11, day, 10, 0),
        paid_at=datetime(2026, 11, day, 10, 5) if status == "paid" else None,
        buyer=buyer,
        phone=phone,
        province=province,
        city=city,
        address=f"{province}省{city}市南山区科技园路{day}号",
        goods_cents=goods,
        paid_cents=goods,
        lines=tuple(OrderLine(sku, qty, price) for sku, qty, price in lines),
    )


SHOP_ORDERS = [
    order("TB20261120001", "paid", "张伟", PHONES[0], [("PET-FOOD-2KG", 2, 8900)], day=20),
    order("TB20261121002", "pending_payment", "王芳", PHONES[1], [("CAT-LITTER-10L", 1, 4500)], day=21),
    order(
        "TB20261122003",
        "paid",
        "李娜",
        PHONES[2],
        [("PET-FOOD-2KG", 1, 8900), ("CAT-LITTER-10L", 2, 4500)],
        day=22,
        province="浙江",
        city="杭州",
    ),
    order(
        "JD300000000004",
        "paid",
        "刘洋",
        PHONES[3],
        [("DOG-LEASH-M", 1, 3900)],
        day=23,
        channel="jd",
        shop="京东宠物专营店",
        province="北京",
        city="北京",
    ),
    order(
        "JD300000000005",
        "paid",
        "陈静",
        PHONES[4],
        [("PET-FOOD-2KG", 1, 8900)],
        day=24,
        channel="jd",
        shop="京东宠物专营店",
        province="上海",
        city="上海",
    ),
]
STOCK = {"PET-FOOD-2KG": 20, "CAT-LITTER-10L": 10, "DOG-LEASH-M": 0}
COSTS = {"PET-FOOD-2KG": 5200, "CAT-LITTER-10L": 2100, "DOG-LEASH-M": 1500}


def fill(engine) -> dict[str, int]:
    """Stock the SKUs, ingest the orders (DOG-LEASH-M has none, so JD…004 is held), add users."""
    with transaction(engine) as conn:
        ids = stock.ensure_skus(conn, STOCK, NOW)
        for code, qty in STOCK.items():
            if qty:
                stock.receive(conn, ids[code], qty, "test", "opening stock", NOW)
            conn.execute(
                stock.skus.update()
                .where(stock.skus.c.id == ids[code])
                .values(unit_cost_cents=COSTS[code], safety_stock=3, name=code.replace("-", " ").title())
            )
        for role in ROLES:
            users.create(conn, role, role, PASSWORD, name=users.DEMO_NAMES[role], now=NOW, rounds=4)
    ingest.ingest(engine, SHOP_ORDERS, now=NOW)
    with engine.connect() as conn:
        return dict(conn.execute(select(orders.c.channel_order_no, orders.c.id)).all())
