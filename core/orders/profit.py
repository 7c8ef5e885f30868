"""Profit per order: what the buyer paid, less goods cost, platform commission and shipping.

Platform discounts and seller coupons are already out of the paid amount; they are kept
separately on the order so a promotion that makes an order unprofitable can be seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from core.errors import NotFound
from core.orders.tables import order_lines, orders
from core.stock.tables import skus
from core.store.tables import channels


@dataclass(frozen=True)
class Profit:
    paid_cents: int
    goods_cost_cents: int
    commission_cents: int
    shipping_cost_cents: int
    platform_discount_cents: int
    seller_coupon_cents: int

    @property
    def profit_cents(self) -> int:
        return self.paid_cents - self.goods_cost_cents - self.commission_cents - self.shipping_cost_cents


def commission(paid_cents: int, commission_bp: int) -> int:
    """The platform's cut, rounded half up to the cent."""
    return (paid_cents * commission_bp + 5000) // 10000


def order_profit(conn: Connection, order_id: int) -> Profit:
    order = conn.execute(
        select(orders, channels.c.commission_bp)
        .join(channels, channels.c.code == orders.c.channel)
        .where(orders.c.id == order_id)
    ).first()
    if order is None:
        raise NotFound(key="error.order_id_not_found", params={"order_id": order_id})
    cost = conn.execute(
        select(func.coalesce(func.sum(order_lines.c.qty * skus.c.unit_cost_cents), 0))
        .join(skus, skus.c.id == order_lines.c.sku_id)
        .where(order_lines.c.order_id == order_id)
    ).scalar_one()
    return Profit(
        paid_cents=order.paid_cents,
        goods_cost_cents=cost,
        commission_cents=commission(order.paid_cents, order.commission_bp),
        shipping_cost_cents=order.shipping_cost_cents,
        platform_discount_cents=order.platform_discount_cents,
        seller_coupon_cents=order.seller_coupon_cents,
    )
