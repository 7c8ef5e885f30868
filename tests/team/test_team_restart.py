"""A real worker process (`cli.py worker`) rides out a PostgreSQL restart on its own: it delivers
what was queued before and after, once each, without being restarted itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

from core.messages import outbox
from core.store.db import ROOT, make_engine, migrate, transaction
from tests.aftersales.providers import AliyunGateway

PAYLOAD = {"order_no": "TB4081726354001", "carrier": "顺丰速运", "tracking_no": "SF1234567890123"}


def _queue(engine, keys: list[str]) -> None:
    now = datetime.now().replace(microsecond=0) - timedelta(seconds=5)
    with transaction(engine) as conn:
        outbox.enqueue(conn, [outbox.message(k, "sms", "13912345678", "order_shipped", PAYLOAD, now) for k in keys])


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return condition()


def test_a_running_worker_rides_out_a_database_restart_and_delivers_everything_once(private_cluster, tmp_path):
    url = private_cluster.fresh_database("worker_restart")
    engine = make_engine(url)
    migrate(engine)
    before, after = [f"sms:shipped:{n}" for n in range(30)], [f"sms:shipped:{n}" for n in range(30, 60)]
    _queue(engine, before)
    gateway = AliyunGateway()
    env = {**os.environ, **gateway.env(), "ORDERHUB_DATABASE_URL": url, "ORDERHUB_DEMO_FEED": "0",
           "ORDERHUB_CHANNELS_FILE": str(tmp_path / "no-shops.toml")}  # fmt: skip
    worker = subprocess.Popen([sys.executable, "cli.py", "worker"], cwd=ROOT, env=env, stderr=subprocess.PIPE)
    try:
        assert _wait_for(lambda: len(gateway.accepted) == 30, 30)  # its first pass runs at start
        private_cluster.restart()  # every pooled connection of the worker is now dead
        engine.dispose()
        _queue(engine, after)
        assert _wait_for(lambda: len(gateway.accepted) == 60, 40)  # the next pass, every 15 s
        assert worker.poll() is None  # nobody restarted it
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        gateway.close()
    assert sorted(gateway.accepted) == sorted(before + after) and gateway.duplicates == []
    with engine.connect() as conn:
        assert outbox.status_counts(conn) == {"sent": 60}
