"""Demo data for rules and purchasing: supplier terms, stored rule settings, a blacklist entry,
purchase orders in several states and the review of every open order (so the queue is not empty)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from core.identity.access import Actor
from core.orders.tables import orders
from core.restock import purchase_orders, purchasing, supplier_link
from core.restock.tables import suppliers
from core.review import review, rules
from core.review.review_facts import OPEN_STATUSES

# Who made the demo configuration: the administrator, and a purchasing manager for the POs.
ADMIN = Actor("admin", "admin")
BUYER = Actor("采购-小周", "manager")

# name, e-mail, lead time (days), pack size, minimum order
SUPPLIER_TERMS = [
    ("华南宠粮有限公司", "order@huanan-petfood.example", 7, 12, 24),
    ("义乌乐宠玩具厂", "sales@yiwu-lechong.example", 10, 50, 200),
    ("宁波宠物用品贸易", "po@ningbo-petsupply.example", 5, 6, 12),
    ("青岛海洋宠物食品", "trade@qingdao-ocean.example", 14, 24, 48),
]


def seed(conn: Connection, rng: random.Random, now: datetime) -> None:
    """Called by demo.shop after the orders exist (listed in SEEDERS)."""
    for name, email, lead, pack, moq in SUPPLIER_TERMS:
        purchasing.save_supplier(conn, name, email, lead, pack, moq, ADMIN, now - timedelta(days=60))
    rules.save_rule(conn, "price_deviation", True, {"max_deviation_pct": 40}, ADMIN, now - timedelta(days=30))
    rules.enable_all(conn, ADMIN, now - timedelta(days=30))
    rules.add_to_blacklist(conn, "buyer", "职业差评师", "多次恶意差评后仅退款", ADMIN, now - timedelta(days=20))
    _purchase_orders(conn, rng, now)
    open_ids = conn.execute(select(orders.c.id).where(orders.c.status.in_(OPEN_STATUSES))).scalars().all()
    review.review_orders(conn, open_ids, "rules", now)


def _purchase_orders(conn: Connection, rng: random.Random, now: datetime) -> None:
    """One PO per supplier that needs one: the first confirmed by its supplier, one with a proposal."""
    due = purchasing.suggest(conn, now)
    names = [name for name in conn.execute(select(suppliers.c.name).order_by(suppliers.c.id)).scalars() if name in due]
    for index, name in enumerate(names[:3]):
        wanted = {s.sku: s.qty for s in due[name]}
        _, link = purchase_orders.create_purchase_order(conn, name, BUYER, now - timedelta(days=2), wanted)
        token = link.split("token=", 1)[1]
        arrival = date.fromordinal(now.date().toordinal() + rng.randint(3, 9))
        if index == 0:
            supplier_link.respond(conn, token, wanted, arrival, "", now - timedelta(days=1))
        elif index == 1:
            fewer = {sku: qty // 2 for sku, qty in wanted.items()}
            supplier_link.respond(conn, token, fewer, arrival, "部分缺货，先发一半", now - timedelta(days=1))
