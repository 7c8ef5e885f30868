"""stock_waits by age: each row carries its order's created_at, indexed per SKU oldest first

A cancellation or receipt resumes the oldest held orders that fit, and in a sell-out a SKU has
thousands waiting for it. With the order's age in the index, the oldest few are an index range
read; before, every waiting order was joined and sorted to use two of them.

Revision ID: 0005_stock_waits_by_age
Revises: 0004_stock_waits
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0005_stock_waits_by_age"
down_revision = "0004_stock_waits"
branch_labels = None
depends_on = None


def _revision_0004():
    """0004's module: its held() here, and its upgrade() to go back to it."""
    spec = importlib.util.spec_from_file_location("stock_waits_0004", Path(__file__).with_name("0004_stock_waits.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_PREVIOUS = _revision_0004()
held = _PREVIOUS.held


def _unchanged(statements: list[str], *names: str) -> list[str]:
    """0004's statements creating these triggers or functions (CREATE <kind> <name>), kept as they were."""
    return [sql for sql in statements if sql.split()[2].removesuffix("()") in names]


SQLITE_TRIGGERS = ("order_held", "order_released", "order_aged", "order_deleted", "line_added", "line_removed")
SQLITE = [
    f"""CREATE TRIGGER stock_waits_order_held AFTER UPDATE OF status, hold_reason ON orders
    WHEN {held("NEW")} AND NOT ({held("OLD")})
    BEGIN
        INSERT OR IGNORE INTO stock_waits (sku_id, order_id, created_at)
        SELECT sku_id, order_id, NEW.created_at FROM order_lines WHERE order_id = NEW.id;
    END""",
    f"""CREATE TRIGGER stock_waits_order_aged AFTER UPDATE OF created_at ON orders
    WHEN {held("NEW")} AND NEW.created_at IS NOT OLD.created_at
    BEGIN
        UPDATE stock_waits SET created_at = NEW.created_at WHERE order_id = NEW.id;
    END""",
    f"""CREATE TRIGGER stock_waits_line_added AFTER INSERT ON order_lines
    WHEN EXISTS (SELECT 1 FROM orders WHERE id = NEW.order_id AND {held("orders")})
    BEGIN
        INSERT OR IGNORE INTO stock_waits (sku_id, order_id, created_at)
        SELECT NEW.sku_id, NEW.order_id, created_at FROM orders WHERE id = NEW.order_id;
    END""",
    *_unchanged(_PREVIOUS.SQLITE, "stock_waits_order_released", "stock_waits_order_deleted", "stock_waits_line_removed"),
]

# PostgreSQL: the order trigger fires only when an order enters or leaves the held state, or a
# held order's created_at changes (a newer copy from its channel); the line triggers once per
# statement (an intake batch inserts its lines in one), on its rows.
POSTGRESQL_FUNCTIONS = ("stock_waits_follow_order", "stock_waits_lines_added", "stock_waits_lines_removed")
POSTGRESQL = [
    f"""CREATE FUNCTION stock_waits_follow_order() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR NOT {held("NEW")} THEN
            DELETE FROM stock_waits WHERE order_id = OLD.id;
        ELSIF {held("OLD")} THEN
            UPDATE stock_waits SET created_at = NEW.created_at WHERE order_id = NEW.id;
        ELSE
            INSERT INTO stock_waits (sku_id, order_id, created_at)
            SELECT sku_id, order_id, NEW.created_at FROM order_lines WHERE order_id = NEW.id ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER stock_waits_order_changed AFTER UPDATE OF status, hold_reason, created_at ON orders
    FOR EACH ROW WHEN (({held("NEW")}) IS DISTINCT FROM ({held("OLD")})
        OR ({held("NEW")} AND NEW.created_at IS DISTINCT FROM OLD.created_at))
    EXECUTE FUNCTION stock_waits_follow_order()""",
    f"""CREATE FUNCTION stock_waits_lines_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO stock_waits (sku_id, order_id, created_at)
        SELECT l.sku_id, l.order_id, o.created_at FROM added_lines l JOIN orders o ON o.id = l.order_id
        WHERE {held("o")} ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER stock_waits_lines_added AFTER INSERT ON order_lines
    REFERENCING NEW TABLE AS added_lines FOR EACH STATEMENT EXECUTE FUNCTION stock_waits_lines_added()""",
    *_unchanged(_PREVIOUS.POSTGRESQL, "stock_waits_order_deleted", "stock_waits_lines_removed"),
]


def _drop(triggers: tuple[str, ...], functions: tuple[str, ...]) -> None:
    """The table and what keeps it: functions (PostgreSQL, with their triggers) or triggers (SQLite)."""
    if op.get_bind().dialect.name == "postgresql":
        for function in functions:
            op.execute(f"DROP FUNCTION {function}() CASCADE")
    else:
        for trigger in triggers:
            op.execute(f"DROP TRIGGER stock_waits_{trigger}")
    op.drop_table("stock_waits")


def upgrade() -> None:
    _drop(("order_held", "order_released", "order_deleted", "line_added", "line_removed"), POSTGRESQL_FUNCTIONS)
    op.create_table(
        "stock_waits",
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sku_id", "order_id", name=op.f("pk_stock_waits")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_stock_waits_order_id", "stock_waits", ["order_id"])
    op.create_index("ix_stock_waits_sku_id_age", "stock_waits", ["sku_id", "created_at", "order_id"])
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)
    op.execute(
        "INSERT INTO stock_waits (sku_id, order_id, created_at) SELECT l.sku_id, l.order_id, o.created_at"
        f" FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE {held('o')}"
    )


def downgrade() -> None:
    """Back to 0004's table and triggers, built by 0004 itself."""
    _drop(SQLITE_TRIGGERS, POSTGRESQL_FUNCTIONS)
    _PREVIOUS.upgrade()
