"""Readable after-sales test data and the helpers that put it into a store."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select

from core.aftersales.tables import service_agents, ticket_reasons, ticket_sla
from core.identity import users
from core.intake.ingest import ingest
from core.model import PAID, SHIPPED, NormalisedOrder, OrderLine
from core.orders import workflow
from core.stock import reservations as stock
from core.store.db import MIGRATIONS, transaction

MIGRATION = MIGRATIONS / "versions" / "aftersales_0001.py"
T0 = datetime(2026, 11, 26, 9, 30)
AGENTS = [
    ("wang.fang", "王芳", "wang.fang@shop.example", "chen.jie@shop.example"),
    ("li.na", "李娜", "li.na@shop.example", "chen.jie@shop.example"),
    ("zhao.lei", "赵磊", "zhao.lei@shop.example", "chen.jie@shop.example"),
]
STOCK = {"PET-FOOD-2KG": 50, "CAT-LITTER-10L": 30, "DOG-LEASH-M": 20, "DOG-LEASH-L": 20}


def add_agents(engine: Engine, rows=AGENTS) -> None:
    """Service users who log in, with their reminder addresses."""
    with transaction(engine) as conn:
        for username, name, _, _ in rows:
            users.create(conn, username, "service", "service-test-pass", name=name, now=T0, rounds=4)
        conn.execute(
            insert(service_agents),
            [{"username": u, "display_name": n, "email": e, "manager_email": m} for u, n, e, m in rows],
        )


def reference_data(engine: Engine) -> None:
    """The reasons and SLA the migration seeds, put back when a fixture emptied every table."""
    spec = importlib.util.spec_from_file_location("aftersales_0001", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with transaction(engine) as conn:
        if conn.execute(select(ticket_sla.c.type)).first() is None:
            conn.execute(insert(ticket_reasons), [
                {"code": c, "label_zh": zh, "label_en": en, "position": i}
                for i, (c, zh, en) in enumerate(migration.DEFAULT_REASONS)
            ])  # fmt: skip
            conn.execute(insert(ticket_sla), [
                {"type": t, "first_response_hours": f, "resolution_hours": r, "warn_hours": w}
                for t, f, r, w in migration.DEFAULT_SLA
            ])  # fmt: skip


def stocked(engine: Engine) -> Engine:
    reference_data(engine)
    with transaction(engine) as conn:
        ids = stock.ensure_skus(conn, STOCK, T0 - timedelta(days=30))
        for code, qty in STOCK.items():
            stock.receive(conn, ids[code], qty, "warehouse", "opening stock", T0 - timedelta(days=30))
    add_agents(engine)
    return engine


ShippedOrder = Callable[..., int]


def order_maker(engine: Engine) -> ShippedOrder:
    def make(order_no: str, lines: dict[str, int], phone: str = "13812345678", at: datetime = T0) -> int:
        """A Taobao order paid and shipped two days before `at`."""
        placed = at - timedelta(days=3)
        order = NormalisedOrder(
            channel="taobao", channel_order_no=order_no, shop="宠物生活旗舰店", status=PAID,
            created_at=placed, paid_at=placed, buyer="张伟", phone=phone, province="广东", city="深圳市",
            address="广东省深圳市南山区科技园路1号", goods_cents=sum(lines.values()) * 5900,
            paid_cents=sum(lines.values()) * 5900,
            lines=tuple(OrderLine(sku, qty, 5900) for sku, qty in lines.items()),
        )  # fmt: skip
        ingest(engine, [order], actor="test", now=placed)
        with transaction(engine) as conn:
            order_id = workflow.order_id_by_no(conn, order_no)
            workflow.advance(conn, order_id, SHIPPED, "warehouse", now=at - timedelta(days=2))
        return order_id

    return make
