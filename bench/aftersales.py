"""After-sales throughput: outbox delivery to a local Aliyun-protocol gateway vs. bare signed GETs,
and tickets opened per second (numbering, assignment and the shipped-quantity check included).

Run: python -m bench.aftersales [sqlite-or-postgresql-url]
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta

import httpx
from sqlalchemy import insert

from bench.common import timer, write
from core.aftersales import returns
from core.aftersales.tables import service_agents
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.messages import outbox
from core.model import PAID, SHIPPED, NormalisedOrder, OrderLine
from core.orders import workflow
from core.stock import reservations as stock
from core.store.db import make_engine, migrate, transaction
from notify import deliver_pending, transports_from_env
from notify.aliyun_sms import SmsSettings, SmsTransport
from tests.aftersales.providers import AliyunGateway

BENCH = Actor("bench", "service")

MESSAGES, TICKETS = 2000, 1000
NOW = datetime(2026, 11, 26, 10, 0)
PAYLOAD = {"order_no": "TB4081726354001", "carrier": "顺丰速运", "tracking_no": "SF1234567890123"}


def delivery(url: str) -> dict:
    engine = make_engine(url)
    migrate(engine)
    with transaction(engine) as conn:
        outbox.enqueue(conn, [outbox.message(f"sms:b:{n}", "sms", f"139{n:08d}", "order_shipped", PAYLOAD, NOW)
                              for n in range(MESSAGES)])  # fmt: skip
    gateway = AliyunGateway()
    try:
        transports = transports_from_env(gateway.env())
        with timer() as ours:
            while deliver_pending(engine, transports, limit=200, now=NOW).sent:
                pass
        bare = SmsTransport(SmsSettings.from_env(gateway.env()), httpx.Client())
        with timer() as raw:
            for n in range(MESSAGES):
                bare(outbox.Envelope(0, f"sms:raw:{n}", "sms", f"139{n:08d}", "order_shipped", PAYLOAD, 1))
    finally:
        gateway.close()
    engine.dispose()
    return {
        "messages": MESSAGES, "outbox": ours, "bare_requests": raw,
        "outbox_per_second": round(MESSAGES / ours["seconds"]), "bare_per_second": round(MESSAGES / raw["seconds"]),
        "ratio": round(raw["seconds"] / ours["seconds"], 2),
    }  # fmt: skip


def opening(url: str) -> dict:
    engine = make_engine(url)
    migrate(engine)
    orders = [NormalisedOrder(channel="taobao", channel_order_no=f"TB{n:012d}", shop="萌宠天猫旗舰店", status=PAID,
                              created_at=NOW - timedelta(days=3), paid_at=NOW - timedelta(days=3), phone="13800138000",
                              lines=(OrderLine("PET-FOOD-2KG", 2, 8900),)) for n in range(TICKETS)]  # fmt: skip
    with transaction(engine) as conn:
        stock.receive(conn, stock.ensure_skus(conn, ["PET-FOOD-2KG"], NOW)["PET-FOOD-2KG"], 10**6, "bench")
        conn.execute(insert(service_agents), [{"username": f"agent{n}"} for n in range(5)])
    ingest(engine, orders, "bench", now=NOW - timedelta(days=3), history=True)
    with transaction(engine) as conn:
        ids = [workflow.order_id_by_no(conn, o.channel_order_no) for o in orders]
        for order_id in ids:
            workflow.advance(conn, order_id, SHIPPED, "bench", now=NOW - timedelta(days=2))
    with timer() as took:
        for order_id in ids:  # one transaction per ticket, as the page and the CLI open them
            with transaction(engine) as conn:
                returns.open_ticket(conn, order_id, "return", "quality", BENCH, now=NOW)
    engine.dispose()
    return {"tickets": TICKETS, **took, "tickets_per_second": round(TICKETS / took["seconds"])}


def run(url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        base = url or f"sqlite:///{folder}/bench.db"
        return {
            "database": base.split(":")[0],
            "delivery": delivery(base),
            "opening": opening(url or f"sqlite:///{folder}/t.db"),
        }


if __name__ == "__main__":
    write("aftersales", run(sys.argv[1] if len(sys.argv) > 1 else None))
