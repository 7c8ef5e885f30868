"""Order workflow: one table of allowed transitions and one function that applies them.

A transition's stock effect, its audit row and its bound actions (outbox messages, tracking
number) happen in the caller's transaction, so they commit together or not at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection, Engine, Row

from core import clock
from core.carriers import CARRIER_NAMES, DEFAULT_CARRIER, carrier_of
from core.errors import IllegalTransition, InsufficientStock, NotFound, ReviewPending
from core.messages import outbox
from core.model import (
    CANCELLED,
    COMPLETED,
    HOLD_ADDRESS,
    HOLD_INSUFFICIENT_STOCK,
    HOLD_MANUAL,
    HOLD_REVIEW,
    ON_HOLD,
    PAID,
    PENDING_PAYMENT,
    SHIPPED,
)
from core.orders import status as order_status
from core.orders import stock_resume
from core.orders.messages import payment_sms, shipping_sms
from core.orders.tables import order_lines, orders
from core.stock import reservations as stock
from core.stock.allocation import Demand, reserves_on_entering
from core.stock.tables import reservations
from core.store.db import transaction
from core.store.tables import shops

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
BY_HAND = (HOLD_MANUAL, HOLD_ADDRESS)  # the kinds of hold a person puts an order on
# What advance() and its actions read of an order (a third of its columns), on every click;
# built once, as building and keying a statement costs the client more than sending it.
_LOAD = select(
    *(orders.c[name] for name in ("id", "shop_id", "channel_order_no", "status", "status_before_hold", "hold_reason")),
    *(orders.c[name] for name in ("buyer", "phone", "carrier", "tracking_no", *TIMESTAMP_OF.values())),
).where(orders.c.id == bindparam("order_id"))
_LOAD_LOCKED = _LOAD.with_for_update()


def advance(
    conn: Connection,
    order_id: int,
    to_status: str,
    actor: str,
    reason: str = "",
    now: datetime | None = None,
    tracking_no: str | None = None,
    carrier: str | None = None,
) -> str:
    """Move the order to to_status with its stock effect, audit row and bound actions.

    Returns the status the order ends in: payment of an order whose stock cannot be
    reserved ends on hold (the buyer has paid on the platform; we must not oversell).
    Putting it on hold is a hold by hand (its kind: reason when that names one of BY_HAND,
    else manual); taking a review hold off is refused (ReviewPending): see release().
    """
    order = _load(conn, order_id)
    return _advance(conn, order, to_status, actor, reason, now or clock.now(), tracking_no, carrier)


def _advance(
    conn: Connection,
    order: Row,
    to_status: str,
    actor: str,
    reason: str,
    now: datetime,
    tracking_no: str | None,
    carrier: str | None = None,
    review_done: bool = False,
) -> str:
    """advance() on an order already loaded (and locked) in this transaction; review_done: the
    review released the order (approved, fixed, or overridden by a role allowed to)."""
    order_id = order.id
    _check_allowed(order, to_status, review_done)
    values: dict = {"status": to_status, "updated_at": now}
    if to_status in TIMESTAMP_OF and getattr(order, TIMESTAMP_OF[to_status]) is None:
        values[TIMESTAMP_OF[to_status]] = now
    if to_status == ON_HOLD:
        values |= {"status_before_hold": order.status, "hold_reason": reason if reason in BY_HAND else HOLD_MANUAL}
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
    if to_status == SHIPPED:
        chosen = carrier or order.carrier or DEFAULT_CARRIER
        values["carrier"], values["tracking_no"] = waybill(order_id, chosen, tracking_no or order.tracking_no)
    order_status.write(conn, order_id, values)
    record_event(conn, order_id, order.status, values["status"], actor, reason, now)
    _fire_actions(conn, order, values, now)
    # Last: from its first SKU row update until the commit, every intake batch with that SKU waits.
    if to_status == CANCELLED:
        stock_resume.release_resuming_held(conn, order_id, now)
    elif to_status == SHIPPED:
        stock.ship(conn, order_id, actor, now)
    return values["status"]


def hold(conn: Connection, order_id: int, actor: str, reason: str = HOLD_MANUAL, now: datetime | None = None) -> str:
    """Hold the order by hand (reason: its kind, one of BY_HAND, or a note for a manual hold)."""
    return advance(conn, order_id, ON_HOLD, actor, reason, now)


def resume(conn: Connection, order_id: int, actor: str, now: datetime | None = None) -> str:
    """Take an order off hold, back to the status it was held from (reserving its stock).

    An order held for review is refused (ReviewPending): approving its review releases it."""
    return release(conn, order_id, actor, "resumed", now)


def release(
    conn: Connection, order_id: int, actor: str, reason: str, now: datetime | None = None, review_done: bool = False
) -> str:
    """resume() with the audit row's reason; review_done is for core.review alone, which
    releases a review hold once the review is approved, fixed or overridden."""
    order = _load(conn, order_id)
    if order.status != ON_HOLD:
        raise IllegalTransition(order.channel_order_no, order.status, "resume")
    return _advance(conn, order, order.status_before_hold, actor, reason, now or clock.now(), None, None, review_done)


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
    reserve_on = None
    if to_status == PENDING_PAYMENT:
        reserve_on = conn.execute(select(shops.c.reserve_on).where(shops.c.id == order.shop_id)).scalar_one()
    return reserves_on_entering(to_status, reserve_on)


def demand_of(conn: Connection, order_id: int) -> Demand:
    rows = conn.execute(select(order_lines.c.sku_id, order_lines.c.qty).where(order_lines.c.order_id == order_id))
    return dict(rows.all())


def record_event(
    conn: Connection, order_id: int, from_status: str | None, to_status: str, actor: str, reason: str, now: datetime
) -> None:
    order_status.record_events(conn, [(order_id, now, actor, from_status, to_status, reason)])


def tracking_number_for(order_id: int, carrier: str = DEFAULT_CARRIER) -> str:
    """Our own waybill number when none is scanned: carrier code, 12 digits, unique per order."""
    return f"{carrier if carrier in CARRIER_NAMES else DEFAULT_CARRIER}{order_id:012d}"


def waybill(order_id: int, carrier: str, tracking_no: str | None) -> tuple[str, str]:
    """The carrier and number an order leaves with: a scanned number whose prefix names a carrier
    (YT… is 圆通) goes with that carrier, not the one chosen; without a number, our own for the carrier."""
    if tracking_no:
        return carrier_of(tracking_no) or carrier, tracking_no
    return carrier, tracking_number_for(order_id, carrier)


def reserved_qty(conn: Connection, order_id: int) -> int:
    query = select(func.coalesce(func.sum(reservations.c.qty), 0)).where(reservations.c.order_id == order_id)
    return conn.execute(query).scalar_one()


def _check_allowed(order: Row, to_status: str, review_done: bool = False) -> None:
    allowed = ALLOWED[order.status]
    if order.status == ON_HOLD:
        allowed = {order.status_before_hold, CANCELLED}
        if order.hold_reason == HOLD_REVIEW and to_status != CANCELLED and not review_done:
            raise ReviewPending(key="error.review_pending", params={"order_no": order.channel_order_no})
    if to_status not in allowed:
        raise IllegalTransition(order.channel_order_no, order.status, to_status)


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
    """The order's columns a transition reads, its row locked (PostgreSQL) until the commit."""
    query = _LOAD_LOCKED if conn.dialect.name == "postgresql" else _LOAD
    order = conn.execute(query, {"order_id": order_id}).first()
    if order is None:
        raise NotFound(key="error.order_id_not_found", params={"order_id": order_id})
    return order


def order_id_by_no(conn: Connection, channel_order_no: str, channel: str | None = None) -> int:
    """The internal id of a channel order number (the channel is needed only when ambiguous)."""
    query = select(orders.c.id).where(orders.c.channel_order_no == channel_order_no)
    if channel:
        query = query.where(orders.c.channel == channel)
    found = conn.execute(query).scalars().all()
    if len(found) != 1:
        key = "error.order_not_found" if not found else "error.order_on_several_channels"
        raise NotFound(key=key, params={"order_no": channel_order_no})
    return found[0]
