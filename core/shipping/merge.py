"""Merge and split: several channel orders in one parcel, or one channel order in several parcels.

A merge links paid orders of the same shop, buyer and address into one shipment under a primary
order; each keeps its own lines, reservations and money (they are still separate platform orders),
and ship_shipment() ships them together under one tracking number. A split moves some lines (or
part of a line) with their reservations to a new part order `<order no>-<n>`; order-level money
stays on the channel order and line values are conserved, so totals and stock stay exact.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from core import clock
from core.errors import IllegalTransition, InsufficientStock, InvalidInput
from core.identity import access
from core.identity.access import Actor
from core.model import CANCELLED, ON_HOLD, PAID, SHIPPED
from core.orders import status as order_status
from core.orders import workflow
from core.orders.status import is_held_for_stock
from core.orders.tables import order_lines, order_merges, order_splits, orders
from core.review import review
from core.review.review_facts import OPEN_STATUSES, address_key
from core.stock.tables import reservations, skus
from core.store.unit_of_work import unit_of_work

MONEY = (
    "goods_cents",
    "paid_cents",
    "platform_discount_cents",
    "seller_coupon_cents",
    "shipping_fee_cents",
    "shipping_cost_cents",
    "order_total_cents",
    "refund_cents",
)


def merge(conn: Connection, order_ids: list[int], actor: Actor, now: datetime | None = None) -> int:
    """Put the orders into one shipment; returns the primary order (the oldest, or an existing primary)."""
    access.authorize(actor, "change_status")
    now = now or clock.now()
    members = sorted({m for order_id in order_ids for m in shipment_of(conn, order_id)})
    rows = _load(conn, members)
    if len(rows) < 2:
        raise InvalidInput(key="error.merge_needs_two")
    _check_mergeable(rows)
    primary = _primary(conn, rows)
    numbers = {row.id: row.channel_order_no for row in rows}
    conn.execute(delete(order_merges).where(order_merges.c.order_id.in_(members)))
    conn.execute(
        insert(order_merges),
        [
            {"order_id": row.id, "primary_order_id": primary, "at": now, "actor": actor}
            for row in rows
            if row.id != primary
        ],
    )
    together = ", ".join(numbers[m] for m in members)
    for row in rows:
        workflow.record_event(conn, row.id, row.status, row.status, actor, f"merged into one shipment: {together}", now)
    review.resolve_rule(conn, members, "merge_candidate", actor, now)
    return primary


def unmerge(conn: Connection, order_id: int, actor: Actor, now: datetime | None = None) -> None:
    """Take the order out of its shipment (a primary dissolves the whole shipment)."""
    access.authorize(actor, "change_status")
    now = now or clock.now()
    members = shipment_of(conn, order_id)
    leaving = members if _primary_of(conn, order_id) == order_id else [order_id]
    conn.execute(
        delete(order_merges).where(
            or_(order_merges.c.order_id.in_(leaving), order_merges.c.primary_order_id.in_(leaving))
        )
    )
    for row in _load(conn, leaving):
        workflow.record_event(conn, row.id, row.status, row.status, actor, "taken out of the merged shipment", now)


def shipment_of(conn: Connection, order_id: int) -> list[int]:
    """All orders travelling in the same parcel as this one (itself alone when not merged)."""
    primary = _primary_of(conn, order_id)
    secondaries = conn.execute(select(order_merges.c.order_id).where(order_merges.c.primary_order_id == primary))
    return sorted({primary, *secondaries.scalars()})


def ship_shipment(
    conn: Connection,
    order_id: int,
    actor: str,
    tracking_no: str | None = None,
    now: datetime | None = None,
    carrier: str | None = None,
) -> list[int]:
    """Ship every order of the parcel under one carrier and tracking number, all or none."""
    now = now or clock.now()
    members = shipment_of(conn, order_id)
    primary = _primary_of(conn, order_id)
    chosen = carrier or conn.execute(select(orders.c.carrier).where(orders.c.id == primary)).scalar()
    carrier, tracking = workflow.waybill(primary, chosen or workflow.DEFAULT_CARRIER, tracking_no)
    for member in members:
        workflow.advance(conn, member, SHIPPED, actor, "shipped in one parcel", now, tracking, carrier)
    return members


def split(conn: Connection, order_id: int, moving: dict[str, int], actor: Actor, now: datetime | None = None) -> int:
    """Move `moving` (SKU -> units) from the order to a new part order; returns the part's id.

    A paid order held for stock can be split so the part that is in stock ships now: both
    orders then try to reserve, and whichever still lacks stock stays held for it.
    """
    access.authorize(actor, "change_status")
    now = now or clock.now()
    parent = _load(conn, [order_id])[0]
    held_elsewise = parent.status == ON_HOLD and not is_held_for_stock(*_hold_of(parent))
    if _effective(parent) != PAID or held_elsewise:
        raise IllegalTransition(parent.channel_order_no, parent.status, "split")
    lines = {
        row.sku: row
        for row in conn.execute(
            select(order_lines, skus.c.sku)
            .join(skus, skus.c.id == order_lines.c.sku_id)
            .where(order_lines.c.order_id == order_id)
        )
    }
    _check_split(parent.channel_order_no, lines, moving)
    child = _insert_part(conn, parent, now)
    for sku, qty in sorted(moving.items()):
        _move_line(conn, lines[sku], child, qty)
    conn.execute(insert(order_splits).values(order_id=child, parent_order_id=order_id, at=now, actor=actor))
    child_no = conn.execute(select(orders.c.channel_order_no).where(orders.c.id == child)).scalar_one()
    moved = ", ".join(f"{sku}×{qty}" for sku, qty in sorted(moving.items()))
    workflow.record_event(
        conn, order_id, parent.status, parent.status, actor, f"split: {moved} moved to {child_no}", now
    )
    workflow.record_event(
        conn, child, None, parent.status, actor, f"split from {parent.channel_order_no}: {moved}", now
    )
    order_status.follow_waits(conn, [order_id, child])  # lines moved: what each waits for follows
    for held in (order_id, child):
        _try_resume(conn, held, now)
    return child


def mergeable_with(conn: Connection, order_id: int) -> list[int]:
    """Other open orders of the same shop, buyer and address (what the merge_candidate rule saw)."""
    order = _load(conn, [order_id])[0]
    key = address_key(order.province, order.city, order.address)
    rows = conn.execute(
        select(orders.c.id, orders.c.province, orders.c.city, orders.c.address)
        .where(
            orders.c.shop_id == order.shop_id,
            orders.c.buyer == order.buyer,
            orders.c.id != order_id,
            orders.c.status.in_(OPEN_STATUSES),
        )
        .order_by(orders.c.id)
    )
    return [row.id for row in rows if address_key(row.province, row.city, row.address) == key]


def parts_of(conn: Connection, order_id: int) -> list[int]:
    return list(
        conn.execute(select(order_splits.c.order_id).where(order_splits.c.parent_order_id == order_id)).scalars()
    )


def cancel_parts(conn: Connection, order_id: int, actor: str, now: datetime | None = None) -> list[int]:
    """The channel order was cancelled: its split-off parts that are still open go too (releasing stock)."""
    now = now or clock.now()
    cancelled = []
    for part in parts_of(conn, order_id):
        status = conn.execute(select(orders.c.status).where(orders.c.id == part)).scalar_one()
        if CANCELLED in workflow.ALLOWED[status]:
            workflow.advance(conn, part, CANCELLED, actor, "the channel order was cancelled", now)
            cancelled.append(part)
    return cancelled


def _check_mergeable(rows: list[Any]) -> None:
    numbers = ", ".join(row.channel_order_no for row in rows)
    if len({(row.shop_id, row.buyer, address_key(row.province, row.city, row.address)) for row in rows}) != 1:
        raise InvalidInput(key="error.merge_mismatch", params={"numbers": numbers})
    for row in rows:
        if _effective(row) != PAID or (row.status == ON_HOLD and row.hold_reason != review.HOLD_REVIEW):
            raise IllegalTransition(row.channel_order_no, row.status, "merged (only paid orders can be merged)")


def _check_split(number: str, lines: dict[str, Any], moving: dict[str, int]) -> None:
    for sku, qty in moving.items():
        if sku not in lines:
            raise InvalidInput(key="error.split_no_line", params={"number": number, "sku": sku})
        if not isinstance(qty, int) or not 0 < qty <= lines[sku].qty:
            raise InvalidInput(
                key="error.split_qty", params={"most": lines[sku].qty, "sku": sku, "number": number, "qty": qty}
            )
    if sum(moving.values()) >= sum(line.qty for line in lines.values()):
        raise InvalidInput(key="error.split_leaves_nothing", params={"number": number})


def _insert_part(conn: Connection, parent: Any, now: datetime) -> int:
    """The part order: the parent's buyer, address and status, its own number, no money of its own."""
    count = conn.execute(select(func.count()).where(order_splits.c.parent_order_id == parent.id)).scalar_one()
    values = {name: value for name, value in parent._mapping.items() if name != "id"}
    values |= {name: 0 for name in MONEY} | {
        "channel_order_no": f"{parent.channel_order_no}-{count + 1}",
        "source_hash": "split",
        "updated_at": now,
    }
    return conn.execute(insert(orders).values(**values).returning(orders.c.id)).scalar_one()


def _move_line(conn: Connection, line: Any, child: int, qty: int) -> None:
    """Move qty units of a line and of its reservation; the discount moves pro rata (parent keeps
    the rounding remainder), so line totals and reserved stock are conserved exactly."""
    discount = line.discount_cents * qty // line.qty
    conn.execute(
        insert(order_lines).values(
            order_id=child, sku_id=line.sku_id, qty=qty, unit_price_cents=line.unit_price_cents, discount_cents=discount
        )
    )
    key = (order_lines.c.order_id == line.order_id) & (order_lines.c.sku_id == line.sku_id)
    if qty == line.qty:
        conn.execute(delete(order_lines).where(key))
    else:
        conn.execute(
            update(order_lines).where(key).values(qty=line.qty - qty, discount_cents=line.discount_cents - discount)
        )
    held = (reservations.c.order_id == line.order_id) & (reservations.c.sku_id == line.sku_id)
    reserved = conn.execute(select(reservations).where(held)).first()
    if reserved is None:
        return
    if reserved.qty == qty:
        conn.execute(delete(reservations).where(held))
    else:
        conn.execute(update(reservations).where(held).values(qty=reserved.qty - qty))
    conn.execute(
        insert(reservations).values(order_id=child, sku_id=line.sku_id, qty=qty, created_at=reserved.created_at)
    )


def _try_resume(conn: Connection, order_id: int, now: datetime) -> None:
    row = conn.execute(
        select(orders.c.status, orders.c.hold_reason, orders.c.status_before_hold).where(orders.c.id == order_id)
    ).one()
    if is_held_for_stock(*_hold_of(row)):
        with suppress(InsufficientStock):  # still short: it stays held and arriving stock releases it
            workflow.resume(conn, order_id, "system", now)


def _hold_of(row: Any) -> tuple[str, str | None, str | None]:
    return row.status, row.hold_reason, row.status_before_hold


def _effective(row: Any) -> str:
    return row.status_before_hold if row.status == ON_HOLD else row.status


def _primary_of(conn: Connection, order_id: int) -> int:
    found = conn.execute(select(order_merges.c.primary_order_id).where(order_merges.c.order_id == order_id)).first()
    return found[0] if found else order_id


def _primary(conn: Connection, rows: list[Any]) -> int:
    ids = [row.id for row in rows]
    existing = conn.execute(select(order_merges.c.primary_order_id).where(order_merges.c.primary_order_id.in_(ids)))
    existing = sorted(set(existing.scalars()))
    return existing[0] if existing else min(rows, key=lambda row: (row.created_at, row.id)).id


def _load(conn: Connection, ids: list[int]) -> list[Any]:
    query = select(orders).where(orders.c.id.in_(ids)).order_by(orders.c.id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    rows = conn.execute(query).all()
    if len(rows) != len(set(ids)):
        raise InvalidInput(key="error.some_orders_missing")
    return rows


def merge_with_siblings(conn: Connection, order_id: int, actor: str) -> int:
    """Merge a held order with the open orders that may ship with it; returns how many now ship together."""
    primary = merge(conn, [order_id, *mergeable_with(conn, order_id)], actor)
    return len(shipment_of(conn, primary))


merge_held_order = unit_of_work(merge_with_siblings)
