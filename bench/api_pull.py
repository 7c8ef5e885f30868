"""Pull generated orders from each platform's local API server into a fresh SQLite store.

The server runs in its own process (as a platform would), so the figure is the client's: HTTP,
signing, JSON, paging, normalising and ingest with stock reservation. A fetch-only pass over the
same windows shows how much of it is the network side.
"""

from __future__ import annotations

import os
import tempfile

from bench.common import local_server, timer, write
from connectors import sync
from connectors.base import Window, connector_class
from core.orders import store_checks
from core.stock import reservations as stock
from core.store.db import make_engine, migrate, transaction
from tests.connectors_api.conftest import make_connector
from tests.connectors_api.kits import KITS
from tests.connectors_api.servers.__main__ import SKUS, START, STEP

COUNT = int(os.environ.get("BENCH_API_ORDERS", "10000"))
CHANNELS = os.environ.get("BENCH_API_CHANNELS", "taobao,pdd,jd,shopify").split(",")


def fresh_store(path: str):
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with transaction(engine) as conn:
        for sku_id in stock.ensure_skus(conn, [f"SKU-{n:04d}" for n in range(SKUS)], START).values():
            stock.receive(conn, sku_id, 10**7, "bench", "initial")
    return engine


def pull_from(kit, url: str, tmp: str) -> dict:
    end = START + COUNT * STEP + kit_settle(kit)
    engine = fresh_store(f"{tmp}/{kit.channel}.db")
    connector = make_connector(kit, url, engine)
    windows = Window(START, end - connector.settle).split(connector.max_window)
    with timer() as fetched:
        fetched_orders = sum(1 for w in windows for _ in connector.records(w))
    with timer() as pulled:
        result = sync.pull(engine, connector, now=end)
    connector.close()
    with engine.connect() as conn:
        assert not store_checks.invariant_violations(conn)
    engine.dispose()
    # Windows meet at their edges, which both include: a few orders come twice and are deduplicated.
    assert result.summary.new == COUNT <= fetched_orders, (fetched_orders, result.summary)
    return {
        "windows": len(windows),
        # CPU time is this process's alone: steadier than wall time on a shared machine.
        "pull": {
            **pulled,
            "orders_per_s": round(COUNT / pulled["seconds"]),
            "orders_per_cpu_s": round(COUNT / pulled["cpu_seconds"]),
        },
        "fetch_only": {**fetched, "orders_per_s": round(COUNT / fetched["seconds"])},
    }


def kit_settle(kit):
    """How far past the last order "now" must be for the platform's settle time to cover it."""
    return connector_class(kit.channel).settle + STEP


def run() -> dict:
    results = {}
    for kit in [k for k in KITS if k.channel in CHANNELS]:
        with (
            local_server("tests.connectors_api.servers", kit.channel, str(COUNT)) as url,
            tempfile.TemporaryDirectory() as tmp,
        ):
            results[kit.channel] = pull_from(kit, url, tmp)
    return {"orders": COUNT, "engine": "sqlite", "channels": results}


def main() -> None:
    write("api_pull", run())


if __name__ == "__main__":
    main()
