"""Order amounts and country: the order total the channel shows, its refunds, its destination country

Files and APIs carry an order total, a refund amount and a country that used to vanish on the
way in; core.orders.figures reads refunds and net sales from them, and reports group orders abroad.

Revision ID: 0007_order_amounts
Revises: 0006_import_validation
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_order_amounts"
down_revision = "0006_import_validation"
branch_labels = None
depends_on = None

# Plain ADD COLUMN with a constant default: instant on PostgreSQL, and on SQLite it keeps the
# orders table (and its stock_waits triggers), where a batch copy would drop and rebuild it.
COLUMNS = (
    ("country", sa.String(length=60), ""),
    ("order_total_cents", sa.Integer(), "0"),
    ("refund_cents", sa.Integer(), "0"),
)


def upgrade() -> None:
    for name, kind, default in COLUMNS:
        op.add_column("orders", sa.Column(name, kind, nullable=False, server_default=default))


def downgrade() -> None:
    for name, _, _ in reversed(COLUMNS):
        op.drop_column("orders", name)
