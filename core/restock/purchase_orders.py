"""Purchase orders: made from the suggestions, e-mailed to the supplier with a CSV and a private
link (only the token's SHA-256 is stored), shown as expected arrivals, and received into stock."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.engine import Connection

from core import clock
from core.errors import InvalidInput, NotFound
from core.identity import access
from core.identity.access import Actor
from core.identity.audit import audit
from core.messages import outbox
from core.orders import stock_resume
from core.restock.purchasing import OPEN_PO, suggest, whole_packs
from core.restock.tables import purchase_order_lines, purchase_orders, suppliers
from core.spreadsheet import inert
from core.stock import reservations as stock
from core.stock.tables import skus
from core.store.unit_of_work import unit_of_work

LINK_DAYS = 14


def public_url() -> str:
    """Where suppliers reach the app (the public supplier page hangs below it)."""
    return os.environ.get("ORDERHUB_PUBLIC_URL", "http://localhost:8501").rstrip("/")


def preview(
    conn: Connection,
    supplier_name: str,
    quantities: dict[str, int] | None = None,
    now: datetime | None = None,
    expected: date | None = None,
) -> dict[str, Any]:
    """What create_purchase_order would e-mail, without creating it: the recipient, the expected
    date, the lines with their totals and the PO total. Refuses what creating would refuse."""
    now = now or clock.now()
    _check_expected(expected, now)
    supplier = _supplier(conn, supplier_name)
    lines = _po_lines(conn, supplier, _wanted(conn, supplier_name, quantities, now))
    shown = [
        {
            "sku": line["sku"],
            "name": line["name"],
            "qty": line["qty_ordered"],
            "unit_cost_cents": line["unit_cost_cents"],
            "line_cost_cents": line["qty_ordered"] * line["unit_cost_cents"],
        }
        for line in lines
    ]
    return {
        "supplier": supplier.name,
        "to": supplier.email,
        "lead_time_days": supplier.lead_time_days,
        "expected_at": _asked_date(supplier, expected, now),
        "lines": shown,
        "total_cents": sum(line["line_cost_cents"] for line in shown),
    }


def create_purchase_order(
    conn: Connection,
    supplier_name: str,
    actor: Actor,
    now: datetime | None = None,
    quantities: dict[str, int] | None = None,
    link_days: int = LINK_DAYS,
    expected: date | None = None,
) -> tuple[str, str]:
    """A PO for the supplier from the suggestions (or the given quantities per SKU: whole numbers,
    0 drops the SKU, the rest in the supplier's packs and at least its MOQ), e-mailed with a CSV
    and a private link; returns (PO number, link). Only the link token's hash is stored. An
    expected date asked of the supplier is kept as the expected arrival until the supplier answers."""
    access.authorize(actor, "purchasing")
    now = now or clock.now()
    _check_expected(expected, now)
    supplier = _supplier(conn, supplier_name)
    lines = _po_lines(conn, supplier, _wanted(conn, supplier_name, quantities, now))
    token = secrets.token_urlsafe(32)
    number = _next_number(conn, now)
    po_id = conn.execute(
        insert(purchase_orders)
        .values(
            number=number,
            supplier_id=supplier.id,
            status="sent",
            token_sha256=token_hash(token),
            token_expires_at=now + timedelta(days=link_days),
            expected_at=datetime.combine(expected, time()) if expected else None,
            created_at=now,
            created_by=actor,
            updated_at=now,
        )
        .returning(purchase_orders.c.id)
    ).scalar_one()
    conn.execute(
        insert(purchase_order_lines),
        [
            {"po_id": po_id, **{key: line[key] for key in ("sku_id", "qty_ordered", "unit_cost_cents")}}
            for line in lines
        ],
    )
    link = f"{public_url()}/supplier?token={token}"
    outbox.enqueue(
        conn,
        [
            outbox.message(
                f"email:po:{number}",
                "email",
                supplier.email,
                "purchase_order",
                _email_payload(
                    conn,
                    po_id,
                    number,
                    supplier,
                    link,
                    _asked_date(supplier, expected, now),
                    now + timedelta(days=link_days),
                ),
                now,
            )
        ],
    )
    audit(conn, actor, f"purchase order {number}", {"supplier": supplier_name, "lines": len(lines)}, now)
    return number, link


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def receive_purchase_order(
    conn: Connection, number: str, actor: Actor, now: datetime | None = None, quantities: dict[str, int] | None = None
) -> list[int]:
    """Goods of a PO arrive (all outstanding, or the given quantities): on_hand grows through the
    ledger and orders held for stock are released oldest first; returns the resumed order ids.
    Goods in are a stock change: whoever may adjust stock receives them (the warehouse too)."""
    access.authorize(actor, "adjust_stock")
    now = now or clock.now()
    po = _open_po(conn, number)
    outstanding = {row.sku: row for row in po_lines(conn, po.id)}
    wanted = quantities if quantities is not None else {sku: row.outstanding for sku, row in outstanding.items()}
    arrived = {sku: qty for sku, qty in wanted.items() if qty}
    for sku, qty in arrived.items():
        line = outstanding.get(sku)
        if line is None or not 0 < qty <= line.outstanding:
            limit = line.outstanding if line else 0
            raise InvalidInput(
                key="error.receive_too_many", params={"sku": sku, "qty": qty, "number": number, "limit": limit}
            )
        stock.receive(conn, line.sku_id, qty, actor, f"PO {number}", now)
        conn.execute(
            update(purchase_order_lines)
            .where(purchase_order_lines.c.po_id == po.id, purchase_order_lines.c.sku_id == line.sku_id)
            .values(qty_received=purchase_order_lines.c.qty_received + qty)
        )
    if not arrived:
        raise InvalidInput(key="error.nothing_to_receive", params={"number": number})
    left = sum(row.outstanding for row in po_lines(conn, po.id))
    conn.execute(
        update(purchase_orders)
        .where(purchase_orders.c.id == po.id)
        .values(status="received" if left == 0 else "partial", updated_at=now)
    )
    return stock_resume.retry_held(conn, [outstanding[sku].sku_id for sku in arrived], now)


def po_lines(conn: Connection, po_id: int) -> list[Any]:
    agreed = func.coalesce(purchase_order_lines.c.qty_confirmed, purchase_order_lines.c.qty_ordered)
    outstanding = case(
        (agreed > purchase_order_lines.c.qty_received, agreed - purchase_order_lines.c.qty_received), else_=0
    )
    return conn.execute(
        select(
            skus.c.sku,
            skus.c.name,
            purchase_order_lines.c.sku_id,
            purchase_order_lines.c.qty_ordered,
            purchase_order_lines.c.qty_confirmed,
            purchase_order_lines.c.qty_received,
            purchase_order_lines.c.unit_cost_cents,
            outstanding.label("outstanding"),
        )
        .join(skus, skus.c.id == purchase_order_lines.c.sku_id)
        .where(purchase_order_lines.c.po_id == po_id)
        .order_by(skus.c.sku)
    ).all()


def purchase_order(conn: Connection, number: str) -> dict[str, Any]:
    """One PO's status and lines (ordered, confirmed, received, outstanding), for receiving it."""
    po = conn.execute(select(purchase_orders).where(purchase_orders.c.number == number)).first()
    if po is None:
        raise NotFound(key="error.po_not_found", params={"number": number})
    return {"number": number, "status": po.status, "lines": [dict(line._mapping) for line in po_lines(conn, po.id)]}


def expected_arrivals(conn: Connection) -> list[dict[str, Any]]:
    """Goods still to come per SKU and PO with the expected date, for the stock page."""
    rows = []
    for po in conn.execute(
        select(purchase_orders, suppliers.c.name.label("supplier"))
        .join(suppliers, suppliers.c.id == purchase_orders.c.supplier_id)
        .where(purchase_orders.c.status.in_(OPEN_PO))
        .order_by(purchase_orders.c.expected_at)
    ):
        rows += [
            {
                "sku": line.sku,
                "qty": line.outstanding,
                "expected_at": po.expected_at,
                "po": po.number,
                "supplier": po.supplier,
                "status": po.status,
            }
            for line in po_lines(conn, po.id)
            if line.outstanding
        ]
    return rows


def purchase_order_list(conn: Connection, limit: int = 200) -> list[dict[str, Any]]:
    query = (
        select(
            purchase_orders.c.number,
            suppliers.c.name.label("supplier"),
            purchase_orders.c.status,
            purchase_orders.c.expected_at,
            purchase_orders.c.supplier_note,
            purchase_orders.c.created_at,
        )
        .join(suppliers, suppliers.c.id == purchase_orders.c.supplier_id)
        .order_by(purchase_orders.c.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def _supplier(conn: Connection, name: str) -> Any:
    supplier = conn.execute(select(suppliers).where(suppliers.c.name == name)).first()
    if supplier is None:
        raise NotFound(key="error.no_supplier", params={"supplier": name})
    return supplier


def _wanted(conn: Connection, supplier_name: str, quantities: dict[str, int] | None, now: datetime) -> dict[str, int]:
    """The quantities given, or else the supplier's suggestions."""
    if quantities is None:
        return {s.sku: s.qty for s in suggest(conn, now).get(supplier_name, [])}
    return quantities


def _po_lines(conn: Connection, supplier: Any, quantities: dict[str, int]) -> list[dict[str, Any]]:
    """The lines to order, 0s dropped; refused unless whole numbers >= 0 of known SKUs, each
    ordered in the supplier's whole packs and at least its MOQ."""
    bad = [f"{sku} {qty}" for sku, qty in quantities.items() if not isinstance(qty, int) or qty < 0]
    if bad:
        raise InvalidInput(key="error.po_quantities", params={"skus": ", ".join(bad)})
    wanted = {sku: qty for sku, qty in sorted(quantities.items()) if qty > 0}
    if not wanted:
        raise InvalidInput(key="error.nothing_to_order", params={"supplier": supplier.name})
    known = {
        row.sku: row
        for row in conn.execute(
            select(skus.c.id, skus.c.sku, skus.c.name, skus.c.unit_cost_cents).where(skus.c.sku.in_(list(wanted)))
        )
    }
    missing = sorted(set(wanted) - set(known))
    if missing:
        raise NotFound(key="error.unknown_skus", params={"skus": ", ".join(missing)})
    off_pack = {sku: whole_packs(qty, supplier.pack_size, supplier.moq) for sku, qty in wanted.items()}
    if off := [f"{sku} {qty}→{off_pack[sku]}" for sku, qty in wanted.items() if off_pack[sku] != qty]:
        raise InvalidInput(
            key="error.po_packs", params={"skus": ", ".join(off), "pack": supplier.pack_size, "moq": supplier.moq}
        )
    return [
        {
            "sku_id": known[sku].id,
            "sku": sku,
            "name": known[sku].name,
            "qty_ordered": qty,
            "unit_cost_cents": known[sku].unit_cost_cents,
        }
        for sku, qty in wanted.items()
    ]


def _asked_date(supplier: Any, expected: date | None, now: datetime) -> date:
    """The arrival asked of the supplier: the buyer's date, else the end of the supplier's lead time."""
    return expected or (now + timedelta(days=supplier.lead_time_days)).date()


def _check_expected(expected: date | None, now: datetime) -> None:
    if expected is not None and expected < now.date():
        raise InvalidInput(key="error.po_expected_past", params={"date": f"{expected:%Y-%m-%d}"})


def _next_number(conn: Connection, now: datetime) -> str:
    prefix = f"PO{now:%Y%m%d}-"
    taken = conn.execute(select(func.count()).where(purchase_orders.c.number.like(f"{prefix}%"))).scalar_one()
    return f"{prefix}{taken + 1:04d}"


def _email_payload(
    conn: Connection, po_id: int, number: str, supplier: Any, link: str, asked: date, expires: datetime
) -> dict:
    """What notify's purchase_order template renders, plus the lines as an attached CSV."""
    lines = [
        {"sku": line.sku, "name": line.name, "qty": line.qty_ordered, "unit_cost": f"{line.unit_cost_cents / 100:.2f}"}
        for line in po_lines(conn, po_id)
    ]
    sheet = io.StringIO()
    writer = csv.DictWriter(sheet, fieldnames=["sku", "name", "qty", "unit_cost"], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({key: inert(value) for key, value in line.items()} for line in lines)
    return {
        "po_no": number,
        "supplier": supplier.name,
        "expected_at": f"{asked:%Y-%m-%d}",
        "items": "\n".join(f"{line['sku']} {line['name']} × {line['qty']}" for line in lines),
        "link": link,
        "link_expires_at": f"{expires:%Y-%m-%d %H:%M}",
        "lines": lines,
        # UTF-8 with BOM so Excel on a Chinese Windows opens the names correctly.
        "attachments": [
            {"filename": f"{number}.csv", "content_type": "text/csv", "content": "\ufeff" + sheet.getvalue()}
        ],
    }


def _open_po(conn: Connection, number: str) -> Any:
    query = select(purchase_orders).where(purchase_orders.c.number == number)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()  # two people receiving the same PO at once take turns
    po = conn.execute(query).first()
    if po is None:
        raise NotFound(key="error.po_not_found", params={"number": number})
    if po.status not in OPEN_PO:
        raise InvalidInput(key="error.po_not_open", params={"number": number, "status": po.status})
    return po


# The purchasing page's units of work, each in its own transaction.
preview_order = unit_of_work(preview)
create_order = unit_of_work(create_purchase_order)
receive_order = unit_of_work(receive_purchase_order)
