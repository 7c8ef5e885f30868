"""1,000 paid orders shipped in batches of 50 on the carrier's numbers from the local 快递100 (in a
process of its own, as the real service is one): waybills per second, and how the time splits
between OrderHub (store, workflow, stock, signing, JSON) and waiting on the HTTP peer.

Each order costs two calls: 下单 for its number and 订阅 for its tracking pushes.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.common import generated_orders, local_server, timer, write
from connectors import kuaidi100, waybill_service
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.model import SHIPPED
from core.orders.tables import orders
from core.shipping.tables import waybills
from core.stock import reservations as stock
from core.store.db import make_engine, migrate, transaction

COUNT = int(os.environ.get("BENCH_WAYBILLS", "1000"))
BATCH = 50
START = datetime(2026, 10, 31)
ACCOUNT = """
[[waybill]]
shop = "萌宠天猫旗舰店"
key = "KD100KEY"
secret = "kd100-secret"
customer = "CUSTOMER01"
carrier = "SF"
partner_id = "SF-MONTHLY-001"
sender_name = "萌宠天猫旗舰店 杭州仓"
sender_phone = "0571-88886666"
sender_address = "浙江省杭州市余杭区仓前街道文一西路 1500 号"
callback_url = "https://orderhub.example.com/kuaidi100/callback"
label_url = "{url}/label/order"
subscribe_url = "{url}/poll"
query_url = "{url}/poll/query.do"
"""


class HttpClock:
    """Adds up the time spent inside the client's HTTP calls (request out to answer parsed)."""

    def __init__(self):
        self.seconds, self.calls = 0.0, 0
        self.real = kuaidi100.Kuaidi100._post

    def __enter__(self):
        clock = self

        def timed(client, url, form):
            start = time.perf_counter()
            try:
                return clock.real(client, url, form)
            finally:
                clock.seconds += time.perf_counter() - start
                clock.calls += 1

        kuaidi100.Kuaidi100._post = timed
        return self

    def __exit__(self, *exc):
        kuaidi100.Kuaidi100._post = self.real


def fresh_store(path: Path):
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with transaction(engine) as conn:
        for sku_id in stock.ensure_skus(conn, [f"SKU-{n:04d}" for n in range(50)], START).values():
            stock.receive(conn, sku_id, 10**6, "bench", "initial")
    ingest(engine, generated_orders(COUNT, prefix="TBW"))
    return engine


def ship_all(engine, url: str, tmp: Path) -> dict:
    channels = tmp / "channels.toml"
    channels.write_text(ACCOUNT.format(url=url), encoding="utf-8")
    os.environ["ORDERHUB_CHANNELS_FILE"] = str(channels)
    with engine.connect() as conn:
        ids = list(conn.execute(select(orders.c.id).order_by(orders.c.id)).scalars())
    failed = 0
    with HttpClock() as http, timer() as took:
        for start in range(0, len(ids), BATCH):
            result = waybill_service.ship_batch(engine, Actor("bench", "warehouse"), ids[start : start + BATCH])
            failed += len(result.failed)
    with engine.connect() as conn:
        shipped = conn.execute(select(func.count()).where(orders.c.status == SHIPPED)).scalar_one()
        numbers = conn.execute(select(func.count(func.distinct(waybills.c.tracking_no)))).scalar_one()
    assert failed == 0 and shipped == numbers == COUNT, (failed, shipped, numbers)
    own = took["seconds"] - http.seconds
    return {
        **took,
        "waybills_per_s": round(COUNT / took["seconds"], 1),
        "http_calls": http.calls,
        "http_seconds": round(http.seconds, 3),
        "orderhub_seconds": round(own, 3),
        "share_waiting_on_http": round(http.seconds / took["seconds"], 3),
        "share_in_orderhub": round(own / took["seconds"], 3),
        "ms_per_waybill_orderhub": round(own / COUNT * 1000, 2),
        "ms_per_http_call": round(http.seconds / http.calls * 1000, 2),
    }


def run() -> dict:
    with local_server("tests.waybills", str(COUNT * 2)) as url, tempfile.TemporaryDirectory() as tmp:
        engine = fresh_store(Path(tmp) / "orderhub.db")
        shipped = ship_all(engine, url, Path(tmp))
        engine.dispose()
    return {"orders": COUNT, "batch": BATCH, "engine": "sqlite", "aggregator": "local, own process", **shipped}


def main() -> None:
    write("waybills", run())


if __name__ == "__main__":
    main()
