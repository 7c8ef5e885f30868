"""Identity's tables: login users, failed-login counts and the configuration audit (who changed what)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Integer, String, Table, Text, true

from core.store.db import metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False, server_default=""),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(100), nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("language", String(5), nullable=False, server_default="zh"),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # Login cookies and sessions that began before this (a password reset, a deactivation) no longer count.
    Column("logins_revoked_at", DateTime),
)

# Failed logins per attempted username (whether or not it exists), so every app replica sees the lockout.
login_failures = Table(
    "login_failures",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_failed_at", DateTime, nullable=False),
    Column("locked_until", DateTime),
)

# Who changed which configuration (rules, blacklist, suppliers, sandbox promotions).
config_audit = Table(
    "config_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("subject", String(60), nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
)
