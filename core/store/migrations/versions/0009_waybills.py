"""Waybills from the e-waybill aggregator and their tracking history

One waybill per order (its idempotency key unique), the routing codes and label link the carrier
gave, the tracking state; tracking_events holds each scan once. A ticket reason for parcels the
carrier brings back (退回 / 拒收).

Revision ID: 0009_waybills
Revises: 0008_hold_kinds
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_waybills"
down_revision = "0008_hold_kinds"
branch_labels = None
depends_on = None

RETURNED_REASON = {"code": "carrier_returned", "label_zh": "快递退回/拒收", "label_en": "Returned or refused"}


def upgrade() -> None:
    op.create_table(
        "waybills",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("idempotency_key", sa.String(length=40), nullable=False),
        sa.Column("shop", sa.String(length=100), nullable=False),
        sa.Column("carrier", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tracking_no", sa.String(length=40), nullable=True),
        sa.Column("routing", sa.String(length=60), server_default="", nullable=False),
        sa.Column("sort_code", sa.String(length=60), server_default="", nullable=False),
        sa.Column("label_url", sa.String(length=300), server_default="", nullable=False),
        sa.Column("carrier_order_no", sa.String(length=64), server_default="", nullable=False),
        sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reason", sa.String(length=300), server_default="", nullable=False),
        sa.Column("salt", sa.String(length=32), server_default="", nullable=False),
        sa.Column("subscribed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("tracking_state", sa.String(length=8), server_default="", nullable=False),
        sa.Column("tracking_checked_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_waybills_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waybills")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_waybills_idempotency_key")),
        sa.UniqueConstraint("order_id", name=op.f("uq_waybills_order_id")),
    )
    op.create_index("ix_waybills_tracking_no", "waybills", ["tracking_no"])
    op.create_index("ix_waybills_status", "waybills", ["status"])
    op.create_table(
        "tracking_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("waybill_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), server_default="", nullable=False),
        sa.Column("context", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["waybill_id"], ["waybills.id"], name=op.f("fk_tracking_events_waybill_id_waybills")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_events")),
        sa.UniqueConstraint("waybill_id", "at", "context", name=op.f("uq_tracking_events_waybill_id_at_context")),
    )
    reasons = sa.table(
        "ticket_reasons",
        sa.column("code", sa.String),
        sa.column("label_zh", sa.String),
        sa.column("label_en", sa.String),
        sa.column("position", sa.Integer),
    )
    op.bulk_insert(reasons, [RETURNED_REASON | {"position": 90}])


def downgrade() -> None:
    op.execute("DELETE FROM ticket_reasons WHERE code = 'carrier_returned'")
    op.drop_table("tracking_events")
    op.drop_index("ix_waybills_status", table_name="waybills")
    op.drop_index("ix_waybills_tracking_no", table_name="waybills")
    op.drop_table("waybills")
