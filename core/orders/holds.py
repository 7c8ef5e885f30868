"""Holds, set-wise: for stock, for review, by hand; resuming many; releasing a review hold.

Every hold has a kind (core.model.HOLD_KINDS), which the queue shows and filters by, and which
says what releases it: stock coming back (core.stock_resume), approving the review (core.review),
or a person. Resuming never skips a review: an order held for review is released only through its
review. The columns themselves are written by core.order_status alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from core import clock
from core.errors import IllegalTransition, InsufficientStock, NotFound, ReviewPending
from core.model import HOLD_INSUFFICIENT_STOCK, HOLD_MANUAL, HOLD_REVIEW, ON_HOLD
from core.orders import status as order_status
from core.orders import workflow
from core.orders.status import chunks
from core.orders.tables import orders

# The statuses an order can be put on hold from (the workflow table's).
HOLDABLE = frozenset(status for status, following in workflow.ALLOWED.items() if ON_HOLD in following)


def hold_for_stock(conn: Connection, order_ids: Sequence[int], actor: str, now: datetime, note: str = "") -> None:
    """Open orders whose stock could not be reserved wait for it; one audit row each."""
    held = order_status.put_on_hold(conn, order_ids, HOLD_INSUFFICIENT_STOCK, HOLDABLE, now)
    note = note or "insufficient stock"
    order_status.record_events(conn, [(order_id, now, actor, was, ON_HOLD, note) for order_id, was in held])


def hold_for_review(conn: Connection, reasons: dict[int, list[str]], actor: str, now: datetime) -> list[int]:
    """Hold the orders the review rules flagged (reasons: the rules per order); returns them.

    An order already on hold for another reason is now held for review: the review comes first,
    so arriving stock or a click on resume cannot release it unchecked."""
    if not reasons:
        return []
    rows = _heads(conn, list(reasons))
    relabel = [row.id for row in rows if row.status == ON_HOLD and row.hold_reason != HOLD_REVIEW]
    held = order_status.put_on_hold(conn, list(reasons), HOLD_REVIEW, HOLDABLE, now)
    order_status.relabel(conn, relabel, HOLD_REVIEW, now)
    status_of = {row.id: row.status for row in rows} | dict(held)
    changed = [order_id for order_id, _ in held] + relabel
    order_status.record_events(
        conn,
        [(i, now, actor, status_of[i], ON_HOLD, f"{HOLD_REVIEW}: {', '.join(reasons[i])}") for i in changed],
    )
    return changed


def hold_by_hand(
    conn: Connection,
    order_ids: Sequence[int],
    actor: str,
    kind: str = HOLD_MANUAL,
    note: str = "",
    now: datetime | None = None,
) -> None:
    """A person holds the orders (kind: one of workflow.BY_HAND), all or none: an order that
    cannot be held (shipped, on hold already) refuses the whole set. A hold has no stock effect
    and no message, so this is workflow.advance(..., ON_HOLD) for many at once."""
    if kind not in workflow.BY_HAND:
        raise ValueError(f"{kind!r} is not a hold made by hand")
    now = now or clock.now()
    for row in _heads(conn, list(order_ids)):
        if row.status not in HOLDABLE:
            raise IllegalTransition(row.channel_order_no, row.status, ON_HOLD)
    held = order_status.put_on_hold(conn, order_ids, kind, HOLDABLE, now)
    order_status.record_events(conn, [(i, now, actor, was, ON_HOLD, note or kind) for i, was in held])


def resume_many(conn: Connection, order_ids: Iterable[int], actor: str, now: datetime | None = None) -> dict[int, str]:
    """Take the orders off hold, each back to where it was held from (reserving its stock);
    returns the status each ends in. An order held for review refuses the whole set
    (ReviewPending) before anything changes: its review releases it."""
    ids = list(order_ids)
    for row in _heads(conn, ids):
        if row.status == ON_HOLD and row.hold_reason == HOLD_REVIEW:
            raise ReviewPending(key="error.review_pending", params={"order_no": row.channel_order_no})
    return {order_id: workflow.resume(conn, order_id, actor, now) for order_id in ids}


def release_review(conn: Connection, order_id: int, actor: str, reason: str, now: datetime) -> str:
    """The review of an order held for it is done (approved, fixed, overridden): resume it. If its
    stock is short now, it stays held, for stock. Returns the status it ends in."""
    order = conn.execute(select(orders.c.status, orders.c.hold_reason).where(orders.c.id == order_id)).first()
    if order is None:
        raise NotFound(key="error.order_id_not_found", params={"order_id": order_id})
    if order.status != ON_HOLD or order.hold_reason != HOLD_REVIEW:
        return order.status
    try:
        return workflow.release(conn, order_id, actor, reason, now, review_done=True)
    except InsufficientStock as shortage:
        order_status.relabel(conn, [order_id], HOLD_INSUFFICIENT_STOCK)
        workflow.record_event(conn, order_id, ON_HOLD, ON_HOLD, actor, f"reviewed; {shortage}", now)
        return ON_HOLD


def _heads(conn: Connection, order_ids: list[int]) -> list:
    """Id, number, status and kind of hold of the orders."""
    columns = (orders.c.id, orders.c.channel_order_no, orders.c.status, orders.c.hold_reason)
    rows = []
    for chunk in chunks(order_ids):
        rows += conn.execute(select(*columns).where(orders.c.id.in_(chunk))).all()
    return rows
