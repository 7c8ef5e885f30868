"""The order queue at scale: one page of 50 rows (keyset) under each filter, at 1M (and 10M) orders.

Orders are generated inside the database with one INSERT … SELECT over a recursive CTE (SQLite)
or generate_series (PostgreSQL), so building a million rows takes seconds, not an ingest run.
`python -m bench queue_query` measures 1M on SQLite (and PostgreSQL when reachable);
`python -m bench.queue_query 1000000 10000000 [--sqlite-only|--postgres-only]` picks sizes. Target: < 150 ms per page.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, create_engine, select, text

from bench.common import RESULTS, write
from core.orders import queue
from core.orders.queue import QueueFilter
from core.orders.tables import orders
from core.store.db import make_engine, migrate

TARGET_MS = 150
RUNS = 15
PROVINCES = ("广东", "浙江", "江苏", "上海", "北京", "山东", "四川", "湖北", "福建", "河南", "湖南", "安徽")
PG_ADMIN = os.environ.get("ORDERHUB_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# Status by n % 100: 60 completed, 15 shipped, 12 paid, 5 pending, 5 cancelled, 3 held for stock.
STATUS_SQL = """CASE WHEN n % 100 < 60 THEN 'completed' WHEN n % 100 < 75 THEN 'shipped'
  WHEN n % 100 < 87 THEN 'paid' WHEN n % 100 < 92 THEN 'pending_payment'
  WHEN n % 100 < 97 THEN 'cancelled' ELSE 'on_hold' END"""


def orders_sql(dialect: str) -> str:
    """INSERT … SELECT generating :count orders over 300 days, spread over shops and provinces."""
    if dialect == "sqlite":
        source = "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :count) "
        # The text form SQLAlchemy itself writes for DateTime on SQLite, so comparisons line up.
        created = "strftime('%Y-%m-%d %H:%M:%S.000000', '2026-01-01', '+' || ((n * 7919) % 25920000) || ' seconds')"
        number, buyer, phone = "printf('TB%012d', n)", "'买家' || (n % 90000)", "printf('138%08d', n % 100000000)"
        province = "CASE (n / 7) % 12 " + " ".join(f"WHEN {i} THEN '{p}'" for i, p in enumerate(PROVINCES)) + " END"
        tail = "FROM seq"
    else:
        source = ""
        created = "timestamp '2026-01-01' + ((n * 7919) % 25920000) * interval '1 second'"
        number, buyer = "'TB' || lpad(n::text, 12, '0')", "'买家' || (n % 90000)"
        phone = "'138' || lpad((n % 100000000)::text, 8, '0')"
        province = f"(ARRAY[{', '.join(repr(p) for p in PROVINCES)}])[(n / 7) % 12 + 1]"
        tail = "FROM generate_series(1, CAST(:count AS bigint)) AS n"
    return f"""{source}INSERT INTO orders (channel, channel_order_no, shop_id, status, hold_reason, buyer, phone,
        province, city, address, created_at, platform_status, goods_cents, paid_cents, source_hash, updated_at)
      SELECT CASE n % 3 WHEN 0 THEN 'taobao' WHEN 1 THEN 'jd' ELSE 'pdd' END, {number}, 1 + n % 6,
        {STATUS_SQL}, CASE WHEN n % 100 >= 97 THEN 'insufficient_stock' END, {buyer}, {phone},
        {province}, '市区', '某某路1号', {created}, 'paid', 8900, 8900, 'bench', {created} {tail}"""


def build(engine: Engine, count: int) -> float:
    """Fill an empty, migrated store with count orders (one line each); returns seconds taken."""
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO channels (code, name) VALUES ('taobao', '淘宝'), ('jd', '京东'), ('pdd', '拼多多')")
        )
        for shop in range(6):
            conn.execute(
                text("INSERT INTO shops (id, name, channel) VALUES (:id, :name, :channel)"),
                {"id": shop + 1, "name": f"店铺{shop + 1}", "channel": ("taobao", "jd", "pdd")[shop % 3]},
            )
        conn.execute(
            text("INSERT INTO skus (id, sku, name, updated_at) VALUES (:id, :sku, :sku, '2026-01-01')"),
            [{"id": i + 1, "sku": f"SKU-{i:04d}"} for i in range(200)],
        )
        rebuild = _drop_secondary_indexes(conn)
        conn.execute(text(orders_sql(engine.dialect.name)), {"count": count})
        conn.execute(
            text(
                "INSERT INTO order_lines (order_id, sku_id, qty, unit_price_cents) "
                "SELECT id, 1 + id % 200, 1 + id % 3, 8900 FROM orders"
            )
        )
        for statement in rebuild:
            conn.execute(text(statement))
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return round(time.perf_counter() - start, 1)


def _drop_secondary_indexes(conn) -> list[str]:
    """Drop the orders' and lines' secondary indexes (sorting once afterwards beats 10M random
    B-tree inserts); returns the statements that recreate them exactly as the migrations made them."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size = -400000")  # 400 MB for the index sorts
        query = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('orders', 'order_lines')"
        )
    else:
        query = (
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('orders', 'order_lines') "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
    found = conn.execute(text(query)).all()
    for name, _ in found:
        conn.execute(text(f'DROP INDEX "{name}"'))
    return [statement for _, statement in found]


def scenarios(count: int) -> dict[str, tuple[QueueFilter, bool]]:
    """Name → (filter, start from a cursor halfway down the queue?)."""
    middle = f"TB{count // 2:012d}"
    return {
        "first_page": (QueueFilter(), False),
        "deep_page_by_cursor": (QueueFilter(), True),
        "status_paid": (QueueFilter(status="paid"), False),
        "status_on_hold_deep": (QueueFilter(status="on_hold"), True),
        "channel_and_province": (QueueFilter(channel="jd", province="广东"), False),
        "hold_reason": (QueueFilter(hold_reason="insufficient_stock"), False),
        "one_week": (QueueFilter(date_from=date(2026, 6, 1), date_to=date(2026, 6, 7)), False),
        "sku": (QueueFilter(sku="SKU-0042"), False),
        "search_order_no": (QueueFilter(search=middle), False),
        "search_buyer": (QueueFilter(search="买家4242"), False),
        # The search box by parts (the trigram index): a piece of a number, a phone's last 4, a whole phone, a SKU.
        "search_part_of_number": (QueueFilter(search=middle[5:12]), False),
        "search_phone_last_4": (QueueFilter(search="4242"), False),
        "search_whole_phone": (QueueFilter(search="13800424242"), False),
        "search_sku": (QueueFilter(search="SKU-0042"), False),
        "shop_status_week": (
            QueueFilter(shop_id=2, status="completed", date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)),
            False,
        ),
    }


def measure(engine: Engine, count: int) -> dict:
    """Median and p95 milliseconds of one page per scenario, plus the status counts."""
    results = {}
    with engine.connect() as conn:
        for name, (flt, deep) in scenarios(count).items():
            cursor = _cursor_halfway(conn, flt) if deep else None
            times, rows = [], 0
            for _ in range(RUNS):
                start = time.perf_counter()
                rows = len(queue.page(conn, "clerk", flt, after=cursor).rows)
                times.append((time.perf_counter() - start) * 1000)
            results[name] = _summary(times) | {"rows": rows}
        counted = {
            "counts_all": QueueFilter(),
            "counts_channel": QueueFilter(channel="jd"),
            "counts_search_phone_last_4": QueueFilter(search="4242"),
            "counts_search_sku": QueueFilter(search="SKU-0042"),
        }
        for name, flt in counted.items():
            times = []
            for _ in range(5):
                start = time.perf_counter()
                queue.status_counts(conn, flt, "clerk")
                times.append((time.perf_counter() - start) * 1000)
            results[name] = _summary(times)
        start = time.perf_counter()
        queue.filter_options(conn)
        results["filter_options_cold"] = {"ms": round((time.perf_counter() - start) * 1000, 2)}
    return results


def _cursor_halfway(conn, flt: QueueFilter) -> queue.Cursor | None:
    """The cursor of the row halfway down the queue under the filter's status."""
    counts = queue.status_counts(conn, flt, "clerk")
    total = counts.get(flt.status, 0) if flt.status else sum(counts.values())
    query = select(orders.c.created_at, orders.c.id).order_by(orders.c.created_at.desc(), orders.c.id.desc())
    if flt.status:
        query = query.where(orders.c.status == flt.status)
    row = conn.execute(query.offset(total // 2).limit(1)).first()
    return None if row is None else (row.created_at, row.id)


def _summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
    }


def run_sqlite(count: int, folder: Path) -> dict:
    path = folder / f"queue_{count}.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    seconds = build(engine, count)
    result = {
        "backend": "sqlite",
        "orders": count,
        "build_seconds": seconds,
        "file_mb": round(path.stat().st_size / 2**20),
        "queries": measure(engine, count),
    }
    engine.dispose()
    path.unlink()
    return result


def run_postgres(count: int) -> dict | None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS orderhub_bench_queue"))
            conn.execute(text("CREATE DATABASE orderhub_bench_queue"))
    except Exception as exc:  # noqa: BLE001 - no server here: report and measure SQLite only
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        return None
    engine = make_engine(PG_ADMIN.rsplit("/", 1)[0] + "/orderhub_bench_queue")
    try:
        migrate(engine)
        seconds = build(engine, count)
        print(f"postgresql: {count:,} orders built in {seconds} s", file=sys.stderr)
        return {"backend": "postgresql", "orders": count, "build_seconds": seconds, "queries": measure(engine, count)}
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS orderhub_bench_queue WITH (FORCE)"))


def main(sizes: list[int] | None = None, sqlite: bool = True, postgres: bool = True) -> None:
    sizes = sizes or [1_000_000]
    runs = []
    with tempfile.TemporaryDirectory(prefix="orderhub-queue-bench-") as folder:
        for count in sizes:
            if sqlite:
                runs.append(run_sqlite(count, Path(folder)))
            if postgres and (pg := run_postgres(count)):
                runs.append(pg)
    runs = _merged(runs)
    pages = [q["median_ms"] for r in runs for name, q in r["queries"].items() if "rows" in q]
    slowest = max(pages)
    write(
        "queue_query",
        {
            "target_ms_per_page": TARGET_MS,
            "page_size": queue.PAGE_SIZE,
            "slowest_page_median_ms": slowest,
            "runs": runs,
        },
    )


def _merged(runs: list[dict]) -> list[dict]:
    """Earlier runs at other sizes or on another backend stay in the file (a 10M build is slow)."""
    path = RESULTS / "queue_query.json"
    earlier = json.loads(path.read_text())["runs"] if path.exists() else []
    fresh = {(run["backend"], run["orders"]) for run in runs}
    kept = [run for run in earlier if (run["backend"], run["orders"]) not in fresh]
    return sorted(kept + runs, key=lambda run: (run["orders"], run["backend"]))


if __name__ == "__main__":
    sizes = [int(arg) for arg in sys.argv[1:] if arg.isdigit()] or None
    main(sizes, sqlite="--postgres-only" not in sys.argv, postgres="--sqlite-only" not in sys.argv)
