"""api: channel listings for stock push-back

Revision ID: api_0001
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "api_0001"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_listings",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("platform_sku_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("pushed_available", sa.Integer(), nullable=True),
        sa.Column("pushed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_channel_listings_shop_id_shops")),
        sa.PrimaryKeyConstraint("shop_id", "sku", name=op.f("pk_channel_listings")),
    )


def downgrade() -> None:
    op.drop_table("channel_listings")
