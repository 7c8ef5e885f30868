"""The sandbox's own table: what the sandbox was copied from, and when."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Table

from core.store.db import metadata

# Empty in live; one row in a sandbox copy, so every engine knows whether it is a sandbox.
sandbox_info = Table(
    "sandbox_info",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
)
