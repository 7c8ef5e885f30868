"""The warehouse's reads: orders ready to ship (filtered, a page at a time), the pick list by SKU,
packing slips and label data, and the check of a parcel's scanned items.

Only a paid order that is neither held nor cancelled is ready to ship: labels, pick lists and
packing slips are refused for any other, so nothing is packed that must not leave.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from core import clock
from core.carriers import CARRIER_NAMES
from core.errors import InvalidInput, NotFound
from core.identity import access
from core.model import PAID
from core.orders import queue
from core.orders.tables import order_lines, orders
from core.orders.workflow import DEFAULT_CARRIER, waybill
from core.shipping import senders
from core.shipping.labels import Label
from core.shipping.tables import waybills
from core.stock.tables import skus
from core.store.tables import shops

PAGE_SIZE = 50
OWN_NUMBER = re.compile(r"([A-Z]+)(\d{12})")  # workflow.tracking_number_for: carrier code, order id


@dataclass(frozen=True)
class ShipFilter:
    """The warehouse list's filters; empty means any."""

    shop: str = ""
    sku: str = ""
    province: str = ""
    carrier: str = ""  # the carrier an order already names (from its channel or file), by code


@dataclass(frozen=True)
class Goods:
    sku: str
    name: str
    qty: int

    def __str__(self) -> str:
        return f"{self.name or self.sku}×{self.qty}"


@dataclass(frozen=True)
class PackingSlip:
    order_no: str
    shop: str
    receiver: str
    phone_masked: str
    address: str
    goods: tuple[Goods, ...]
    sender: senders.Sender


def _ready_orders(where: ShipFilter) -> Select:
    query = select(orders.c.id).join(shops, shops.c.id == orders.c.shop_id).where(orders.c.status == PAID)
    if where.shop:
        query = query.where(shops.c.name == where.shop)
    if where.province:
        query = query.where(orders.c.province == where.province)
    if where.carrier:
        query = query.where(orders.c.carrier == where.carrier)
    if where.sku:
        with_sku = select(order_lines.c.order_id).join(skus, skus.c.id == order_lines.c.sku_id)
        query = query.where(orders.c.id.in_(with_sku.where(skus.c.sku == where.sku)))
    return query


def count_ready(conn: Connection, where: ShipFilter = ShipFilter()) -> int:
    return conn.execute(select(func.count()).select_from(_ready_orders(where).subquery())).scalar_one()


def ready(
    conn: Connection, role: str, where: ShipFilter = ShipFilter(), limit: int = PAGE_SIZE, offset: int = 0
) -> list[dict]:
    """One page of the paid orders waiting to ship, oldest payment first, as the role may see them."""
    query = (
        _ready_orders(where)
        .add_columns(
            orders.c.channel_order_no,
            shops.c.name.label("shop"),
            orders.c.buyer,
            orders.c.phone,
            orders.c.province,
            orders.c.city,
            orders.c.paid_at,
            orders.c.paid_cents,
            orders.c.carrier,
            orders.c.tracking_no,
        )
        .order_by(orders.c.paid_at, orders.c.id)
        .limit(limit)
        .offset(offset)
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    items = queue.order_items(conn, [row["id"] for row in rows])
    for row in rows:
        row["items"] = items.get(row["id"], "")
    return access.mask_rows(role, rows)


def ready_carriers(conn: Connection, where: ShipFilter = ShipFilter()) -> dict[int, str | None]:
    """Every order the filter finds, in the list's order, with the carrier it names (if any):
    "select all" over all the filter's pages."""
    query = _ready_orders(where).add_columns(orders.c.carrier).order_by(orders.c.paid_at, orders.c.id)
    return dict(conn.execute(query).all())


def filter_choices(conn: Connection) -> dict[str, list[str]]:
    """The shops, SKUs, provinces and carriers that orders ready to ship have, for the filters' lists.

    Each list is read through the status index (ready orders are few beside the order book): naming
    the ready orders' ids in a subquery makes SQLite walk them and not every order line."""
    paid = _ready_orders(ShipFilter())
    waiting = orders.c.status == PAID
    shop_names = select(shops.c.name).where(shops.c.id.in_(select(orders.c.shop_id).where(waiting).distinct()))
    sku_codes = select(skus.c.sku).where(
        skus.c.id.in_(select(order_lines.c.sku_id).where(order_lines.c.order_id.in_(paid)).distinct())
    )
    provinces = select(orders.c.province).where(waiting, orders.c.province != "").distinct()
    carriers = select(orders.c.carrier).where(waiting, orders.c.carrier.is_not(None)).distinct()
    return {
        "shop": sorted(conn.execute(shop_names).scalars()),
        "sku": sorted(conn.execute(sku_codes).scalars()),
        "province": sorted(conn.execute(provinces).scalars()),
        "carrier": sorted(conn.execute(carriers).scalars()),
    }


def pick_list(conn: Connection, order_ids: list[int] | None = None) -> list[dict]:
    """What to take off the shelves, per SKU: product name, quantity and how many orders it serves.

    For the given orders (which must be ready to ship), each SKU also lists their numbers
    (order_nos); without orders, for every order ready to ship, counted in the database."""
    query = (
        select(
            skus.c.sku,
            skus.c.name,
            func.sum(order_lines.c.qty).label("qty"),
            func.count(func.distinct(order_lines.c.order_id)).label("orders"),
            skus.c.on_hand,
        )
        .join(order_lines, order_lines.c.sku_id == skus.c.id)
        .group_by(skus.c.sku, skus.c.name, skus.c.on_hand)
        .order_by(skus.c.sku)
    )
    if order_ids is None:  # the ready orders' ids first: SQLite would otherwise walk every order line
        query = query.where(order_lines.c.order_id.in_(_ready_orders(ShipFilter())))
        return [dict(row) for row in conn.execute(query).mappings()]
    require_ready(conn, order_ids)
    query = query.where(order_lines.c.order_id.in_(order_ids))
    picks = [dict(row) | {"order_nos": []} for row in conn.execute(query).mappings()]
    served = (
        select(skus.c.sku, orders.c.channel_order_no)
        .join(order_lines, order_lines.c.sku_id == skus.c.id)
        .join(orders, orders.c.id == order_lines.c.order_id)
        .where(orders.c.id.in_(order_ids))
        .distinct()
        .order_by(skus.c.sku, orders.c.channel_order_no)
    )
    by_sku = {pick["sku"]: pick for pick in picks}
    for sku, order_no in conn.execute(served):
        by_sku[sku]["order_nos"].append(order_no)
    return picks


def ready_to_ship(status: str) -> bool:
    """Whether an order in this status may ship now (and so get a label): paid, not held."""
    return status == PAID


def require_ready(conn: Connection, order_ids: list[int]) -> None:
    """Refuse the batch if any order may not ship now (unpaid, held, cancelled or gone already)."""
    found = conn.execute(select(orders.c.channel_order_no, orders.c.status).where(orders.c.id.in_(order_ids)))
    blocked = sorted(order_no for order_no, status in found if not ready_to_ship(status))
    if blocked:
        shown = "、".join(blocked[:10]) + ("…" if len(blocked) > 10 else "")
        raise InvalidInput(key="error.not_ready_to_ship", params={"orders": shown, "count": len(blocked)})


def goods_of(conn: Connection, order_ids: list[int]) -> dict[int, tuple[Goods, ...]]:
    """Each order's items with the product names, by SKU code."""
    query = (
        select(order_lines.c.order_id, skus.c.sku, skus.c.name, order_lines.c.qty)
        .join(skus, skus.c.id == order_lines.c.sku_id)
        .where(order_lines.c.order_id.in_(order_ids))
        .order_by(order_lines.c.order_id, skus.c.sku)
    )
    found: dict[int, list[Goods]] = defaultdict(list)
    for order_id, sku, name, qty in conn.execute(query):
        found[order_id].append(Goods(sku, name, qty))
    return {order_id: tuple(goods) for order_id, goods in found.items()}


def _parcels(conn: Connection, role: str, order_ids: list[int]) -> list:
    """The orders' rows for printing, after checking the role and that every order is ready to ship."""
    access.require(role, "print_labels")
    if not order_ids:
        return []
    require_ready(conn, order_ids)
    return conn.execute(
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


def labels_for(
    conn: Connection,
    role: str,
    order_ids: list[int],
    now: datetime | None = None,
    carriers: dict[int, str] | None = None,
    tracking: dict[int, str] | None = None,
    shop_senders: dict[str, senders.Sender] | None = None,
) -> list[Label]:
    """Waybill data for orders ready to ship, with the carrier chosen and number scanned for each.
    Carrier and number are the ones shipping will use, so a label printed first matches the order after.
    shop_senders: the senders the shops' waybill accounts registered with the carrier."""
    rows = _parcels(conn, role, order_ids)
    goods = goods_of(conn, order_ids)
    configured = senders.senders() | (shop_senders or {})
    printed_at = now or clock.now()
    issued = _issued_waybills(conn, order_ids)
    labels = []
    for row in rows:
        scanned = (tracking or {}).get(row.id)
        drawn = None if scanned else issued.get(row.id)  # the aggregator's number, unless one was scanned
        if drawn:
            carrier, number = drawn.carrier, drawn.tracking_no
        else:
            chosen = (carriers or {}).get(row.id) or row.carrier or DEFAULT_CARRIER
            carrier, number = waybill(row.id, chosen, scanned or row.tracking_no)
        sender = senders.sender_for(row.shop, configured)
        labels.append(
            Label(
                tracking_no=number,
                carrier=carrier,
                order_no=row.channel_order_no,
                shop=row.shop,
                receiver=row.buyer,
                phone_masked=access.mask_phone(row.phone),
                address=full_address(row.province, row.city, row.address),
                destination=" ".join(dict.fromkeys(part for part in (row.province, row.city) if part)),
                items="、".join(str(item) for item in goods.get(row.id, ())),
                printed_at=printed_at,
                sender=sender,
                routing=drawn.routing if drawn else "",
                sort_code=drawn.sort_code if drawn else "",
                demo=bool(drawn and drawn.demo),
            )
        )
    return labels


def _issued_waybills(conn: Connection, order_ids: list[int]) -> dict:
    """The waybills the aggregator issued for these orders (core.waybills), by order id."""
    query = select(waybills.c.order_id, waybills.c.carrier, waybills.c.tracking_no, waybills.c.routing)
    query = query.add_columns(waybills.c.sort_code, waybills.c.demo)
    rows = conn.execute(query.where(waybills.c.order_id.in_(order_ids), waybills.c.status == "issued"))
    return {row.order_id: row for row in rows}


def packing_slips(conn: Connection, role: str, order_ids: list[int]) -> list[PackingSlip]:
    """One slip per order ready to ship: its items by name and quantity, the receiver (phone masked)."""
    rows = _parcels(conn, role, order_ids)
    goods = goods_of(conn, order_ids)
    configured = senders.senders()
    return [
        PackingSlip(
            order_no=row.channel_order_no,
            shop=row.shop,
            receiver=row.buyer,
            phone_masked=access.mask_phone(row.phone),
            address=full_address(row.province, row.city, row.address),
            goods=goods.get(row.id, ()),
            sender=senders.sender_for(row.shop, configured),
        )
        for row in rows
    ]


def parcel_for(conn: Connection, code: str) -> tuple[int, str, tuple[Goods, ...]]:
    """The order ready to ship that a scanned code names: its order number, its tracking number, the
    aggregator's number on its label, or the number our own label printed for it. Returns the
    order's id, number and goods."""
    code = code.strip()
    own = OWN_NUMBER.fullmatch(code.upper())
    drawn = select(waybills.c.order_id).where(waybills.c.tracking_no == code, waybills.c.status == "issued")
    named = [orders.c.channel_order_no == code, orders.c.tracking_no == code, orders.c.id.in_(drawn)]
    if own and own.group(1) in CARRIER_NAMES:
        named.append(orders.c.id == int(own.group(2)))
    query = select(orders.c.id, orders.c.channel_order_no).where(orders.c.status == PAID, or_(*named))
    found = conn.execute(query).all()
    if len(found) != 1:
        raise NotFound(key="error.scan_no_order", params={"code": code[:40]})
    order_id, order_no = found[0]
    return order_id, order_no, goods_of(conn, [order_id]).get(order_id, ())


def scan_item(goods: tuple[Goods, ...], scanned: dict[str, int], code: str) -> dict[str, int]:
    """The counts of items scanned so far with one more of the scanned SKU barcode (the SKU code).
    An item the order does not hold, or one more than it needs, is refused: it must not go in the box."""
    code = code.strip()
    wanted = {item.sku.upper(): item for item in goods}.get(code.upper())
    if wanted is None:
        raise InvalidInput(key="error.scan_not_in_order", params={"code": code[:64]})
    if scanned.get(wanted.sku, 0) >= wanted.qty:
        raise InvalidInput(key="error.scan_too_many", params={"sku": wanted.sku, "qty": wanted.qty})
    return scanned | {wanted.sku: scanned.get(wanted.sku, 0) + 1}


def scan_complete(goods: tuple[Goods, ...], scanned: dict[str, int]) -> bool:
    """Whether every item of the order has been scanned, as many times as it is ordered."""
    return bool(goods) and all(scanned.get(item.sku, 0) == item.qty for item in goods)


def full_address(province: str, city: str, address: str) -> str:
    """Province + city + street, without repeating what the street address already starts with."""
    prefix = "" if address.startswith(province) else province + ("" if address.startswith(city) else city)
    return prefix + address
