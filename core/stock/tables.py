"""Stock's tables: SKUs, the stock ledger and reservations."""

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
    false,
)

from core.store.db import metadata

skus = Table(
    "skus",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("on_hand", Integer, nullable=False, server_default="0"),
    Column("reserved", Integer, nullable=False, server_default="0"),
    Column("safety_stock", Integer, nullable=False, server_default="0"),
    Column("unit_cost_cents", Integer, nullable=False, server_default="0"),
    Column("supplier", String(100), nullable=False, server_default=""),
    Column("updated_at", DateTime, nullable=False),
    # Created by intake from an order's unknown code (migration 0006): the catalogue is to name it.
    Column("needs_details", Boolean, nullable=False, server_default=false()),
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sku_id", ForeignKey("skus.id"), nullable=False, index=True),
    Column("delta", Integer, nullable=False),
    Column("kind", String(20), nullable=False),  # receive, adjust, ship, return
    Column("reason", String(200), nullable=False, server_default=""),
    Column("order_id", BigInteger, nullable=True),
    Column("actor", String(64), nullable=False),
    Column("at", DateTime, nullable=False),
)

reservations = Table(
    "reservations",
    metadata,
    Column("order_id", ForeignKey("orders.id"), primary_key=True),
    Column("sku_id", ForeignKey("skus.id"), primary_key=True),
    Column("qty", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_reservations_sku_id", "sku_id"),
    CheckConstraint("qty > 0", name="qty_positive"),
    sqlite_with_rowid=False,
)
