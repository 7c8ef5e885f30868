"""Waybills in the store: claimed before the aggregator is asked, then issued, failed or cancelled.

The aggregator is called between two transactions (connectors/waybill_service.py): claim()
commits the order's row and its idempotency key first, so a retry after a crash or a refusal
asks again under the same key and never draws a second number for the order.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Row

from core import clock, phones
from core.identity import access
from core.model import CANCELLED, SHIPPED
from core.orders.tables import orders
from core.shipping import warehouse
from core.shipping.tables import tracking_events, waybills
from core.shipping.warehouse import full_address, require_ready
from core.store.db import insert_tuples
from core.store.tables import shops
from core.store.unit_of_work import unit_of_work

REQUESTING, FAILED, ISSUED, CANCELLED_WAYBILL, CANCEL_FAILED = (
    "requesting",
    "failed",
    "issued",
    "cancelled",
    "cancel_failed",
)
FINAL_STATES = {"3", "4", "6", "14"}  # 签收, 退签, 退回, 拒签: nothing more to track


@dataclass(frozen=True)
class Parcel:
    """What the aggregator needs of an order to issue its waybill."""

    order_id: int
    order_no: str
    shop: str
    receiver: str
    phone: str
    address: str


def key_for(order_id: int) -> str:
    """The order's idempotency key: the same for every request about its waybill."""
    return f"OH{order_id:012d}"


def claim(conn: Connection, order_id: int, shop: str, carrier: str, now: datetime | None = None) -> Row:
    """The order's waybill row, created (requesting) when it has none; the order must be ready to ship."""
    require_ready(conn, [order_id])
    row = conn.execute(select(waybills).where(waybills.c.order_id == order_id)).first()
    if row is not None:
        return row
    now = now or clock.now()
    row = (order_id, key_for(order_id), shop, carrier, REQUESTING, now, now)
    keys = ("order_id", "idempotency_key", "shop", "carrier", "status", "created_at", "updated_at")
    insert_tuples(conn, waybills, keys, [row], skip_existing=("order_id",))  # a clerk at the same order
    return conn.execute(select(waybills).where(waybills.c.order_id == order_id)).one()


def record_issued(conn: Connection, waybill_id: int, fields: dict, demo: bool, now: datetime | None = None) -> None:
    """The number and routing codes the aggregator gave (fields: carrier, tracking_no, routing, ...)."""
    values = fields | {"status": ISSUED, "demo": demo, "reason": "", "salt": secrets.token_hex(16)}
    conn.execute(update(waybills).where(waybills.c.id == waybill_id).values(**values, updated_at=now or clock.now()))


def record_status(
    conn: Connection, waybill_id: int, status: str, reason: str = "", now: datetime | None = None
) -> None:
    values = {"status": status, "reason": reason[:300], "updated_at": now or clock.now()}
    conn.execute(update(waybills).where(waybills.c.id == waybill_id).values(**values))


def mark_subscribed(conn: Connection, waybill_id: int) -> None:
    conn.execute(update(waybills).where(waybills.c.id == waybill_id).values(subscribed=True))


def parcel(conn: Connection, order_id: int) -> Parcel:
    row = conn.execute(
        select(orders.c.id, orders.c.channel_order_no, shops.c.name, orders.c.buyer, orders.c.phone)
        .add_columns(orders.c.province, orders.c.city, orders.c.address)
        .join(shops, shops.c.id == orders.c.shop_id)
        .where(orders.c.id == order_id)
    ).one()
    return Parcel(row.id, row.channel_order_no, row.name, row.buyer, row.phone, full_address(*row[5:]))


def issued_for(conn: Connection, order_ids: list[int]) -> dict[int, Row]:
    """The issued waybills of these orders, by order id."""
    query = select(waybills).where(waybills.c.order_id.in_(order_ids), waybills.c.status == ISSUED)
    return {row.order_id: row for row in conn.execute(query)}


def by_number(conn: Connection, tracking_no: str) -> Row | None:
    query = select(waybills).where(waybills.c.tracking_no == tracking_no, waybills.c.status == ISSUED)
    return conn.execute(query).first()


def to_cancel(conn: Connection) -> list[Row]:
    """Issued waybills whose order was cancelled before it shipped: their numbers go back."""
    query = (
        select(waybills)
        .join(orders, orders.c.id == waybills.c.order_id)
        .where(waybills.c.status == ISSUED, orders.c.status == CANCELLED)
    )
    return list(conn.execute(query))


def to_track(conn: Connection, checked_before: datetime, limit: int = 200) -> list[Row]:
    """Issued waybills of shipped orders still moving, not looked at since checked_before (a demo
    waybill at every call)."""
    query = (
        select(waybills, orders.c.phone)
        .join(orders, orders.c.id == waybills.c.order_id)
        .where(waybills.c.status == ISSUED, orders.c.status == SHIPPED)
        .where(waybills.c.tracking_state.not_in(FINAL_STATES))
        .where(
            waybills.c.demo  # the demo double costs nothing to ask
            | waybills.c.tracking_checked_at.is_(None)
            | (waybills.c.tracking_checked_at < checked_before)
        )
        .order_by(waybills.c.id)
        .limit(limit)
    )
    return list(conn.execute(query))


def history(conn: Connection, order_id: int, role: str = "admin") -> list[dict]:
    """The parcel's scans, oldest first, for the order page; phone numbers written in a scan (a
    courier's, the buyer's) masked for a role that may not read phones."""
    query = (
        select(tracking_events.c.at, tracking_events.c.state, tracking_events.c.context)
        .join(waybills, waybills.c.id == tracking_events.c.waybill_id)
        .where(waybills.c.order_id == order_id)
        .order_by(tracking_events.c.at, tracking_events.c.id)
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    if access.treatment(role, "phone") != "show":
        for row in rows:
            row["context"] = phones.mask_in_text(row["context"])
    return rows


def of_order(conn: Connection, order_id: int) -> Row | None:
    return conn.execute(select(waybills).where(waybills.c.order_id == order_id)).first()


def stale_before(minutes: int, now: datetime | None = None) -> datetime:
    return (now or clock.now()) - timedelta(minutes=minutes)


def claim_with_goods(conn: Connection, order_id: int, shop: str, carrier: str) -> tuple[Row, tuple]:
    """The order's waybill row (claimed if new) and the goods its label names, read together."""
    return claim(conn, order_id, shop, carrier), warehouse.goods_of(conn, [order_id]).get(order_id, ())


def issued_row(conn: Connection, waybill_id: int, order_id: int, fields: dict, demo: bool) -> Row:
    """Record what the carrier issued and return the waybill as it now stands."""
    record_issued(conn, waybill_id, fields, demo)
    return of_order(conn, order_id)


def receiver_of(conn: Connection, order_id: int) -> tuple[str, str]:
    """(the receiver's phone, the order's status): what a tracking subscription needs."""
    return tuple(conn.execute(select(orders.c.phone, orders.c.status).where(orders.c.id == order_id)).one())


def order_no_of(conn: Connection, order_id: int) -> str:
    return conn.execute(select(orders.c.channel_order_no).where(orders.c.id == order_id)).scalar() or str(order_id)


# The waybill steps of one shipment, each in its own transaction (the HTTP calls run between them).
claim_parcel = unit_of_work(claim_with_goods)
save_issued = unit_of_work(issued_row)
save_status = unit_of_work(record_status)
save_subscribed = unit_of_work(mark_subscribed)
