"""Intake's tables: sync bookmarks, quarantined import rows and the channels' listings."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from core.store.db import metadata

sync_state = Table(
    "sync_state",
    metadata,
    Column("shop_id", ForeignKey("shops.id"), primary_key=True),
    Column("watermark", DateTime, nullable=True),
    Column("last_pull_at", DateTime, nullable=True),
    Column("last_orders_in", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    Column("lock_owner", String(100), nullable=True),
    Column("lock_expires_at", DateTime, nullable=True),
)

import_errors = Table(
    "import_errors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_sha256", String(64), nullable=False),
    Column("file_name", String(300), nullable=False),
    Column("row_no", Integer, nullable=False),
    Column("reason", String(300), nullable=False),
    Column("raw", Text, nullable=False),  # JSON of the row as read
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("file_sha256", "row_no"),
)

# Where our SKUs live on each shop's platform (learnt from pulled orders), and the sellable
# quantity last pushed there, so the worker pushes only what changed.
channel_listings = Table(
    "channel_listings",
    metadata,
    Column("shop_id", ForeignKey("shops.id"), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("item_id", String(64), nullable=False),
    Column("platform_sku_id", String(64), nullable=False, server_default=""),
    Column("pushed_available", Integer, nullable=True),
    Column("pushed_at", DateTime, nullable=True),
)
