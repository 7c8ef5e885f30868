"""What a parcel's tracking means for its order: scans recorded once, 签收 completes the order,
退回 / 拒收 / 退签 opens an after-sales ticket; the same for a push and for a poll."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Row

from core import clock
from core.aftersales import returns
from core.aftersales.returns_flow import RETURN
from core.errors import InvalidInput
from core.identity.access import SYSTEM, Actor
from core.model import COMPLETED, SHIPPED
from core.orders import workflow
from core.orders.tables import orders
from core.shipping import merge
from core.shipping.tables import tracking_events, waybills
from core.store.db import insert_tuples
from core.store.unit_of_work import unit_of_work

CARRIER = Actor("carrier", SYSTEM.role)  # the actor of what the carrier's scans do: the store's own process
SIGNED = "3"
RETURNED = {"4", "6", "14"}  # 退签, 退回, 拒签
RETURNED_REASON = "carrier_returned"
STATE_NAMES = {"0": "在途", "1": "揽收", "2": "疑难", "3": "签收", "4": "退签", "5": "派件", "6": "退回", "7": "转投"}
STATE_NAMES["14"] = "拒签"


@dataclass(frozen=True)
class Scan:
    at: datetime
    state: str  # the scan's own status name, when the aggregator gives one
    context: str


def apply(conn: Connection, waybill: Row, state: str, scans: Iterable[Scan], now: datetime | None = None) -> str:
    """Record the parcel's scans and state; returns what it did to the order ("completed",
    "ticket", or "")."""
    now = now or clock.now()
    _record_scans(conn, waybill.id, scans)
    values = {"tracking_state": state, "tracking_checked_at": now}
    conn.execute(update(waybills).where(waybills.c.id == waybill.id).values(**values))
    done = ""
    for order_id, status in _orders_in(conn, waybill):
        if state == SIGNED and status == SHIPPED:
            reason = f"{STATE_NAMES[SIGNED]} {waybill.tracking_no}"
            workflow.advance(conn, order_id, COMPLETED, CARRIER, reason, now)
            done = "completed"
        elif state in RETURNED and status in returns.SHIPPED_ORDER_STATUSES:
            done = _open_return(conn, order_id, waybill.tracking_no, state, now) or done
    return done


def _orders_in(conn: Connection, waybill: Row) -> list[tuple[int, str]]:
    """The orders travelling under the waybill: its own, and any merged into its parcel."""
    members = merge.shipment_of(conn, waybill.order_id)
    query = select(orders.c.id, orders.c.status).where(orders.c.id.in_(members)).order_by(orders.c.id)
    return [tuple(row) for row in conn.execute(query)]


def _open_return(conn: Connection, order_id: int, tracking_no: str, state: str, now: datetime) -> str:
    """A return ticket for the parcel coming back, once per order (keyed by order and number); none
    when the buyer's own ticket already claims every item (it covers the parcel)."""
    note = f"{STATE_NAMES[state]}：{tracking_no}"
    try:
        returns.open_ticket(conn, order_id, RETURN, RETURNED_REASON, CARRIER, notes=note,
                            refund_ref=f"waybill:{tracking_no}:{order_id}", now=now)  # fmt: skip
    except InvalidInput as exc:
        if exc.key != "error.all_on_ticket":
            raise
        return ""  # every item is on a ticket already; nothing was written
    return "ticket"


def _record_scans(conn: Connection, waybill_id: int, scans: Iterable[Scan]) -> None:
    """Insert the scans not recorded before (a push repeats the whole history)."""
    known = set(
        conn.execute(
            select(tracking_events.c.at, tracking_events.c.context).where(tracking_events.c.waybill_id == waybill_id)
        ).all()
    )
    fresh = {(scan.at, scan.context[:500]): scan for scan in scans}
    rows = [(waybill_id, at, scan.state[:20], text) for (at, text), scan in fresh.items() if (at, text) not in known]
    insert_tuples(conn, tracking_events, ("waybill_id", "at", "state", "context"), rows)


apply_in = unit_of_work(apply)  # a push or a poll's answer, in its own transaction
