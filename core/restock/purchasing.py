"""Purchasing: reorder suggestions per SKU, purchase orders to suppliers, and receiving them.

A SKU needs ordering when its stock position (available + still to arrive - owed to orders held
for stock) falls below its reorder point: safety stock plus the demand expected until the
supplier's lead time ends. The quantity brings the position up to the reorder point plus
`cover_days` of demand, rounded up to the supplier's pack size and never below its minimum order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection

from core import clock
from core.errors import InvalidInput
from core.identity import access
from core.identity.access import Actor
from core.identity.audit import audit
from core.model import CANCELLED
from core.orders.status import HELD_FOR_STOCK
from core.orders.tables import order_lines, orders
from core.restock.tables import purchase_order_lines, purchase_orders, suppliers
from core.stock import reservations as stock
from core.stock.tables import skus
from core.store.unit_of_work import unit_of_work

OPEN_PO = ("sent", "confirmed", "proposed", "partial")  # purchase orders still to arrive
COVER_DAYS = 14


def order_quantity(
    position: int, safety: int, velocity: Fraction, lead_days: int, pack: int, moq: int, cover_days: int = COVER_DAYS
) -> int:
    """The pure maths: 0 when the position covers the reorder point, else a pack-rounded quantity."""
    reorder_point = safety + math.ceil(velocity * lead_days)
    if position >= reorder_point:
        return 0
    return whole_packs(reorder_point + math.ceil(velocity * cover_days) - position, pack, moq)


def whole_packs(qty: int, pack: int, moq: int) -> int:
    """The smallest quantity a supplier accepts that covers qty: whole packs, and at least the MOQ."""
    return max(math.ceil(qty / pack), math.ceil(moq / pack)) * pack


def velocity(sold_14: int, sold_30: int) -> Fraction:
    """Units a day: the faster of the last 14 and 30 days, so a recent surge is not averaged away."""
    return max(Fraction(sold_14, 14), Fraction(sold_30, 30))


@dataclass(frozen=True)
class Suggestion:
    supplier: str
    sku: str
    name: str
    available: int
    incoming: int
    safety_stock: int
    sold_14: int
    sold_30: int
    per_day: float
    lead_time_days: int
    qty: int
    unit_cost_cents: int


def suggest(
    conn: Connection,
    now: datetime | None = None,
    cover_days: int = COVER_DAYS,
    sales: dict[int, tuple[int, int]] | None = None,
) -> dict[str, list[Suggestion]]:
    """What to order now, grouped by supplier (only SKUs whose supplier is on file and active).

    `sales` is recent_sales() as read a little earlier, if the caller keeps it (it reads a month
    of orders; stock, arrivals and the backlog are always read now)."""
    now = now or clock.now()
    sales = recent_sales(conn, now) if sales is None else sales
    arriving = _incoming(conn)
    backlog = _backlog(conn)
    rows = conn.execute(
        select(
            skus.c.id,
            skus.c.sku,
            skus.c.name,
            stock.AVAILABLE,
            skus.c.safety_stock,
            skus.c.unit_cost_cents,
            suppliers.c.name.label("supplier"),
            suppliers.c.lead_time_days,
            suppliers.c.pack_size,
            suppliers.c.moq,
        )
        .join(suppliers, and_(suppliers.c.name == skus.c.supplier, suppliers.c.active))
        .order_by(suppliers.c.name, skus.c.sku)
    ).all()
    grouped: dict[str, list[Suggestion]] = {}
    for sku_id, code, name, available, safety, cost, supplier, lead, pack, moq in rows:
        sold_14, sold_30 = sales.get(sku_id, (0, 0))
        speed = velocity(sold_14, sold_30)
        position = available + arriving.get(sku_id, 0) - backlog.get(sku_id, 0)
        qty = order_quantity(position, safety, speed, lead, pack, moq, cover_days)
        if qty:
            grouped.setdefault(supplier, []).append(
                Suggestion(
                    supplier,
                    code,
                    name,
                    available,
                    arriving.get(sku_id, 0),
                    safety,
                    sold_14,
                    sold_30,
                    round(float(speed), 2),
                    lead,
                    qty,
                    cost,
                )
            )
    return grouped


def save_supplier(
    conn: Connection,
    name: str,
    email: str,
    lead_time_days: int,
    pack_size: int,
    moq: int,
    actor: Actor,
    now: datetime | None = None,
) -> None:
    """Add or change a supplier's terms."""
    access.authorize(actor, "purchasing")
    if not name.strip() or "@" not in email:
        raise InvalidInput(key="error.supplier_incomplete")
    if lead_time_days < 0 or pack_size < 1 or moq < 1:
        raise InvalidInput(key="error.supplier_numbers")
    values = {"email": email.strip(), "lead_time_days": lead_time_days, "pack_size": pack_size, "moq": moq}
    if conn.execute(update(suppliers).where(suppliers.c.name == name).values(**values)).rowcount == 0:
        conn.execute(insert(suppliers).values(name=name.strip(), **values))
    audit(conn, actor, f"supplier {name}", values, now or clock.now())


def recent_sales(conn: Connection, now: datetime) -> dict[int, tuple[int, int]]:
    """Units sold per SKU in the 14 and 30 days before now (paid, not cancelled).

    Each window's orders are named in a subquery, so SQLite reads their lines by order id rather
    than walking every order line of the store (seconds at a million orders)."""

    def sold_since(since: datetime) -> dict[int, int]:
        window = (orders.c.paid_at >= since, orders.c.paid_at < now, orders.c.status != CANCELLED)
        paid = select(orders.c.id).where(*window)
        rows = conn.execute(
            select(order_lines.c.sku_id, func.sum(order_lines.c.qty))
            .where(order_lines.c.order_id.in_(paid))
            .group_by(order_lines.c.sku_id)
        )
        return {sku: int(qty) for sku, qty in rows}

    sold_30, sold_14 = sold_since(now - timedelta(days=30)), sold_since(now - timedelta(days=14))
    return {sku: (sold_14.get(sku, 0), sold) for sku, sold in sold_30.items()}


def _incoming(conn: Connection) -> dict[int, int]:
    agreed = func.coalesce(purchase_order_lines.c.qty_confirmed, purchase_order_lines.c.qty_ordered)
    rows = conn.execute(
        select(purchase_order_lines.c.sku_id, func.sum(agreed - purchase_order_lines.c.qty_received))
        .join(purchase_orders, purchase_orders.c.id == purchase_order_lines.c.po_id)
        .where(purchase_orders.c.status.in_(OPEN_PO))
        .group_by(purchase_order_lines.c.sku_id)
    )
    return {sku: max(int(qty), 0) for sku, qty in rows}


def _backlog(conn: Connection) -> dict[int, int]:
    """Units wanted by orders held for stock: they reserve nothing, yet the goods are owed."""
    held = select(orders.c.id).where(*HELD_FOR_STOCK)
    rows = conn.execute(
        select(order_lines.c.sku_id, func.sum(order_lines.c.qty))
        .where(order_lines.c.order_id.in_(held))
        .group_by(order_lines.c.sku_id)
    )
    return {sku: int(qty) for sku, qty in rows}


save_supplier_details = unit_of_work(save_supplier)  # the purchasing page's supplier form
