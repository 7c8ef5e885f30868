"""One order as a role may see it: header, lines, amounts and profit, timeline of events and notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection, Engine

from core import clock
from core.errors import InvalidInput, NotFound
from core.identity import access
from core.identity.access import Actor
from core.orders import figures, profit, queue
from core.orders.tables import order_events, order_lines, order_notes, orders
from core.stock.tables import skus
from core.store.db import transaction
from core.store.tables import shops

HEADER = (
    "id",
    "channel_order_no",
    "channel",
    "status",
    "hold_reason",
    "buyer",
    "phone",
    "province",
    "city",
    "address",
    "country",
    "created_at",
    "paid_at",
    "shipped_at",
    "completed_at",
    "cancelled_at",
    "carrier",
    "tracking_no",
    "buyer_remark",
    "seller_remark",
)
MAX_NOTE = 1000


@dataclass(frozen=True)
class OrderDetail:
    header: dict
    lines: list[dict]
    amounts: dict
    timeline: list[dict]
    shortages: list[queue.Shortage]


def find(conn: Connection, order_no: str) -> int:
    """The id of the order with this channel order number (the oldest, should two channels share it)."""
    order_no = order_no.strip()
    query = select(orders.c.id).where(orders.c.channel_order_no == order_no).order_by(orders.c.id).limit(1)
    found = conn.execute(query).scalar()
    if found is None:
        raise NotFound(key="error.order_not_found", params={"order_no": order_no})
    return found


def detail(conn: Connection, role: str, order_id: int) -> OrderDetail:
    order = (
        conn.execute(
            select(orders, shops.c.name.label("shop"))
            .join(shops, shops.c.id == orders.c.shop_id)
            .where(orders.c.id == order_id)
        )
        .mappings()
        .first()
    )
    if order is None:
        raise NotFound(key="error.order_id_not_found", params={"order_id": order_id})
    lines = _lines(conn, order_id)
    header = {column: order[column] for column in HEADER} | {"shop": order["shop"]}
    return OrderDetail(
        header=access.mask_rows(role, [header])[0],
        lines=access.mask_rows(role, lines),
        amounts=access.mask_rows(role, [_amounts(order, profit.order_profit(conn, order_id), _refund(conn, order_id))])[
            0
        ],
        timeline=access.mask_rows(role, _timeline(conn, order_id)),
        shortages=queue.hold_shortages(conn, [order_id]).get(order_id, []),
    )


def add_note(engine: Engine, actor: Actor, order_id: int, text: str, now: datetime | None = None) -> None:
    access.authorize(actor, "add_note")
    text = text.strip()
    if not text:
        raise InvalidInput(key="error.note_empty")
    if len(text) > MAX_NOTE:
        raise InvalidInput(key="error.note_too_long", params={"most": MAX_NOTE})
    with transaction(engine) as conn:
        if conn.execute(select(orders.c.id).where(orders.c.id == order_id)).first() is None:
            raise NotFound(key="error.order_id_not_found", params={"order_id": order_id})
        conn.execute(insert(order_notes).values(order_id=order_id, at=now or clock.now(), author=actor, text=text))


def _lines(conn: Connection, order_id: int) -> list[dict]:
    query = (
        select(
            skus.c.sku,
            skus.c.name,
            order_lines.c.qty,
            order_lines.c.unit_price_cents,
            order_lines.c.discount_cents,
            skus.c.unit_cost_cents,
        )
        .join(skus, skus.c.id == order_lines.c.sku_id)
        .where(order_lines.c.order_id == order_id)
        .order_by(skus.c.sku)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def _amounts(order, earned: profit.Profit, refund_cents: int) -> dict:
    """What the buyer paid (and got back) and what the order earned after goods cost, commission
    and shipping."""
    return {
        "goods_cents": order["goods_cents"],
        "platform_discount_cents": earned.platform_discount_cents,
        "seller_coupon_cents": earned.seller_coupon_cents,
        "shipping_fee_cents": order["shipping_fee_cents"],
        "paid_cents": earned.paid_cents,
        "refund_cents": refund_cents,
        "cost_cents": earned.goods_cost_cents,
        "commission_cents": earned.commission_cents,
        "shipping_cost_cents": earned.shipping_cost_cents,
        "profit_cents": earned.profit_cents,
    }


def _refund(conn: Connection, order_id: int) -> int:
    """The order's refund as core.orders.figures counts it (the channel's or our tickets', the larger)."""
    query = f"SELECT {figures.order_refund()} FROM {figures.with_refunds()} WHERE o.id = :order_id"
    return conn.execute(text(query), {"order_id": order_id}).scalar_one()


def _timeline(conn: Connection, order_id: int) -> list[dict]:
    """Status changes from the audit table and notes, oldest first."""
    events = conn.execute(
        select(
            order_events.c.at,
            order_events.c.actor,
            order_events.c.from_status,
            order_events.c.to_status,
            order_events.c.reason,
        )
        .where(order_events.c.order_id == order_id)
        .order_by(order_events.c.id)
    ).mappings()
    notes = conn.execute(
        select(order_notes.c.at, order_notes.c.author.label("actor"), order_notes.c.text)
        .where(order_notes.c.order_id == order_id)
        .order_by(order_notes.c.id)
    ).mappings()
    merged = [{"kind": "event", **row} for row in events] + [{"kind": "note", **row} for row in notes]
    return sorted(merged, key=lambda item: item["at"])
