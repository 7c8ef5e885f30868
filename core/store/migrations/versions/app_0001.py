"""app: users, order notes and the order queue's indexes

Revision ID: app_0001
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "app_0001"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("language", sa.String(length=5), server_default="zh", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "order_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_notes_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_notes")),
    )
    op.create_index(op.f("ix_order_notes_order_id"), "order_notes", ["order_id"])
    op.create_index("ix_orders_created_id", "orders", ["created_at", "id"])
    op.create_index("ix_orders_status_created_id", "orders", ["status", "created_at", "id"])
    op.create_index("ix_orders_channel_order_no", "orders", ["channel_order_no"])
    op.create_index("ix_orders_buyer", "orders", ["buyer"])
    op.create_index("ix_orders_province_created", "orders", ["province", "created_at"])


def downgrade() -> None:
    for name in (
        "ix_orders_province_created",
        "ix_orders_buyer",
        "ix_orders_channel_order_no",
        "ix_orders_status_created_id",
        "ix_orders_created_id",
    ):
        op.drop_index(name, table_name="orders")
    op.drop_index(op.f("ix_order_notes_order_id"), table_name="order_notes")
    op.drop_table("order_notes")
    op.drop_table("users")
