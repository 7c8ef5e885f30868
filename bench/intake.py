"""Intake of generated orders with reservation vs. a raw executemany insert of the same rows.

Both run on the same engine in the same process, one after the other, so the ratio holds on a
noisy machine. Target (issue 2): >= 50k orders/s on SQLite, ratio >= 0.3. A third run, the raw
engine writing every row ours stores in ours' batches, is the ceiling any intake code could reach.
"""

from __future__ import annotations

import os
import tempfile
from bisect import bisect_right
from dataclasses import asdict
from datetime import datetime
from itertools import chain

from sqlalchemy import insert

from bench.common import generated_orders, timer, write
from core.intake import ingest
from core.intake.ingest import merged_lines
from core.orders import store_checks
from core.stock import reservations as stock
from core.stock.tables import skus
from core.store.db import SQLITE_ROWS_PER_STATEMENT, make_engine, migrate, rows_statement, transaction
from core.store.tables import channels, shops

COUNT = int(os.environ.get("BENCH_INTAKE_ORDERS", "200000"))
SKUS = 50
BATCH = 5000  # orders per ingest batch (one transaction each)
RESERVING = {"paid", "pending_payment"}  # the statuses whose stock ours reserves on arrival


def fresh_store(url: str):
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrate(engine)
    with transaction(engine) as conn:
        conn.execute(insert(skus), [{"sku": f"SKU-{n:04d}", "updated_at": datetime(2026, 11, 1)} for n in range(SKUS)])
        for sku_id in range(1, SKUS + 1):
            stock.receive(conn, sku_id, 10**9, "bench", "initial")
    return engine


def ours(url: str, generated) -> dict:
    engine = fresh_store(url)
    with timer() as took:
        summary = ingest.ingest(engine, generated, "bench", batch_size=BATCH, history=True)
    with engine.connect() as conn:
        assert not store_checks.invariant_violations(conn)
    engine.dispose()
    return {**took, "summary": asdict(summary)}


def raw(url: str, generated, every_row: bool = False) -> dict:
    """The same order and line rows, inserted with the driver's executemany and no logic.

    every_row: also the rows ours writes besides them (a reservation per reserved line, an
    arrival event per order), in batches of ours' size with a commit each, as ours does: what
    the engine alone needs for all that ours stores, whatever the code around it."""
    engine = fresh_store(url)
    order_rows = [
        (
            o.channel,
            o.channel_order_no,
            1,
            o.status,
            o.buyer,
            o.phone,
            o.province,
            o.city,
            o.address,
            o.created_at,
            o.paid_at,
            o.status,
            o.goods_cents,
            o.paid_cents,
            "x",
            o.created_at,
        )
        for o in generated
    ]
    columns = (
        "channel",
        "channel_order_no",
        "shop_id",
        "status",
        "buyer",
        "phone",
        "province",
        "city",
        "address",
        "created_at",
        "paid_at",
        "platform_status",
        "goods_cents",
        "paid_cents",
        "source_hash",
        "updated_at",
    )
    mark = "%s" if engine.dialect.name == "postgresql" else "?"
    with transaction(engine) as conn:
        conn.execute(insert(channels).values(code="taobao", name="taobao"))
        conn.execute(insert(shops).values(name="bench", channel="taobao"))
    line_rows = [
        (n + 1, int(line.sku[4:]) + 1, line.qty, line.unit_price_cents)
        for n, o in enumerate(generated)
        for line in merged_lines(o)
    ]
    tables = {
        "orders": (columns, order_rows),
        "order_lines": (("order_id", "sku_id", "qty", "unit_price_cents"), line_rows),
    }
    if every_row:
        reserving = {n + 1 for n, o in enumerate(generated) if o.status in RESERVING}
        tables["reservations"] = (
            ("order_id", "sku_id", "qty", "created_at"),
            [(*row[:3], generated[0].created_at) for row in line_rows if row[0] in reserving],
        )
        tables["order_events"] = (
            ("order_id", "at", "actor", "from_status", "to_status", "reason"),
            [(n + 1, o.created_at, "bench", None, o.status, "received from taobao") for n, o in enumerate(generated)],
        )
    step = BATCH if every_row else len(generated)
    batches = [  # made before the clock starts: (statement, rows) per table, per batch of orders
        [
            (f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})", part)
            for table, (names, rows) in tables.items()
            if (part := _of_orders(rows, start, step, table == "orders"))
        ]
        for start in range(0, len(generated), step)
    ]
    per_statement = SQLITE_ROWS_PER_STATEMENT if engine.dialect.name == "sqlite" else 0
    with timer() as took:
        for batch in batches:
            with transaction(engine) as conn:
                cursor = conn.connection.driver_connection.cursor()
                for sql, rows in batch:
                    _send(cursor, sql, rows, per_statement)
    engine.dispose()
    return {**took, "lines": len(line_rows)}


def _send(cursor, sql: str, rows: list[tuple], per_statement: int) -> None:
    """executemany; on SQLite, as ours sends them, per_statement rows in each INSERT (one statement
    per row would make the order search index's trigger flush at every row)."""
    if not per_statement:
        cursor.executemany(sql, rows)
        return
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        cursor.execute(rows_statement(sql, len(chunk)), tuple(chain.from_iterable(chunk)))


def _of_orders(rows: list[tuple], start: int, step: int, by_position: bool) -> list[tuple]:
    """The rows of orders start+1 .. start+step: the order rows by position, the others by
    their order id (their first value), which ascends."""
    if by_position:
        return rows[start : start + step]
    ids = [row[0] for row in rows]
    return rows[bisect_right(ids, start) : bisect_right(ids, start + step)]


def run(url: str | None = None) -> dict:
    generated = generated_orders(COUNT, SKUS)
    with tempfile.TemporaryDirectory() as tmp:
        ours_result = ours(url or f"sqlite:///{tmp}/ours.db", generated)
        raw_result = raw(url or f"sqlite:///{tmp}/raw.db", generated)
        every_row = raw(url or f"sqlite:///{tmp}/every_row.db", generated, every_row=True)
    ours_rate = COUNT / ours_result["seconds"]
    raw_rate = COUNT / raw_result["seconds"]
    return {
        "orders": COUNT,
        "engine": "sqlite" if not url else url.split(":")[0],
        "ours": {**ours_result, "orders_per_s": round(ours_rate)},
        "raw_executemany": {**raw_result, "orders_per_s": round(raw_rate)},
        # The ceiling for ours on this engine: the raw engine writing every row ours stores.
        "raw_executemany_every_row": {**every_row, "orders_per_s": round(COUNT / every_row["seconds"])},
        "ratio": round(ours_rate / raw_rate, 3),
        "cpu_ratio": round(raw_result["cpu_seconds"] / ours_result["cpu_seconds"], 3),
        "target": {"orders_per_s": 50000, "ratio": 0.3},
    }


def main() -> None:
    """SQLite always; PostgreSQL too when ORDERHUB_BENCH_PG_URL names a database (it is emptied)."""
    write("intake", run())
    pg_url = os.environ.get("ORDERHUB_BENCH_PG_URL")
    if pg_url:
        write("intake_postgresql", run(pg_url))


if __name__ == "__main__":
    main()
