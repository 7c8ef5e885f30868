"""The waybills issued for orders by the e-waybill aggregator, and each parcel's tracking history."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    false,
)

from core.store.db import metadata

# One row per order: its idempotency key is sent with every request for that order's waybill, so
# a retry gets the number issued before instead of a second one. status: requesting (asked, no
# answer stored yet), failed (refused; reason says why), issued, cancelled, cancel_failed.
waybills = Table(
    "waybills",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, unique=True),
    Column("idempotency_key", String(40), nullable=False, unique=True),
    Column("shop", String(100), nullable=False),
    Column("carrier", String(30), nullable=False),
    Column("status", String(16), nullable=False),
    Column("tracking_no", String(40), nullable=True),
    Column("routing", String(60), nullable=False, server_default=""),  # 大头笔
    Column("sort_code", String(60), nullable=False, server_default=""),  # 三段码
    Column("label_url", String(300), nullable=False, server_default=""),
    Column("carrier_order_no", String(64), nullable=False, server_default=""),
    Column("demo", Boolean, nullable=False, server_default=false()),
    Column("reason", String(300), nullable=False, server_default=""),
    Column("salt", String(32), nullable=False, server_default=""),  # signs the aggregator's pushes
    Column("subscribed", Boolean, nullable=False, server_default=false()),
    Column("tracking_state", String(8), nullable=False, server_default=""),
    Column("tracking_checked_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_waybills_tracking_no", "tracking_no"),
    Index("ix_waybills_status", "status"),
)

tracking_events = Table(
    "tracking_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("waybill_id", ForeignKey("waybills.id"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("state", String(20), nullable=False, server_default=""),
    Column("context", String(500), nullable=False),
    UniqueConstraint("waybill_id", "at", "context"),
)
