"""The system of record: engine creation, the SQLAlchemy Core schema and migrations.

Times are naive datetimes in the sellers' business time (Asia/Shanghai), as the platforms
report them. Money is integer cents (分). Quantities are integers.
"""

from __future__ import annotations

import os
import selectors
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache, partial
from operator import attrgetter, itemgetter
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DisconnectionError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'data' / 'orderhub.db'}"

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

channels = Table(
    "channels",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(50), nullable=False),
    # Platform commission in basis points of the paid amount (500 = 5 %).
    Column("commission_bp", Integer, nullable=False, server_default="0"),
)

shops = Table(
    "shops",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("channel", ForeignKey("channels.code"), nullable=False),
    # 'created' reserves stock when the order is placed (拍下减库存), 'paid' at payment.
    Column("reserve_on", String(10), nullable=False, server_default="created"),
    Column("payment_timeout_minutes", Integer, nullable=False, server_default="1440"),
    Column("shipping_cost_cents", Integer, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default=true()),
    CheckConstraint("reserve_on in ('created', 'paid')", name="reserve_on"),
)

skus = Table(
    "skus",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("on_hand", Integer, nullable=False, server_default="0"),
    Column("reserved", Integer, nullable=False, server_default="0"),
    Column("safety_stock", Integer, nullable=False, server_default="0"),
    Column("unit_cost_cents", Integer, nullable=False, server_default="0"),
    Column("supplier", String(100), nullable=False, server_default=""),
    Column("updated_at", DateTime, nullable=False),
    # Created by intake from an order's unknown code (migration 0006): the catalogue is to name it.
    Column("needs_details", Boolean, nullable=False, server_default=false()),
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sku_id", ForeignKey("skus.id"), nullable=False, index=True),
    Column("delta", Integer, nullable=False),
    Column("kind", String(20), nullable=False),  # receive, adjust, ship, return
    Column("reason", String(200), nullable=False, server_default=""),
    Column("order_id", BigInteger, nullable=True),
    Column("actor", String(64), nullable=False),
    Column("at", DateTime, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("channel", ForeignKey("channels.code"), nullable=False),
    Column("channel_order_no", String(64), nullable=False),
    Column("shop_id", ForeignKey("shops.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("status_before_hold", String(20), nullable=True),
    Column("hold_reason", String(40), nullable=True),
    Column("buyer", String(100), nullable=False, server_default=""),
    Column("phone", String(32), nullable=False, server_default=""),
    Column("province", String(20), nullable=False, server_default=""),
    Column("city", String(50), nullable=False, server_default=""),
    Column("address", String(300), nullable=False, server_default=""),
    # The destination country as the channel gave it ("" for none, i.e. China; core.regions).
    Column("country", String(60), nullable=False, server_default=""),
    Column("created_at", DateTime, nullable=False),
    Column("paid_at", DateTime, nullable=True),
    Column("shipped_at", DateTime, nullable=True),
    Column("completed_at", DateTime, nullable=True),
    Column("cancelled_at", DateTime, nullable=True),
    Column("platform_status", String(20), nullable=False),
    Column("platform_updated_at", DateTime, nullable=True),
    Column("goods_cents", Integer, nullable=False, server_default="0"),
    Column("paid_cents", Integer, nullable=False, server_default="0"),
    Column("platform_discount_cents", Integer, nullable=False, server_default="0"),
    Column("seller_coupon_cents", Integer, nullable=False, server_default="0"),
    Column("shipping_fee_cents", Integer, nullable=False, server_default="0"),
    Column("shipping_cost_cents", Integer, nullable=False, server_default="0"),
    # The order total the channel shows, and what it says was refunded (core.figures).
    Column("order_total_cents", Integer, nullable=False, server_default="0"),
    Column("refund_cents", Integer, nullable=False, server_default="0"),
    Column("carrier", String(30), nullable=True),
    Column("tracking_no", String(40), nullable=True),
    Column("buyer_remark", String(500), nullable=False, server_default=""),
    Column("seller_remark", String(500), nullable=False, server_default=""),
    Column("return_reason", String(100), nullable=True),
    Column("returned_at", DateTime, nullable=True),
    # Hash of the normalised order as last received, so a re-import is recognised as unchanged.
    Column("source_hash", String(32), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("channel", "channel_order_no"),
    Index("ix_orders_updated_at", "updated_at"),
    Index("ix_orders_shop_id", "shop_id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("sku_id", ForeignKey("skus.id"), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
    Column("discount_cents", Integer, nullable=False, server_default="0"),
    UniqueConstraint("order_id", "sku_id"),
    CheckConstraint("qty > 0", name="qty_positive"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("order_id", ForeignKey("orders.id"), primary_key=True),
    Column("sku_id", ForeignKey("skus.id"), primary_key=True),
    Column("qty", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_reservations_sku_id", "sku_id"),
    CheckConstraint("qty > 0", name="qty_positive"),
    sqlite_with_rowid=False,
)

# The orders held for stock, by the SKUs they wait for: one row per line of such an order. The one
# writer of the hold columns keeps it (core.order_status), whatever puts an order on hold or takes
# it off, so stock coming back finds the orders waiting for it without reading every line
# ever sold of the SKU. Derived data: a copy of the store rebuilds it rather than copying it.
stock_waits = Table(
    "stock_waits",
    metadata,
    Column("sku_id", Integer, primary_key=True),
    Column("order_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("created_at", DateTime, nullable=False),  # the order's: its place in the queue for the SKU
    Index("ix_stock_waits_order_id", "order_id"),
    Index("ix_stock_waits_sku_id_age", "sku_id", "created_at", "order_id"),
    sqlite_with_rowid=False,
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("reason", String(300), nullable=False, server_default=""),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("idempotency_key", String(120), nullable=False, unique=True),
    Column("kind", String(10), nullable=False),  # sms, email, stock_push
    Column("recipient", String(200), nullable=False),
    Column("template", String(50), nullable=False),
    Column("payload", Text, nullable=False),  # JSON
    Column("status", String(10), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime, nullable=True),
    Index("ix_outbox_status_next", "status", "next_attempt_at"),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("shop_id", ForeignKey("shops.id"), primary_key=True),
    Column("watermark", DateTime, nullable=True),
    Column("last_pull_at", DateTime, nullable=True),
    Column("last_orders_in", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    Column("lock_owner", String(100), nullable=True),
    Column("lock_expires_at", DateTime, nullable=True),
)

import_errors = Table(
    "import_errors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_sha256", String(64), nullable=False),
    Column("file_name", String(300), nullable=False),
    Column("row_no", Integer, nullable=False),
    Column("reason", String(300), nullable=False),
    Column("raw", Text, nullable=False),  # JSON of the row as read
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("file_sha256", "row_no"),
)


def database_url() -> str:
    """The configured store: ORDERHUB_DATABASE_URL, else the SQLite file under data/."""
    return os.environ.get("ORDERHUB_DATABASE_URL") or DEFAULT_URL


def make_engine(url: str | None = None) -> Engine:
    """An engine for the URL; SQLite gets WAL, a busy timeout and explicit write locks."""
    url = url or database_url()
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    # No JIT: PostgreSQL compiles any query whose estimated cost passes jit_above_cost, which
    # lookups over a big orders table often do, and compiling took 15-20 ms, more than running them.
    engine = create_engine(url, connect_args={"options": "-c jit=off"})
    event.listen(engine, "checkout", _refuse_if_dropped_while_idle)
    return engine


def _refuse_if_dropped_while_idle(dbapi_connection, _record, _proxy) -> None:
    """pool_pre_ping without its round trip, which cost every transaction one more wait under load.

    A pooled connection has read every reply it asked for, so anything its socket has to read
    now came unasked: the server's goodbye (a restart, pg_terminate_backend, an idle timeout)
    and the closed socket after it. The pool then replaces the connection before anyone uses
    it. A server that vanished without a word is not seen here; the transaction's first
    statement fails instead, and the pool reconnects for the next one.
    """
    with selectors.DefaultSelector() as idle:
        idle.register(dbapi_connection.fileno(), selectors.EVENT_READ)
        if idle.select(timeout=0):
            raise DisconnectionError("the server closed this pooled connection while it was idle")


def _sqlite_engine(url: str) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself, so writers can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: index maintenance at volume stays in memory
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA wal_autocheckpoint=8000")  # 32 MiB: fewer checkpoints rewriting hot index pages
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock up front: a deferred transaction that later upgrades
        # to a writer can fail with SQLITE_BUSY regardless of the busy timeout.
        immediate = conn.get_execution_options().get("write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """The one way to write: a transaction that holds the write lock on SQLite from its start."""
    with engine.connect().execution_options(write=True) as conn, conn.begin():
        yield conn


def is_postgres(conn_or_engine: Connection | Engine) -> bool:
    return conn_or_engine.dialect.name == "postgresql"


def commit_without_waiting_for_disk(conn: Connection) -> None:
    """Let this transaction's commit return before its WAL is on disk (PostgreSQL; a no-op on SQLite).

    For many small transactions in a row (an intake batch, an outbox settle) whose caller then
    calls wait_for_disk once before it reports success: waiting for the flush of each one cost
    more than the work itself here (62 ms per 25-order intake batch). A database crash in between
    loses only whole transactions of a call that has not returned yet.
    """
    if is_postgres(conn):
        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def wait_for_disk(engine: Engine) -> None:
    """Return once every transaction committed so far is on disk, including those committed
    with synchronous_commit off (PostgreSQL; SQLite commits are already where they will stay).

    A synchronous commit waits for the WAL up to its own commit record, and so for every
    record before it; it must write WAL to wait at all, hence the (transactional) message.
    """
    if is_postgres(engine):
        with transaction(engine) as conn:
            conn.exec_driver_sql("SELECT pg_logical_emit_message(true, 'orderhub', 'durable')")


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (creates it when empty)."""
    with engine.begin() as conn:
        migrate_in(conn)


def migrate_in(conn: Connection) -> None:
    """migrate() inside the caller's transaction, so that schema and what follows commit or vanish together."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(ROOT / "core" / "migrations"))
    config.attributes["connection"] = conn
    command.upgrade(config, "heads")


def bulk_insert(conn: Connection, table: Table, rows: list[dict], skip_existing: tuple[str, ...] = ()) -> int:
    """Insert many rows given as dicts with the same keys; see insert_tuples."""
    if not rows:
        return 0
    keys = tuple(rows[0])
    pick = itemgetter(*keys)
    tuples = list(map(pick, rows)) if len(keys) > 1 else [(pick(row),) for row in rows]
    return insert_tuples(conn, table, keys, tuples, skip_existing)


def insert_tuples(
    conn: Connection, table: Table, keys: tuple[str, ...], rows: list[tuple], skip_existing: tuple[str, ...] = ()
) -> int:
    """Insert many rows, each a tuple of values for `keys`, through the driver's executemany;
    returns how many were inserted.

    Values are converted by the columns' own bind processors, exactly as SQLAlchemy would,
    but column by column and without its generic per-row parameter handling, which on the
    intake path costs more than the database itself. skip_existing names a unique key: a row
    whose key is taken already is skipped.
    """
    if not rows:
        return 0
    sql, order, converters, positional = _insert_statement(conn.dialect, table, keys, skip_existing)
    if any(converters) or list(order) != list(keys):  # column by column, in the statement's order
        by_key = dict(zip(keys, zip(*rows)))
        columns = [convert(by_key[key]) if convert else by_key[key] for key, convert in zip(order, converters)]
        rows = list(zip(*columns))
    params = rows if positional else [dict(zip(order, values)) for values in rows]
    return conn.exec_driver_sql(sql, params).rowcount


@lru_cache(maxsize=256)
def _insert_statement(dialect: Dialect, table: Table, keys: tuple[str, ...], skip_existing: tuple[str, ...]) -> tuple:
    """insert_tuples' SQL, its parameters' order, their converters and style: compiled once per
    shape (a clerk's action inserts two or three rows, and compiling took longer than sending them)."""
    statement = (postgresql if dialect.name == "postgresql" else sqlite).insert(table)
    if skip_existing:
        statement = statement.on_conflict_do_nothing(index_elements=list(skip_existing))
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    order = tuple(compiled.positiontup if compiled.positional else keys)
    converters = tuple(_bind_converter(table.c[key].type, dialect) for key in order)
    return str(compiled), order, converters, compiled.positional


def _bind_converter(column_type, dialect):
    """A whole column's bind conversion, or None; on SQLite a plain DateTime takes a C-speed path."""
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    if not processor:
        return None
    if dialect.name == "sqlite" and type(column_type) is DateTime:
        return partial(_sqlite_datetimes, fallback=processor)
    return partial(_convert_distinct, processor=processor)


def _convert_distinct(values: tuple, processor) -> list:
    """A column repeats values (a batch's timestamp, a status): convert each distinct one once."""
    try:
        converted = {value: processor(value) for value in set(values)}
    except TypeError:  # unhashable
        return list(map(processor, values))
    return list(map(converted.__getitem__, values))


_tzinfo = attrgetter("tzinfo")
_sqlite_isoformat = partial(datetime.isoformat, sep=" ", timespec="microseconds")


def _sqlite_datetimes(values: tuple, fallback) -> list:
    """What SQLAlchemy's SQLite DATETIME stores ("2026-11-01 08:00:00.000000"), made by
    isoformat at C speed when every value is a naive datetime or None."""
    distinct = set(values)
    distinct.discard(None)
    if set(map(type, distinct)) - {datetime} or set(map(_tzinfo, distinct)) - {None}:
        return _convert_distinct(values, fallback)
    converted = dict(zip(distinct, map(_sqlite_isoformat, distinct)))
    converted[None] = None
    return list(map(converted.__getitem__, values))


def open_store(url: str | None = None) -> Engine:
    """An engine on a database brought to the newest schema: what the app and CLI start with."""
    engine = make_engine(url)
    migrate(engine)
    return engine


# --- aftersales ---
# Reminder e-mail addresses of the login users who own tickets (core.returns.agents() joins them
# to users by username); display_name and active are no longer read: users has both.
service_agents = Table(
    "service_agents",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(100), nullable=False, server_default=""),
    Column("email", String(200), nullable=False, server_default=""),
    Column("manager_email", String(200), nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default=true()),
)

# The configurable list of after-sales reasons (the return-reason pie reads it).
ticket_reasons = Table(
    "ticket_reasons",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("label_zh", String(100), nullable=False),
    Column("label_en", String(100), nullable=False),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default=true()),
)

# Service-level deadlines per ticket type, in hours from opening.
ticket_sla = Table(
    "ticket_sla",
    metadata,
    Column("type", String(10), primary_key=True),
    Column("first_response_hours", Integer, nullable=False),
    Column("resolution_hours", Integer, nullable=False),
    Column("warn_hours", Integer, nullable=False, server_default="6"),
)

# One counter per business day for the customer-quotable ticket numbers.
ticket_sequences = Table(
    "ticket_sequences",
    metadata,
    Column("day", String(8), primary_key=True),
    Column("last_value", Integer, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    # The platform's refund record ("<channel>:<refund id>") a ticket was opened from, if any.
    Column("refund_ref", String(100), nullable=True, unique=True),
    Column("type", String(10), nullable=False),
    Column("reason", ForeignKey("ticket_reasons.code"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("owner", String(64), nullable=True),
    Column("notes", Text, nullable=False, server_default=""),
    Column("refund_cents", Integer, nullable=True),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("first_response_due", DateTime, nullable=False),
    Column("resolution_due", DateTime, nullable=False),
    Column("first_response_at", DateTime, nullable=True),
    Column("resolved_at", DateTime, nullable=True),
    Column("closed_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=False),
    CheckConstraint("type in ('refund', 'return', 'exchange', 'resend')", name="type_known"),
    Index("ix_tickets_status_owner", "status", "owner"),
    Index("ix_tickets_created_at", "created_at"),
)

ticket_lines = Table(
    "ticket_lines",
    metadata,
    Column("ticket_id", ForeignKey("tickets.id"), primary_key=True),
    Column("sku_id", ForeignKey("skus.id"), primary_key=True),
    Column("qty", Integer, nullable=False),
    # What goes out again for an exchange or resend (None: the same SKU).
    Column("replacement_sku_id", ForeignKey("skus.id"), nullable=True),
    # What became of returned goods: restocked (back in the ledger) or written_off.
    Column("disposition", String(12), nullable=True),
    CheckConstraint("qty > 0", name="qty_positive"),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", ForeignKey("tickets.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(10), nullable=False),  # open, advance, assign, note
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=True),
    Column("detail", String(500), nullable=False, server_default=""),
)

# Wrong answers on the public lookup page, counted per client and per ticket number.
lookup_failures = Table(
    "lookup_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client", String(64), nullable=False),
    Column("number", String(40), nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_lookup_failures_client_at", "client", "at"),
    Index("ix_lookup_failures_number_at", "number", "at"),
)


# --- api ---
# Where our SKUs live on each shop's platform (learnt from pulled orders), and the sellable
# quantity last pushed there, so the worker pushes only what changed.
channel_listings = Table(
    "channel_listings",
    metadata,
    Column("shop_id", ForeignKey("shops.id"), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("item_id", String(64), nullable=False),
    Column("platform_sku_id", String(64), nullable=False, server_default=""),
    Column("pushed_available", Integer, nullable=True),
    Column("pushed_at", DateTime, nullable=True),
)


# --- rules ---
# Auto-review rules as data: code -> enabled + JSON thresholds (defaults live in core.rules).
review_rules = Table(
    "review_rules",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("params", Text, nullable=False, server_default="{}"),  # JSON
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
)

blacklist = Table(
    "blacklist",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # buyer or phone
    Column("value", String(100), nullable=False),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    UniqueConstraint("kind", "value"),
    CheckConstraint("kind in ('buyer', 'phone')", name="kind"),
)

# One row per (order, rule) that matched; a resolved row keeps the rule from firing again.
order_exceptions = Table(
    "order_exceptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("detail", String(300), nullable=False, server_default=""),
    Column("status", String(10), nullable=False, server_default="open"),  # open, approved, fixed, cancelled
    Column("created_at", DateTime, nullable=False),
    Column("resolved_at", DateTime, nullable=True),
    Column("resolved_by", String(64), nullable=True),
    UniqueConstraint("order_id", "rule"),
    Index("ix_order_exceptions_status", "status"),
)

# Who changed which configuration (rules, blacklist, suppliers, sandbox promotions).
config_audit = Table(
    "config_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("subject", String(60), nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
)

# A secondary order ships in the parcel of its primary (same shop, buyer and address).
order_merges = Table(
    "order_merges",
    metadata,
    Column("order_id", ForeignKey("orders.id"), primary_key=True),
    Column("primary_order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
)

# A split-off part of a channel order: its own lines and reservations, amounts stay on the parent.
order_splits = Table(
    "order_splits",
    metadata,
    Column("order_id", ForeignKey("orders.id"), primary_key=True),
    Column("parent_order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
)

suppliers = Table(
    "suppliers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),  # skus.supplier refers to it by name
    Column("email", String(200), nullable=False),
    Column("lead_time_days", Integer, nullable=False, server_default="7"),
    Column("pack_size", Integer, nullable=False, server_default="1"),
    Column("moq", Integer, nullable=False, server_default="1"),
    Column("active", Boolean, nullable=False, server_default=true()),
    CheckConstraint("lead_time_days >= 0 and pack_size >= 1 and moq >= 1", name="positive_terms"),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(30), nullable=False, unique=True),
    Column("supplier_id", ForeignKey("suppliers.id"), nullable=False, index=True),
    # sent, confirmed, proposed, partial, received, cancelled
    Column("status", String(10), nullable=False),
    # Only the SHA-256 of the supplier link's token is kept; the link itself went out by e-mail.
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("token_expires_at", DateTime, nullable=False),
    Column("expected_at", DateTime, nullable=True),
    Column("supplier_note", String(500), nullable=False, server_default=""),
    Column("answered_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("po_id", ForeignKey("purchase_orders.id"), primary_key=True),
    Column("sku_id", ForeignKey("skus.id"), primary_key=True),
    Column("qty_ordered", Integer, nullable=False),
    Column("qty_confirmed", Integer, nullable=True),
    Column("qty_received", Integer, nullable=False, server_default="0"),
    Column("unit_cost_cents", Integer, nullable=False, server_default="0"),
    CheckConstraint("qty_ordered > 0 and qty_received >= 0", name="quantities"),
)

# Empty in live; one row in a sandbox copy, so every engine knows whether it is a sandbox.
sandbox_info = Table(
    "sandbox_info",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
)

# The usual price of a SKU reads its latest lines; this index makes that a short backward scan.
Index("ix_order_lines_sku_id_id", order_lines.c.sku_id, order_lines.c.id)


# --- app ---

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False, server_default=""),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(100), nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("language", String(5), nullable=False, server_default="zh"),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # Login cookies and sessions that began before this (a password reset, a deactivation) no longer count.
    Column("logins_revoked_at", DateTime),
)

# Failed logins per attempted username (whether or not it exists), so every app replica sees the lockout.
login_failures = Table(
    "login_failures",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_failed_at", DateTime, nullable=False),
    Column("locked_until", DateTime),
)

order_notes = Table(
    "order_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("author", String(64), nullable=False),
    Column("text", String(1000), nullable=False),
)

# The order queue pages newest first by (created_at, id) under filters; these keep a page fast.
Index("ix_orders_created_id", orders.c.created_at, orders.c.id)
Index("ix_orders_status_created_id", orders.c.status, orders.c.created_at, orders.c.id)
Index("ix_orders_channel_order_no", orders.c.channel_order_no)
Index("ix_orders_buyer", orders.c.buyer)
Index("ix_orders_province_created", orders.c.province, orders.c.created_at)


def upsert(conn: Connection, table: Table, rows: list[dict], keys: list[str], refresh: tuple[str, ...] = ()) -> None:
    """Insert rows; one whose key exists already (perhaps inserted by another process this very
    moment) gets the `refresh` columns updated, or is left alone. Race-free on both engines."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    if refresh:
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={name: statement.excluded[name] for name in refresh}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    conn.execute(statement, rows)
