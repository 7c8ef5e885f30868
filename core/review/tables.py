"""Review's tables: rule settings, the blacklist and held-order exceptions."""

from __future__ import annotations

from sqlalchemy import (
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
    UniqueConstraint,
)

from core.store.db import metadata

# Auto-review rules as data: code -> enabled + JSON thresholds (defaults live in core.review.rules).
review_rules = Table(
    "review_rules",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("params", Text, nullable=False, server_default="{}"),  # JSON
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
)

blacklist = Table(
    "blacklist",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # buyer or phone
    Column("value", String(100), nullable=False),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    UniqueConstraint("kind", "value"),
    CheckConstraint("kind in ('buyer', 'phone')", name="kind"),
)

# One row per (order, rule) that matched; a resolved row keeps the rule from firing again.
order_exceptions = Table(
    "order_exceptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("detail", String(300), nullable=False, server_default=""),
    Column("status", String(10), nullable=False, server_default="open"),  # open, approved, fixed, cancelled
    Column("created_at", DateTime, nullable=False),
    Column("resolved_at", DateTime, nullable=True),
    Column("resolved_by", String(64), nullable=True),
    UniqueConstraint("order_id", "rule"),
    Index("ix_order_exceptions_status", "status"),
)
