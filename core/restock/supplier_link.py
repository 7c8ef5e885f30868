"""The supplier's side of a purchase order, reached without login through the e-mailed link.

The link carries an unguessable token (32 random bytes); the store keeps only its SHA-256, so a
copy of the database does not reveal working links. A wrong, expired or closed link is refused.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from core import clock
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.restock.purchase_orders import po_lines, token_hash
from core.restock.tables import purchase_order_lines, purchase_orders, suppliers
from core.store.unit_of_work import unit_of_work


def find(conn: Connection, token: str, now: datetime | None = None) -> Any:
    """The purchase order the token opens, or a refusal a supplier can read."""
    now = now or clock.now()
    po = conn.execute(
        select(purchase_orders, suppliers.c.name.label("supplier"))
        .join(suppliers, suppliers.c.id == purchase_orders.c.supplier_id)
        .where(purchase_orders.c.token_sha256 == token_hash(token or ""))
    ).first()
    if po is None:
        raise NotFound(key="error.supplier_link_invalid")
    if po.token_expires_at < now:
        expired = f"{po.token_expires_at:%Y-%m-%d}"
        raise PermissionDenied(key="error.supplier_link_expired", params={"expired": expired})
    if po.status not in ("sent", "confirmed", "proposed"):
        raise PermissionDenied(key="error.po_closed", params={"number": po.number, "status": po.status})
    return po


def view(conn: Connection, token: str, now: datetime | None = None) -> dict[str, Any]:
    """What the supplier sees: the PO, its lines and any answer given before."""
    po = find(conn, token, now)
    lines = [
        {"sku": line.sku, "name": line.name, "qty_ordered": line.qty_ordered, "qty_confirmed": line.qty_confirmed}
        for line in po_lines(conn, po.id)
    ]
    return {
        "number": po.number,
        "supplier": po.supplier,
        "status": po.status,
        "expected_at": po.expected_at,
        "note": po.supplier_note,
        "expires_at": po.token_expires_at,
        "lines": lines,
    }


def respond(
    conn: Connection,
    token: str,
    quantities: dict[str, int],
    delivery: date,
    note: str = "",
    now: datetime | None = None,
) -> str:
    """The supplier confirms (same quantities) or proposes other quantities; the delivery date
    becomes the expected arrival either way. Returns the PO's new status."""
    now = now or clock.now()
    po = find(conn, token, now)
    lines = {line.sku: line for line in po_lines(conn, po.id)}
    _check(quantities, lines, delivery, now)
    for sku, qty in quantities.items():
        conn.execute(
            update(purchase_order_lines)
            .where(purchase_order_lines.c.po_id == po.id, purchase_order_lines.c.sku_id == lines[sku].sku_id)
            .values(qty_confirmed=qty)
        )
    agreed = all(quantities.get(sku, line.qty_ordered) == line.qty_ordered for sku, line in lines.items())
    status = "confirmed" if agreed else "proposed"
    conn.execute(
        update(purchase_orders)
        .where(purchase_orders.c.id == po.id)
        .values(
            status=status,
            expected_at=datetime.combine(delivery, time()),
            supplier_note=note[:500],
            answered_at=now,
            updated_at=now,
        )
    )
    return status


def _check(quantities: dict[str, int], lines: dict[str, Any], delivery: date, now: datetime) -> None:
    unknown = sorted(set(quantities) - set(lines))
    if unknown:
        raise InvalidInput(key="error.not_on_po", params={"skus": ", ".join(unknown)})
    if any(not isinstance(qty, int) or qty < 0 for qty in quantities.values()):
        raise InvalidInput(key="error.quantities_whole")
    if delivery < now.date():
        raise InvalidInput(key="error.delivery_past")


answer = unit_of_work(respond)  # the public page's one write, in its own transaction
