"""The outbox table: messages written in the same transaction as the change that causes them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table, Text

from core.store.db import metadata

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
