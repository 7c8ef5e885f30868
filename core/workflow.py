"""Order workflow: one table of allowed transitions and one function that applies them.

A transition's stock effect, its audit row and its bound actions (outbox messages, tracking
number) happen in the caller's transaction, so they commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, true, tuple_, update
from sqlalchemy.engine import Connection, Engine, Row

from core import clock, outbox, stock
from core.db import order_events, order_lines, orders, reservations, shops, transaction
from core.errors import IllegalTransition, InsufficientStock, NotFound
from core.model import (
    CANCELLED,
    COMPLETED,
    HOLD_INSUFFICIENT_STOCK,
    HOLD_MANUAL,
    ON_HOLD,
    PAID,
    PENDING_PAYMENT,
    SHIPPED,
)

ALLOWED: dict[str, set[str]] = {
    PENDING_PAYMENT: {PAID, CANCELLED, ON_HOLD},
    PAID: {SHIPPED, CANCELLED, ON_HOLD},
    SHIPPED: {COMPLETED},
    COMPLETED: set(),
    CANCELLED: set(),
    # Resuming goes back to the status the order was held from (checked in advance()).
    ON_HOLD: {PENDING_PAYMENT, PAID, CANCELLED},
}

TIMESTAMP_OF = {PAID: "paid_at", SHIPPED: "shipped_at", COMPLETED: "completed_at", CANCELLED: "cancelled_at"}
DEFAULT_CARRIER = "SF"


def advance(
    conn: Connection,
    order_id: int,
    to_status: str,
    actor: str,
    reason: str = "",
    now: datetime | None = None,
    tracking_no: str | None = None,
) -> str:
    """Move the order to to_status with its stock effect, audit row and bound actions.

    Returns the status the order ends in: payment of an order whose stock cannot be
    reserved ends on hold (the buyer has paid on the platform; we must not oversell).
    """
    now = now or clock.now()
    order = _load(conn, order_id)
    _check_allowed(order, to_status)
    values: dict = {"status": to_status, "updated_at": now}
    if to_status in TIMESTAMP_OF and getattr(order, TIMESTAMP_OF[to_status]) is None:
        values[TIMESTAMP_OF[to_status]] = now
    if to_status == ON_HOLD:
        values |= {"status_before_hold": order.status, "hold_reason": reason or HOLD_MANUAL}
    elif order.status == ON_HOLD:
        values |= {"status_before_hold": None, "hold_reason": None}
    if to_status in (PENDING_PAYMENT, PAID) and needs_reservation(conn, order, to_status):
        try:
            stock.reserve(conn, order_id, demand_of(conn, order_id), now)
        except InsufficientStock as shortage:
            if order.status == ON_HOLD:
                raise
            values |= {"status": ON_HOLD, "status_before_hold": to_status, "hold_reason": HOLD_INSUFFICIENT_STOCK}
            reason = str(shortage)
    freed = _stock_effect(conn, order, to_status, actor, now)
    if to_status == SHIPPED:
        values |= {"tracking_no": tracking_no or order.tracking_no or tracking_number_for(order_id)}
        values.setdefault("carrier", order.carrier or DEFAULT_CARRIER)
    conn.execute(update(orders).where(orders.c.id == order_id).values(**values))
    record_event(conn, order_id, order.status, values["status"], actor, reason, now)
    _fire_actions(conn, order, values, now)
    if freed:
        retry_held(conn, freed, now)
    return values["status"]


def hold(conn: Connection, order_id: int, actor: str, reason: str = HOLD_MANUAL, now: datetime | None = None) -> str:
    return advance(conn, order_id, ON_HOLD, actor, reason, now)


def resume(conn: Connection, order_id: int, actor: str, now: datetime | None = None) -> str:
    """Take an order off hold, back to the status it was held from (reserving its stock)."""
    order = _load(conn, order_id)
    if order.status != ON_HOLD:
        raise IllegalTransition(order.channel_order_no, order.status, "resume")
    return advance(conn, order_id, order.status_before_hold, actor, "resumed", now)


def retry_held(conn: Connection, sku_ids: Iterable[int], now: datetime | None = None) -> list[int]:
    """Stock came back for these SKUs: resume orders held for stock, oldest first.

    Only an order whose whole demand fits in what is available now is tried, and the walk
    stops once none of the freed SKUs has anything left: a cancellation giving back two units
    must not try each of thousands of orders held in a sell-out.
    """
    now = now or clock.now()
    freed = sorted(set(sku_ids))
    left = stock.available_many(conn, freed)
    resumed = []
    for order_id, demand in _held_for_stock(conn, freed):
        if all(left.get(sku, 0) <= 0 for sku in freed):
            break
        left |= stock.available_many(conn, [sku for sku in demand if sku not in left])
        if any(left[sku] < qty for sku, qty in demand.items()):
            continue
        try:
            resume(conn, order_id, "system", now)
            resumed.append(order_id)
        except InsufficientStock:  # taken meanwhile by another transaction
            pass
        left |= stock.available_many(conn, demand)
    return resumed


def _held_for_stock(conn: Connection, sku_ids: list[int], page: int = 200) -> Iterator[tuple[int, stock.Demand]]:
    """Orders held for stock that want any of the SKUs, oldest first, with their demand."""
    wants = (
        select(order_lines.c.order_id)
        .where(order_lines.c.order_id == orders.c.id, order_lines.c.sku_id.in_(sku_ids))
        .exists()
    )
    query = (
        select(orders.c.id, orders.c.created_at)
        .where(orders.c.status == ON_HOLD, orders.c.hold_reason == HOLD_INSUFFICIENT_STOCK, wants)
        .order_by(orders.c.created_at, orders.c.id)
        .limit(page)
    )
    after = None
    while True:
        where = tuple_(orders.c.created_at, orders.c.id) > after if after else true()
        rows = conn.execute(query.where(where)).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        demand: dict[int, stock.Demand] = {order_id: {} for order_id in ids}
        lines = select(order_lines.c.order_id, order_lines.c.sku_id, order_lines.c.qty)
        for order_id, sku, qty in conn.execute(lines.where(order_lines.c.order_id.in_(ids))):
            demand[order_id][sku] = qty
        yield from ((order_id, demand[order_id]) for order_id in ids)
        after = (rows[-1].created_at, rows[-1].id)


def cancel_unpaid_past_timeout(engine: Engine, now: datetime | None = None) -> int:
    """Cancel unpaid orders older than their shop's payment timeout; returns how many."""
    now = now or clock.now()
    with transaction(engine) as conn:
        candidates = conn.execute(
            select(orders.c.id, orders.c.created_at, shops.c.payment_timeout_minutes)
            .join(shops, shops.c.id == orders.c.shop_id)
            .where(orders.c.status == PENDING_PAYMENT)
        ).all()
        expired = [
            row.id for row in candidates if row.created_at + timedelta(minutes=row.payment_timeout_minutes) < now
        ]
        for order_id in expired:
            advance(conn, order_id, CANCELLED, "system", "payment timeout", now)
    return len(expired)


def needs_reservation(conn: Connection, order: Row, to_status: str) -> bool:
    """Whether entering to_status should hold stock for the order, per its shop's setting."""
    if to_status == PENDING_PAYMENT:
        reserve_on = conn.execute(select(shops.c.reserve_on).where(shops.c.id == order.shop_id)).scalar_one()
        return reserve_on == "created"
    return to_status == PAID


def demand_of(conn: Connection, order_id: int) -> stock.Demand:
    rows = conn.execute(select(order_lines.c.sku_id, order_lines.c.qty).where(order_lines.c.order_id == order_id))
    return dict(rows.all())


def record_event(
    conn: Connection, order_id: int, from_status: str | None, to_status: str, actor: str, reason: str, now: datetime
) -> None:
    conn.execute(
        insert(order_events).values(
            order_id=order_id, at=now, actor=actor, from_status=from_status, to_status=to_status, reason=reason[:300]
        )
    )


def tracking_number_for(order_id: int) -> str:
    """Our own waybill number when none is scanned: carrier prefix, 12 digits, unique per order."""
    return f"{DEFAULT_CARRIER}{order_id:012d}"


def payment_sms(order_id: int, order_no: str, phone: str, buyer: str, now: datetime) -> dict:
    return outbox.message(
        f"sms:paid:{order_id}", "sms", phone, "order_paid", {"order_no": order_no, "buyer": buyer}, now
    )


def shipping_sms(order_id: int, order_no: str, phone: str, carrier: str, tracking_no: str, now: datetime) -> dict:
    payload = {"order_no": order_no, "carrier": carrier, "tracking_no": tracking_no}
    return outbox.message(f"sms:shipped:{order_id}", "sms", phone, "order_shipped", payload, now)


def reserved_qty(conn: Connection, order_id: int) -> int:
    query = select(func.coalesce(func.sum(reservations.c.qty), 0)).where(reservations.c.order_id == order_id)
    return conn.execute(query).scalar_one()


def _check_allowed(order: Row, to_status: str) -> None:
    allowed = ALLOWED[order.status]
    if order.status == ON_HOLD:
        allowed = {order.status_before_hold, CANCELLED}
    if to_status not in allowed:
        raise IllegalTransition(order.channel_order_no, order.status, to_status)


def _stock_effect(conn: Connection, order: Row, to_status: str, actor: str, now: datetime) -> list[int]:
    """Apply the stock side of a transition; returns SKU ids whose stock was freed."""
    if to_status == CANCELLED:
        return stock.release(conn, order.id, now)
    if to_status == SHIPPED:
        stock.ship(conn, order.id, actor, now)
    return []


def _fire_actions(conn: Connection, order: Row, values: dict, now: datetime) -> None:
    """The actions bound to the status the order just entered."""
    if not order.phone:
        return
    if values["status"] == PAID:
        outbox.enqueue(conn, [payment_sms(order.id, order.channel_order_no, order.phone, order.buyer, now)])
    elif values["status"] == SHIPPED:
        sms = shipping_sms(order.id, order.channel_order_no, order.phone, values["carrier"], values["tracking_no"], now)
        outbox.enqueue(conn, [sms])


def _load(conn: Connection, order_id: int) -> Row:
    query = select(orders).where(orders.c.id == order_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    order = conn.execute(query).first()
    if order is None:
        raise NotFound(f"Order id {order_id} does not exist.")
    return order


def order_id_by_no(conn: Connection, channel_order_no: str, channel: str | None = None) -> int:
    """The internal id of a channel order number (the channel is needed only when ambiguous)."""
    query = select(orders.c.id).where(orders.c.channel_order_no == channel_order_no)
    if channel:
        query = query.where(orders.c.channel == channel)
    found = conn.execute(query).scalars().all()
    if len(found) != 1:
        detail = "does not exist" if not found else "exists on several channels; name the channel"
        raise NotFound(f"Order {channel_order_no} {detail}.")
    return found[0]
