"""stock_waits: the orders held for stock by the SKUs they wait for, kept by triggers

Revision ID: 0004_stock_waits
Revises: 0003_login_guard
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_stock_waits"
down_revision = "0003_login_guard"
branch_labels = None
depends_on = None



def held(row: str) -> str:
    """SQL: the order row (NEW, OLD, an alias) is on hold because its stock was short."""
    return f"({row}.status = 'on_hold' AND COALESCE({row}.hold_reason, '') = 'insufficient_stock')"


# SQLite: row triggers, each a few index lookups in C.
SQLITE = [
    f"""CREATE TRIGGER stock_waits_order_held AFTER UPDATE OF status, hold_reason ON orders
    WHEN {held("NEW")} AND NOT ({held("OLD")})
    BEGIN
        INSERT OR IGNORE INTO stock_waits (sku_id, order_id) SELECT sku_id, order_id FROM order_lines
        WHERE order_id = NEW.id;
    END""",
    f"""CREATE TRIGGER stock_waits_order_released AFTER UPDATE OF status, hold_reason ON orders
    WHEN {held("OLD")} AND NOT ({held("NEW")})
    BEGIN
        DELETE FROM stock_waits WHERE order_id = NEW.id;
    END""",
    f"""CREATE TRIGGER stock_waits_order_deleted AFTER DELETE ON orders
    WHEN {held("OLD")}
    BEGIN
        DELETE FROM stock_waits WHERE order_id = OLD.id;
    END""",
    f"""CREATE TRIGGER stock_waits_line_added AFTER INSERT ON order_lines
    WHEN EXISTS (SELECT 1 FROM orders WHERE id = NEW.order_id AND {held('orders')})
    BEGIN
        INSERT OR IGNORE INTO stock_waits (sku_id, order_id) VALUES (NEW.sku_id, NEW.order_id);
    END""",
    """CREATE TRIGGER stock_waits_line_removed AFTER DELETE ON order_lines
    BEGIN
        DELETE FROM stock_waits WHERE sku_id = OLD.sku_id AND order_id = OLD.order_id;
    END""",
]

# PostgreSQL: the order triggers fire only when an order enters or leaves the held state; the
# line triggers once per statement (an intake batch inserts its lines in one), on its rows.
POSTGRESQL = [
    f"""CREATE FUNCTION stock_waits_follow_order() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'DELETE' AND {held("NEW")} THEN
            INSERT INTO stock_waits (sku_id, order_id) SELECT sku_id, order_id FROM order_lines
            WHERE order_id = NEW.id ON CONFLICT DO NOTHING;
        ELSE
            DELETE FROM stock_waits WHERE order_id = OLD.id;
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER stock_waits_order_changed AFTER UPDATE OF status, hold_reason ON orders FOR EACH ROW
    WHEN (({held("NEW")}) IS DISTINCT FROM ({held("OLD")}))
    EXECUTE FUNCTION stock_waits_follow_order()""",
    f"""CREATE TRIGGER stock_waits_order_deleted AFTER DELETE ON orders FOR EACH ROW
    WHEN ({held("OLD")}) EXECUTE FUNCTION stock_waits_follow_order()""",
    f"""CREATE FUNCTION stock_waits_lines_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO stock_waits (sku_id, order_id)
        SELECT l.sku_id, l.order_id FROM added_lines l JOIN orders o ON o.id = l.order_id
        WHERE {held("o")} ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER stock_waits_lines_added AFTER INSERT ON order_lines
    REFERENCING NEW TABLE AS added_lines FOR EACH STATEMENT EXECUTE FUNCTION stock_waits_lines_added()""",
    """CREATE FUNCTION stock_waits_lines_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM stock_waits w USING removed_lines l WHERE w.sku_id = l.sku_id AND w.order_id = l.order_id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER stock_waits_lines_removed AFTER DELETE ON order_lines
    REFERENCING OLD TABLE AS removed_lines FOR EACH STATEMENT EXECUTE FUNCTION stock_waits_lines_removed()""",
]


def upgrade() -> None:
    op.create_table(
        "stock_waits",
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("sku_id", "order_id", name=op.f("pk_stock_waits")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_stock_waits_order_id", "stock_waits", ["order_id"])
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)
    op.execute(
        "INSERT INTO stock_waits (sku_id, order_id) SELECT l.sku_id, l.order_id FROM order_lines l"
        f" JOIN orders o ON o.id = l.order_id WHERE {held('o')}"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for function in ("stock_waits_follow_order", "stock_waits_lines_added", "stock_waits_lines_removed"):
            op.execute(f"DROP FUNCTION {function}() CASCADE")
    else:
        for trigger in ("order_held", "order_released", "order_deleted", "line_added", "line_removed"):
            op.execute(f"DROP TRIGGER stock_waits_{trigger}")
    op.drop_table("stock_waits")
