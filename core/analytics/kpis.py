"""Operations KPIs and channel profit on the analytics snapshot.

Definitions (the date range filters orders by creation unless said otherwise):
- orders handled per day: orders shipped in the range / days in the range;
- error rate: counted orders that were ever held (any reason, address errors included) or were
  returned for a seller-caused reason, / all counted orders;
- orders per staff member per day: distinct orders a person (not an import, worker or other
  system actor) moved in the audit log, averaged over the days each person worked;
- paid→shipped: mean hours from payment to shipment of the orders shipped in the range;
- on time: shipped within ON_TIME_HOURS of payment; the base is the orders paid in the range
  that have shipped or are already late (not yet shipped, deadline passed, not cancelled);
- profit, as core.orders.profit defines it for one order: paid amount (platform discounts and seller
  coupons are already out of it) − goods cost (qty × SKU unit cost) − commission (channel basis
  points of the paid amount, half up to the cent) − our shipping cost; over the paid orders of
  core.orders.figures. A promotion loss is such an order with a discount or coupon and a negative profit.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from core.analytics.analytics import Snapshot
from core.analytics.analytics_tables import SYSTEM_ACTORS
from core.analytics.reports import Filters, counted, masked
from core.model import SELLER_FAULT_RETURN_REASONS
from core.orders import figures

ON_TIME_HOURS = 48
# Audit actors that are processes, not people (import, worker, pull:taobao, connector.jd ...).
SYSTEM_ACTOR = rf"^({'|'.join((*SYSTEM_ACTORS, 'pull', 'connector'))})([:._ -].*)?$"
ADDRESS_ERROR = r"(?i)(address|地址)"


def kpis(snap: Snapshot, f: Filters, role: str, now: datetime) -> pd.DataFrame:
    """One row: the operations KPIs for the filters (rates are fractions 0–1, NaN when no base)."""
    row = {**_errors(snap, f), **_shipping(snap, f, now), **_staff_summary(snap, f)}
    row["orders_handled_per_day"] = row.pop("shipped_in_range") / f.days
    row["error_rate"] = _ratio(row["error_orders"], row["counted_orders"])
    row["on_time_rate"] = _ratio(row["on_time_orders"], row["on_time_base"])
    return masked(role, pd.DataFrame([row]))


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else float("nan")


def _errors(snap: Snapshot, f: Filters) -> dict:
    scope, params = f.scope("o")
    window, window_params = f.between("o.created_at")
    return (
        snap.query(
            f"""
        WITH held AS (
            SELECT order_id, bool_or(regexp_matches(reason, ?)) AS address
            FROM order_events WHERE to_status = 'on_hold' GROUP BY order_id),
        o AS (
            SELECT o.id,
                   h.order_id IS NOT NULL OR o.status = 'on_hold' AS held,
                   coalesce(h.address, FALSE) OR regexp_matches(coalesce(o.hold_reason, ''), ?) AS address_error,
                   coalesce(list_contains(?, o.return_reason), FALSE) AS seller_return
            FROM orders o LEFT JOIN held h ON h.order_id = o.id
            WHERE {scope} AND {window} AND {counted("o")})
        SELECT count(*) AS counted_orders, count(*) FILTER (held) AS held_orders,
               count(*) FILTER (address_error) AS address_error_orders,
               count(*) FILTER (seller_return) AS seller_return_orders,
               count(*) FILTER (held OR address_error OR seller_return) AS error_orders
        FROM o""",
            [ADDRESS_ERROR, ADDRESS_ERROR, sorted(SELLER_FAULT_RETURN_REASONS), *params, *window_params],
        )
        .iloc[0]
        .to_dict()
    )


def _shipping(snap: Snapshot, f: Filters, now: datetime) -> dict:
    scope, params = f.scope()
    shipped, shipped_params = f.between("shipped_at")
    paid, paid_params = f.between("paid_at")
    deadline = f"paid_at + INTERVAL {ON_TIME_HOURS} HOUR"
    return (
        snap.query(
            f"""
        SELECT count(*) FILTER ({shipped}) AS shipped_in_range,
               avg(epoch(shipped_at - paid_at) / 3600.0) FILTER ({shipped} AND paid_at IS NOT NULL)
                   AS avg_paid_to_shipped_hours,
               count(*) FILTER ({paid} AND shipped_at <= {deadline}) AS on_time_orders,
               count(*) FILTER ({paid} AND (shipped_at IS NOT NULL
                   OR (cancelled_at IS NULL AND status <> 'cancelled' AND {deadline} < ?))) AS on_time_base
        FROM orders WHERE {scope}""",
            [*shipped_params, *shipped_params, *paid_params, *paid_params, now, *params],
        )
        .iloc[0]
        .to_dict()
    )


def _staff_days(snap: Snapshot, f: Filters) -> pd.DataFrame:
    """Distinct orders per person per day in the audit log (orders in the channel/shop scope)."""
    scope, params = f.scope("o")
    window, window_params = f.between('e."at"')
    return snap.query(
        f"""
        SELECT e.actor, CAST(e."at" AS DATE) AS day, count(DISTINCT e.order_id) AS orders
        FROM order_events e JOIN orders o ON o.id = e.order_id
        WHERE {window} AND NOT regexp_matches(e.actor, ?) AND {scope}
        GROUP BY ALL""",
        [*window_params, SYSTEM_ACTOR, *params],
    )


def _staff_summary(snap: Snapshot, f: Filters) -> dict:
    days = _staff_days(snap, f)
    return {
        "staff": days["actor"].nunique(),
        "orders_per_staff_day": days["orders"].mean() if len(days) else float("nan"),
    }


def staff_throughput(snap: Snapshot, f: Filters, role: str) -> pd.DataFrame:
    """Per person: orders moved, days worked, orders per day worked (busiest first)."""
    days = _staff_days(snap, f)
    frame = days.groupby("actor").agg(orders=("orders", "sum"), days=("day", "nunique"))
    frame["orders_per_day"] = frame["orders"] / frame["days"]
    return masked(role, frame.sort_values("orders", ascending=False).reset_index())


def _order_profit_sql(f: Filters) -> tuple[str, list]:
    scope, params = f.scope("o")
    window, window_params = f.between("o.created_at")
    return (
        f"""
        WITH o AS (SELECT * FROM orders o WHERE {scope} AND {window} AND {figures.paid_order("o")}),
        cost AS (SELECT l.order_id, sum(l.qty * s.unit_cost_cents) AS cost_cents
                 FROM order_lines l JOIN skus s ON s.id = l.sku_id
                 WHERE l.order_id IN (SELECT id FROM o) GROUP BY l.order_id),
        p AS (SELECT o.id, o.channel_order_no, o.channel, o.shop_id, o.created_at, o.goods_cents,
                     o.shipping_fee_cents, o.platform_discount_cents, o.seller_coupon_cents, o.paid_cents,
                     (o.paid_cents * c.commission_bp + 5000) // 10000 AS commission_cents,
                     CAST(coalesce(cost.cost_cents, 0) AS BIGINT) AS cost_cents, o.shipping_cost_cents
              FROM o JOIN channels c ON c.code = o.channel LEFT JOIN cost ON cost.order_id = o.id)
        SELECT *, paid_cents - cost_cents - commission_cents - shipping_cost_cents AS profit_cents
        FROM p""",
        params + window_params,
    )


def profit_by_channel(snap: Snapshot, f: Filters, role: str) -> pd.DataFrame:
    """Per channel: orders, sales components, commission, cost, profit and margin (on the paid amount)."""
    sql, params = _order_profit_sql(f)
    sums = [
        "goods_cents",
        "shipping_fee_cents",
        "platform_discount_cents",
        "seller_coupon_cents",
        "paid_cents",
        "commission_cents",
        "cost_cents",
        "shipping_cost_cents",
        "profit_cents",
    ]
    frame = snap.query(
        f"SELECT channel, count(*) AS orders, {', '.join(f'CAST(sum({c}) AS BIGINT) AS {c}' for c in sums)} "
        f"FROM ({sql}) GROUP BY channel ORDER BY profit_cents DESC",
        params,
    )
    frame["profit_margin"] = frame["profit_cents"] / frame["paid_cents"].where(frame["paid_cents"] != 0)
    return masked(role, frame)


def promotion_losses(snap: Snapshot, f: Filters, role: str, limit: int = 500) -> pd.DataFrame:
    """Orders with a platform discount or seller coupon that lost money, biggest loss first."""
    sql, params = _order_profit_sql(f)
    frame = snap.query(
        f"SELECT * FROM ({sql}) WHERE platform_discount_cents + seller_coupon_cents > 0 AND profit_cents < 0 "
        f"ORDER BY profit_cents, channel_order_no LIMIT {int(limit)}",
        params,
    )
    return masked(role, frame.drop(columns=["id"]))
