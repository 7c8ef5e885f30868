"""Analytics: big-screen refresh (all six tiles) cold and warm at 1M and 10M orders, 1M-row export.

Each figure stands next to the same work done in plain SQLite (the ratio). Every phase runs in a
fresh process so its peak RSS is its own. Targets (issue 5): warm < 1 s at 10M, cold < 15 s at
10M, a 1M-row CSV export < 5 s. Sizes: BENCH_ANALYTICS_SIZES (default 1000000,10000000);
generated stores are kept in BENCH_ANALYTICS_DIR (default /tmp/orderhub-bench) for reruns.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.analytics_data import add_orders, build
from bench.common import write

NOW = datetime(2026, 11, 26, 9, 0)
SIZES = [int(n) for n in os.environ.get("BENCH_ANALYTICS_SIZES", "1000000,10000000").split(",")]
DATA = Path(os.environ.get("BENCH_ANALYTICS_DIR", "/tmp/orderhub-bench"))
NEW_ORDERS = 1000
CPU_SPENT: list[float] = []
COUNTED = "NOT (status = 'cancelled' AND paid_at IS NULL)"
# The six tiles' queries written for SQLite, as a page without the snapshot would run them.
SQLITE_TILES = [
    f"""SELECT count(*) FILTER (WHERE created_at BETWEEN :midnight AND :now AND {COUNTED}),
               count(*) FILTER (WHERE created_at BETWEEN :yesterday AND :same_time AND {COUNTED}),
               sum(paid_cents) FILTER (WHERE paid_at BETWEEN :midnight AND :now),
               sum(paid_cents) FILTER (WHERE paid_at BETWEEN :yesterday AND :same_time)
        FROM orders WHERE created_at >= :yesterday OR paid_at >= :yesterday""",
    f"""SELECT day, count(*) FILTER (WHERE kind = 'c'), sum(cents) FILTER (WHERE kind = 'p'),
               count(*) FILTER (WHERE kind = 'p'), count(*) FILTER (WHERE kind = 's') FROM (
          SELECT date(created_at) AS day, 'c' AS kind, 0 AS cents FROM orders
              WHERE created_at >= :fortnight AND {COUNTED}
          UNION ALL SELECT date(paid_at), 'p', paid_cents FROM orders WHERE paid_at >= :fortnight
          UNION ALL SELECT date(shipped_at), 's', 0 FROM orders WHERE shipped_at >= :fortnight) GROUP BY day""",
    f"""SELECT province, count(*), sum(paid_cents) FROM orders WHERE created_at >= :week AND {COUNTED}
        GROUP BY province""",
    """SELECT return_reason, count(*) FROM orders WHERE return_reason IS NOT NULL
          AND coalesce(returned_at, created_at) >= :week GROUP BY return_reason""",
    """SELECT count(*) FILTER (WHERE status = 'on_hold'), count(*) FILTER (WHERE status = 'paid' AND paid_at < :late),
              count(*) FILTER (WHERE status = 'paid') FROM orders WHERE status IN ('on_hold', 'paid')""",
    """SELECT o.channel_order_no, s.name, o.province, o.paid_at FROM orders o JOIN shops s ON s.id = o.shop_id
        WHERE o.status = 'paid' AND o.paid_at < :late ORDER BY o.paid_at LIMIT 6""",
    f"""SELECT channel, count(*), sum(paid_cents) FILTER (WHERE paid_at IS NOT NULL) FROM orders
        WHERE created_at >= :week AND {COUNTED} GROUP BY channel""",
]


def store(count: int) -> Path:
    """The generated store for this size (built once, reused by later runs)."""
    path = DATA / f"analytics_{count}.db"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        build(str(path.with_suffix(".tmp")), count, NOW - timedelta(hours=1))
        path.with_suffix(".tmp").rename(path)
        print(f"generated {count:,} orders in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def screen_phase(path: str, count: int) -> dict:
    """Cold big screen, then every other table copied, then 1,000 new orders and a warm refresh + tiles.

    Cold is the first big-screen refresh of a new process: the snapshot copies the tables the
    tiles name (orders and the small ones) and the tiles run. The reports' tables (lines, audit
    log) are copied next and reported apart; the warm refresh then reads the changes of all of
    them, as in an app where the reports page has been opened. The same tiles run on SQLite.
    """
    from core.analytics import screen
    from core.analytics.analytics import Snapshot
    from core.store.db import make_engine

    snap = Snapshot(make_engine(f"sqlite:///{path}"))
    cold = _timed(lambda: screen.screen(snap, "manager", NOW, 7))
    cold_tables = sorted(snap.last_refresh_rows)
    rest = _timed(snap.refresh)
    rest_tables = sorted(set(snap.last_refresh_rows) - set(cold_tables))
    writer = sqlite3.connect(path, isolation_level=None)
    add_orders(writer, count + 1, NEW_ORDERS, NOW, days=0.02)  # the last half hour
    writer.close()
    warm = _timed(snap.refresh)
    warm_tiles = _timed(lambda: screen.screen(snap, "manager", NOW, 7))
    held = int(snap.query("SELECT count(*) AS n FROM orders")["n"][0])
    assert held == count + NEW_ORDERS, f"snapshot holds {held} orders, store {count + NEW_ORDERS}"
    sqlite_tiles = _timed(lambda: _sqlite_tiles(path))
    cpu = dict(zip(["cold_screen", "cold_other_tables", "warm_refresh", "warm_tiles", "sqlite_tiles"], CPU_SPENT))
    return {
        "orders": count,
        "new_orders": NEW_ORDERS,
        "cold_screen_seconds": cold,
        "cold_screen_tables": cold_tables,
        "cold_other_tables_seconds": rest,
        "cold_other_tables": rest_tables,
        "cold_all_tables_and_tiles_seconds": round(cold + rest, 3),
        "warm_refresh_seconds": warm,
        "warm_tiles_seconds": warm_tiles,
        "warm_total_seconds": round(warm + warm_tiles, 3),
        "warm_rows_read": snap.last_refresh_rows,
        "sqlite_tiles_seconds": sqlite_tiles,
        "ratio_warm_vs_sqlite": round((warm + warm_tiles) / sqlite_tiles, 4),
        "ratio_cold_screen_vs_sqlite": round(cold / sqlite_tiles, 4),
        "cpu_seconds": cpu,
        **_rss(),
    }


def _sqlite_tiles(path: str) -> None:
    conn = sqlite3.connect(path)
    midnight = NOW.replace(hour=0, minute=0)
    params = {
        name: f"{moment:%Y-%m-%d %H:%M:%S}"
        for name, moment in {
            "now": NOW,
            "midnight": midnight,
            "yesterday": midnight - timedelta(days=1),
            "same_time": NOW - timedelta(days=1),
            "week": midnight - timedelta(days=6),
            "fortnight": midnight - timedelta(days=13),
            "late": NOW - timedelta(hours=48),
        }.items()
    }
    for sql in SQLITE_TILES:
        conn.execute(sql, params).fetchall()
    conn.close()


def export_phase(path: str, fmt: str) -> dict:
    """All orders of the store, masked for an analyst, vs. sqlite3 + the csv module unmasked."""
    from core.analytics import export
    from core.store.db import make_engine

    out = Path(path).with_suffix(f".export.{fmt}")
    rows = 0

    def ours() -> None:
        nonlocal rows
        rows = export.export(make_engine(f"sqlite:///{path}"), "orders", out, fmt, "analyst")

    seconds = _timed(ours)
    result = {
        "format": fmt,
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": CPU_SPENT[-1],
        "rows_per_second": int(rows / seconds),
        "file_mb": round(out.stat().st_size / 1e6, 1),
    }
    if fmt == "csv":
        plain = _timed(lambda: _plain_csv(path, out.with_suffix(".plain.csv")))
        result |= {
            "sqlite_csv_module_seconds": plain,
            "sqlite_csv_module_cpu_seconds": CPU_SPENT[-1],
            "ratio_vs_sqlite": round(seconds / plain, 4),
        }
    out.unlink()
    return result | _rss()


def _plain_csv(path: str, out: Path) -> None:
    conn = sqlite3.connect(path)
    cursor = conn.execute("SELECT o.*, s.name AS shop FROM orders o JOIN shops s ON s.id = o.shop_id")
    with out.open("w", encoding="utf-8-sig", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow([d[0] for d in cursor.description])
        writer.writerows(cursor)
    out.unlink()


def _timed(work) -> float:
    """Wall seconds of work; its CPU seconds (this process and its reader processes) go to CPU_SPENT."""
    started, cpu = time.perf_counter(), _cpu_seconds()
    work()
    CPU_SPENT.append(round(_cpu_seconds() - cpu, 3))
    return round(time.perf_counter() - started, 3)


def _cpu_seconds() -> float:
    """CPU time of this process and its live children (the reader processes), from /proc.

    Wall time on a machine shared with other work measures the neighbours too; CPU time does not.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    own = os.times()
    total = own.user + own.system
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _rss() -> dict:
    """Peak resident memory of this process and of its reader processes (VmHWM, read before they stop).

    Not ru_maxrss: Linux carries that over from the parent through fork and exec, so a child would
    report the generator's peak instead of its own.
    """
    from core.store.arrow_source import close_sources

    readers = [_peak_mb(status) for status in Path("/proc").glob("[0-9]*/status") if _parent(status) == os.getpid()]
    close_sources()
    return {"peak_rss_mb": _peak_mb(Path("/proc/self/status")), "reader_process_peak_rss_mb": max(readers, default=0.0)}


def _peak_mb(status: Path) -> float:
    try:
        line = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return 0.0
    return round(int(line.split()[1]) / 1024, 1)


def _parent(status: Path) -> int:
    try:
        return int(next(line for line in status.read_text().splitlines() if line.startswith("PPid:")).split()[1])
    except (OSError, StopIteration):
        return -1


def _child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.analytics", *args],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"bench.analytics {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    result: dict = {"screen": {}, "targets": {"warm_s_at_10m": 1, "cold_s_at_10m": 15, "export_1m_csv_s": 5}}
    for count in SIZES:
        path = store(count)
        # Measured on a copy so the 1,000 new orders do not pile up across runs.
        copy = path.with_suffix(".run.db")
        subprocess.run(["cp", "--sparse=always", str(path), str(copy)], check=True)
        os.sync()  # the copy's dirty pages are written now, not during the timed refresh
        result["screen"][str(count)] = _child("screen", str(copy), str(count))
        copy.unlink()
    one_million = store(min(SIZES, key=lambda n: abs(n - 1_000_000)))
    result["export"] = {fmt: _child("export", str(one_million), fmt) for fmt in ("csv", "parquet")}
    write("analytics", result)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "screen":
        print(json.dumps(screen_phase(sys.argv[2], int(sys.argv[3]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "export":
        print(json.dumps(export_phase(sys.argv[2], sys.argv[3])))
    else:
        main()
