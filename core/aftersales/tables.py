"""After-sales tables: tickets, their lines and history, reasons, SLAs and lookup throttling."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, true

from core.store.db import metadata

# Reminder e-mail addresses of the login users who own tickets (core.aftersales.returns.agents() joins them
# to users by username); display_name and active are no longer read: users has both.
service_agents = Table(
    "service_agents",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(100), nullable=False, server_default=""),
    Column("email", String(200), nullable=False, server_default=""),
    Column("manager_email", String(200), nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default=true()),
)

# The configurable list of after-sales reasons (the return-reason pie reads it).
ticket_reasons = Table(
    "ticket_reasons",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("label_zh", String(100), nullable=False),
    Column("label_en", String(100), nullable=False),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default=true()),
)

# Service-level deadlines per ticket type, in hours from opening.
ticket_sla = Table(
    "ticket_sla",
    metadata,
    Column("type", String(10), primary_key=True),
    Column("first_response_hours", Integer, nullable=False),
    Column("resolution_hours", Integer, nullable=False),
    Column("warn_hours", Integer, nullable=False, server_default="6"),
)

# One counter per business day for the customer-quotable ticket numbers.
ticket_sequences = Table(
    "ticket_sequences",
    metadata,
    Column("day", String(8), primary_key=True),
    Column("last_value", Integer, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    # The platform's refund record ("<channel>:<refund id>") a ticket was opened from, if any.
    Column("refund_ref", String(100), nullable=True, unique=True),
    Column("type", String(10), nullable=False),
    Column("reason", ForeignKey("ticket_reasons.code"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("owner", String(64), nullable=True),
    Column("notes", Text, nullable=False, server_default=""),
    Column("refund_cents", Integer, nullable=True),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("first_response_due", DateTime, nullable=False),
    Column("resolution_due", DateTime, nullable=False),
    Column("first_response_at", DateTime, nullable=True),
    Column("resolved_at", DateTime, nullable=True),
    Column("closed_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=False),
    CheckConstraint("type in ('refund', 'return', 'exchange', 'resend')", name="type_known"),
    Index("ix_tickets_status_owner", "status", "owner"),
    Index("ix_tickets_created_at", "created_at"),
)

ticket_lines = Table(
    "ticket_lines",
    metadata,
    Column("ticket_id", ForeignKey("tickets.id"), primary_key=True),
    Column("sku_id", ForeignKey("skus.id"), primary_key=True),
    Column("qty", Integer, nullable=False),
    # What goes out again for an exchange or resend (None: the same SKU).
    Column("replacement_sku_id", ForeignKey("skus.id"), nullable=True),
    # What became of returned goods: restocked (back in the ledger) or written_off.
    Column("disposition", String(12), nullable=True),
    CheckConstraint("qty > 0", name="qty_positive"),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", ForeignKey("tickets.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(10), nullable=False),  # open, advance, assign, note
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=True),
    Column("detail", String(500), nullable=False, server_default=""),
)

# Wrong answers on the public lookup page, counted per client and per ticket number.
lookup_failures = Table(
    "lookup_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client", String(64), nullable=False),
    Column("number", String(40), nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_lookup_failures_client_at", "client", "at"),
    Index("ix_lookup_failures_number_at", "number", "at"),
)
