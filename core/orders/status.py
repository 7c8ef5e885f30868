"""The one writer of an order's status, status_before_hold and hold_reason (its kind of hold).

Every service that moves an order (workflow.advance, the set-wise holds of core.order_holds,
stock coming back in core.stock_resume) writes these columns through here, and nowhere else
(tests/core/test_order_status.py keeps it so). Here too is the one rule of "held for stock" and
the table it keeps, stock_waits: the lines of the orders held for stock, each with its order's
age, so stock coming back finds the orders waiting for it in an index range.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, case, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Row

from core.model import HOLD_INSUFFICIENT_STOCK, HOLD_KINDS, ON_HOLD, PAID, PENDING_PAYMENT
from core.orders.tables import order_events, order_lines, orders, stock_waits
from core.store.db import insert_tuples

EVENT_COLUMNS = ("order_id", "at", "actor", "from_status", "to_status", "reason")
Event = tuple[int, datetime, str, str | None, str, str]

# Held for stock: on hold for lack of stock, from a status it can go back to by itself.
HELD_FOR_STOCK: tuple[ColumnElement[bool], ...] = (
    orders.c.status == ON_HOLD,
    orders.c.hold_reason == HOLD_INSUFFICIENT_STOCK,
    orders.c.status_before_hold.in_((PENDING_PAYMENT, PAID)),
)


def is_held_for_stock(status: str | None, hold_reason: str | None, status_before_hold: str | None) -> bool:
    """HELD_FOR_STOCK for a row already read."""
    return (
        status == ON_HOLD and hold_reason == HOLD_INSUFFICIENT_STOCK and status_before_hold in (PENDING_PAYMENT, PAID)
    )


def check_kind(kind: str) -> None:
    if kind not in HOLD_KINDS:
        raise ValueError(f"unknown kind of hold {kind!r}")


def write(conn: Connection, order_id: int, values: dict) -> None:
    """One order's transition (workflow.advance): its new status with its timestamps, waybill and
    hold columns in one UPDATE; stock_waits follows when it enters or leaves a hold."""
    kind = values.get("hold_reason")
    if kind is not None:
        check_kind(kind)
    conn.execute(update(orders).where(orders.c.id == order_id).values(**values))
    if "hold_reason" in values:
        follow_waits(conn, [order_id], None if kind == HOLD_INSUFFICIENT_STOCK else False)


def put_on_hold(
    conn: Connection, order_ids: Sequence[int], kind: str, from_statuses: Collection[str], now: datetime
) -> list[tuple[int, str]]:
    """Those of the orders in one of from_statuses go on hold of this kind, to go back to that
    status when released; returns them as (id, the status they were held from)."""
    check_kind(kind)
    held: list[tuple[int, str]] = []
    for chunk in chunks(list(order_ids)):
        statement = (
            update(orders)
            .where(orders.c.id.in_(chunk), orders.c.status.in_(list(from_statuses)))
            .values(status=ON_HOLD, status_before_hold=orders.c.status, hold_reason=kind, updated_at=now)
            .returning(orders.c.id, orders.c.status_before_hold)
        )
        held += [tuple(row) for row in conn.execute(statement)]
    held.sort()  # RETURNING has no order on PostgreSQL; the audit rows go in the orders' order
    if kind == HOLD_INSUFFICIENT_STOCK:  # they were not held before: nothing of theirs is waiting yet
        _add_waits(conn, [order_id for order_id, _ in held])
    return held


def relabel(conn: Connection, order_ids: Sequence[int], kind: str, now: datetime | None = None) -> None:
    """Orders already on hold are now held for another kind of reason (e.g. review before stock)."""
    check_kind(kind)
    values = {"hold_reason": kind} | ({"updated_at": now} if now else {})
    for chunk in chunks(list(order_ids)):
        conn.execute(update(orders).where(orders.c.id.in_(chunk), orders.c.status == ON_HOLD).values(**values))
    follow_waits(conn, order_ids, None if kind == HOLD_INSUFFICIENT_STOCK else False)


def take_off_hold(conn: Connection, order_ids: Sequence[int], now: datetime) -> list[Row]:
    """Put held orders back in the status they were held from (paid ones get their paid_at);
    returns them (id, status, channel_order_no, phone, buyer)."""
    resumed = []
    for chunk in chunks(list(order_ids)):
        statement = (
            update(orders)
            .where(orders.c.id.in_(chunk), orders.c.status == ON_HOLD)
            .values(
                status=orders.c.status_before_hold,
                status_before_hold=None,
                hold_reason=None,
                updated_at=now,
                paid_at=func.coalesce(orders.c.paid_at, case((orders.c.status_before_hold == PAID, now))),
            )
            .returning(orders.c.id, orders.c.status, orders.c.channel_order_no, orders.c.phone, orders.c.buyer)
        )
        resumed += conn.execute(statement).all()
    follow_waits(conn, [row.id for row in resumed], False)
    return resumed


def paid_while_held(conn: Connection, order_id: int) -> None:
    """The platform says a held unpaid order is paid: resuming it goes back to paid."""
    conn.execute(
        update(orders).where(orders.c.id == order_id, orders.c.status == ON_HOLD).values(status_before_hold=PAID)
    )


def follow_waits(conn: Connection, order_ids: Iterable[int], held_for_stock: bool | None = None) -> None:
    """stock_waits lists exactly the lines of these orders when they are held for stock, with their
    order's created_at. Called after anything that changes that: a hold, a resume, a line added,
    moved or removed, a newer created_at. held_for_stock: known already (no need to look)."""
    ids = list(order_ids)
    for chunk in chunks(ids):
        conn.execute(delete(stock_waits).where(stock_waits.c.order_id.in_(chunk)))
    if held_for_stock is not False:
        _add_waits(conn, ids, () if held_for_stock else HELD_FOR_STOCK)


def _add_waits(conn: Connection, order_ids: list[int], held: tuple[ColumnElement[bool], ...] = ()) -> None:
    """The lines of these orders (those of them that are held, when held is given) as waits. The
    orders are found by id, never through their status: a sell-out has tens of thousands held."""
    for chunk in chunks(order_ids):
        lines = (
            select(order_lines.c.sku_id, order_lines.c.order_id, orders.c.created_at)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(order_lines.c.order_id.in_(chunk), orders.c.id.in_(chunk), *held)
        )
        conn.execute(insert(stock_waits).from_select(["sku_id", "order_id", "created_at"], lines))


def rebuild_waits(conn: Connection) -> None:
    """stock_waits from scratch (a copied store, a migration)."""
    conn.execute(delete(stock_waits))
    lines = (
        select(order_lines.c.sku_id, order_lines.c.order_id, orders.c.created_at)
        .join(orders, orders.c.id == order_lines.c.order_id)
        .where(*HELD_FOR_STOCK)
    )
    conn.execute(insert(stock_waits).from_select(["sku_id", "order_id", "created_at"], lines))


def record_events(conn: Connection, events: Sequence[Event]) -> None:
    """Audit rows (order, at, actor, from, to, reason), the reason cut to what the column holds."""
    rows = [(*event[:5], event[5][:300]) for event in events]
    insert_tuples(conn, order_events, EVENT_COLUMNS, rows)


def chunks(ids: list[int], size: int = 1000) -> list[list[int]]:
    """Id lists short enough for one IN (...) on either engine."""
    return [ids[at : at + size] for at in range(0, len(ids), size)]
