"""The system of record: engine creation, the one MetaData every package's tables join, bulk writes
and migrations.

Times are naive datetimes in the sellers' business time (Asia/Shanghai), as the platforms
report them. Money is integer cents (分). Quantities are integers.
"""

from __future__ import annotations

import os
import selectors
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache, partial
from itertools import chain
from operator import attrgetter, itemgetter
from pathlib import Path

from sqlalchemy import (
    DateTime,
    Engine,
    MetaData,
    Table,
    create_engine,
    event,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DisconnectionError

from core.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "core" / "store" / "migrations"
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


def database_url() -> str:
    """The configured store: ORDERHUB_DATABASE_URL, else the SQLite file under data/."""
    return os.environ.get("ORDERHUB_DATABASE_URL") or DEFAULT_URL


def make_engine(url: str | None = None) -> Engine:
    """An engine for the URL; SQLite gets WAL, a busy timeout and explicit write locks."""
    url = url or database_url()
    engine = _sqlite_engine(url) if url.startswith("sqlite") else _postgresql_engine(url)
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def _postgresql_engine(url: str) -> Engine:
    # No JIT: PostgreSQL compiles any query whose estimated cost passes jit_above_cost, which
    # lookups over a big orders table often do, and compiling took 15-20 ms, more than running them.
    engine = create_engine(url, connect_args={"options": "-c jit=off"})
    event.listen(engine, "checkout", _refuse_if_dropped_while_idle)
    return engine


def _refuse_nul(_conn, _cursor, _statement, parameters, context, executemany) -> None:
    """PostgreSQL cannot hold or even compare text with a NUL in it (SQLite can): a value a person
    typed or pasted with one is refused on both engines, in one line, before the driver's error
    (which quotes the SQL). Bulk writes are left alone: their rows were checked on the way in
    (files by connectors.file_checks, API orders by connectors.sync), and scanning a batch's every
    value would cost intake."""
    if executemany or not parameters or context.execution_options.get("rows_checked"):
        return
    values = parameters.values() if isinstance(parameters, dict) else parameters
    if any(type(value) is str and "\x00" in value for value in values):
        raise InvalidInput(key="error.nul_in_text")


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
    config.set_main_option("script_location", str(MIGRATIONS))
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
    if conn.dialect.name == "sqlite" and positional and len(rows) > 1:
        return _insert_sqlite_rows(conn, sql, rows)
    params = rows if positional else [dict(zip(order, values)) for values in rows]
    return conn.exec_driver_sql(sql, params).rowcount


def _insert_sqlite_rows(conn: Connection, sql: str, rows: list[tuple]) -> int:
    """Many rows per INSERT statement rather than one statement per row (executemany): a statement
    that fires a trigger writing a full-text table makes that table flush its pending index at the
    statement's start (the order search index: 7x the cost of intake's whole insert otherwise)."""
    most = conn.connection.driver_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # 32766 since 3.32
    per_statement = max(1, min(SQLITE_ROWS_PER_STATEMENT, most // len(rows[0])))
    inserted = 0
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        values = tuple(chain.from_iterable(chunk))
        inserted += conn.exec_driver_sql(rows_statement(sql, len(chunk)), values, BULK).rowcount
    return inserted


@lru_cache(maxsize=64)
def rows_statement(sql: str, count: int) -> str:
    """A one-row INSERT's SQL with its VALUES (?, …) group repeated count times."""
    start = sql.index(" VALUES (") + len(" VALUES ")
    end = sql.index(")", start) + 1
    return sql[:start] + ", ".join([sql[start:end]] * count) + sql[end:]


# Rows per INSERT on SQLite: past this, longer statements stop paying.
SQLITE_ROWS_PER_STATEMENT = 500
BULK = {"rows_checked": True}  # see _refuse_nul


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
