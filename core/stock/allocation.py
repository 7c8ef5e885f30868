"""The one allocation rule: which orders' stock is reserved, for intake, resumes and single orders.

Orders are served in their given order (oldest first), each all or nothing: an order is never
half reserved, and one that does not fit leaves the stock to those after it. core.stock's
BatchStock applies the decision to the rows; core.stock_resume walks the held orders with it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from core.model import PAID, PENDING_PAYMENT

Demand = dict[int, int]  # sku_id -> qty


def allocate(
    demands: Iterable[tuple[int, Demand]], left: dict[int, int], watched: Collection[int] = ()
) -> dict[int, Demand]:
    """The orders whose whole demand fits in what is left, in their order, each taking its share
    off left (a SKU missing from left has nothing). With watched SKUs (stock came back for them),
    the walk ends once none of them has anything left: what follows could only fit by stock that
    did not change, and the callers look only at orders that lacked the watched SKUs."""
    fits: dict[int, Demand] = {}
    for order_id, demand in demands:
        if watched and all(left.get(sku, 0) <= 0 for sku in watched):
            break
        if all(left.get(sku, 0) >= qty for sku, qty in demand.items()):
            for sku, qty in demand.items():
                left[sku] -= qty
            fits[order_id] = demand
    return fits


def reserves_on_entering(status: str, reserve_on: str | None) -> bool:
    """Whether an order entering status holds stock, given its shop's reserve_on setting."""
    return status == PAID or (status == PENDING_PAYMENT and reserve_on == "created")
