"""Moving a whole store to another database (SQLite → PostgreSQL when a team outgrows one PC).

The target must be empty: no tables at all (a database just created), or only the rows a new
store's own migration seeds (the after-sales reasons and SLA), which the source's rows then
replace, since the user may have edited them. A target holding anything else is refused before
anything is written. Schema, seeds and copy run in one transaction, so a copy that fails leaves
the target as it was. Every table of the schema is copied in foreign-key order, in chunks,
through the same bulk insert the intake uses; afterwards row counts are compared table by table
and the stock invariants are checked on the target, so a copy is either proven or reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from alembic.util import CommandError
from sqlalchemy import Connection, Engine, Integer, MetaData, Table, func, inspect, select, text
from sqlalchemy import table as sql_table
from sqlalchemy.exc import DBAPIError, OperationalError

from core.errors import InvalidInput
from core.orders import status, store_checks
from core.orders.search import is_index_table
from core.orders.tables import stock_waits
from core.schema import metadata
from core.store.db import bulk_insert, make_engine, migrate, migrate_in, transaction

CHUNK = 20_000
SCHEMA_VERSION_TABLE = "alembic_version"
NOTHING_COPIED = "nothing was copied"


@dataclass
class TransferReport:
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def copy_store(source: Engine, target: Engine, progress: Callable[[str, int], None] | None = None) -> TransferReport:
    """Copy everything from source into the empty target, then verify the copy."""
    migrate(source)
    report = TransferReport()
    try:
        with source.connect() as reader, transaction(target) as writer:
            _refuse_unless_empty(writer)
            _prepare_schema(writer)
            for table in metadata.sorted_tables:
                if table is not stock_waits:  # derived: rebuilt below from what is copied
                    report.rows[table.name] = _copy_table(reader, writer, table, progress)
            status.rebuild_waits(writer)
            if writer.dialect.name == "postgresql":
                _restart_sequences(writer)
    except OperationalError as failure:
        if failure.statement is not None:
            raise
        reason = str(failure.orig).strip().splitlines()[0]  # the driver's words, before SQLAlchemy's links
        raise InvalidInput(f"The target database cannot be reached: {reason}") from None
    _verify(source, target, report)
    return report


def _refuse_unless_empty(conn: Connection) -> None:
    occupied = _occupied_tables(conn)
    if occupied:
        raise InvalidInput(f"The target database is not empty ({', '.join(occupied)}); {NOTHING_COPIED}.")


def _occupied_tables(conn: Connection) -> list[str]:
    """The target's tables that hold rows other than those a new store's migration seeds.

    Reads whatever tables are there, so a database of an older OrderHub schema, or of another
    application, is judged by its rows just the same.
    """
    seeded = _seeded_rows()
    names = sorted(set(inspect(conn).get_table_names()) - {SCHEMA_VERSION_TABLE})
    stored = [name for name in names if not is_index_table(name)]  # derived from orders, rebuilt with them
    return [name for name in stored if not _only_seeded(conn, name, seeded.get(name, []))]


def _only_seeded(conn: Connection, name: str, seeds: list[dict]) -> bool:
    if not seeds:
        return conn.execute(select(func.count()).select_from(sql_table(name))).scalar_one() == 0
    found = Table(name, MetaData(), autoload_with=conn)
    shared = [column for column in seeds[0] if column in found.c]  # an older schema may lack some
    expected = {tuple(seed[column] for column in shared) for seed in seeds}
    return all(tuple(row) in expected for row in conn.execute(select(*(found.c[c] for c in shared))))


@cache
def _seeded_rows() -> dict[str, list[dict]]:
    """Table → the rows a new store's migration writes into it, learnt by migrating a scratch store."""
    scratch = make_engine("sqlite://")
    try:
        migrate(scratch)
        with scratch.connect() as conn:
            return {
                table.name: rows
                for table in metadata.sorted_tables
                if (rows := [dict(row) for row in conn.execute(select(table)).mappings()])
            }
    finally:
        scratch.dispose()


def _prepare_schema(conn: Connection) -> None:
    """Migrate the target in the copy's transaction and clear the rows the migration seeded."""
    try:
        migrate_in(conn)
    except CommandError:  # e.g. the target's schema is newer than this OrderHub knows
        raise InvalidInput(
            f"The target database has a schema this OrderHub cannot upgrade; {NOTHING_COPIED}."
        ) from None
    except DBAPIError as failure:
        raise InvalidInput(
            f"The target database's tables do not fit OrderHub's schema ({type(failure.orig).__name__}); "
            f"{NOTHING_COPIED}."
        ) from None
    for table in reversed(metadata.sorted_tables):
        if table.name in _seeded_rows():
            conn.execute(table.delete())


def _copy_table(reader, writer, table, progress) -> int:
    copied = 0
    result = reader.execution_options(yield_per=CHUNK).execute(select(table))
    for chunk in result.mappings().partitions():
        try:
            bulk_insert(writer, table, [dict(row) for row in chunk])
        except DBAPIError as failure:  # its text carries SQL and row values; the message names neither
            raise InvalidInput(
                f"The target refused a row of {table.name} ({type(failure.orig).__name__}); {NOTHING_COPIED}."
            ) from None
        copied += len(chunk)
        if progress:
            progress(table.name, copied)
    return copied


def _restart_sequences(conn) -> None:
    """Copied ids were written explicitly; PostgreSQL's sequences must continue after them."""
    for table in metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) == 1 and isinstance(key[0].type, Integer) and key[0].autoincrement is not False:
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": key[0].name}
            ).scalar()
            if sequence:
                conn.execute(
                    text(
                        f"SELECT setval('{sequence}', COALESCE((SELECT MAX({key[0].name}) FROM "
                        f"{table.name}), 0) + 1, false)"
                    )
                )


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def _verify(source: Engine, target: Engine, report: TransferReport) -> None:
    before, after = _counts(source), _counts(target)
    report.problems += [
        f"{name}: {before[name]} rows in the source, {after[name]} copied"
        for name in before
        if before[name] != after[name]
    ]
    with target.connect() as conn:
        report.problems += store_checks.invariant_violations(conn)
