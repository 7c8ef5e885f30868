"""Eight OS processes ingesting at once never oversell, and a killed import loses and doubles nothing."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from bench.common import generated_orders
from core.intake.ingest import ingest
from core.model import ON_HOLD, PAID
from core.orders import store_checks
from core.orders.tables import order_events, order_lines, orders
from core.stock.tables import reservations
from core.store.db import make_engine, migrate
from tests.core.helpers import add_skus

WORKERS = 8
PER_WORKER = 2000
SHARED = 200  # every worker also ingests these same orders, racing to insert them
SKUS = 50
STOCK_PER_SKU = 60

spawn = multiprocessing.get_context("spawn")


def ingest_share(url: str, worker: int) -> None:
    """One worker process: its own orders plus the shared ones, in small batches to interleave."""
    own = generated_orders(PER_WORKER - SHARED, SKUS, seed=worker, prefix=f"W{worker}-")
    shared = generated_orders(SHARED, SKUS, seed=99, prefix="SHARED-")
    ingest(make_engine(url), own[:900] + shared + own[900:], f"worker-{worker}", batch_size=100, history=True)


def stock_at_start(url: str) -> None:
    engine = make_engine(url)
    add_skus(engine, {f"SKU-{n:04d}": STOCK_PER_SKU for n in range(SKUS)})
    engine.dispose()


def assert_sound(engine, expected_orders: int) -> Counter:
    with engine.connect() as conn:
        assert store_checks.invariant_violations(conn) == []
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == expected_orders
        statuses = Counter(dict(conn.execute(select(orders.c.status, func.count()).group_by(orders.c.status)).all()))
        assert set(statuses) <= {PAID, ON_HOLD}
        lines = Counter()
        for order_id, sku, qty in conn.execute(select(order_lines.c.order_id, order_lines.c.sku_id, order_lines.c.qty)):
            lines[(order_id, sku)] = qty
        held = set(conn.execute(select(orders.c.id).where(orders.c.status == ON_HOLD)).scalars())
        reserved = {
            (o, s): q
            for o, s, q in conn.execute(select(reservations.c.order_id, reservations.c.sku_id, reservations.c.qty))
        }
        # every paid order holds exactly its lines; no held order holds anything
        assert reserved == {key: qty for key, qty in lines.items() if key[0] not in held}
        arrivals = conn.execute(
            select(func.count()).select_from(order_events).where(order_events.c.from_status.is_(None))
        ).scalar_one()
        assert arrivals == expected_orders
    return statuses


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite_url", "pg_url"])
def test_eight_processes_ingesting_at_once_never_oversell(request, store):
    url = request.getfixturevalue(store)
    migrate(make_engine(url))
    stock_at_start(url)
    workers = [spawn.Process(target=ingest_share, args=(url, n)) for n in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0] * WORKERS
    statuses = assert_sound(make_engine(url), WORKERS * (PER_WORKER - SHARED) + SHARED)
    assert statuses[PAID] > 0 and statuses[ON_HOLD] > 0  # stock really was scarce


CRASH_ORDERS = 50_000


def import_all(url: str) -> None:
    ingest(make_engine(url), generated_orders(CRASH_ORDERS, SKUS, seed=5), "import", batch_size=1000, history=True)


def order_outcome(url: str) -> tuple[dict, dict]:
    with make_engine(url).connect() as conn:
        statuses = dict(conn.execute(select(orders.c.channel_order_no, orders.c.status)).all())
        held = dict(
            conn.execute(
                select(orders.c.channel_order_no, func.sum(reservations.c.qty))
                .join(reservations, reservations.c.order_id == orders.c.id)
                .group_by(orders.c.channel_order_no)
            ).all()
        )
    return statuses, held


@pytest.mark.slow
def test_an_import_killed_midway_and_rerun_ends_exactly_like_an_uninterrupted_one(tmp_path):
    reference, crashed = (f"sqlite:///{tmp_path / name}.db" for name in ("reference", "crashed"))
    for url in (reference, crashed):
        migrate(make_engine(url))
        add_skus(make_engine(url), {f"SKU-{n:04d}": 800 for n in range(SKUS)})
    import_all(reference)

    victim = spawn.Process(target=import_all, args=(crashed,))
    victim.start()
    probe = make_engine(crashed)
    deadline = time.monotonic() + 120
    landed = 0
    while landed < 10_000 and time.monotonic() < deadline:
        time.sleep(0.02)
        with probe.connect() as conn:
            landed = conn.execute(select(func.count()).select_from(orders)).scalar_one()
    victim.kill()
    victim.join()
    with probe.connect() as conn:
        at_kill = conn.execute(select(func.count()).select_from(orders)).scalar_one()
    assert victim.exitcode == -9 and 0 < at_kill < CRASH_ORDERS, "the import must die midway"

    import_all(crashed)
    assert order_outcome(crashed) == order_outcome(reference)
    assert_sound(probe, CRASH_ORDERS)
