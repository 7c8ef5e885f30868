"""Ninety days of believable trade for a demo pet-supplies seller, written through core services.

History older than three days is ingested in its final state and then given its timeline
(payment, shipment with waybill, completion, returns) and ledger in bulk; the last three days
arrive as open orders through the real ingest and workflow, so reservations, holds for scarce
stock, shipments and outbox messages are all genuine. Other areas add their demo data by
appending a `seed(conn, rng, now)` function to SEEDERS.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from core import clock
from core.identity import users
from core.intake import ingest
from core.model import CANCELLED, COMPLETED, PAID, PENDING_PAYMENT, SHIPPED, NormalisedOrder, OrderLine
from core.orders import workflow
from core.orders.tables import order_events, orders
from core.stock.tables import skus, stock_movements
from core.store.db import transaction
from core.store.tables import channels, shops
from demo import catalog as cat
from demo import returns as returns_demo
from demo import rules as rules_demo

DAYS = 90
RECENT_DAYS = 3
HOUR_WEIGHTS = [2, 1, 0.6, 0.4, 0.3, 0.4, 1, 2, 4, 6, 8, 7, 6, 6, 7, 7, 6, 5, 5, 6, 9, 11, 10, 6]
WEEKDAY_FACTOR = [0.95, 0.92, 0.95, 1.0, 1.05, 1.2, 1.15]
SEEDERS: list[Callable[[Connection, random.Random, datetime], None]] = [users.seed, returns_demo.seed, rules_demo.seed]


@dataclass
class Fate:
    """What happened to a historical order after it was placed."""

    paid_at: datetime | None
    shipped_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    return_reason: str | None = None


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(orders)).scalar_one() == 0


def seed_demo(engine: Engine, now: datetime | None = None, seed: int = 20261126) -> dict[str, int]:
    """Fill an empty store with the demo shop; returns counts of what was made."""
    now = now or clock.now()
    rng = random.Random(seed)
    with transaction(engine) as conn:
        _catalogue(conn, now)
    history, recent = _split_by_age(rng, _place_orders(rng, now), now)
    fates = [_fate(rng, order, now) for order in history]
    ingest.ingest(engine, [_final_state(o, f) for o, f in zip(history, fates)], "demo", 2000, now, history=True)
    with transaction(engine) as conn:
        _play_history(conn, history, fates, rng)
        _stock_up(conn, rng, now)
    ingest.ingest(engine, sorted(recent, key=lambda o: o.created_at), "demo", 2000, now, history=True)
    with transaction(engine) as conn:
        _work_recent(conn, rng, now)
        for seeder in SEEDERS:
            seeder(conn, rng, now)
    return {"orders": len(history) + len(recent), "skus": len(cat.SKUS), "shops": len(cat.SHOPS)}


def _catalogue(conn: Connection, now: datetime) -> None:
    conn.execute(insert(channels), [{"code": c, "name": n, "commission_bp": bp} for c, n, bp in cat.CHANNELS])
    conn.execute(
        insert(shops),
        [
            {"name": n, "channel": c, "reserve_on": r, "payment_timeout_minutes": t, "shipping_cost_cents": s}
            for n, c, r, t, s, _ in cat.SHOPS
        ],
    )
    conn.execute(
        insert(skus),
        [
            {
                "sku": code,
                "name": name,
                "unit_cost_cents": cost,
                "supplier": cat.SUPPLIERS[sup],
                "safety_stock": 30 if weight >= 5 else 15,
                "updated_at": now,
            }
            for code, name, _, cost, sup, weight, _ in cat.SKUS
        ],
    )


def _daily_volume(day: datetime, start: datetime) -> float:
    """Orders on a day: weekday rhythm, slow growth, and the 双11 promotion spike."""
    base = 210 * (1 + 0.15 * (day - start).days / DAYS) * WEEKDAY_FACTOR[day.weekday()]
    promo = {(11, 11): 6.0, (11, 12): 1.6, (11, 10): 1.5}.get((day.month, day.day))
    if promo is None and (day.month, day.day) >= (10, 20) and (day.month, day.day) < (11, 10):
        promo = 1.3
    return base * (promo or 1.0)


def _place_orders(rng: random.Random, now: datetime) -> list[NormalisedOrder]:
    start = (now - timedelta(days=DAYS)).replace(hour=0, minute=0, second=0)
    placed = []
    for offset in range(DAYS + 1):
        day = start + timedelta(days=offset)
        count = int(rng.gauss(_daily_volume(day, start), 12))
        hours = HOUR_WEIGHTS if (day.month, day.day) != (11, 11) else [30, 18, 6] + HOUR_WEIGHTS[3:]
        for hour in rng.choices(range(24), hours, k=max(count, 0)):
            created = day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))
            if created < now - timedelta(minutes=5):
                placed.append(demo_order(rng, created))
    return placed


def demo_order(rng: random.Random, created: datetime) -> NormalisedOrder:
    """One believable order placed at the given time (the live demo feed uses it too)."""
    shop, channel, *_ = rng.choices(cat.SHOPS, [s[5] for s in cat.SHOPS])[0]
    province, _, cities = rng.choices(cat.PROVINCES, [p[1] for p in cat.PROVINCES])[0]
    city = rng.choice(cities)
    picks = rng.choices(cat.SKUS, [s[5] for s in cat.SKUS], k=rng.choices([1, 2, 3], [70, 22, 8])[0])
    lines = {code: OrderLine(code, rng.choices([1, 2, 3], [75, 18, 7])[0], price) for code, _, price, *_ in picks}
    goods = sum(line.qty * line.unit_price_cents for line in lines.values())
    promo = (created.month, created.day) in ((11, 11), (11, 10), (11, 12))
    platform_discount = int(goods * rng.uniform(0.1, 0.2)) if promo else int(goods * rng.choice([0, 0, 0, 0.03, 0.05]))
    coupon = rng.choice([500, 1000, 2000, 3000]) if rng.random() < (0.6 if promo else 0.2) else 0
    coupon = min(coupon, goods - platform_discount - 100)
    free = channel in cat.ALWAYS_FREE_SHIPPING or goods >= cat.FREE_SHIPPING_FROM
    shipping_fee = 0 if free else cat.SHIPPING_FEE
    return NormalisedOrder(
        channel=channel,
        channel_order_no=_order_no(rng, channel, created),
        shop=shop,
        status=PAID,
        created_at=created,
        paid_at=created + timedelta(seconds=rng.randrange(20, 900)),
        buyer=rng.choice(cat.SURNAMES) + rng.choice(cat.GIVEN),
        phone=rng.choice(cat.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
        province=province,
        city=city,
        address=_address(rng, province, city),
        goods_cents=goods,
        paid_cents=goods - platform_discount - max(coupon, 0) + shipping_fee,
        platform_discount_cents=platform_discount,
        seller_coupon_cents=max(coupon, 0),
        shipping_fee_cents=shipping_fee,
        buyer_remark=rng.choice(cat.BUYER_REMARKS) if rng.random() < 0.08 else "",
        seller_remark=rng.choice(cat.SELLER_REMARKS) if rng.random() < 0.03 else "",
        lines=tuple(lines.values()),
    )


def _order_no(rng: random.Random, channel: str, created: datetime) -> str:
    if channel == "taobao":
        return f"{rng.randrange(10**18, 4 * 10**18)}"
    if channel == "jd":
        return f"3{rng.randrange(10**10, 10**11)}"
    return f"{created:%y%m%d}-{rng.randrange(10**14, 10**15)}"


def _address(rng: random.Random, province: str, city: str) -> str:
    prefix = province if province in ("北京", "上海", "天津", "重庆", "香港", "澳门") else f"{province}省"
    if rng.random() < 0.015:  # the odd buyer who stops typing after the city
        return f"{prefix}{city}"
    return (
        f"{prefix}{city}{rng.choice(cat.DISTRICTS)}{rng.choice(cat.STREETS)}{rng.randrange(1, 999)}号"
        f"{rng.randrange(1, 30)}栋{rng.randrange(101, 2505)}室"
    )


def _split_by_age(rng: random.Random, placed: list[NormalisedOrder], now: datetime) -> tuple[list, list]:
    cutoff = now - timedelta(days=RECENT_DAYS)
    history = [o for o in placed if o.created_at < cutoff]
    return history, [_recent_state(rng, o, now) for o in placed if o.created_at >= cutoff]


def _recent_state(rng: random.Random, order: NormalisedOrder, now: datetime) -> NormalisedOrder:
    """Orders of the last hours may still await payment."""
    if now - order.created_at < timedelta(hours=2) and rng.random() < 0.35:
        return replace(order, status=PENDING_PAYMENT, paid_at=None, paid_cents=0)
    return order


def _fate(rng: random.Random, order: NormalisedOrder, now: datetime) -> Fate:
    roll = rng.random()
    if roll < 0.04:
        return Fate(None, cancelled_at=order.created_at + timedelta(minutes=rng.randrange(30, 1440)))
    if roll < 0.06:
        return Fate(order.paid_at, cancelled_at=order.paid_at + timedelta(hours=rng.uniform(0.5, 20)))
    backlog = 30 if (order.created_at.month, order.created_at.day) in ((11, 11), (11, 12)) else 0
    delay = rng.uniform(2, 30) + backlog if rng.random() > 0.08 else rng.uniform(48, 96)
    shipped = order.paid_at + timedelta(hours=delay)
    completed = shipped + timedelta(days=rng.uniform(3, 10))
    if completed > now:
        return Fate(order.paid_at, shipped)
    reason = None
    if rng.random() < 0.045:
        reason = rng.choices([r for r, _, _ in cat.RETURN_REASONS], [w for _, _, w in cat.RETURN_REASONS])[0]
    return Fate(order.paid_at, shipped, completed, return_reason=reason)


def _final_state(order: NormalisedOrder, fate: Fate) -> NormalisedOrder:
    if fate.cancelled_at:
        return replace(
            order, status=CANCELLED, paid_at=fate.paid_at, paid_cents=order.paid_cents if fate.paid_at else 0
        )
    return replace(order, status=COMPLETED if fate.completed_at else SHIPPED)


def _play_history(conn: Connection, history: list[NormalisedOrder], fates: list[Fate], rng: random.Random) -> None:
    """Timelines, waybills, returns, audit events and ship ledger rows for the old orders."""
    ids = dict(conn.execute(select(orders.c.channel_order_no, orders.c.id)).all())
    sku_ids = dict(conn.execute(select(skus.c.sku, skus.c.id)).all())
    updates, events, ledger = [], [], []
    for order, fate in zip(history, fates):
        order_id = ids[order.channel_order_no]
        waybill = f"{rng.choice(cat.CARRIERS)}{rng.randrange(10**11, 10**12)}" if fate.shipped_at else None
        updates.append(
            {
                "oid": order_id,
                "shipped_at": fate.shipped_at,
                "completed_at": fate.completed_at,
                "cancelled_at": fate.cancelled_at,
                "return_reason": fate.return_reason,
                "returned_at": fate.completed_at if fate.return_reason else None,
                "carrier": waybill[:2] if waybill else None,
                "tracking_no": waybill,
            }
        )
        events += _history_events(order_id, order, fate, rng)
        if fate.shipped_at:
            packer = events[-2 if fate.completed_at else -1]["actor"]
            ledger += [
                {
                    "sku_id": sku_ids[line.sku],
                    "delta": -line.qty,
                    "kind": "ship",
                    "reason": f"order {order_id}",
                    "order_id": order_id,
                    "actor": packer,
                    "at": fate.shipped_at,
                }
                for line in order.lines
            ]
    conn.execute(
        update(orders)
        .where(orders.c.id == bindparam("oid"))
        .values(
            shipped_at=bindparam("shipped_at"),
            completed_at=bindparam("completed_at"),
            cancelled_at=bindparam("cancelled_at"),
            return_reason=bindparam("return_reason"),
            returned_at=bindparam("returned_at"),
            carrier=bindparam("carrier"),
            tracking_no=bindparam("tracking_no"),
        ),
        updates,
    )
    conn.execute(insert(order_events), events)
    conn.execute(insert(stock_movements), ledger)


def _history_events(order_id: int, order: NormalisedOrder, fate: Fate, rng: random.Random) -> list[dict]:
    def event(at, src, dst, actor, reason=""):
        return {"order_id": order_id, "at": at, "actor": actor, "from_status": src, "to_status": dst, "reason": reason}

    steps = []
    if fate.paid_at:
        steps.append(event(fate.paid_at, PENDING_PAYMENT, PAID, "system", "paid on the platform"))
    if fate.cancelled_at:
        steps.append(
            event(
                fate.cancelled_at,
                PAID if fate.paid_at else PENDING_PAYMENT,
                CANCELLED,
                "system",
                "cancelled by the buyer",
            )
        )
    if fate.shipped_at:
        steps.append(event(fate.shipped_at, PAID, SHIPPED, rng.choice(cat.STAFF["warehouse"])))
    if fate.completed_at:
        steps.append(event(fate.completed_at, SHIPPED, COMPLETED, "system", "receipt confirmed"))
    return steps


def _stock_up(conn: Connection, rng: random.Random, now: datetime) -> None:
    """Purchase receipts over the quarter: enough for everything shipped plus today's stock."""
    shipped = Counter(
        dict(
            conn.execute(
                select(stock_movements.c.sku_id, -func.sum(stock_movements.c.delta)).group_by(stock_movements.c.sku_id)
            ).all()
        )
    )
    target = {"normal": (150, 500), "low": (20, 40), "scarce": (2, 6)}
    receipts = []
    for code, _, _, _, sup, _, profile in cat.SKUS:
        sku = conn.execute(select(skus.c.id).where(skus.c.sku == code)).scalar_one()
        total = shipped[sku] + rng.randint(*target[profile])
        parts = [0.45, 0.2, 0.25, 0.1]
        days_ago = [DAYS, 60, 25, 9]
        for share, ago in zip(parts, days_ago):
            receipts.append(
                {
                    "sku_id": sku,
                    "delta": 0,
                    "kind": "receive",
                    "reason": f"PO from {cat.SUPPLIERS[sup]}",
                    "actor": "仓库-老王",
                    "at": now - timedelta(days=ago, hours=rng.randrange(8)),
                }
            )
            receipts[-1]["delta"] = int(total * share)
        receipts[-1]["delta"] += total - sum(int(total * s) for s in parts)
    conn.execute(insert(stock_movements), receipts)
    ledger = select(func.sum(stock_movements.c.delta)).where(stock_movements.c.sku_id == skus.c.id).scalar_subquery()
    conn.execute(update(skus).values(on_hand=ledger, updated_at=now))


def _work_recent(conn: Connection, rng: random.Random, now: datetime) -> None:
    """The warehouse has shipped most paid orders older than a day; a few were cancelled."""
    open_paid = conn.execute(
        select(orders.c.id, orders.c.paid_at).where(orders.c.status == PAID).order_by(orders.c.paid_at)
    ).all()
    for order_id, paid_at in open_paid:
        age = now - paid_at
        if age > timedelta(hours=20) and rng.random() < 0.93:
            shipped_at = min(paid_at + timedelta(hours=rng.uniform(3, 20)), now)
            workflow.advance(conn, order_id, SHIPPED, rng.choice(cat.STAFF["warehouse"]), "", shipped_at)
        elif rng.random() < 0.01:
            workflow.advance(conn, order_id, CANCELLED, rng.choice(cat.STAFF["clerk"]), "buyer asked to cancel", now)
