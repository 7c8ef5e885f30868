"""The tables every package shares: the seller's channels and shops, and the outbox."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    true,
)

from core.store.db import metadata

channels = Table(
    "channels",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(50), nullable=False),
    # Platform commission in basis points of the paid amount (500 = 5 %).
    Column("commission_bp", Integer, nullable=False, server_default="0"),
)

shops = Table(
    "shops",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("channel", ForeignKey("channels.code"), nullable=False),
    # 'created' reserves stock when the order is placed (拍下减库存), 'paid' at payment.
    Column("reserve_on", String(10), nullable=False, server_default="created"),
    Column("payment_timeout_minutes", Integer, nullable=False, server_default="1440"),
    Column("shipping_cost_cents", Integer, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default=true()),
    CheckConstraint("reserve_on in ('created', 'paid')", name="reserve_on"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("idempotency_key", String(120), nullable=False, unique=True),
    Column("kind", String(10), nullable=False),  # sms, email, stock_push
    Column("recipient", String(200), nullable=False),
    Column("template", String(50), nullable=False),
    Column("payload", Text, nullable=False),  # JSON
    Column("status", String(10), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime, nullable=True),
    Index("ix_outbox_status_next", "status", "next_attempt_at"),
)
