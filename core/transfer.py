"""Moving a whole store to another database (SQLite → PostgreSQL when a team outgrows one PC).

Every table of the schema is copied in foreign-key order, in chunks, through the same bulk
insert the intake uses; the target must be empty. Afterwards row counts are compared table by
table and the stock invariants are checked on the target, so a copy is either proven or reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, Integer, func, select, text

from core import stock
from core.db import bulk_insert, metadata, migrate, stock_waits, transaction
from core.errors import InvalidInput

CHUNK = 20_000


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
    migrate(target)
    occupied = {name: n for name, n in _counts(target).items() if n}
    if occupied:
        raise InvalidInput(f"The target database is not empty ({', '.join(sorted(occupied))}); nothing was copied.")
    report = TransferReport()
    with source.connect() as reader, transaction(target) as writer:
        for table in metadata.sorted_tables:
            if table is not stock_waits:  # the target's triggers rebuild it from what is copied
                report.rows[table.name] = _copy_table(reader, writer, table, progress)
        if writer.dialect.name == "postgresql":
            _restart_sequences(writer)
    _verify(source, target, report)
    return report


def _copy_table(reader, writer, table, progress) -> int:
    copied = 0
    result = reader.execution_options(yield_per=CHUNK).execute(select(table))
    for chunk in result.mappings().partitions():
        bulk_insert(writer, table, [dict(row) for row in chunk])
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
        report.problems += stock.invariant_violations(conn)
