"""Hold kinds: hold_reason holds only a kind of hold; stock_waits kept by core.order_status

Every held order's hold_reason becomes one of the kinds (insufficient_stock, review, manual,
address): a note typed as the reason of a hold by hand (it stays in the order's audit rows)
becomes "address" when it speaks of the address, else "manual". The triggers that kept
stock_waits (0004, 0005) repeated the rule of "held for stock" in SQL, twice, one per engine;
core.order_status, the one writer of the hold columns, keeps the table now, the same on both.

Revision ID: 0008_hold_kinds
Revises: 0007_order_amounts
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0008_hold_kinds"
down_revision = "0007_order_amounts"
branch_labels = None
depends_on = None

KINDS = "('insufficient_stock', 'review', 'manual', 'address')"
HELD_FOR_STOCK = (
    "o.status = 'on_hold' AND o.hold_reason = 'insufficient_stock'"
    " AND o.status_before_hold IN ('pending_payment', 'paid')"
)


def _revision_0005():
    """0005's module: the triggers it made, to drop them here and make them again on the way down."""
    path = Path(__file__).with_name("0005_stock_waits_by_age.py")
    spec = importlib.util.spec_from_file_location("stock_waits_0005", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rebuild_waits() -> None:
    op.execute("DELETE FROM stock_waits")
    op.execute(
        "INSERT INTO stock_waits (sku_id, order_id, created_at) SELECT l.sku_id, l.order_id, o.created_at"
        f" FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE {HELD_FOR_STOCK}"
    )


def upgrade() -> None:
    previous = _revision_0005()
    if op.get_bind().dialect.name == "postgresql":
        for function in previous.POSTGRESQL_FUNCTIONS:
            op.execute(f"DROP FUNCTION {function}() CASCADE")
    else:
        for trigger in previous.SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER stock_waits_{trigger}")
    op.execute(
        "UPDATE orders SET hold_reason = CASE WHEN lower(hold_reason) LIKE '%address%' OR hold_reason LIKE '%地址%'"
        f" THEN 'address' ELSE 'manual' END WHERE hold_reason IS NOT NULL AND hold_reason NOT IN {KINDS}"
    )
    op.execute("UPDATE orders SET hold_reason = 'manual' WHERE status = 'on_hold' AND hold_reason IS NULL")
    _rebuild_waits()


def downgrade() -> None:
    """0005's triggers again (the kinds stay: they are valid reasons)."""
    previous = _revision_0005()
    for statement in previous.POSTGRESQL if op.get_bind().dialect.name == "postgresql" else previous.SQLITE:
        op.execute(statement)
    _rebuild_waits()
