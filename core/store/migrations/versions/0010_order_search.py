"""Order search by parts of numbers: a trigram index over order numbers and phones

The queue's one search box finds an order by any part of its number and by a phone's last four
digits; no B-tree serves "contains", so on a large store every search read every order. SQLite
keeps a trigram full-text index (FTS5, rowid = orders.id) beside the orders, kept by triggers so
every writer (intake, copies, the demo) feeds it; PostgreSQL gets GIN trigram indexes when the
pg_trgm extension can be created (a trusted extension since PostgreSQL 13) and otherwise searches
by scanning, as before. Both: a B-tree on tracking_no for the search by tracking number.

Revision ID: 0010_order_search
Revises: 0009_waybills
"""

from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0010_order_search"
down_revision = "0009_waybills"
branch_labels = None
depends_on = None

INDEXED = "channel_order_no, phone"
SQLITE_TRIGGERS = {
    "insert": "AFTER INSERT ON orders BEGIN"
    f" INSERT INTO order_search (rowid, {INDEXED}) VALUES (new.id, new.channel_order_no, new.phone); END",
    "delete": "AFTER DELETE ON orders BEGIN DELETE FROM order_search WHERE rowid = old.id; END",
    "update": f"AFTER UPDATE OF id, {INDEXED} ON orders BEGIN"
    " DELETE FROM order_search WHERE rowid = old.id;"
    f" INSERT INTO order_search (rowid, {INDEXED}) VALUES (new.id, new.channel_order_no, new.phone); END",
}
POSTGRESQL_INDEXES = {"ix_orders_channel_order_no_trgm": "channel_order_no", "ix_orders_phone_trgm": "phone"}


def upgrade() -> None:
    op.create_index("ix_orders_tracking_no", "orders", ["tracking_no"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_trigrams()
        return
    op.execute(f"CREATE VIRTUAL TABLE order_search USING fts5({INDEXED}, tokenize = 'trigram')")
    op.execute(f"INSERT INTO order_search (rowid, {INDEXED}) SELECT id, {INDEXED} FROM orders")
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER order_search_{name} {body}")


def _postgresql_trigrams() -> None:
    """GIN trigram indexes, when this server lets the store's owner create pg_trgm (a server built
    without its contrib modules does not): searching works without them, only slower."""
    conn = op.get_bind()
    with conn.begin_nested() as attempt:
        try:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DBAPIError:  # missing or not permitted: no trigram indexes
            attempt.rollback()
            return
    for name, column in POSTGRESQL_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON orders USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in POSTGRESQL_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER order_search_{name}")
        op.execute("DROP TABLE order_search")
    op.drop_index("ix_orders_tracking_no", "orders")
