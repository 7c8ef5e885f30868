"""The money figures, each defined once; every report, screen, export and CLI command uses these.

- A *paid order*: the buyer paid and the order stands: status paid, shipped or completed, or held
  after payment. Pending orders are no sale yet; cancelled ones (before payment, or refunded and
  closed after it) are none at all.
- *Paid amount* (成交额, paid_cents): what buyers paid on paid orders (shipping in, platform
  discounts and seller coupons out). GMV in every report is this figure.
- *Goods value* (商品金额, goods_cents): the paid orders' goods at their prices, before discounts,
  without shipping.
- *Refunds* (退款, refund_cents): on each paid order, the larger of what its channel says was
  refunded and what our after-sales tickets refunded (one refund seen twice counts once);
  refund_orders: the paid orders with a refund.
- *Net sales* (净销售额, net_cents): paid amount − refunds.

A paid order belongs to the day it was paid, or the day it was placed when its channel gave no
payment time. The SQL here runs unchanged on DuckDB (the snapshot), SQLite and PostgreSQL.
docs/figures.md is the same table for people.
"""

from __future__ import annotations

from core.model import COMPLETED, ON_HOLD, PAID, SHIPPED

PAID_STATUSES = (PAID, SHIPPED, COMPLETED)
FIGURES = ("paid_orders", "paid_cents", "goods_cents", "refund_cents", "refund_orders", "net_cents")

# What after-sales tickets refunded, per order (a ticket's refund is set when it is refunded).
TICKET_REFUNDS = (
    "SELECT order_id, sum(refund_cents) AS refund_cents FROM tickets WHERE refund_cents IS NOT NULL GROUP BY order_id"
)


def _prefix(alias: str) -> str:
    return f"{alias}." if alias else ""


def paid_order(alias: str = "") -> str:
    """SQL condition: the order is a paid order."""
    p = _prefix(alias)
    statuses = ", ".join(f"'{status}'" for status in PAID_STATUSES)
    return f"({p}status IN ({statuses}) OR ({p}status = '{ON_HOLD}' AND {p}paid_at IS NOT NULL))"


def paid_day(alias: str = "") -> str:
    """SQL expression: the moment a paid order counts from (payment, else placement)."""
    p = _prefix(alias)
    return f"coalesce({p}paid_at, {p}created_at)"


def paid_amount(alias: str = "", also: str = "TRUE") -> str:
    """SQL aggregate: the paid amount of the grouped orders that are paid orders (and meet `also`)."""
    p = _prefix(alias)
    return f"CAST(coalesce(sum({p}paid_cents) FILTER (WHERE {paid_order(alias)} AND {also}), 0) AS BIGINT)"


def order_refund(order: str = "o", refunds: str = "t") -> str:
    """SQL expression: an order's refund, with TICKET_REFUNDS left-joined to it as `refunds`."""
    ticket, own = f"coalesce({refunds}.refund_cents, 0)", f"{order}.refund_cents"
    return f"CASE WHEN {ticket} > {own} THEN {ticket} ELSE {own} END"


def with_refunds(orders: str = "orders o") -> str:
    """SQL FROM item: the orders with their tickets' refunds left-joined as t (for order_refund)."""
    return f"{orders} LEFT JOIN ({TICKET_REFUNDS}) t ON t.order_id = {orders.split()[-1]}.id"


def paid_orders() -> str:
    """SQL relation: every paid order with its channel, shop_id, paid_day, paid_cents, goods_cents
    and refund_cents (the order's refund as defined above)."""
    return (
        f"SELECT o.id, o.channel, o.shop_id, {paid_day('o')} AS paid_day, o.paid_cents, o.goods_cents, "
        f"{order_refund()} AS refund_cents FROM {with_refunds()} WHERE {paid_order('o')}"
    )


def totals(where: str = "TRUE") -> str:
    """SQL: one row of FIGURES over the paid orders meeting `where` (on paid_orders()' columns)."""
    return f"""
        SELECT count(*) AS paid_orders,
               CAST(coalesce(sum(paid_cents), 0) AS BIGINT) AS paid_cents,
               CAST(coalesce(sum(goods_cents), 0) AS BIGINT) AS goods_cents,
               CAST(coalesce(sum(refund_cents), 0) AS BIGINT) AS refund_cents,
               count(*) FILTER (WHERE refund_cents > 0) AS refund_orders,
               CAST(coalesce(sum(paid_cents - refund_cents), 0) AS BIGINT) AS net_cents
        FROM ({paid_orders()}) paid WHERE {where}"""
