"""Batch actions on selected orders: permission checked here, each order in its own transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from core import clock
from core.errors import InvalidInput, NotFound, OrderHubError
from core.identity import access
from core.identity.access import Actor
from core.model import CANCELLED, ON_HOLD, PAID, PENDING_PAYMENT, SHIPPED
from core.orders import holds as order_holds
from core.orders import workflow
from core.orders.tables import orders
from core.shipping import merge
from core.store.db import transaction
from core.store.unit_of_work import unit_of_work

# Which permission each batch action needs (core.identity.access.ACTIONS).
PERMISSION = {"confirm_payment": "change_status", "ship": "ship", "cancel": "change_status", "resume": "change_status"}


def possible(status: str) -> tuple[str, ...]:
    """The batch actions that make sense for an order in this status (per the workflow table)."""
    allowed = workflow.ALLOWED[status]
    wanted = {
        "confirm_payment": status == PENDING_PAYMENT,
        "ship": SHIPPED in allowed,
        "resume": status == ON_HOLD,
        "cancel": CANCELLED in allowed,
    }
    return tuple(action for action, sensible in wanted.items() if sensible)


class Waybill(NamedTuple):
    """What the warehouse scanned and chose for one order; None leaves it to shipping."""

    tracking_no: str | None
    carrier: str | None


@dataclass
class BatchResult:
    """Order numbers done, and for each failure the order number and the error."""

    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, OrderHubError]] = field(default_factory=list)


def run(
    engine: Engine,
    actor: Actor,
    action: str,
    order_ids: Iterable[int],
    tracking: dict[int, str] | None = None,
    now: datetime | None = None,
    carriers: dict[int, str] | None = None,
) -> BatchResult:
    """Apply the action to each order; one order failing (e.g. no stock) does not stop the others.

    tracking and carriers are what the warehouse scanned and chose per order (shipping only)."""
    if action not in PERMISSION:
        raise InvalidInput(f"There is no batch action {action!r}.")
    access.authorize(actor, PERMISSION[action])
    step = _STEPS[action]
    result = BatchResult()
    for order_id in order_ids:
        try:
            with transaction(engine) as conn:
                order_no = _order_no(conn, order_id)
                waybill = Waybill((tracking or {}).get(order_id) or None, (carriers or {}).get(order_id) or None)
                step(conn, order_id, actor, now or clock.now(), waybill)
            result.done.append(order_no)
        except OrderHubError as exc:
            result.failed.append((_safe_order_no(engine, order_id), exc))
    return result


def move(
    conn: Connection, order_id: int, to_status: str, actor: Actor, reason: str = "", now: datetime | None = None
) -> str:
    """One order by hand to another status, or "resume" a held one (the CLI's `orders advance`);
    shipping needs the right to ship, every other move the right to change statuses."""
    access.authorize(actor, "ship" if to_status == SHIPPED else "change_status")
    if to_status == "resume":
        return workflow.resume(conn, order_id, actor, now)
    return workflow.advance(conn, order_id, to_status, actor, reason, now)


def hold(
    conn: Connection, order_ids: list[int], actor: Actor, kind: str, note: str = "", now: datetime | None = None
) -> None:
    """Orders held by a person (kind: 人工挂起 or 地址待核实, note: why, for the audit row), all or
    none; resuming them later is the batch's "resume"."""
    access.authorize(actor, "change_status")
    missing = set(order_ids) - set(conn.execute(select(orders.c.id).where(orders.c.id.in_(order_ids))).scalars())
    if missing:
        raise NotFound(key="error.order_id_not_found", params={"order_id": min(missing)})
    order_holds.hold_by_hand(conn, order_ids, actor, kind, note.strip(), now)


hold_orders = unit_of_work(hold)


def _confirm(conn: Connection, order_id: int, actor: str, now: datetime, _waybill: Waybill) -> None:
    workflow.advance(conn, order_id, PAID, actor, "payment confirmed", now)


def _ship(conn: Connection, order_id: int, actor: str, now: datetime, waybill: Waybill) -> None:
    """Ship the order with every order merged into its parcel, under one waybill."""
    status = conn.execute(select(orders.c.status).where(orders.c.id == order_id)).scalar()
    if status == SHIPPED and len(merge.shipment_of(conn, order_id)) > 1:
        return  # left already with its parcel, earlier in this batch
    merge.ship_shipment(conn, order_id, actor, waybill.tracking_no, now, waybill.carrier)


def _cancel(conn: Connection, order_id: int, actor: str, now: datetime, _waybill: Waybill) -> None:
    workflow.advance(conn, order_id, CANCELLED, actor, "cancelled by hand", now)


def _resume(conn: Connection, order_id: int, actor: str, now: datetime, _waybill: Waybill) -> None:
    order_holds.resume_many(conn, [order_id], actor, now)  # a review hold refuses: its review releases it


_STEPS: dict[str, Callable[[Connection, int, str, datetime, Waybill], None]] = {
    "confirm_payment": _confirm,
    "ship": _ship,
    "cancel": _cancel,
    "resume": _resume,
}


def _order_no(conn: Connection, order_id: int) -> str:
    found = conn.execute(select(orders.c.channel_order_no).where(orders.c.id == order_id)).scalar()
    if found is None:
        raise NotFound(key="error.order_id_not_found", params={"order_id": order_id})
    return found


def _safe_order_no(engine: Engine, order_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(select(orders.c.channel_order_no).where(orders.c.id == order_id)).scalar() or str(order_id)
