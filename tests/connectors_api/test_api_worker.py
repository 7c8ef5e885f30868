"""The worker: a store lock keeps two worker processes off the same shop (and a killed worker's
lock is taken over once it expires), every shop runs on its own interval, stock goes back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

import worker
from connectors import pulls
from connectors.config import ShopConfig
from core import clock
from core.intake import shop_sync
from core.intake.tables import sync_state
from core.orders.tables import orders
from core.store.db import ROOT
from tests.connectors_api.conftest import START
from tests.connectors_api.kits import TAOBAO
from tests.connectors_api.pull_once import SHOP
from tests.connectors_api.servers.base import serving

LINES = [("PET-FOOD-2KG", 1, "59.90")]


def _pull_in_process(database_url: str, gateway: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.connectors_api.pull_once", database_url, gateway],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def _orders(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(orders)).scalar_one()


def test_two_worker_processes_never_pull_the_same_shop_at_once(engine, sqlite_url):
    server = TAOBAO.platform()
    server.put(*[TAOBAO.order(n, "paid", START + timedelta(minutes=n), LINES) for n in range(150)])
    server.delay = 0.7  # each call is slow, so the two pulls overlap in time
    with serving(server) as url:
        workers = [_pull_in_process(sqlite_url, f"{url}/router/rest") for _ in range(2)]
        results = [json.loads(w.communicate(timeout=60)[0]) for w in workers]
    assert sorted(r["skipped"] for r in results) == [False, True]
    assert sum(r["new"] for r in results) == 150 == _orders(engine)
    assert len(server.calls(TAOBAO.orders_call)) == 3  # one pull: page 1 for the count, then 2, 1


def test_a_killed_workers_lock_is_taken_over_once_it_expires(engine, sqlite_url):
    server = TAOBAO.platform()
    server.put(*[TAOBAO.order(n, "paid", START + timedelta(minutes=n), LINES) for n in range(150)])
    server.delay = 30  # the pull hangs inside its first call
    with serving(server) as url:
        doomed = _pull_in_process(sqlite_url, f"{url}/router/rest")
        while not server.requests:
            time.sleep(0.05)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait()
    shop_id = shop_sync.ensure_shop(engine, SHOP, "taobao")
    with engine.connect() as conn:
        held = conn.execute(select(sync_state).where(sync_state.c.shop_id == shop_id)).one()
    assert held.lock_owner and held.watermark is None
    assert not shop_sync.acquire(engine, shop_id, "second-worker", clock.now())
    assert shop_sync.acquire(engine, shop_id, "second-worker", held.lock_expires_at + timedelta(seconds=1))


def test_a_lock_is_taken_by_one_owner_at_a_time_on_either_database(any_engine):
    shop_id = shop_sync.ensure_shop(any_engine, SHOP, "taobao")
    now = clock.now()
    assert shop_sync.acquire(any_engine, shop_id, "worker-a", now)
    assert not shop_sync.acquire(any_engine, shop_id, "worker-b", now)
    assert shop_sync.acquire(any_engine, shop_id, "worker-a", now)  # ours already: extended
    shop_sync.release(any_engine, shop_id, "worker-a")
    assert shop_sync.acquire(any_engine, shop_id, "worker-b", now)


def test_the_worker_pulls_each_shop_pushes_stock_and_runs_its_housekeeping(engine, monkeypatch):
    server = TAOBAO.platform()
    server.put(TAOBAO.order(1, "paid", START + timedelta(hours=1), LINES))
    delivered = []
    monkeypatch.setattr(worker, "HOUSEKEEPING", [(15, delivered.append, "outbox")])
    with serving(server) as url:
        shop = ShopConfig(SHOP, "taobao", 10, TAOBAO.settings(url) | {"start": START})
        stop = threading.Event()
        stop.set()  # one pass of every job, then return
        worker.run(engine, [shop], stop)
    assert _orders(engine) == 1
    assert list(server.stock.values()) == [0]  # the SKU has no stock here: the channel is told 0
    assert delivered == [engine]


def test_every_shop_is_scheduled_on_its_own_interval(engine):
    shops = [ShopConfig("萌宠天猫旗舰店", "taobao", 10), ShopConfig("萌宠拼多多店", "pdd", 3)]
    jobs = worker.scheduler_for(engine, shops, "worker-a").get_jobs()
    assert {(next(iter(job.tags)), job.interval, job.unit) for job in jobs} == {
        ("outbox", 15, "seconds"),
        ("payment-timeouts", 300, "seconds"),
        ("sla-reminders", 900, "seconds"),
        ("waybill-cancel", 60, "seconds"),
        ("tracking", 120, "seconds"),
        ("萌宠拼多多店", 3, "minutes"),
        ("萌宠天猫旗舰店", 10, "minutes"),
    }


def test_a_platform_error_is_recorded_for_the_status_page_and_the_worker_goes_on(engine):
    server = TAOBAO.platform()
    with serving(server) as url:
        bad = ShopConfig(SHOP, "taobao", 10, TAOBAO.settings(url) | {"session": "expired", "start": START})
        results = pulls.pull_all(engine, [bad])
    assert "rejected the credentials" in results[0].error
    (row,) = [r for r in shop_sync.status(engine) if r.shop == SHOP]
    assert "rejected the credentials" in row.last_error and row.lock_owner is None


def test_a_pull_of_a_shop_locked_by_another_worker_is_skipped(engine):
    server = TAOBAO.platform()
    server.put(TAOBAO.order(1, "paid", START + timedelta(hours=1), LINES))
    shop_id = shop_sync.ensure_shop(engine, SHOP, "taobao")
    assert shop_sync.acquire(engine, shop_id, "other-worker", clock.now())
    with serving(server) as url:
        result = pulls.pull_shop(engine, ShopConfig(SHOP, "taobao", 10, TAOBAO.settings(url) | {"start": START}))
    assert result.skipped and _orders(engine) == 0 and server.requests == []
