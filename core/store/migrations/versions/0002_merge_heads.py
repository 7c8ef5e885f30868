"""Join the area branches into one line, and drop indexes that another index already covers.

(created_at) is a prefix of (created_at, id), (status, created_at) of (status, created_at, id),
and order_lines (sku_id) of (sku_id, id): each duplicate only slowed every insert.

Revision ID: 0002_merge_heads
Revises: aftersales_0001, api_0001, app_0001, rules_0001
"""

from alembic import op

revision = "0002_merge_heads"
down_revision = ("aftersales_0001", "api_0001", "app_0001", "rules_0001")
branch_labels = None
depends_on = None

REDUNDANT = [("orders", "ix_orders_created_at", ["created_at"]),
             ("orders", "ix_orders_status_created", ["status", "created_at"]),
             ("order_lines", "ix_order_lines_sku_id", ["sku_id"])]


def upgrade() -> None:
    for table, name, _ in REDUNDANT:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in REDUNDANT:
        op.create_index(name, table, columns)
