"""The warehouse's reads: orders ready to ship, the pick list by SKU, and label data for waybills."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from core import access, clock, queue
from core.db import order_lines, orders, shops, skus
from core.labels import Label
from core.model import PAID
from core.workflow import DEFAULT_CARRIER, tracking_number_for

READY_LIMIT = 500


def ready(conn: Connection, role: str, limit: int = READY_LIMIT) -> list[dict]:
    """Paid orders waiting to ship, oldest payment first, as the role may see them."""
    query = (
        select(
            orders.c.id,
            orders.c.channel_order_no,
            shops.c.name.label("shop"),
            orders.c.buyer,
            orders.c.phone,
            orders.c.province,
            orders.c.city,
            orders.c.paid_at,
            orders.c.paid_cents,
            orders.c.tracking_no,
        )
        .join(shops, shops.c.id == orders.c.shop_id)
        .where(orders.c.status == PAID)
        .order_by(orders.c.paid_at, orders.c.id)
        .limit(limit)
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    items = queue.order_items(conn, [row["id"] for row in rows])
    for row in rows:
        row["items"] = items.get(row["id"], "")
    return access.mask_rows(role, rows)


def pick_list(conn: Connection) -> list[dict]:
    """What to take off the shelves for every paid order: quantity and order count per SKU."""
    query = (
        select(
            skus.c.sku,
            skus.c.name,
            func.sum(order_lines.c.qty).label("qty"),
            func.count(order_lines.c.order_id).label("orders"),
            skus.c.on_hand,
        )
        .join(order_lines, order_lines.c.sku_id == skus.c.id)
        .join(orders, orders.c.id == order_lines.c.order_id)
        .where(orders.c.status == PAID)
        .group_by(skus.c.sku, skus.c.name, skus.c.on_hand)
        .order_by(skus.c.sku)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def labels_for(conn: Connection, role: str, order_ids: list[int], now: datetime | None = None) -> list[Label]:
    """Waybill data for the orders. The number is the one shipping assigns when none was scanned,
    so a label printed before shipping matches the order afterwards."""
    access.require(role, "print_labels")
    if not order_ids:
        return []
    rows = conn.execute(
        select(
            orders.c.id,
            orders.c.channel_order_no,
            shops.c.name.label("shop"),
            orders.c.buyer,
            orders.c.phone,
            orders.c.province,
            orders.c.city,
            orders.c.address,
            orders.c.carrier,
            orders.c.tracking_no,
        )
        .join(shops, shops.c.id == orders.c.shop_id)
        .where(orders.c.id.in_(order_ids))
        .order_by(orders.c.id)
    ).all()
    items = queue.order_items(conn, order_ids)
    printed_at = now or clock.now()
    return [
        Label(
            tracking_no=row.tracking_no or tracking_number_for(row.id),
            carrier=row.carrier or DEFAULT_CARRIER,
            order_no=row.channel_order_no,
            shop=row.shop,
            receiver=row.buyer,
            phone_masked=access.mask_phone(row.phone),
            address=full_address(row.province, row.city, row.address),
            destination=" ".join(dict.fromkeys(part for part in (row.province, row.city) if part)),
            items=items.get(row.id, ""),
            printed_at=printed_at,
        )
        for row in rows
    ]


def full_address(province: str, city: str, address: str) -> str:
    """Province + city + street, without repeating what the street address already starts with."""
    prefix = "" if address.startswith(province) else province + ("" if address.startswith(city) else city)
    return prefix + address
