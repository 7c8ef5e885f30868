"""The tables every package shares: the seller's channels and shops."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
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
