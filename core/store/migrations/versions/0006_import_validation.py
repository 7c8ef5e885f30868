"""skus.needs_details: a SKU that intake created from an order (an unknown code on a file or an
API pull) has no name, cost or supplier until the catalogue says them

Revision ID: 0006_import_validation
Revises: 0005_stock_waits_by_age
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_import_validation"
down_revision = "0005_stock_waits_by_age"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("skus", sa.Column("needs_details", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    # Plain ALTER (SQLite 3.35+): batch mode would copy and drop skus, which the foreign keys of
    # order lines and stock rows refuse.
    op.execute("ALTER TABLE skus DROP COLUMN needs_details")
