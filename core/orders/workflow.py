"""Order workflow: one table of allowed transitions and one function that applies them.

A transition's stock effect, its audit row and its bound actions (outbox messages, tracking
number) happen in the caller's transaction, so they commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, or_, select, tuple_, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.sql import Select

from core import clock
from core.carriers import CARRIER_NAMES, DEFAULT_CARRIER, carrier_of
from core.errors import IllegalTransition, InsufficientStock, NotFound
from core.model import (
    CANCELLED,
    COMPLETED,
    HOLD_INSUFFICIENT_STOCK,
    HOLD_MANUAL,
    ON_HOLD,
    PAID,
    PENDING_PAYMENT,
    SHIPPED,
)
from core.orders.tables import order_events, order_lines, orders, stock_waits
from core.stock import reservations as stock
from core.stock.tables import reservations, skus
from core.store import outbox
from core.store.db import insert_tuples, transaction
from core.store.tables import shops

ALLOWED: dict[str, set[str]] = {
    PENDING_PAYMENT: {PAID, CANCELLED, ON_HOLD},
    PAID: {SHIPPED, CANCELLED, ON_HOLD},
    SHIPPED: {COMPLETED},
    COMPLETED: set(),
    CANCELLED: set(),
    # Resuming goes back to the status the order was held from (checked in advance()).
    ON_HOLD: {PENDING_PAYMENT, PAID, CANCELLED},
}

TIMESTAMP_OF = {PAID: "paid_at", SHIPPED: "shipped_at", COMPLETED: "completed_at", CANCELLED: "cancelled_at"}
SYSTEM = "system"  # the actor of what OrderHub does by itself (a resume when stock comes back)
# What advance() and its actions read of an order (a third of its columns), on every click;
# built once, as building and keying a statement costs the client more than sending it.
_LOAD = select(
    *(orders.c[name] for name in ("id", "shop_id", "channel_order_no", "status", "status_before_hold")),
    *(orders.c[name] for name in ("buyer", "phone", "carrier", "tracking_no", *TIMESTAMP_OF.values())),
).where(orders.c.id == bindparam("order_id"))
_LOAD_LOCKED = _LOAD.with_for_update()


def advance(
    conn: Connection,
    order_id: int,
    to_status: str,
    actor: str,
    reason: str = "",
    now: datetime | None = None,
    tracking_no: str | None = None,
    carrier: str | None = None,
) -> str:
    """Move the order to to_status with its stock effect, audit row and bound actions.

    Returns the status the order ends in: payment of an order whose stock cannot be
    reserved ends on hold (the buyer has paid on the platform; we must not oversell).
    """
    order = _load(conn, order_id)
    return _advance(conn, order, to_status, actor, reason, now or clock.now(), tracking_no, carrier)


def _advance(
    conn: Connection,
    order: Row,
    to_status: str,
    actor: str,
    reason: str,
    now: datetime,
    tracking_no: str | None,
    carrier: str | None = None,
) -> str:
    """advance() on an order already loaded (and locked) in this transaction."""
    order_id = order.id
    _check_allowed(order, to_status)
    values: dict = {"status": to_status, "updated_at": now}
    if to_status in TIMESTAMP_OF and getattr(order, TIMESTAMP_OF[to_status]) is None:
        values[TIMESTAMP_OF[to_status]] = now
    if to_status == ON_HOLD:
        values |= {"status_before_hold": order.status, "hold_reason": reason or HOLD_MANUAL}
    elif order.status == ON_HOLD:
        values |= {"status_before_hold": None, "hold_reason": None}
    if to_status in (PENDING_PAYMENT, PAID) and needs_reservation(conn, order, to_status):
        try:
            stock.reserve(conn, order_id, demand_of(conn, order_id), now)
        except InsufficientStock as shortage:
            if order.status == ON_HOLD:
                raise
            values |= {"status": ON_HOLD, "status_before_hold": to_status, "hold_reason": HOLD_INSUFFICIENT_STOCK}
            reason = str(shortage)
    if to_status == SHIPPED:
        chosen = carrier or order.carrier or DEFAULT_CARRIER
        values["carrier"], values["tracking_no"] = waybill(order_id, chosen, tracking_no or order.tracking_no)
    conn.execute(update(orders).where(orders.c.id == order_id).values(**values))
    record_event(conn, order_id, order.status, values["status"], actor, reason, now)
    _fire_actions(conn, order, values, now)
    # Last: from its first SKU row update until the commit, every intake batch with that SKU waits.
    if to_status == CANCELLED:
        release_resuming_held(conn, order_id, now)
    elif to_status == SHIPPED:
        stock.ship(conn, order_id, actor, now)
    return values["status"]


def hold(conn: Connection, order_id: int, actor: str, reason: str = HOLD_MANUAL, now: datetime | None = None) -> str:
    return advance(conn, order_id, ON_HOLD, actor, reason, now)


def resume(conn: Connection, order_id: int, actor: str, now: datetime | None = None) -> str:
    """Take an order off hold, back to the status it was held from (reserving its stock)."""
    order = _load(conn, order_id)
    if order.status != ON_HOLD:
        raise IllegalTransition(order.channel_order_no, order.status, "resume")
    return _advance(conn, order, order.status_before_hold, actor, "resumed", now or clock.now(), None)


def retry_held(conn: Connection, sku_ids: Iterable[int], now: datetime | None = None, actor: str = SYSTEM) -> list[int]:
    """Stock came back for these SKUs: resume orders held for stock, oldest first; returns them.

    Where the caller can, it wraps the change itself in resuming_held instead, which looks for
    the waiting orders before the change locks the SKU rows.
    """
    with resuming_held(conn, sku_ids, now, actor) as resumed:
        pass
    return resumed


def release_fitting_held(conn: Connection, actor: str, now: datetime | None = None) -> list[int]:
    """Every order held for stock whose whole demand the stock now covers, resumed oldest first in
    one go (an order passed over when its stock came back, e.g. while another SKU still lacked);
    audited under the actor. Returns their ids."""
    waiting = conn.execute(select(stock_waits.c.sku_id).distinct()).scalars().all()
    return retry_held(conn, waiting, now, actor)


def release_resuming_held(conn: Connection, order_id: int, now: datetime) -> list[int]:
    """Give back what is reserved for the order, resuming the orders held for that stock that
    then fit, oldest first; returns their ids. The reservations go first: they say which SKUs
    to look for waiting orders on, and deleting them locks no SKU row."""
    taken = stock.take_reservations(conn, order_id)
    with resuming_held(conn, [sku for sku, _ in taken], now) as resumed:
        stock.give_back(conn, taken, now)
    return resumed


@contextmanager
def resuming_held(
    conn: Connection, sku_ids: Iterable[int], now: datetime | None = None, actor: str = SYSTEM
) -> Iterator[list[int]]:
    """Around a change that gives these SKUs stock back (a receipt, a cancellation): resume the
    orders held for their stock that then fit, oldest first; the list yielded holds their ids
    once the block is done.

    Only an order whose whole demand fits is resumed, and the walk stops once none of the SKUs
    has anything left. The first page of waiting orders is looked for before the block, since
    the change locks the SKU rows (PostgreSQL) until the commit: a search done after it kept
    every intake batch and clerk touching those SKUs waiting. The orders are then resumed
    together, as intake reserves a batch (_resume_together).
    """
    now = now or clock.now()
    freed = sorted(set(sku_ids))
    waiting = _waiting_for(conn, freed) if freed else _Waiting([], None)
    resumed: list[int] = []
    yield resumed
    while waiting.orders:
        resumed += _resume_waiting(conn, waiting.orders, freed, now, actor)
        if waiting.after is None or all(left <= 0 for left in stock.available_many(conn, freed).values()):
            break
        waiting = _waiting_for(conn, freed, waiting.after)


def _resume_waiting(
    conn: Connection, waiting: list[tuple[int, stock.Demand]], freed: list[int], now: datetime, actor: str
) -> list[int]:
    """Resume the waiting orders (oldest first) that fit; one whose rows another transaction
    holds is passed over, and its share of the stock goes to the next in line (the next page's
    orders, too: this page's are not looked at again)."""
    available = stock.available_many(conn, {sku for _, demand in waiting for sku in demand} | set(freed))
    resumed: list[int] = []
    done: set[int] = set()
    while True:
        candidates = [(order_id, demand) for order_id, demand in waiting if order_id not in done]
        chosen = _fitting(candidates, dict(available), freed)
        if not chosen:
            return resumed
        taken, busy = _resume_together(conn, chosen, freed, now, actor)
        resumed += taken
        if not busy:
            return resumed
        done |= busy | set(taken)
        available = stock.available_many(conn, available)


def _resume_together(
    conn: Connection, chosen: dict[int, stock.Demand], freed: list[int], now: datetime, actor: str
) -> tuple[list[int], set[int]]:
    """Resume those of the chosen orders that still fit once their rows are locked, oldest
    first, with their reservations, audit rows and payment SMS. Returns the ids resumed and
    the ids passed over because another transaction holds their order or a SKU they need.

    The locks are taken without waiting: the caller holds the freed SKUs' rows already, so
    waiting for another row (a SKU in an intake batch, an order a clerk is changing) could
    deadlock. An order passed over is tried again the next time stock comes back.
    """
    locked = stock.lock_unless_busy(conn, {sku for demand in chosen.values() for sku in demand} | set(freed))
    claimed = _claim_held(conn, [order_id for order_id, demand in chosen.items() if demand.keys() <= locked.keys()])
    demands = _still_to_reserve(conn, claimed)  # read again under the lock: lines may have changed since
    batch = stock.BatchStock(locked)  # a SKU not locked counts as having nothing
    fitting = _fitting(list(demands.items()), dict(batch.left), freed)
    rows = _take_off_hold(conn, list(fitting), now)
    batch.reserve_orders(conn, [(row.id, fitting[row.id]) for row in rows], now)
    events = [(row.id, now, actor, ON_HOLD, row.status, "resumed") for row in rows]
    insert_tuples(conn, order_events, EVENT_COLUMNS, events)
    paid = [row for row in rows if row.status == PAID and row.phone]
    outbox.enqueue(conn, [payment_sms(row.id, row.channel_order_no, row.phone, row.buyer, now) for row in paid])
    batch.settle(conn, now)
    return list(fitting), set(chosen) - {row.id for row in claimed}


def reserves_on_entering(status: str, reserve_on: str | None) -> bool:
    """Whether an order entering status holds stock, given its shop's reserve_on setting."""
    return status == PAID or (status == PENDING_PAYMENT and reserve_on == "created")


WAITING_PAGE = 100  # held orders looked at per step; a cancellation usually resumes one or two
EVENT_COLUMNS = ("order_id", "at", "actor", "from_status", "to_status", "reason")
# An order held because its stock was short, from a status it can go back to by itself.
_HELD_FOR_STOCK = (
    orders.c.status == ON_HOLD,
    orders.c.hold_reason == HOLD_INSUFFICIENT_STOCK,
    orders.c.status_before_hold.in_((PENDING_PAYMENT, PAID)),
)
_HELD_COLUMNS = (orders.c.id, orders.c.created_at, orders.c.status_before_hold, shops.c.reserve_on)
# reserves_on_entering(status_before_hold, reserve_on), for a held order joined to its shop.
_RESERVES_ON_RESUMING = or_(
    orders.c.status_before_hold == PAID,
    and_(orders.c.status_before_hold == PENDING_PAYMENT, shops.c.reserve_on == "created"),
)

# An order line whose SKU the order has not reserved: what resuming it must still reserve.
_LINE_UNRESERVED = ~(
    select(reservations.c.order_id)
    .where(reservations.c.order_id == order_lines.c.order_id, reservations.c.sku_id == order_lines.c.sku_id)
    .exists()
)
_UNRESERVED_LINES = select(order_lines.c.order_id, order_lines.c.sku_id, order_lines.c.qty).where(_LINE_UNRESERVED)
# The line's SKU's available stock, looked up by key for each line the search checks. As a join,
# PostgreSQL chose to hash the whole SKU table again for each held order walked past (a small
# catalogue looks cheap to scan): in a sell-out of 36,000 held orders over 40 SKUs its query took
# 12 ms on average, 8.5-10 ms by key.
_AVAILABLE_FOR_LINE = select(stock.AVAILABLE).where(skus.c.id == order_lines.c.sku_id).scalar_subquery()


def _fitting(
    candidates: list[tuple[int, stock.Demand]], left: dict[int, int], freed: list[int]
) -> dict[int, stock.Demand]:
    """The candidates, in their order, whose whole demand fits in what is left, each taking its
    share; the walk ends once none of the freed SKUs has anything left."""
    fits: dict[int, stock.Demand] = {}
    for order_id, demand in candidates:
        if all(left.get(sku, 0) <= 0 for sku in freed):
            break
        if all(left.get(sku, 0) >= qty for sku, qty in demand.items()):
            for sku, qty in demand.items():
                left[sku] -= qty
            fits[order_id] = demand
    return fits


def _claim_held(conn: Connection, order_ids: list[int]) -> list[Row]:
    """Lock those of the orders still held for stock that no other transaction holds, without
    waiting; returns them (their _HELD_COLUMNS) in the given order. SQLite: all still held."""
    claimed: dict[int, Row] = {}
    for chunk in _chunks(order_ids):
        query = (
            select(*_HELD_COLUMNS)
            .join(shops, shops.c.id == orders.c.shop_id)
            .where(orders.c.id.in_(chunk), *_HELD_FOR_STOCK)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(of=orders, skip_locked=True, key_share=True)
        claimed.update((row.id, row) for row in conn.execute(query))
    return [claimed[order_id] for order_id in order_ids if order_id in claimed]


def _take_off_hold(conn: Connection, order_ids: list[int], now: datetime) -> list[Row]:
    """Put the claimed orders back in the status they were held from."""
    resumed = []
    for chunk in _chunks(order_ids):
        statement = (
            update(orders)
            .where(orders.c.id.in_(chunk))
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
    return resumed


@dataclass(frozen=True)
class _Waiting:
    """A page of the orders waiting for some SKUs, oldest first, each with what resuming it must
    still reserve; after: where the next page starts, None when this is the last."""

    orders: list[tuple[int, stock.Demand]]
    after: tuple[datetime, int] | None


def _waiting_for(conn: Connection, sku_ids: list[int], after: tuple[datetime, int] | None = None) -> _Waiting:
    """The oldest WAITING_PAGE orders held for stock that want any of the SKUs, from after on.

    Not those short on some other SKU, which these SKUs' stock cannot help: in a sell-out, many.
    One index range per SKU (stock_waits by age), merged here: a SKU in a sell-out has thousands
    waiting, and a cancellation frees enough for one or two of them."""
    rows: list[Row] = []
    more = False  # beyond this page: a SKU's range went on, or the merge left some out
    for sku in sku_ids:
        page = conn.execute(_waiting_query(sku, sku_ids, after)).all()
        more |= len(page) == WAITING_PAGE
        rows += page
    merged = sorted({row.id: row for row in rows}.values(), key=lambda row: (row.waiting_since, row.id))
    oldest = merged[:WAITING_PAGE]
    more |= len(merged) > WAITING_PAGE
    demands = _still_to_reserve(conn, oldest)
    return _Waiting(list(demands.items()), (oldest[-1].waiting_since, oldest[-1].id) if more else None)


def _waiting_query(sku: int, sku_ids: list[int], after: tuple[datetime, int] | None) -> Select:
    short_elsewhere = (
        select(order_lines.c.order_id)
        .where(
            order_lines.c.order_id == orders.c.id,
            order_lines.c.sku_id.not_in(sku_ids),
            order_lines.c.qty > _AVAILABLE_FOR_LINE,
            _LINE_UNRESERVED,
        )
        .exists()
    )
    query = (
        select(*_HELD_COLUMNS, stock_waits.c.created_at.label("waiting_since"))
        .select_from(stock_waits)
        .join(orders, orders.c.id == stock_waits.c.order_id)
        .join(shops, shops.c.id == orders.c.shop_id)
        .where(stock_waits.c.sku_id == sku, *_HELD_FOR_STOCK, ~and_(_RESERVES_ON_RESUMING, short_elsewhere))
        .order_by(stock_waits.c.created_at, stock_waits.c.order_id)
        .limit(WAITING_PAGE)
    )
    if after is not None:
        query = query.where(tuple_(stock_waits.c.created_at, stock_waits.c.order_id) > tuple_(*after))
    return query


def _still_to_reserve(conn: Connection, held: list[Row]) -> dict[int, stock.Demand]:
    """What resuming each held order must reserve: its lines, less any SKU reserved already
    (nothing when its shop reserves only on payment and it was unpaid)."""
    demand: dict[int, stock.Demand] = {row.id: {} for row in held}
    reserving = [row.id for row in held if reserves_on_entering(row.status_before_hold, row.reserve_on)]
    for ids in _chunks(sorted(reserving)):
        for order_id, sku, qty in conn.execute(_UNRESERVED_LINES.where(order_lines.c.order_id.in_(ids))):
            demand[order_id][sku] = qty
    return demand


def _chunks(ids: list[int], size: int = 1000) -> list[list[int]]:
    """Id lists short enough for one IN (...) on either engine."""
    return [ids[at : at + size] for at in range(0, len(ids), size)]


def cancel_unpaid_past_timeout(engine: Engine, now: datetime | None = None) -> int:
    """Cancel unpaid orders older than their shop's payment timeout; returns how many."""
    now = now or clock.now()
    with transaction(engine) as conn:
        candidates = conn.execute(
            select(orders.c.id, orders.c.created_at, shops.c.payment_timeout_minutes)
            .join(shops, shops.c.id == orders.c.shop_id)
            .where(orders.c.status == PENDING_PAYMENT)
        ).all()
        expired = [
            row.id for row in candidates if row.created_at + timedelta(minutes=row.payment_timeout_minutes) < now
        ]
        for order_id in expired:
            advance(conn, order_id, CANCELLED, "system", "payment timeout", now)
    return len(expired)


def needs_reservation(conn: Connection, order: Row, to_status: str) -> bool:
    """Whether entering to_status should hold stock for the order, per its shop's setting."""
    reserve_on = None
    if to_status == PENDING_PAYMENT:
        reserve_on = conn.execute(select(shops.c.reserve_on).where(shops.c.id == order.shop_id)).scalar_one()
    return reserves_on_entering(to_status, reserve_on)


def demand_of(conn: Connection, order_id: int) -> stock.Demand:
    rows = conn.execute(select(order_lines.c.sku_id, order_lines.c.qty).where(order_lines.c.order_id == order_id))
    return dict(rows.all())


def record_event(
    conn: Connection, order_id: int, from_status: str | None, to_status: str, actor: str, reason: str, now: datetime
) -> None:
    insert_tuples(conn, order_events, EVENT_COLUMNS, [(order_id, now, actor, from_status, to_status, reason[:300])])


def tracking_number_for(order_id: int, carrier: str = DEFAULT_CARRIER) -> str:
    """Our own waybill number when none is scanned: carrier code, 12 digits, unique per order."""
    return f"{carrier if carrier in CARRIER_NAMES else DEFAULT_CARRIER}{order_id:012d}"


def waybill(order_id: int, carrier: str, tracking_no: str | None) -> tuple[str, str]:
    """The carrier and number an order leaves with: a scanned number whose prefix names a carrier
    (YT… is 圆通) goes with that carrier, not the one chosen; without a number, our own for the carrier."""
    if tracking_no:
        return carrier_of(tracking_no) or carrier, tracking_no
    return carrier, tracking_number_for(order_id, carrier)


def payment_sms(order_id: int, order_no: str, phone: str, buyer: str, now: datetime) -> dict:
    return outbox.message(
        f"sms:paid:{order_id}", "sms", phone, "order_paid", {"order_no": order_no, "buyer": buyer}, now
    )


def shipping_sms(order_id: int, order_no: str, phone: str, carrier: str, tracking_no: str, now: datetime) -> dict:
    payload = {"order_no": order_no, "carrier": carrier, "tracking_no": tracking_no}
    return outbox.message(f"sms:shipped:{order_id}", "sms", phone, "order_shipped", payload, now)


def reserved_qty(conn: Connection, order_id: int) -> int:
    query = select(func.coalesce(func.sum(reservations.c.qty), 0)).where(reservations.c.order_id == order_id)
    return conn.execute(query).scalar_one()


def _check_allowed(order: Row, to_status: str) -> None:
    allowed = ALLOWED[order.status]
    if order.status == ON_HOLD:
        allowed = {order.status_before_hold, CANCELLED}
    if to_status not in allowed:
        raise IllegalTransition(order.channel_order_no, order.status, to_status)


def _fire_actions(conn: Connection, order: Row, values: dict, now: datetime) -> None:
    """The actions bound to the status the order just entered."""
    if not order.phone:
        return
    if values["status"] == PAID:
        outbox.enqueue(conn, [payment_sms(order.id, order.channel_order_no, order.phone, order.buyer, now)])
    elif values["status"] == SHIPPED:
        sms = shipping_sms(order.id, order.channel_order_no, order.phone, values["carrier"], values["tracking_no"], now)
        outbox.enqueue(conn, [sms])


def _load(conn: Connection, order_id: int) -> Row:
    """The order's columns a transition reads, its row locked (PostgreSQL) until the commit."""
    query = _LOAD_LOCKED if conn.dialect.name == "postgresql" else _LOAD
    order = conn.execute(query, {"order_id": order_id}).first()
    if order is None:
        raise NotFound(key="error.order_id_not_found", params={"order_id": order_id})
    return order


def order_id_by_no(conn: Connection, channel_order_no: str, channel: str | None = None) -> int:
    """The internal id of a channel order number (the channel is needed only when ambiguous)."""
    query = select(orders.c.id).where(orders.c.channel_order_no == channel_order_no)
    if channel:
        query = query.where(orders.c.channel == channel)
    found = conn.execute(query).scalars().all()
    if len(found) != 1:
        key = "error.order_not_found" if not found else "error.order_on_several_channels"
        raise NotFound(key=key, params={"order_no": channel_order_no})
    return found[0]
