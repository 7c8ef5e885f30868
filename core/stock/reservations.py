"""Stock: reservations keyed by (order, SKU) and a ledger row for every change of on_hand.

Every service here runs inside the caller's transaction (core.store.db.transaction). Whether stock
suffices is decided by the database with one conditional UPDATE checked by its row count, so
concurrent processes can never oversell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Update

from core import clock
from core.errors import InsufficientStock, InvalidInput, NotFound
from core.stock.allocation import Demand, allocate
from core.stock.tables import reservations, skus, stock_movements
from core.store.db import bulk_insert, insert_tuples

# What a SKU can still promise (DESIGN.md, invariant 1), as SQL on its row.
AVAILABLE = skus.c.on_hand - skus.c.reserved


class StockRace(Exception):
    """Stock changed between the read and the conditional write; the caller retries."""


def sku_ids(conn: Connection, codes: Iterable[str]) -> dict[str, int]:
    """Map SKU codes to ids; unknown codes are simply absent."""
    wanted = sorted(set(codes))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(conn.execute(select(skus.c.sku, skus.c.id).where(skus.c.sku.in_(chunk))).all())
    return found


def ensure_skus(conn: Connection, codes: Iterable[str], now: datetime) -> dict[str, int]:
    """Ids for the codes; a code never seen (a channel listing we do not stock yet) becomes a
    SKU with no stock, so its orders are held for stock rather than lost. It is flagged
    needs_details until the catalogue gives its name, cost and supplier."""
    found = sku_ids(conn, codes)
    missing = sorted(set(codes) - set(found))
    if missing:
        new = [{"sku": code, "name": code, "updated_at": now, "needs_details": True} for code in missing]
        conn.execute(insert(skus), new)
        found |= sku_ids(conn, missing)
    return found


def sku_id(conn: Connection, code: str) -> int:
    found = sku_ids(conn, [code]).get(code)
    if found is None:
        raise NotFound(key="error.sku_not_found", params={"sku": code})
    return found


def reserve(conn: Connection, order_id: int, demand: Demand, now: datetime | None = None) -> None:
    """Reserve every SKU of the demand or none of them (InsufficientStock); a SKU already
    reserved is a no-op. The one allocation rule decides, as for a batch (BatchStock), and the
    guarded UPDATE on the SKU rows confirms it: stock taken meanwhile makes it fail."""
    now = now or clock.now()
    held = set(conn.execute(select(reservations.c.sku_id).where(reservations.c.order_id == order_id)).scalars())
    missing = {sku: qty for sku, qty in demand.items() if sku not in held}
    if not missing:  # an order held by hand keeps its stock: resuming it reserves nothing
        return
    batch = BatchStock(available_many(conn, missing))
    with conn.begin_nested():
        try:
            if batch.reserve_orders(conn, [(order_id, missing)], now):
                batch.settle(conn, now)
                return
        except StockRace:
            pass
        short = next((sku for sku in sorted(missing) if available(conn, sku) < missing[sku]), min(missing))
        raise InsufficientStock(_code(conn, short), missing[short], available(conn, short))


class BatchStock:
    """A batch of new orders' stock effects: decided in Python from one plain read of the SKUs,
    written as rows at once, and settled on the SKU rows by one guarded UPDATE per SKU that the
    caller makes the last statement of its transaction (settle).

    So a batch holds its SKU row locks (PostgreSQL) only for the moment between settle and
    commit, not while it writes orders, lines, audit rows and messages; clerks shipping or
    cancelling the same SKUs no longer queue behind whole intake batches. The guard re-checks
    availability on the row itself: if another transaction took the stock in between, settle
    raises StockRace and the caller runs the whole batch again.
    """

    def __init__(self, left: dict[int, int]):
        """left: the available stock of each SKU the batch may take from (available_many)."""
        self.left = dict(left)
        self.reserve = Counter()  # sku -> qty to add to reserved
        self.ship = Counter()  # sku -> qty to take off on_hand

    def reserve_orders(self, conn: Connection, demands: Sequence[tuple[int, Demand]], now: datetime) -> set[int]:
        """Reserve for the orders, in their given order, each all-or-nothing; returns those reserved."""
        reserved = allocate(demands, self.left)
        rows = [(order_id, sku, qty, now) for order_id, demand in reserved.items() for sku, qty in demand.items()]
        for _, sku, qty, _ in rows:
            self.reserve[sku] += qty
        insert_tuples(conn, reservations, ("order_id", "sku_id", "qty", "created_at"), rows)
        return set(reserved)

    def ship_unreserved(self, conn: Connection, shipments: Sequence[tuple[int, Demand]], actor: str, now: datetime):
        """Goods that left on the platform's side before we saw their order come off on_hand.

        Never below what is reserved for other orders: a shortfall means the stock count was
        too high, and the ledger row says so, so the next stocktake has its explanation.
        """
        ledger = []
        for order_id, demand in shipments:
            for sku, qty in demand.items():
                out = min(qty, max(self.left[sku], 0))
                self.left[sku] -= out
                self.ship[sku] += out
                note = f"order {order_id} shipped on the platform" + (
                    f"; {qty - out} short in stock" if out < qty else ""
                )
                ledger.append(
                    {
                        "sku_id": sku,
                        "delta": -out,
                        "kind": "ship",
                        "reason": note,
                        "order_id": order_id,
                        "actor": actor,
                        "at": now,
                    }
                )
        bulk_insert(conn, stock_movements, ledger)

    def settle(self, conn: Connection, now: datetime) -> None:
        """The SKU rows take the batch's totals: one guarded UPDATE per SKU, in SKU order (so
        batches never deadlock), sent as one executemany."""
        changes = [
            {"target": sku, "add": self.reserve[sku], "out": self.ship[sku], "need": self.reserve[sku] + self.ship[sku]}
            for sku in sorted(set(self.reserve) | set(self.ship))
            if self.reserve[sku] or self.ship[sku]
        ]
        if not changes:
            return
        guarded = (
            update(skus)
            .where(skus.c.id == bindparam("target"), bindparam("need") <= AVAILABLE)
            .values(
                reserved=skus.c.reserved + bindparam("add"), on_hand=skus.c.on_hand - bindparam("out"), updated_at=now
            )
        )
        if conn.execute(guarded, changes).rowcount != len(changes):
            raise StockRace("a SKU's stock changed during the batch")


def release(conn: Connection, order_id: int, now: datetime | None = None) -> None:
    """Give back everything reserved for the order."""
    give_back(conn, take_reservations(conn, order_id), now or clock.now())


def take_reservations(conn: Connection, order_id: int) -> list[tuple[int, int]]:
    """Delete the order's reservations; returns them as (SKU, qty) in SKU order. The SKU rows
    still count them as reserved until give_back (or ship) settles them."""
    return sorted(tuple(row) for row in conn.execute(_TAKE_RESERVATIONS, {"order_id": order_id}))


def give_back(conn: Connection, taken: list[tuple[int, int]], now: datetime) -> None:
    """The SKU rows stop counting the taken reservations as reserved."""
    _update_skus(conn, _RELEASE, taken, now)


def ship(conn: Connection, order_id: int, actor: str, now: datetime | None = None) -> None:
    """Reserved goods leave the warehouse: on_hand and reserved both drop, one ledger row each."""
    now = now or clock.now()
    held = take_reservations(conn, order_id)
    reason = f"order {order_id}"
    ledger = [
        {
            "sku_id": sku,
            "delta": -qty,
            "kind": "ship",
            "reason": reason,
            "actor": actor,
            "at": now,
            "order_id": order_id,
        }
        for sku, qty in held
    ]
    bulk_insert(conn, stock_movements, ledger)
    _update_skus(conn, _SHIP_OUT, held, now)


def receive(conn: Connection, sku: int, qty: int, actor: str, reason: str = "", now: datetime | None = None) -> None:
    """Goods arrive: on_hand grows by qty."""
    if qty <= 0:
        raise InvalidInput(key="error.receipt_qty", params={"qty": qty})
    now = now or clock.now()
    conn.execute(update(skus).where(skus.c.id == sku).values(on_hand=skus.c.on_hand + qty, updated_at=now))
    _ledger(conn, sku, qty, "receive", reason, actor, now)


def adjust(conn: Connection, sku: int, delta: int, reason: str, actor: str, now: datetime | None = None) -> None:
    """A counted correction of on_hand; it may never take on_hand below what is reserved."""
    if not reason.strip():
        raise InvalidInput(key="error.adjust_reason")
    if delta == 0:
        return
    now = now or clock.now()
    result = conn.execute(
        update(skus)
        .where(skus.c.id == sku, skus.c.on_hand + delta >= skus.c.reserved)
        .values(on_hand=skus.c.on_hand + delta, updated_at=now)
    )
    if result.rowcount != 1:
        raise InsufficientStock(_code(conn, sku), -delta, available(conn, sku))
    _ledger(conn, sku, delta, "adjust", reason, actor, now)


def lock_unless_busy(conn: Connection, sku_list: Iterable[int]) -> dict[int, int]:
    """Lock those of the SKU rows no other transaction holds, without waiting for the rest;
    returns the available stock of each SKU locked. (SQLite has one writer at a time: all.)

    The lock is the one an UPDATE takes (FOR NO KEY UPDATE), so a row that another
    transaction only references, inserting reservations or lines, does not count as busy."""
    if conn.dialect.name != "postgresql":
        return available_many(conn, sku_list)
    wanted = sorted(set(sku_list))
    if not wanted:
        return {}
    query = select(skus.c.id, AVAILABLE).where(skus.c.id.in_(wanted)).order_by(skus.c.id)
    return dict(conn.execute(query.with_for_update(skip_locked=True, key_share=True)).all())


def available(conn: Connection, sku: int) -> int:
    return conn.execute(select(AVAILABLE).where(skus.c.id == sku)).scalar_one()


def available_many(conn: Connection, sku_list: Iterable[int]) -> dict[int, int]:
    """Available stock (on_hand - reserved) per SKU, as committed now; no lock taken."""
    wanted = sorted(set(sku_list))
    if not wanted:
        return {}
    query = select(skus.c.id, AVAILABLE).where(skus.c.id.in_(wanted))
    return dict(conn.execute(query).all())


def stock_violations(conn: Connection) -> list[str]:
    """Every way the stock tables disagree with the invariants in DESIGN.md (empty when sound)."""
    reserved_sum = (
        select(reservations.c.sku_id, func.sum(reservations.c.qty).label("qty"))
        .group_by(reservations.c.sku_id)
        .subquery()
    )
    ledger_sum = (
        select(stock_movements.c.sku_id, func.sum(stock_movements.c.delta).label("qty"))
        .group_by(stock_movements.c.sku_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            skus.c.sku,
            skus.c.on_hand,
            skus.c.reserved,
            func.coalesce(reserved_sum.c.qty, 0),
            func.coalesce(ledger_sum.c.qty, 0),
        )
        .outerjoin(reserved_sum, reserved_sum.c.sku_id == skus.c.id)
        .outerjoin(ledger_sum, ledger_sum.c.sku_id == skus.c.id)
    ).all()
    problems = []
    for code, on_hand, reserved, reserved_rows, ledger in rows:
        if not 0 <= reserved <= on_hand:
            problems.append(f"{code}: reserved {reserved} outside 0..on_hand {on_hand}")
        if reserved != reserved_rows:
            problems.append(f"{code}: reserved {reserved} but reservation rows sum to {reserved_rows}")
        if on_hand != ledger:
            problems.append(f"{code}: on_hand {on_hand} but the ledger sums to {ledger}")
    return problems


def _take(conn: Connection, sku: int, qty: int, now: datetime) -> bool:
    """The guarded reservation: succeeds only while enough is available."""
    result = conn.execute(
        update(skus).where(skus.c.id == sku, qty <= AVAILABLE).values(reserved=skus.c.reserved + qty, updated_at=now)
    )
    return result.rowcount == 1


# The statements of a clerk's every click, built once: building and keying them cost more
# client CPU than sending them, and the pool's clients share two cores with the database.
_RELEASE = (
    update(skus)
    .where(skus.c.id == bindparam("target"))
    .values(reserved=skus.c.reserved - bindparam("qty"), updated_at=bindparam("now"))
)
_SHIP_OUT = _RELEASE.values(on_hand=skus.c.on_hand - bindparam("qty"))
_TAKE_RESERVATIONS = (
    delete(reservations)
    .where(reservations.c.order_id == bindparam("order_id"))
    .returning(reservations.c.sku_id, reservations.c.qty)
)


def _update_skus(conn: Connection, statement: Update, taken: list[tuple[int, int]], now: datetime) -> None:
    """Take qty off the SKU rows (statement: _RELEASE or _SHIP_OUT), in SKU order, as one
    executemany: the caller's last statements, since intake batches with these SKUs wait from
    here to the commit."""
    if taken:
        conn.execute(statement, [{"target": sku, "qty": qty, "now": now} for sku, qty in sorted(taken)])


def _code(conn: Connection, sku: int) -> str:
    return conn.execute(select(skus.c.sku).where(skus.c.id == sku)).scalar_one()


def _ledger(
    conn: Connection,
    sku: int,
    delta: int,
    kind: str,
    reason: str,
    actor: str,
    now: datetime,
    order_id: int | None = None,
) -> None:
    conn.execute(
        insert(stock_movements).values(
            sku_id=sku, delta=delta, kind=kind, reason=reason, actor=actor, at=now, order_id=order_id
        )
    )
