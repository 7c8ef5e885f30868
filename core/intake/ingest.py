"""Ingest: upsert normalised orders by (channel, channel order no.) and reserve their stock.

New orders are written in batches: one transaction per batch inserts the orders, lines and
audit rows with executemany and reserves stock with one guarded UPDATE per SKU, made last
(core.stock.reservations.BatchStock). Orders already known are compared by fingerprint: unchanged ones
are skipped, changed ones are updated one by one, and a newer platform status wins.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from itertools import islice
from operator import attrgetter

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from core import clock, regions
from core.messages import outbox
from core.model import (
    CANCELLED,
    COMPLETED,
    ON_HOLD,
    PAID,
    PENDING_PAYMENT,
    PLATFORM_RANK,
    SHIPPED,
    NormalisedOrder,
    OrderLine,
)
from core.orders import holds as order_holds
from core.orders import status as order_status
from core.orders import workflow
from core.orders.messages import payment_sms
from core.orders.tables import order_events, order_lines, orders
from core.review import review
from core.shipping import merge
from core.stock import reservations as stock
from core.stock.allocation import reserves_on_entering
from core.store import retry
from core.store.db import commit_without_waiting_for_disk, insert_tuples, upsert, wait_for_disk
from core.store.tables import channels, shops

UNIQUE_VIOLATION = "23505"


@dataclass
class IngestSummary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    held: int = 0

    def add(self, other: IngestSummary) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def ingest(
    engine: Engine,
    incoming: Iterable[NormalisedOrder],
    actor: str = "import",
    batch_size: int = 1000,
    now: datetime | None = None,
    history: bool = False,
    on_batch: Callable[[IngestSummary], None] | None = None,
) -> IngestSummary:
    """Upsert the orders; each batch commits on its own, so a crash loses at most one batch.

    history=True is for orders from before go-live (a first import of past trade): they queue
    no messages, and those already shipped take no stock, since the stock count at go-live
    already reflects them. Otherwise an order first seen shipped ships its goods from stock,
    exactly as if it had been seen paid and then shipped.
    """
    total = IngestSummary()
    with _collector_paused():
        for raw in _batches(incoming, batch_size):
            batch, at = canonical_regions(raw), now or clock.now()  # prepared outside the transaction
            work = partial(_ingest_batch, batch=batch, actor=actor, now=at, history=history)
            summary = retry.run(engine, work, also_retry=_lost_a_race)
            total.add(summary)
            gc.collect(1)  # the batch's own cyclic garbage, if any; older objects are not scanned
            if on_batch:
                on_batch(summary)
    if total.new or total.updated:
        wait_for_disk(engine)  # the batches committed without waiting (PostgreSQL)
    return total


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A batch allocates tens of thousands of acyclic objects that live until the batch
    commits; Python's cycle collector would scan them, and every older object, again and
    again (a fifth of a file import's time). Ingest collects the young generations itself
    after each batch instead."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _lost_a_race(exc: Exception) -> bool:
    """Another writer got there first: stock changed under a batch reservation, or (PostgreSQL)
    it inserted the same order or shop at the same moment. Running the batch again sees that.
    On SQLite the write lock rules both out, so a constraint error there is a real error."""
    return isinstance(exc, stock.StockRace) or (
        isinstance(exc, IntegrityError) and getattr(exc.orig, "sqlstate", None) == UNIQUE_VIOLATION
    )


def _ingest_batch(
    conn: Connection, batch: list[NormalisedOrder], actor: str, now: datetime, history: bool
) -> IngestSummary:
    commit_without_waiting_for_disk(conn)  # ingest() waits for the disk once, after its last batch
    shop_of = ensure_shops(conn, {(o.shop, o.channel) for o in batch})
    sku_of = stock.ensure_skus(conn, {line.sku for o in batch for line in o.lines}, now)
    known = _known_orders(conn, batch)
    summary = IngestSummary()
    fresh = []
    for order in batch:
        row = known.get((order.channel, order.channel_order_no))
        if row is None:
            fresh.append(order)
        elif row.source_hash == order.fingerprint():
            summary.unchanged += 1
        else:
            _update_known(conn, row, order, sku_of, actor, now)
            summary.updated += 1
    if fresh:
        summary.new = len(fresh)
        summary.held = _insert_new(conn, fresh, shop_of, sku_of, actor, now, history)
    return summary


def canonical_regions(batch: list[NormalisedOrder]) -> list[NormalisedOrder]:
    """Provinces as one of the 34 canonical short names, whatever the channel wrote (浙江省,
    Zhejiang…); read from the address when the channel gave none. A place outside China (a
    Shopify order to Ontario, or any order whose country is another) keeps what the channel wrote."""
    abroad = [regions.is_abroad(o.country) for o in batch]
    provinces = [o.province if away else regions.normalise_province(o.province) for o, away in zip(batch, abroad)]
    lookup = regions.locate(o.address for o, province, away in zip(batch, provinces, abroad) if not (province or away))
    result = []
    for order, province, away in zip(batch, provinces, abroad):
        city = order.city
        if not (province or away):
            found, found_city = lookup.get(order.address, ("", ""))
            province, city = found or order.province, city or found_city
        result.append(
            order if (province, city) == (order.province, order.city) else replace(order, province=province, city=city)
        )
    return result


def ensure_shops(conn: Connection, names: set[tuple[str, str]]) -> dict[str, Row]:
    """Shops by name, creating unknown ones (and their channel) with default settings."""
    wanted = {name for name, _ in names}
    query = select(shops.c.id, shops.c.name, shops.c.reserve_on, shops.c.shipping_cost_cents).where(
        shops.c.name.in_(wanted)
    )
    found = {row.name: row for row in conn.execute(query)}
    for name, channel in sorted(names):
        if name in found:
            continue
        _ensure_channel(conn, channel)
        upsert(conn, shops, [{"name": name, "channel": channel}], ["name"])
        found[name] = conn.execute(query.where(shops.c.name == name)).one()
    return found


def _ensure_channel(conn: Connection, code: str) -> None:
    upsert(conn, channels, [{"code": code, "name": code}], ["code"])


def _known_orders(conn: Connection, batch: list[NormalisedOrder], columns=(orders,)) -> dict[tuple[str, str], Row]:
    by_channel: dict[str, list[str]] = {}
    for order in batch:
        by_channel.setdefault(order.channel, []).append(order.channel_order_no)
    known = {}
    for channel, numbers in by_channel.items():
        query = select(*columns).where(orders.c.channel == channel, orders.c.channel_order_no.in_(numbers))
        known.update({(row.channel, row.channel_order_no): row for row in conn.execute(query)})
    return known


def _insert_new(
    conn: Connection,
    fresh: list[NormalisedOrder],
    shop_of: dict[str, Row],
    sku_of: dict[str, int],
    actor: str,
    now: datetime,
    history: bool,
) -> int:
    """Insert new orders with their lines and give each its stock effect; returns the held count."""
    rows = [_order_row(o, shop_of[o.shop], now) for o in fresh]
    inserted = _insert_orders(conn, fresh, rows)
    lines = [
        (order_id, sku_of[line.sku], line.qty, line.unit_price_cents, line.discount_cents)
        for order_id, order in zip(inserted, fresh)
        for line in merged_lines(order)
    ]
    insert_tuples(conn, order_lines, _LINE_COLUMNS, lines)
    arrivals = list(zip(inserted, fresh))
    batch_stock = stock.BatchStock(stock.available_many(conn, sku_of.values()))
    short = _reserve_arrivals(conn, batch_stock, arrivals, shop_of, sku_of, now)
    if not history:
        gone = [(i, _demand(o, sku_of)) for i, o in arrivals if o.lines and o.status in (SHIPPED, COMPLETED)]
        batch_stock.ship_unreserved(conn, gone, actor, now)
    _record_arrivals(conn, arrivals, actor, now)
    order_holds.hold_for_stock(conn, [order_id for order_id, _ in arrivals if order_id in short], actor, now)
    review.review_orders(conn, inserted, "rules", now)  # hold the orders the review rules flag
    if not history:
        paid = [(i, o) for i, o in arrivals if o.status == PAID and i not in short and o.phone]
        outbox.enqueue(conn, [payment_sms(i, o.channel_order_no, o.phone, o.buyer, now) for i, o in paid])
    batch_stock.settle(conn, now)  # last, so the SKU rows stay locked only until the commit
    return len(short)


def _reserve_arrivals(
    conn: Connection,
    batch_stock: stock.BatchStock,
    arrivals: list[tuple[int, NormalisedOrder]],
    shop_of: dict,
    sku_of: dict,
    now: datetime,
) -> set[int]:
    """Reserve for the open orders that need it; returns those that do not fit (to hold for stock)."""
    demands = [
        (order_id, _demand(order, sku_of))
        for order_id, order in arrivals
        if order.lines and reserves_on_entering(order.status, shop_of[order.shop].reserve_on)
    ]
    reserved = batch_stock.reserve_orders(conn, demands, now)
    return {order_id for order_id, _ in demands if order_id not in reserved}


def _insert_orders(conn: Connection, fresh: list[NormalisedOrder], rows: list[tuple]) -> list[int]:
    """Insert the order rows; returns their ids in the same order."""
    if conn.dialect.name == "sqlite":
        # Under the write lock SQLite gives each new row max(rowid) + 1 in insertion order.
        last = conn.execute(select(func.coalesce(func.max(orders.c.id), 0))).scalar_one()
        insert_tuples(conn, orders, _ORDER_COLUMNS, rows)
        return list(range(last + 1, last + 1 + len(rows)))
    insert_tuples(conn, orders, _ORDER_COLUMNS, rows)
    found = _known_orders(conn, fresh, columns=(orders.c.id, orders.c.channel, orders.c.channel_order_no))
    return [found[(o.channel, o.channel_order_no)].id for o in fresh]


# The fields a newer copy of the order from its channel may overwrite: NormalisedOrder's
# attributes of the same names as the order columns.
_DATA_FIELDS = (
    "buyer",
    "phone",
    "province",
    "city",
    "address",
    "country",
    "created_at",
    "paid_at",
    "platform_updated_at",
    "goods_cents",
    "paid_cents",
    "platform_discount_cents",
    "seller_coupon_cents",
    "shipping_fee_cents",
    "order_total_cents",
    "refund_cents",
    "buyer_remark",
    "seller_remark",
    "tracking_no",
    "carrier",
)
_data_values = attrgetter(*_DATA_FIELDS)
_ORDER_COLUMNS = (
    "channel",
    "channel_order_no",
    "shop_id",
    "status",
    "platform_status",
    "source_hash",
    "updated_at",
    "shipping_cost_cents",
    *_DATA_FIELDS,
)
_LINE_COLUMNS = ("order_id", "sku_id", "qty", "unit_price_cents", "discount_cents")


def _order_row(order: NormalisedOrder, shop: Row, now: datetime) -> tuple:
    """A new order's values for _ORDER_COLUMNS (tuples: intake makes hundreds of thousands)."""
    return (
        order.channel,
        order.channel_order_no,
        shop.id,
        order.status,
        order.status,
        order.fingerprint(),
        now,
        shop.shipping_cost_cents,
        *_data_values(order),
    )


def _data_fields(order: NormalisedOrder) -> dict:
    return dict(zip(_DATA_FIELDS, _data_values(order)))


def merged_lines(order: NormalisedOrder) -> list[OrderLine]:
    """One line per SKU: a channel listing the same SKU twice means the sum of both."""
    merged: dict[str, OrderLine] = {}
    for line in order.lines:
        if line.sku in merged:
            first = merged[line.sku]
            line = OrderLine(
                line.sku, first.qty + line.qty, first.unit_price_cents, first.discount_cents + line.discount_cents
            )
        merged[line.sku] = line
    return list(merged.values())


def _demand(order: NormalisedOrder, sku_of: dict[str, int]) -> stock.Demand:
    if len(order.lines) == 1:
        line = order.lines[0]
        return {sku_of[line.sku]: line.qty}
    demand: stock.Demand = {}
    for line in order.lines:
        sku = sku_of[line.sku]
        demand[sku] = demand.get(sku, 0) + line.qty
    return demand


def _record_arrivals(conn: Connection, arrivals: list[tuple[int, NormalisedOrder]], actor: str, now: datetime) -> None:
    events = [(order_id, now, actor, None, o.status, f"received from {o.channel}") for order_id, o in arrivals]
    insert_tuples(conn, order_events, order_status.EVENT_COLUMNS, events)  # reasons short: no need to cut


def _update_known(
    conn: Connection, row: Row, order: NormalisedOrder, sku_of: dict[str, int], actor: str, now: datetime
) -> None:
    """A changed copy of a known order: refresh its data, add lines it lacked, apply a newer status."""
    newer = _is_newer(order, row)
    values = {"source_hash": order.fingerprint(), "updated_at": now, **_data_fields(order)}
    if not newer:
        values = {"source_hash": values["source_hash"], "updated_at": now}
    # Refunds only add up, and come after an order's last status, often on a file that repeats
    # that status: any copy may raise the refund, none lowers it (a later file without the column).
    values["refund_cents"] = max(row.refund_cents, order.refund_cents)
    conn.execute(update(orders).where(orders.c.id == row.id).values(**values))
    if order.lines and not workflow.demand_of(conn, row.id):
        _add_lines(conn, row, order, sku_of, actor, now)
    if row.status == ON_HOLD:  # its lines or age may have changed: what it waits for follows
        order_status.follow_waits(conn, [row.id])
    if newer:
        conn.execute(update(orders).where(orders.c.id == row.id).values(platform_status=order.status))
        _follow_platform(conn, row.id, order.status, actor, now)


def _is_newer(order: NormalisedOrder, row: Row) -> bool:
    if order.platform_updated_at and row.platform_updated_at:
        return order.platform_updated_at > row.platform_updated_at
    return PLATFORM_RANK[order.status] > PLATFORM_RANK[row.platform_status]


def _add_lines(
    conn: Connection, row: Row, order: NormalisedOrder, sku_of: dict[str, int], actor: str, now: datetime
) -> None:
    """Lines arriving after their order (e.g. Taobao's items file): store them and reserve."""
    conn.execute(
        insert(order_lines),
        [
            {
                "order_id": row.id,
                "sku_id": sku_of[line.sku],
                "qty": line.qty,
                "unit_price_cents": line.unit_price_cents,
                "discount_cents": line.discount_cents,
            }
            for line in merged_lines(order)
        ],
    )
    fresh = conn.execute(select(orders).where(orders.c.id == row.id)).one()
    if fresh.status in (PENDING_PAYMENT, PAID) and workflow.needs_reservation(conn, fresh, fresh.status):
        try:
            stock.reserve(conn, row.id, _demand(order, sku_of), now)
        except stock.InsufficientStock as shortage:
            order_holds.hold_for_stock(conn, [row.id], actor, now, str(shortage))


def _follow_platform(conn: Connection, order_id: int, platform_status: str, actor: str, now: datetime) -> None:
    """Walk the order forward to the platform's newer status (a buyer cancellation releases stock)."""
    current = conn.execute(select(orders.c.status, orders.c.status_before_hold).where(orders.c.id == order_id)).one()
    if platform_status == CANCELLED:
        merge.cancel_parts(conn, order_id, actor, now)  # parts split off a cancelled order go with it
    if current.status == ON_HOLD:
        if platform_status == CANCELLED:
            workflow.advance(conn, order_id, CANCELLED, actor, "cancelled on the platform", now)
        elif PLATFORM_RANK[platform_status] > PLATFORM_RANK[current.status_before_hold]:
            order_status.paid_while_held(conn, order_id)
        return
    for step in _path(current.status, platform_status):
        workflow.advance(conn, order_id, step, actor, "status changed on the platform", now)


def _path(local: str, platform: str) -> list[str]:
    """The forward steps from the local status to the platform's (none if local is ahead)."""
    if platform == CANCELLED:
        return [CANCELLED] if CANCELLED in workflow.ALLOWED[local] else []
    chain = [PENDING_PAYMENT, PAID, SHIPPED, COMPLETED]
    if local not in chain or chain.index(platform) <= chain.index(local):
        return []
    return chain[chain.index(local) + 1 : chain.index(platform) + 1]


def _batches(items: Iterable[NormalisedOrder], size: int) -> Iterator[list[NormalisedOrder]]:
    """Batches with one copy per order key (the last one seen wins within a batch)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield list({(o.channel, o.channel_order_no): o for o in chunk}.values())
