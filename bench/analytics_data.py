"""Millions of believable orders for the analytics benchmark, written by SQLite itself in bulk SQL.

Rows come from a recursive counter and integer hashing (reproducible, no Python loop); the
secondary indexes are dropped while loading and rebuilt afterwards, which is far quicker than
maintaining them row by row. Orders span the 90 days before `now` in id order, like real intake.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from core.store.db import make_engine, migrate

PROVINCES = [
    "广东",
    "浙江",
    "江苏",
    "上海",
    "北京",
    "山东",
    "四川",
    "福建",
    "河南",
    "湖北",
    "湖南",
    "河北",
    "安徽",
    "辽宁",
    "陕西",
    "重庆",
    "天津",
    "江西",
    "广西",
    "云南",
    "山西",
    "吉林",
    "黑龙江",
    "贵州",
    "新疆",
    "甘肃",
    "内蒙古",
    "海南",
    "宁夏",
    "青海",
    "西藏",
    "香港",
    "台湾",
    "",
]
REASONS = ["七天无理由退货", "尺码/规格不合适", "质量问题", "发错货/漏发", "与描述不符", "物流破损"]
STAFF = ["仓库-老王", "仓库-小李", "仓库-阿强", "客服-小美", "客服-阿杰", "客服-小雨"]
# h is a per-order pseudo-random number; times are epoch seconds of naive business time, stored
# as the app stores them ('YYYY-MM-DD HH:MM:SS.ffffff').
ORDERS_SQL = """
WITH RECURSIVE n(i) AS (SELECT :first UNION ALL SELECT i + 1 FROM n WHERE i < :last),
o AS (SELECT i, (i * 2654435761) % 4294967296 AS h,
             :start + (i - :first) * :step AS created FROM n),
f AS (SELECT i, h, created, h % 100 AS fate, 1000 + (h / 100) % 30000 AS goods,
             CASE WHEN h % 7 = 0 THEN (h / 7) % 3000 ELSE 0 END AS discount,
             created + 60 + (h / 13) % 840 AS paid, created + 3600 * (2 + (h / 17) % 70) AS shipped FROM o)
INSERT INTO orders (id, channel, channel_order_no, shop_id, status, hold_reason, buyer, phone, province, city,
    address, created_at, paid_at, shipped_at, completed_at, cancelled_at, platform_status, goods_cents, paid_cents,
    platform_discount_cents, seller_coupon_cents, shipping_fee_cents, shipping_cost_cents, return_reason,
    returned_at, source_hash, updated_at)
SELECT i, s.channel, s.channel || printf('%012d', i), s.id,
    CASE WHEN fate < 4 THEN 'cancelled' WHEN fate < 7 THEN 'on_hold'
         WHEN fate < 12 OR shipped > :now THEN 'paid' WHEN fate < 50 THEN 'shipped' ELSE 'completed' END,
    CASE WHEN fate BETWEEN 4 AND 6 THEN (CASE WHEN fate = 4 THEN 'address_invalid' ELSE 'insufficient_stock' END) END,
    '张伟', '138' || printf('%08d', i % 100000000), p.name, '深圳市', '广东省深圳市南山区科技园路1号',
    datetime(created, 'unixepoch') || '.000000', CASE WHEN fate >= 4 THEN datetime(paid, 'unixepoch') || '.000000' END,
    CASE WHEN fate >= 12 AND shipped <= :now THEN datetime(shipped, 'unixepoch') || '.000000' END,
    CASE WHEN fate >= 50 AND shipped <= :now THEN datetime(shipped + 432000, 'unixepoch') || '.000000' END,
    CASE WHEN fate < 4 THEN datetime(created + 1800, 'unixepoch') || '.000000' END,
    'paid', goods, goods - discount, discount, 0, 0, 650,
    CASE WHEN fate >= 96 AND shipped <= :now THEN r.reason END,
    CASE WHEN fate >= 96 AND shipped <= :now THEN datetime(shipped + 432000, 'unixepoch') || '.000000' END,
    printf('%032d', i),
    datetime(CASE WHEN fate >= 12 AND shipped <= :now THEN shipped WHEN fate >= 4 THEN paid ELSE created END,
             'unixepoch') || '.000000'
FROM f JOIN bench_shop s ON s.k = h % 4 JOIN bench_province p ON p.k = (h / 7) % 34
JOIN bench_reason r ON r.k = (h / 11) % 6
"""
LINES_SQL = """
INSERT INTO order_lines (order_id, sku_id, qty, unit_price_cents, discount_cents)
SELECT id, 1 + id % 40, 1 + id % 3, goods_cents / (1 + id % 3), 0 FROM orders WHERE id BETWEEN :first AND :last
UNION ALL
SELECT id, 1 + (id + 7) % 40, 1, 1500, 0 FROM orders WHERE id BETWEEN :first AND :last AND id % 3 = 0
ORDER BY 1
"""
EVENTS_SQL = """
INSERT INTO order_events (order_id, at, actor, from_status, to_status, reason)
SELECT id, created_at, 'import', NULL, 'pending_payment', 'received' FROM orders WHERE id BETWEEN :first AND :last
UNION ALL
SELECT id, shipped_at, (SELECT name FROM bench_staff WHERE k = id % 6), 'paid', 'shipped', '' FROM orders
    WHERE id BETWEEN :first AND :last AND shipped_at IS NOT NULL
UNION ALL
SELECT id, paid_at, 'import', 'paid', 'on_hold', CASE WHEN hold_reason = 'address_invalid' THEN '地址无法识别'
    ELSE 'insufficient stock' END FROM orders WHERE id BETWEEN :first AND :last AND status = 'on_hold'
"""


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-512000", "temp_store=MEMORY"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def build(path: str, count: int, now: datetime) -> None:
    """A migrated store at `path` holding `count` orders with lines, events and reference data."""
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    conn = _connect(path)
    _reference(conn)
    # Secondary indexes are built once after the bulk load (far faster than row by row), exactly
    # as the migrations defined them; unique constraints' indexes (no SQL) stay in place.
    secondary = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('orders', 'order_lines', 'order_events')"
    ).fetchall()
    for name, _ in secondary:
        conn.execute(f"DROP INDEX {name}")
    add_orders(conn, 1, count, now, days=90)
    for _, sql in secondary:
        conn.execute(sql)
    conn.execute("ANALYZE")
    conn.close()


def add_orders(conn: sqlite3.Connection, first: int, count: int, now: datetime, days: float) -> None:
    """Orders first … first+count−1, spread evenly over the `days` before `now`."""
    epoch_now = int((now - datetime(1970, 1, 1)).total_seconds())
    span = int(days * 86400)
    chunk = 500_000
    for start in range(first, first + count, chunk):
        last = min(start + chunk, first + count) - 1
        params = {
            "first": start,
            "last": last,
            "now": epoch_now,
            "start": epoch_now - span + (start - first) * span // count,
            "step": span / count,
        }
        conn.execute("BEGIN")
        conn.execute(ORDERS_SQL, params)
        conn.execute(LINES_SQL, {"first": start, "last": last})
        conn.execute(EVENTS_SQL, {"first": start, "last": last})
        conn.execute("COMMIT")


def _reference(conn: sqlite3.Connection) -> None:
    conn.executescript("""
        INSERT INTO channels (code, name, commission_bp) VALUES ('taobao', '淘宝/天猫', 500), ('jd', '京东', 800),
            ('pdd', '拼多多', 60);
        INSERT INTO shops (id, name, channel) VALUES (1, '萌宠天猫旗舰店', 'taobao'), (2, '萌宠淘宝小店', 'taobao'),
            (3, '萌宠京东旗舰店', 'jd'), (4, '萌宠拼多多店', 'pdd');
        CREATE TABLE bench_shop (k INTEGER PRIMARY KEY, id INTEGER, channel TEXT);
        INSERT INTO bench_shop SELECT id - 1, id, channel FROM shops;
        CREATE TABLE bench_province (k INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE bench_reason (k INTEGER PRIMARY KEY, reason TEXT);
        CREATE TABLE bench_staff (k INTEGER PRIMARY KEY, name TEXT);
    """)
    conn.executemany("INSERT INTO bench_province VALUES (?, ?)", list(enumerate(PROVINCES)))
    conn.executemany("INSERT INTO bench_reason VALUES (?, ?)", list(enumerate(REASONS)))
    conn.executemany("INSERT INTO bench_staff VALUES (?, ?)", list(enumerate(STAFF)))
    conn.executemany(
        "INSERT INTO skus (id, sku, name, unit_cost_cents, on_hand, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [(n, f"SKU-{n:04d}", f"商品 {n}", 500 + n * 37, 10**6, "2026-11-01 00:00:00.000000") for n in range(1, 41)],
    )
