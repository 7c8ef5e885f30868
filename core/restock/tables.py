"""Purchasing's tables: suppliers, purchase orders and their lines."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, ForeignKey, Integer, String, Table, true

from core.store.db import metadata

suppliers = Table(
    "suppliers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),  # skus.supplier refers to it by name
    Column("email", String(200), nullable=False),
    Column("lead_time_days", Integer, nullable=False, server_default="7"),
    Column("pack_size", Integer, nullable=False, server_default="1"),
    Column("moq", Integer, nullable=False, server_default="1"),
    Column("active", Boolean, nullable=False, server_default=true()),
    CheckConstraint("lead_time_days >= 0 and pack_size >= 1 and moq >= 1", name="positive_terms"),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(30), nullable=False, unique=True),
    Column("supplier_id", ForeignKey("suppliers.id"), nullable=False, index=True),
    # sent, confirmed, proposed, partial, received, cancelled
    Column("status", String(10), nullable=False),
    # Only the SHA-256 of the supplier link's token is kept; the link itself went out by e-mail.
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("token_expires_at", DateTime, nullable=False),
    Column("expected_at", DateTime, nullable=True),
    Column("supplier_note", String(500), nullable=False, server_default=""),
    Column("answered_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("po_id", ForeignKey("purchase_orders.id"), primary_key=True),
    Column("sku_id", ForeignKey("skus.id"), primary_key=True),
    Column("qty_ordered", Integer, nullable=False),
    Column("qty_confirmed", Integer, nullable=True),
    Column("qty_received", Integer, nullable=False, server_default="0"),
    Column("unit_cost_cents", Integer, nullable=False, server_default="0"),
    CheckConstraint("qty_ordered > 0 and qty_received >= 0", name="quantities"),
)
