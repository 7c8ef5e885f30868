"""Workers on PostgreSQL coordinate through the database: an advisory lock per shop pull (gone
with a SIGKILLed worker's connection, so the next worker takes over at once) and outbox rows
claimed with FOR UPDATE SKIP LOCKED, so two delivery workers never send the same message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from core.intake import shop_sync
from core.intake.shop_locks import ShopLock
from core.intake.tables import sync_state
from core.messages import outbox
from core.orders.tables import orders
from core.store.db import ROOT, make_engine, transaction
from tests.aftersales.providers import AliyunGateway
from tests.connectors_api.conftest import START
from tests.connectors_api.kits import TAOBAO
from tests.connectors_api.pull_once import SHOP
from tests.connectors_api.servers.base import serving

LINES = [("PET-FOOD-2KG", 1, "59.90")]


def _pull_in_process(database_url: str, gateway: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.connectors_api.pull_once", database_url, gateway]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _platform_with_orders(delay: float):
    server = TAOBAO.platform()
    server.put(*[TAOBAO.order(n, "paid", START + timedelta(minutes=n), LINES) for n in range(150)])
    server.delay = delay
    return server


def test_two_worker_processes_on_postgresql_never_pull_the_same_shop_at_once(pg_url):
    server = _platform_with_orders(delay=0.7)  # slow calls, so the two pulls overlap in time
    with serving(server) as url:
        workers = [_pull_in_process(pg_url, f"{url}/router/rest") for _ in range(2)]
        results = [json.loads(w.communicate(timeout=60)[0]) for w in workers]
    assert sorted(r["skipped"] for r in results) == [False, True]
    assert sum(r["new"] for r in results) == 150 == _count(make_engine(pg_url), orders)
    assert len(server.calls(TAOBAO.orders_call)) == 3  # one pull only: page 1 for the count, then 2, 1


def test_a_sigkilled_workers_shop_is_pulled_by_the_next_worker_at_once(pg_url):
    server = _platform_with_orders(delay=30)  # the first pull hangs inside its first call
    engine = make_engine(pg_url)
    with serving(server) as url:
        doomed = _pull_in_process(pg_url, f"{url}/router/rest")
        while not server.requests:
            time.sleep(0.05)
        shop_id = shop_sync.ensure_shop(engine, SHOP, "taobao")
        assert not ShopLock(engine, shop_id, "bystander").acquire()  # held while the pull runs
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait()
        server.delay = 0
        started = time.monotonic()
        successor = _pull_in_process(pg_url, f"{url}/router/rest")
        result = json.loads(successor.communicate(timeout=60)[0])
    # No lease to wait out: the lock went with the killed process's connection.
    assert result == {"skipped": False, "new": 150} and time.monotonic() - started < 20
    with engine.connect() as conn:
        row = conn.execute(select(sync_state).where(sync_state.c.shop_id == shop_id)).one()
    assert row.lock_owner is None and row.watermark is not None


def test_a_lock_whose_database_session_ended_is_no_longer_held(pg_engine):
    shop_id = shop_sync.ensure_shop(pg_engine, SHOP, "taobao")
    lock = ShopLock(pg_engine, shop_id, "worker-a")
    assert lock.acquire()
    with pg_engine.connect() as conn:
        assert lock.held(conn)
        conn.execute(select(func.pg_terminate_backend(lock._session.connection.dbapi_connection.info.backend_pid)))
        assert not lock.held(conn)
    assert ShopLock(pg_engine, shop_id, "worker-b").acquire()
    lock.release()  # releasing a lost lock is harmless and leaves the new owner alone
    with pg_engine.connect() as conn:
        assert conn.execute(select(sync_state.c.lock_owner)).scalar_one() == "worker-b"


def test_two_delivery_workers_on_postgresql_send_every_message_exactly_once(pg_url):
    engine = make_engine(pg_url)
    keys = [f"sms:shipped:{n}" for n in range(240)]
    payload = {"order_no": "TB4081726354001", "carrier": "顺丰速运", "tracking_no": "SF1234567890123"}
    now = datetime.now().replace(microsecond=0) - timedelta(minutes=1)
    with transaction(engine) as conn:
        outbox.enqueue(conn, [outbox.message(k, "sms", f"139{n:08d}", "order_shipped", payload, now) for n, k in
                              enumerate(keys)])  # fmt: skip
    gateway = AliyunGateway(delay=0.01)
    command = [sys.executable, "-m", "notify", "--interval", "0.05", "--limit", "10"]
    env = {**os.environ, **gateway.env(), "ORDERHUB_DATABASE_URL": pg_url}
    workers = [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(2)]
    try:
        deadline = time.monotonic() + 40
        while len(gateway.accepted) < len(keys) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)  # let the last settles commit
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=10)
        gateway.close()
    assert sorted(gateway.accepted) == sorted(keys) and gateway.duplicates == []
    with engine.connect() as conn:
        assert outbox.status_counts(conn) == {"sent": len(keys)}


def test_a_delivery_worker_outlives_a_database_outage_and_delivers_once_it_is_back(pg_url, pg_admin, tmp_path):
    database = make_url(pg_url).database
    gateway = AliyunGateway()
    command = [sys.executable, "-m", "notify", "--interval", "0.05"]
    env = {**os.environ, **gateway.env(), "ORDERHUB_DATABASE_URL": pg_url}
    log = tmp_path / "notify.log"  # a file, not a pipe: the tracebacks would fill a pipe nobody reads yet
    with log.open("w") as sink:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stderr=sink)
    try:
        _wait_for(lambda: _sessions(pg_admin, database) > 0, "the worker never connected")  # a first pass
        _allow_connections(pg_admin, database, False)  # every session cut off, none let in
        _wait_for(lambda: "outbox pass failed" in log.read_text(), "the worker never noticed the outage")
        assert worker.poll() is None, "the worker died with the database"
        _allow_connections(pg_admin, database, True)
        keys = [f"sms:shipped:{n}" for n in range(5)]
        engine = make_engine(pg_url)
        payload = {"order_no": "TB4081726354001", "carrier": "顺丰速运", "tracking_no": "SF1234567890123"}
        with transaction(engine) as conn:
            now = datetime.now() - timedelta(minutes=1)
            outbox.enqueue(conn, [outbox.message(k, "sms", "13912345678", "order_shipped", payload, now) for k in keys])
        deadline = time.monotonic() + 20
        while len(gateway.accepted) < len(keys) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        _allow_connections(pg_admin, database, True)
        worker.terminate()
        worker.wait(timeout=10)
        gateway.close()
    assert sorted(gateway.accepted) == keys
    assert "outbox pass failed" in log.read_text()


def _wait_for(condition, failure: str, seconds: float = 30) -> None:
    """Poll until condition() holds: a loaded CI machine may take seconds to start a process."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.1)


def _sessions(admin, database: str) -> int:
    with admin.connect() as conn:
        query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()")
        return conn.execute(query, {"db": database}).scalar_one()


def _allow_connections(admin, database: str, allowed: bool) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}'))
        if not allowed:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"),
                         {"db": database})  # fmt: skip
