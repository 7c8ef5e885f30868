"""Stock came back (a receipt, a count, a return, a cancellation): resume the orders held for it.

The orders waiting for a SKU are found through stock_waits (core.order_status keeps it), oldest
first, and resumed together when their whole demand fits, by the one allocation rule
(core.allocation), with their reservations, audit rows and payment SMS in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql import Select

from core import clock
from core.messages import outbox
from core.model import ON_HOLD, PAID, PENDING_PAYMENT
from core.orders import status as order_status
from core.orders.messages import payment_sms
from core.orders.status import HELD_FOR_STOCK, chunks
from core.orders.tables import order_lines, orders, stock_waits
from core.stock import allocation
from core.stock import reservations as stock
from core.stock.allocation import Demand, allocate
from core.stock.tables import reservations, skus
from core.store.tables import shops

SYSTEM = "system"  # the actor of what OrderHub does by itself (a resume when stock comes back)


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
    conn: Connection, waiting: list[tuple[int, Demand]], freed: list[int], now: datetime, actor: str
) -> list[int]:
    """Resume the waiting orders (oldest first) that fit; one whose rows another transaction
    holds is passed over, and its share of the stock goes to the next in line (the next page's
    orders, too: this page's are not looked at again)."""
    available = stock.available_many(conn, {sku for _, demand in waiting for sku in demand} | set(freed))
    resumed: list[int] = []
    done: set[int] = set()
    while True:
        candidates = [(order_id, demand) for order_id, demand in waiting if order_id not in done]
        chosen = allocate(candidates, dict(available), freed)
        if not chosen:
            return resumed
        taken, busy = _resume_together(conn, chosen, freed, now, actor)
        resumed += taken
        if not busy:
            return resumed
        done |= busy | set(taken)
        available = stock.available_many(conn, available)


def _resume_together(
    conn: Connection, chosen: dict[int, Demand], freed: list[int], now: datetime, actor: str
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
    fitting = allocate(list(demands.items()), dict(batch.left), freed)
    rows = order_status.take_off_hold(conn, list(fitting), now)
    batch.reserve_orders(conn, [(row.id, fitting[row.id]) for row in rows], now)
    order_status.record_events(conn, [(row.id, now, actor, ON_HOLD, row.status, "resumed") for row in rows])
    paid = [row for row in rows if row.status == PAID and row.phone]
    outbox.enqueue(conn, [payment_sms(row.id, row.channel_order_no, row.phone, row.buyer, now) for row in paid])
    batch.settle(conn, now)
    return list(fitting), set(chosen) - {row.id for row in claimed}


WAITING_PAGE = 100  # held orders looked at per step; a cancellation usually resumes one or two
_HELD_COLUMNS = (orders.c.id, orders.c.created_at, orders.c.status_before_hold, shops.c.reserve_on)
# allocation.reserves_on_entering(status_before_hold, reserve_on), for a held order joined to its shop.
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


def _claim_held(conn: Connection, order_ids: list[int]) -> list[Row]:
    """Lock those of the orders still held for stock that no other transaction holds, without
    waiting; returns them (their _HELD_COLUMNS) in the given order. SQLite: all still held."""
    claimed: dict[int, Row] = {}
    for chunk in chunks(order_ids):
        query = (
            select(*_HELD_COLUMNS)
            .join(shops, shops.c.id == orders.c.shop_id)
            .where(orders.c.id.in_(chunk), *HELD_FOR_STOCK)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(of=orders, skip_locked=True, key_share=True)
        claimed.update((row.id, row) for row in conn.execute(query))
    return [claimed[order_id] for order_id in order_ids if order_id in claimed]


@dataclass(frozen=True)
class _Waiting:
    """A page of the orders waiting for some SKUs, oldest first, each with what resuming it must
    still reserve; after: where the next page starts, None when this is the last."""

    orders: list[tuple[int, Demand]]
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
        .where(stock_waits.c.sku_id == sku, *HELD_FOR_STOCK, ~and_(_RESERVES_ON_RESUMING, short_elsewhere))
        .order_by(stock_waits.c.created_at, stock_waits.c.order_id)
        .limit(WAITING_PAGE)
    )
    if after is not None:
        query = query.where(tuple_(stock_waits.c.created_at, stock_waits.c.order_id) > tuple_(*after))
    return query


def _still_to_reserve(conn: Connection, held: list[Row]) -> dict[int, Demand]:
    """What resuming each held order must reserve: its lines, less any SKU reserved already
    (nothing when its shop reserves only on payment and it was unpaid)."""
    demand: dict[int, Demand] = {row.id: {} for row in held}
    reserving = [row.id for row in held if allocation.reserves_on_entering(row.status_before_hold, row.reserve_on)]
    for ids in chunks(sorted(reserving)):
        for order_id, sku, qty in conn.execute(_UNRESERVED_LINES.where(order_lines.c.order_id.in_(ids))):
            demand[order_id][sku] = qty
    return demand
