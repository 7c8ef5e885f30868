"""Orders' tables: orders, their lines, their history and notes, merged and split parcels, with the
queue's indexes."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from core.store.db import metadata

orders = Table(
    "orders",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("channel", ForeignKey("channels.code"), nullable=False),
    Column("channel_order_no", String(64), nullable=False),
    Column("shop_id", ForeignKey("shops.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("status_before_hold", String(20), nullable=True),
    Column("hold_reason", String(40), nullable=True),
    Column("buyer", String(100), nullable=False, server_default=""),
    Column("phone", String(32), nullable=False, server_default=""),
    Column("province", String(20), nullable=False, server_default=""),
    Column("city", String(50), nullable=False, server_default=""),
    Column("address", String(300), nullable=False, server_default=""),
    # The destination country as the channel gave it ("" for none, i.e. China; core.regions).
    Column("country", String(60), nullable=False, server_default=""),
    Column("created_at", DateTime, nullable=False),
    Column("paid_at", DateTime, nullable=True),
    Column("shipped_at", DateTime, nullable=True),
    Column("completed_at", DateTime, nullable=True),
    Column("cancelled_at", DateTime, nullable=True),
    Column("platform_status", String(20), nullable=False),
    Column("platform_updated_at", DateTime, nullable=True),
    Column("goods_cents", Integer, nullable=False, server_default="0"),
    Column("paid_cents", Integer, nullable=False, server_default="0"),
    Column("platform_discount_cents", Integer, nullable=False, server_default="0"),
    Column("seller_coupon_cents", Integer, nullable=False, server_default="0"),
    Column("shipping_fee_cents", Integer, nullable=False, server_default="0"),
    Column("shipping_cost_cents", Integer, nullable=False, server_default="0"),
    # The order total the channel shows, and what it says was refunded (core.orders.figures).
    Column("order_total_cents", Integer, nullable=False, server_default="0"),
    Column("refund_cents", Integer, nullable=False, server_default="0"),
    Column("carrier", String(30), nullable=True),
    Column("tracking_no", String(40), nullable=True),
    Column("buyer_remark", String(500), nullable=False, server_default=""),
    Column("seller_remark", String(500), nullable=False, server_default=""),
    Column("return_reason", String(100), nullable=True),
    Column("returned_at", DateTime, nullable=True),
    # Hash of the normalised order as last received, so a re-import is recognised as unchanged.
    Column("source_hash", String(32), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("channel", "channel_order_no"),
    Index("ix_orders_updated_at", "updated_at"),
    Index("ix_orders_shop_id", "shop_id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("sku_id", ForeignKey("skus.id"), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
    Column("discount_cents", Integer, nullable=False, server_default="0"),
    UniqueConstraint("order_id", "sku_id"),
    CheckConstraint("qty > 0", name="qty_positive"),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("reason", String(300), nullable=False, server_default=""),
)

# The usual price of a SKU reads its latest lines; this index makes that a short backward scan.
Index("ix_order_lines_sku_id_id", order_lines.c.sku_id, order_lines.c.id)

order_notes = Table(
    "order_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("author", String(64), nullable=False),
    Column("text", String(1000), nullable=False),
)

# The order queue pages newest first by (created_at, id) under filters; these keep a page fast.
Index("ix_orders_created_id", orders.c.created_at, orders.c.id)
Index("ix_orders_status_created_id", orders.c.status, orders.c.created_at, orders.c.id)
Index("ix_orders_channel_order_no", orders.c.channel_order_no)
Index("ix_orders_buyer", orders.c.buyer)
Index("ix_orders_tracking_no", orders.c.tracking_no)  # the search box (core.orders.search)
Index("ix_orders_province_created", orders.c.province, orders.c.created_at)


# A secondary order ships in the parcel of its primary (same shop, buyer and address).
order_merges = Table(
    "order_merges",
    metadata,
    Column("order_id", ForeignKey("orders.id"), primary_key=True),
    Column("primary_order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
)

# A split-off part of a channel order: its own lines and reservations, amounts stay on the parent.
order_splits = Table(
    "order_splits",
    metadata,
    Column("order_id", ForeignKey("orders.id"), primary_key=True),
    Column("parent_order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
)

# The orders held for stock, by the SKUs they wait for: one row per line of such an order. The one
# writer of the hold columns keeps it (core.orders.status), whatever puts an order on hold or takes
# it off, so stock coming back finds the orders waiting for it without reading every line
# ever sold of the SKU. Derived data: a copy of the store rebuilds it rather than copying it.
stock_waits = Table(
    "stock_waits",
    metadata,
    Column("sku_id", Integer, primary_key=True),
    Column("order_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("created_at", DateTime, nullable=False),  # the order's: its place in the queue for the SKU
    Index("ix_stock_waits_order_id", "order_id"),
    Index("ix_stock_waits_sku_id_age", "sku_id", "created_at", "order_id"),
    sqlite_with_rowid=False,
)
